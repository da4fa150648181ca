//! The authorities referrals and takedown requests go to: listed for the hotline's staff and
//! administrators, edited by administrators only, never deleted (actions refer to them) but made
//! inactive.

use lachan_store::Role;
use lachan_store::hotline::{Authority, AuthorityInput};

use super::store_error;
use crate::ops::{OpError, record, require_admin};
use crate::principal::Principal;
use crate::state::AppState;

/// The audit object of authority `id`.
fn object(id: i64) -> String {
    format!("authority:{id}")
}

/// The authorities (only the active ones unless `include_inactive`), by kind and name, for the
/// hotline's operators and supervisors and for administrators.
pub async fn list_authorities(
    state: &AppState,
    who: &Principal,
    include_inactive: bool,
) -> Result<Vec<Authority>, OpError> {
    if !matches!(who.role, Role::Operator | Role::Supervisor | Role::Admin) {
        return Err(OpError::Forbidden(format!(
            "the hotline's authorities are for its staff and administrators; a {} cannot read \
             them",
            who.role
        )));
    }
    Ok(state.store.authorities(include_inactive).await?)
}

/// Adds an authority (administrators only).
pub async fn create_authority(
    state: &AppState,
    who: &Principal,
    input: &AuthorityInput,
) -> Result<Authority, OpError> {
    require_admin(who, "edit the hotline's authorities")?;
    let now_ms = state.now().as_millisecond();
    let id = state
        .store
        .create_authority(input, now_ms)
        .await
        .map_err(store_error)?;
    let detail = format!("{}: {}", input.kind, input.name_vi.trim());
    record(state, who, "authority created", &object(id), &detail).await?;
    authority(state, id).await
}

/// Replaces the details of authority `id` and makes it active again if it was not
/// (administrators only).
pub async fn update_authority(
    state: &AppState,
    who: &Principal,
    id: i64,
    input: &AuthorityInput,
) -> Result<Authority, OpError> {
    require_admin(who, "edit the hotline's authorities")?;
    let now_ms = state.now().as_millisecond();
    let found = state
        .store
        .update_authority(id, input, now_ms)
        .await
        .map_err(store_error)?;
    if !found {
        return Err(OpError::NotFound(format!("authority {id}")));
    }
    state.store.set_authority_active(id, true, now_ms).await?;
    let detail = format!("{}: {}", input.kind, input.name_vi.trim());
    record(state, who, "authority updated", &object(id), &detail).await?;
    authority(state, id).await
}

/// Makes authority `id` active or inactive (administrators only): new actions cannot go to an
/// inactive one; those recorded keep it.
pub async fn set_authority_active(
    state: &AppState,
    who: &Principal,
    id: i64,
    active: bool,
) -> Result<Authority, OpError> {
    require_admin(who, "edit the hotline's authorities")?;
    let now_ms = state.now().as_millisecond();
    if !state.store.set_authority_active(id, active, now_ms).await? {
        return Err(OpError::NotFound(format!("authority {id}")));
    }
    let action = if active {
        "authority activated"
    } else {
        "authority deactivated"
    };
    record(state, who, action, &object(id), "").await?;
    authority(state, id).await
}

async fn authority(state: &AppState, id: i64) -> Result<Authority, OpError> {
    state
        .store
        .authority(id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("authority {id}")))
}
