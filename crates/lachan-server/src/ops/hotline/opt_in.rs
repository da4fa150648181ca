//! Guardians' consent that repeated adult or gambling blocks of their child's profile are
//! filed as reports (channel `dns_alert`) in the hotline's queue.

use lachan_store::{AuditNote, Role};
use serde::Serialize;

use crate::ops::OpError;
use crate::ops::profiles::visible_record;
use crate::principal::Principal;
use crate::state::AppState;

/// Whether a profile's repeated blocks are reported, and who agreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptInView {
    /// The profile.
    pub profile: String,
    /// Whether its repeated adult or gambling blocks are reported.
    pub on: bool,
    /// The hotline they go to.
    pub hotline: Option<String>,
    /// Who consented (a username).
    pub opted_by: Option<String>,
    /// When (Unix milliseconds).
    pub opted_ms: Option<i64>,
}

/// Whether the repeated blocks of `profile` (one `who` manages) are reported to the hotline.
pub async fn hotline_opt_in(
    state: &AppState,
    who: &Principal,
    profile: &str,
) -> Result<OptInView, OpError> {
    let found = family(state, who, profile).await?;
    let consent = state.store.hotline_opt_in(&found).await?;
    Ok(OptInView {
        on: consent.is_some(),
        hotline: consent.as_ref().map(|c| c.hotline.clone()),
        opted_by: consent.as_ref().map(|c| c.opted_by.clone()),
        opted_ms: consent.as_ref().map(|c| c.opted_ms),
        profile: found,
    })
}

/// Gives (`on`) or withdraws the consent that repeated adult or gambling blocks of `profile`
/// are filed as reports to the hotline: the guardian of the profile's household, or an
/// administrator; audited.
pub async fn set_hotline_opt_in(
    state: &AppState,
    who: &Principal,
    profile: &str,
    on: bool,
) -> Result<OptInView, OpError> {
    let found = family(state, who, profile).await?;
    let hotline = state.hotline.options().name.clone();
    let consent = on.then_some((hotline.as_str(), who.actor.as_str()));
    let detail = if on {
        format!("on: repeated adult and gambling blocks reported to hotline {hotline}")
    } else {
        "off".to_string()
    };
    let note = AuditNote::new(&who.actor, "hotline opt-in", detail);
    state
        .store
        .set_hotline_opt_in(&found, consent, state.now().as_millisecond(), &note)
        .await?;
    hotline_opt_in(state, who, &found).await
}

/// The name of profile `profile` if `who` (a guardian or an administrator) manages it.
async fn family(state: &AppState, who: &Principal, profile: &str) -> Result<String, OpError> {
    if !matches!(who.role, Role::Admin | Role::Guardian) {
        return Err(OpError::Forbidden(format!(
            "a child's consent to hotline reports is given by a guardian or an administrator, \
             not a {}",
            who.role
        )));
    }
    Ok(visible_record(state, who, profile).await?.profile.name)
}
