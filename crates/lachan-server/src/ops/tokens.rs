//! API tokens: administrators manage all; a guardian manages the guardian tokens of their own
//! household. A new token's text is shown once and never stored.

use lachan_store::{ApiToken, Role};
use serde::{Deserialize, Serialize};

use super::{OpError, record};
use crate::ServerError;
use crate::principal::Principal;
use crate::state::AppState;
use crate::token::create_token_as;

/// A token to make.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// A label, e.g. "phone-app".
    pub name: String,
    /// What it may do; guardians make guardian tokens only, administrators any (a platform
    /// token reaches the text-safety API only).
    pub role: Role,
    /// The household a guardian token is limited to (a guardian's own, when made by one).
    #[serde(default)]
    pub household: Option<String>,
}

/// A token just made: its text is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewToken {
    /// The token as stored.
    #[serde(flatten)]
    pub info: ApiToken,
    /// The token's text, to send as `Authorization: Bearer TOKEN`.
    pub token: String,
}

/// The tokens `who` manages, oldest first.
pub async fn list_tokens(state: &AppState, who: &Principal) -> Result<Vec<ApiToken>, OpError> {
    Ok(state
        .store
        .list_api_tokens()
        .await?
        .into_iter()
        .filter(|t| manages(who, t))
        .collect())
}

/// Makes a token; a guardian's is a guardian token of the guardian's household.
pub async fn create_token(
    state: &AppState,
    who: &Principal,
    input: &TokenInput,
) -> Result<NewToken, OpError> {
    let household = if who.is_admin() {
        input.household.clone()
    } else {
        if input.role != Role::Guardian {
            return Err(OpError::Forbidden(
                "guardians can make guardian tokens only".into(),
            ));
        }
        match input.household.as_deref().map(str::trim) {
            Some(h) if !h.is_empty() && Some(h) != who.household.as_deref() => {
                return Err(OpError::Forbidden(
                    "guardians can make tokens for their own household only".into(),
                ));
            }
            _ => who.household.clone(),
        }
    };
    let (id, token) = create_token_as(
        &state.store,
        &who.actor,
        &input.name,
        input.role,
        household.as_deref(),
    )
    .await
    .map_err(|e| match e {
        ServerError::Store(e) => OpError::Store(e),
        other => OpError::Invalid(other.to_string()),
    })?;
    let info = state
        .store
        .list_api_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| OpError::NotFound(format!("token {id}")))?;
    Ok(NewToken { info, token })
}

/// Revokes token `id`.
pub async fn revoke_token(state: &AppState, who: &Principal, id: i64) -> Result<(), OpError> {
    let found = list_tokens(state, who)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| OpError::NotFound(format!("token {id}")))?;
    if !state.store.revoke_api_token(id).await? {
        return Err(OpError::NotFound(format!("token {id}")));
    }
    let detail = format!("id {id}, role {}", found.role);
    record(state, who, "token revoked", &found.name, &detail).await
}

/// Whether `who` manages token `t`.
fn manages(who: &Principal, t: &ApiToken) -> bool {
    who.is_admin() || (t.role == Role::Guardian && who.manages(t.household.as_deref()))
}
