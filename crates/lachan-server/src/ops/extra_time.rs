//! Extra time: "+30 minutes of games today" for a profile, saved in the store and added to the
//! running budgets at once.

use jiff::Timestamp;
use lachan_policy::{ExtraTime, Target};
use serde::Serialize;

use super::profiles::visible_record;
use super::{OpError, record, validate};
use crate::principal::Principal;
use crate::state::AppState;

/// Most extra minutes granted at once.
const MAX_EXTRA_MINUTES: u32 = 12 * 60;

/// Extra time that was granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantedTime {
    /// The grant's id in the store.
    pub id: i64,
    /// The profile it is for.
    pub profile: String,
    /// What it is for: `all`, `group:NAME` or `service:ID`.
    pub target: Target,
    /// Extra minutes.
    pub minutes: u32,
    /// When it lapses: the next midnight in the profile's time zone.
    pub expires_at: Timestamp,
}

/// Grants `minutes` more today for `target` (`all`, `group:NAME` or `service:ID`) to profile
/// `name`.
pub async fn grant_extra_time(
    state: &AppState,
    who: &Principal,
    name: &str,
    target: &str,
    minutes: u32,
) -> Result<GrantedTime, OpError> {
    let found = visible_record(state, who, name).await?;
    let target = validate::target(state.catalog, target)?;
    if minutes == 0 || minutes > MAX_EXTRA_MINUTES {
        return Err(OpError::Invalid(format!(
            "extra time must be 1 to {MAX_EXTRA_MINUTES} minutes"
        )));
    }
    let now = state.now();
    let profile = found.profile.name;
    let extra = ExtraTime::today(target, minutes, &found.profile.time_zone, now);
    let id = state
        .store
        .grant_extra_time(&profile, &extra, &who.actor, now.as_millisecond())
        .await?;
    let detail = format!("+{minutes} min for {} today", extra.target);
    record(state, who, "extra time granted", &profile, &detail).await?;
    if let Some(gateway) = &state.gateway {
        gateway.grant_extra(&profile, extra.clone());
    }
    Ok(GrantedTime {
        id,
        profile,
        target: extra.target,
        minutes,
        expires_at: extra.expires_at,
    })
}
