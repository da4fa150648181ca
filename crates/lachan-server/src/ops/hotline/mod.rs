//! The hotline's actions: intake of reports and contacts, the queue, triage into cases, the
//! case workflow, actions and their outcomes, attachments sealed with the vault, authorities,
//! notifications, statistics, guardians' consent to reports of repeated blocks, and the reports
//! Lachan's own detections file.
//!
//! Scope ([`HotlineScope`]): an operator reaches the queue of their hotline (reports without
//! their identity fields) and the cases assigned to them; a supervisor, and an administrator
//! who also supervises a hotline, every report and case of it; everyone else is refused
//! ([`OpError::Forbidden`]). A report or case of another hotline, or one the principal may not
//! see, is [`OpError::NotFound`], the same answer as one that does not exist. Identity fields
//! (the child's and the reporter's name and contact) are shown only to the case's operator and
//! the supervisors.
//!
//! Audit: every read of a case or report (`case read`, `report read`, `attachment read`) and
//! every change writes an entry naming the principal and the object (`case:ID`, `report:ID`,
//! `case:ID/attachment:N`, `case:ID/action:N`, `authority:ID`).

mod attachments;
mod authorities;
mod cases;
mod detections;
mod fields;
mod intake;
mod notifications;
mod opt_in;
mod related;
mod scope;
mod stats;
mod triage;

use lachan_hotline::WorkflowError;
use lachan_store::StoreError;
use lachan_store::hotline::HotlineError;

use super::OpError;

pub use attachments::{AttachmentFile, download_attachment, upload_attachment};
pub use authorities::{create_authority, list_authorities, set_authority_active, update_authority};
pub use cases::{
    ActionView, CaseQuery, CaseRow, CaseView, ClockView, ReportView, get_case, get_report,
    list_cases, list_queue,
};
pub use detections::file_dns_alert;
pub(crate) use detections::file_grooming_alert;
pub use fields::HashInput;
pub use intake::{
    ContactInput, Created, FiledReport, PlatformReportInput, PublicReportError, ReportInput,
    file_operator_report, file_platform_report, file_public_report, record_contact,
};
pub use notifications::{list_notifications, list_queue_notices, mark_notification_read};
pub use opt_in::{OptInView, hotline_opt_in, set_hotline_opt_in};
pub use related::{RelatedCaseView, ReportRead};
pub use scope::{HotlineScope, StaffView, hotline_scope, hotline_staff};
pub use stats::{StatsInput, StatsView, hotline_stats, stats_tables};
pub use triage::{
    ActionInput, AssignInput, HoldInput, OpenCaseInput, OutcomeInput, RiskInput, StatusInput,
    add_action, assign_case, join_case, open_case, set_action_outcome, set_case_risk,
    set_case_status, set_legal_hold,
};

/// The audit object of case `id`.
fn case_object(id: i64) -> String {
    format!("case:{id}")
}

/// The audit object of report `id`.
fn report_object(id: i64) -> String {
    format!("report:{id}")
}

/// A store error of a hotline change as the caller should see it: missing (or another
/// hotline's) reports, cases and actions are not found; a state that does not allow the change
/// is a conflict; a reopen by an operator is forbidden; the rest is invalid input.
fn store_error(err: StoreError) -> OpError {
    let hotline = match err {
        StoreError::Hotline(h) => h,
        StoreError::InvalidPeriod(detail) => return OpError::Invalid(detail),
        other => return OpError::Store(other),
    };
    let message = hotline.to_string();
    match hotline {
        HotlineError::NoSuchReport(id) | HotlineError::ReportOfOtherHotline(id) => {
            OpError::NotFound(format!("report {id}"))
        }
        HotlineError::NoSuchCase(id) => OpError::NotFound(format!("case {id}")),
        HotlineError::NoSuchAction { case, action } => {
            OpError::NotFound(format!("action {action} of case {case}"))
        }
        HotlineError::ReportInCase { .. }
        | HotlineError::CaseClosed(_)
        | HotlineError::CaseAnonymised(_)
        | HotlineError::Workflow(WorkflowError::NotAllowed { .. }) => OpError::Conflict(message),
        HotlineError::Workflow(WorkflowError::ReopenForbidden) => OpError::Forbidden(message),
        _ => OpError::Invalid(message),
    }
}
