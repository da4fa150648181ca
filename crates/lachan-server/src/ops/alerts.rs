//! Alerts about the principal's profiles: repeated attempts at adult, gambling or threat sites,
//! and used-up budgets.

use lachan_store::Alert;

use super::profiles::managed_records;
use super::{OpError, record};
use crate::principal::Principal;
use crate::state::AppState;

/// Most alerts listed at once.
const MAX_ALERTS: u32 = 500;

/// The newest alerts (at most `limit`, up to 500) of the profiles `who` manages, newest first.
pub async fn list_alerts(
    state: &AppState,
    who: &Principal,
    limit: u32,
) -> Result<Vec<Alert>, OpError> {
    let limit = limit.clamp(1, MAX_ALERTS);
    if who.is_admin() {
        return Ok(state.store.alerts(None, limit).await?);
    }
    let names = managed_profiles(state, who).await?;
    Ok(state.store.alerts(Some(&names), limit).await?)
}

/// Marks alert `id` as read.
pub async fn mark_alert_read(state: &AppState, who: &Principal, id: i64) -> Result<(), OpError> {
    let not_found = || OpError::NotFound(format!("alert {id}"));
    let alert = state.store.alert_by_id(id).await?.ok_or_else(not_found)?;
    if !who.is_admin() && !managed_profiles(state, who).await?.contains(&alert.profile) {
        return Err(not_found());
    }
    if !state.store.mark_alert_read(id).await? {
        return Err(not_found());
    }
    let detail = format!("{} ({})", alert.subject, alert.profile);
    record(state, who, "alert read", &format!("alert {id}"), &detail).await
}

/// The names of the profiles a guardian manages.
async fn managed_profiles(state: &AppState, who: &Principal) -> Result<Vec<String>, OpError> {
    let records = managed_records(state, who).await?;
    Ok(records.into_iter().map(|r| r.profile.name).collect())
}
