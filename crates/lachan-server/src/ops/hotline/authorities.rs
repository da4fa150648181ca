//! The authorities referrals and takedown requests go to: listed for the hotline's staff and
//! administrators, edited by administrators only, never deleted (actions refer to them) but made
//! inactive. The store writes each change's audit entry in the change's own transaction.

use lachan_store::hotline::{Authority, AuthorityInput};
use lachan_store::{AuditNote, Role};

use super::store_error;
use crate::ops::{OpError, require_admin};
use crate::principal::Principal;
use crate::state::AppState;

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
    let note = AuditNote::new(&who.actor, "authority created", detail(input));
    let id = state
        .store
        .create_authority(input, now_ms, &note)
        .await
        .map_err(store_error)?;
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
    let note = AuditNote::new(&who.actor, "authority updated", detail(input));
    let found = state
        .store
        .update_authority(id, input, now_ms, &note)
        .await
        .map_err(store_error)?;
    if !found {
        return Err(OpError::NotFound(format!("authority {id}")));
    }
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
    let action = if active {
        "authority activated"
    } else {
        "authority deactivated"
    };
    let note = AuditNote::new(&who.actor, action, "");
    if !state
        .store
        .set_authority_active(id, active, now_ms, &note)
        .await?
    {
        return Err(OpError::NotFound(format!("authority {id}")));
    }
    authority(state, id).await
}

/// The audit detail of an authority's details: "kind: Vietnamese name".
fn detail(input: &AuthorityInput) -> String {
    format!("{}: {}", input.kind, input.name_vi.trim())
}

async fn authority(state: &AppState, id: i64) -> Result<Authority, OpError> {
    state
        .store
        .authority(id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("authority {id}")))
}
