//! The live view of a profile: whether all internet is blocked now, and each budget's minutes
//! used and left today.

use jiff::Timestamp;
use lachan_policy::{BlockReason, Target};
use serde::Serialize;

use super::OpError;
use super::profiles::visible_record;
use crate::principal::Principal;
use crate::state::AppState;

/// A profile's state now, as DNS holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveView {
    /// Why all internet is blocked now (a pause or a schedule), if it is.
    pub blocked: Option<TimeBlock>,
    /// Each daily budget: minutes used, allowed and left today.
    pub budgets: Vec<BudgetView>,
    /// When today's budgets reset (the next local midnight).
    pub resets_at: Timestamp,
}

/// Why all internet is blocked now, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeBlock {
    /// In Vietnamese.
    pub text_vi: String,
    /// In English.
    pub text_en: String,
    /// When it ends, if it does.
    pub until: Option<Timestamp>,
}

/// One budget's use today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetView {
    /// What is counted.
    pub target: Target,
    /// Minutes used today.
    pub used: u32,
    /// Minutes allowed today (budget plus extra time).
    pub allowance: u32,
    /// Minutes left today.
    pub remaining: u32,
}

/// Profile `name`'s state now; `None` when no DNS gateway runs or it does not know the profile.
pub async fn live(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<Option<LiveView>, OpError> {
    let found = visible_record(state, who, name).await?;
    let Some(gateway) = &state.gateway else {
        return Ok(None);
    };
    Ok(gateway.live(&found.profile.name).map(|live| LiveView {
        blocked: live.blocked.map(|reason| TimeBlock {
            text_vi: reason.text_vi(),
            text_en: reason.text_en(),
            until: until(&reason),
        }),
        budgets: live
            .budgets
            .into_iter()
            .map(|b| BudgetView {
                remaining: b.remaining(),
                target: b.target,
                used: b.used,
                allowance: b.allowance,
            })
            .collect(),
        resets_at: live.resets_at,
    }))
}

/// When a block ends, if it does.
fn until(reason: &BlockReason) -> Option<Timestamp> {
    match reason {
        BlockReason::Paused { until } | BlockReason::Schedule { until, .. } => {
            until.as_ref().map(|m| m.timestamp())
        }
        BlockReason::BudgetExhausted { resets_at, .. } => Some(resets_at.timestamp()),
    }
}
