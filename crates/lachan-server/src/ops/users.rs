//! Console users, for administrators: list, create with a role and a household (guardians) or
//! a hotline (operators, supervisors, and administrators who also supervise one), delete.

use lachan_store::{Role, User};
use serde::Deserialize;

use super::account::hash_in_background;
use super::{OpError, record, require_admin, validate};
use crate::principal::{Principal, Via};
use crate::state::AppState;

/// A user to make.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Sign-in name.
    pub username: String,
    /// Password (10 to 256 characters); only its Argon2id hash is stored.
    pub password: String,
    /// `admin`, `guardian`, `operator` or `supervisor` (`platform` is refused: it is a role
    /// for tokens only).
    pub role: Role,
    /// The household or class a guardian manages (required for guardians, none for others).
    #[serde(default)]
    pub household: Option<String>,
    /// The hotline an operator or supervisor works for (required for them), or that an
    /// administrator also supervises (optional); none for guardians.
    #[serde(default)]
    pub hotline: Option<String>,
}

/// Every user, oldest first.
pub async fn list_users(state: &AppState, who: &Principal) -> Result<Vec<User>, OpError> {
    require_admin(who, "manage users")?;
    Ok(state.store.list_users().await?)
}

/// Makes a user.
pub async fn create_user(
    state: &AppState,
    who: &Principal,
    input: &UserInput,
) -> Result<User, OpError> {
    require_admin(who, "manage users")?;
    if !input.role.is_person() {
        return Err(OpError::Invalid(format!(
            "the role '{}' is for API tokens of software, not for people; give the user the \
             admin, guardian, operator or supervisor role, and make a {0} token on the API \
             tokens page instead",
            input.role
        )));
    }
    let username = validate::name("user", &input.username)?;
    validate::new_password(&input.password)?;
    let household = validate::household(input.household.as_deref())?;
    match (input.role, &household) {
        (Role::Guardian, None) => {
            return Err(OpError::Invalid(
                "a guardian manages one household or class; give its name".into(),
            ));
        }
        (Role::Guardian, Some(_)) => {}
        (role, Some(_)) => {
            return Err(OpError::Invalid(format!(
                "only guardians manage a household; leave the household empty for the {role} role"
            )));
        }
        _ => {}
    }
    let hotline = match input
        .hotline
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        Some(h) => Some(validate::name("hotline", h)?),
        None => None,
    };
    match (input.role, &hotline) {
        (Role::Operator | Role::Supervisor, None) => {
            return Err(OpError::Invalid(format!(
                "the {} role works for a hotline; give its name (e.g. 111)",
                input.role
            )));
        }
        (Role::Guardian, Some(_)) => {
            return Err(OpError::Invalid(
                "guardians do not work for a hotline; leave the hotline empty, or choose the \
                 operator or supervisor role"
                    .into(),
            ));
        }
        _ => {}
    }
    let hash = hash_in_background(input.password.clone()).await?;
    let id = state
        .store
        .create_user(
            &username,
            &hash,
            input.role,
            household.as_deref(),
            hotline.as_deref(),
        )
        .await?
        .ok_or_else(|| {
            OpError::Conflict(format!(
                "the username '{username}' is taken; choose another"
            ))
        })?;
    let mut detail = format!("id {id}, role {}", input.role);
    if let Some(h) = &household {
        detail.push_str(&format!(", household {h}"));
    }
    if let Some(h) = &hotline {
        detail.push_str(&format!(", hotline {h}"));
    }
    record(state, who, "user created", &username, &detail).await?;
    state
        .store
        .user_by_id(id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("user {id}")))
}

/// Deletes user `id` and ends their sessions. Nobody deletes their own account, and the last
/// administrator stays.
pub async fn delete_user(state: &AppState, who: &Principal, id: i64) -> Result<(), OpError> {
    require_admin(who, "manage users")?;
    if matches!(who.via, Via::Session { user_id, .. } if user_id == id) {
        return Err(OpError::Conflict(
            "you cannot delete your own account; another administrator can".into(),
        ));
    }
    let users = state.store.list_users().await?;
    let user = users
        .iter()
        .find(|u| u.id == id)
        .ok_or_else(|| OpError::NotFound(format!("user {id}")))?;
    let admins = users.iter().filter(|u| u.role == Role::Admin).count();
    if user.role == Role::Admin && admins <= 1 {
        return Err(OpError::Conflict(
            "this is the last administrator; make another one first".into(),
        ));
    }
    state.store.delete_user_sessions(id).await?;
    if !state.store.delete_user(id).await? {
        return Err(OpError::NotFound(format!("user {id}")));
    }
    let detail = format!("id {id}, role {}", user.role);
    record(state, who, "user deleted", &user.username, &detail).await
}
