//! The console's actions, one function per action, shared by the JSON API and the HTML console.
//!
//! Every action takes the [`Principal`] making it and:
//! - scopes: a guardian reaches only the profiles of their own household and the devices of
//!   those profiles; anything else is [`OpError::NotFound`], exactly as if it did not exist, so
//!   that names do not leak across households. Admin-only areas (users, the audit log) answer
//!   [`OpError::Forbidden`];
//! - validates its input, with errors that say what was wrong and what to write instead;
//! - writes one audit entry per change (who, what, which object, detail);
//! - applies changes to DNS at once through the [`Gateway`](crate::Gateway), when there is one.
//!
//! The hotline's actions (reports, cases, attachments, authorities, statistics) scope by the
//! principal's hotline instead of a household; see `hotline`'s module documentation and
//! [`HotlineScope`].

mod account;
mod activity;
mod alerts;
mod audit;
mod devices;
mod extra_time;
mod hotline;
mod live;
mod pause;
mod profiles;
mod services;
mod tokens;
mod users;
mod validate;

use lachan_store::StoreError;

use crate::principal::Principal;
use crate::state::AppState;

pub use account::{Credentials, LoginError, SignedIn, login, logout, setup, setup_needed};
pub use activity::{DayActivity, WeekActivity, WeekDay, day_activity, week_activity};
pub use alerts::{list_alerts, mark_alert_read};
pub use audit::audit_log;
pub use devices::{
    DeviceInput, DeviceView, UnseenDevice, create_device, delete_device, get_device, list_devices,
    unseen_devices, update_device,
};
pub use extra_time::{GrantedTime, grant_extra_time};
pub(crate) use hotline::file_grooming_alert;
pub use hotline::{
    ActionInput, ActionView, AssignInput, AttachmentFile, CaseQuery, CaseRow, CaseView, ClockView,
    ContactInput, Created, FiledReport, HashInput, HoldInput, HotlineScope, OpenCaseInput,
    OptInView, OutcomeInput, PlatformReportInput, PublicReportError, RelatedCaseView, ReportInput,
    ReportRead, ReportView, RiskInput, StaffView, StatsInput, StatsView, StatusInput, add_action,
    assign_case, create_authority, download_attachment, file_dns_alert, file_operator_report,
    file_platform_report, file_public_report, get_case, get_report, hotline_opt_in, hotline_scope,
    hotline_staff, hotline_stats, join_case, list_authorities, list_cases, list_notifications,
    list_queue, list_queue_notices, mark_notification_read, open_case, record_contact,
    set_action_outcome, set_authority_active, set_case_risk, set_case_status, set_hotline_opt_in,
    set_legal_hold, stats_tables, update_authority, upload_attachment,
};
pub use live::{BudgetView, LiveView, TimeBlock, live};
pub use pause::{PauseLength, pause_profile, resume_profile};
pub use profiles::{
    BudgetInput, ProfileInput, ProfileView, ScheduleInput, create_profile, delete_profile,
    get_profile, list_profiles, update_profile,
};
pub use services::list_services;
pub use tokens::{NewToken, TokenInput, create_token, list_tokens, revoke_token};
pub use users::{UserInput, create_user, delete_user, list_users};

/// Why an action was not done.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The object does not exist, or the principal may not see it (the same answer).
    #[error("there is no {0} that you can manage")]
    NotFound(String),
    /// The principal's role may not do this at all.
    #[error("{0}")]
    Forbidden(String),
    /// The input is not valid; the text says what to change.
    #[error("{0}")]
    Invalid(String),
    /// The action conflicts with what exists (a name taken, a file-made profile, setup done).
    #[error("{0}")]
    Conflict(String),
    /// The server failed in a way that is not the caller's fault.
    #[error("the server failed: {0}; retry, and if it persists check Lachan's log")]
    Internal(String),
    /// The change was saved, but the DNS gateway could not apply it.
    #[error("the change was saved, but DNS could not apply it: {0}")]
    NotApplied(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes one audit entry for a change made by `who`.
async fn record(
    state: &AppState,
    who: &Principal,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), OpError> {
    state
        .store
        .append_audit(&who.actor, action, object, detail)
        .await?;
    Ok(())
}

/// Makes DNS use the store's profiles and devices now, when a gateway runs.
async fn apply(state: &AppState) -> Result<(), OpError> {
    match &state.gateway {
        Some(gateway) => gateway.apply().await.map_err(OpError::NotApplied),
        None => Ok(()),
    }
}

/// Refuses guardians: `what` is done by administrators only.
fn require_admin(who: &Principal, what: &str) -> Result<(), OpError> {
    if who.is_admin() {
        Ok(())
    } else {
        Err(OpError::Forbidden(format!(
            "only administrators can {what}; ask an administrator of this Lachan"
        )))
    }
}
