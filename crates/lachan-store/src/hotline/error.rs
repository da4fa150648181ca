//! Why the store refused a change to the hotline's reports and cases.

use lachan_hotline::AuthorityMismatch;
use lachan_hotline::WorkflowError;

/// A hotline change the store refused, saying what to do instead. Reaches callers as
/// [`crate::StoreError::Hotline`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HotlineError {
    /// A text field is longer than the store keeps.
    #[error("the {field} has more than {max} characters; shorten it")]
    TooLong {
        /// The field, as people call it.
        field: &'static str,
        /// The most characters it may have.
        max: usize,
    },
    /// A list has more entries than the store keeps.
    #[error("more than {max} {field} were given; keep the {max} that matter most")]
    TooMany {
        /// The list, as people call it.
        field: &'static str,
        /// The most entries it may have.
        max: usize,
    },
    /// A required text is empty.
    #[error("the {0} is empty; fill it in")]
    Empty(&'static str),
    /// A content hash that is not hex digits of its kind's length.
    #[error(
        "'{value}' is not a {kind} hash: give {digits} hexadecimal digits (0-9, a-f)",
        digits = kind.hex_digits()
    )]
    InvalidHash {
        /// The hash's kind.
        kind: super::HashKind,
        /// The text given.
        value: String,
    },
    /// A province slug that is not one of `lachan_hotline`'s provinces.
    #[error("'{0}' is not a province; use a slug of the province list (e.g. ha-noi) or unknown")]
    UnknownProvince(String),
    /// A subtype given with a category it does not belong to.
    #[error("the subtype {subtype} belongs to the category {expected}, not {given}")]
    SubtypeMismatch {
        /// The subtype.
        subtype: lachan_hotline::Subtype,
        /// The category it belongs to.
        expected: lachan_policy::Category,
        /// The category given.
        given: lachan_policy::Category,
    },
    /// No report with this id exists.
    #[error("there is no report {0}; check the number")]
    NoSuchReport(i64),
    /// A report to triage is already part of a case.
    #[error("report {report} is already part of case {case}; open that case instead")]
    ReportInCase {
        /// The report.
        report: i64,
        /// Its case.
        case: i64,
    },
    /// A report to triage belongs to another hotline.
    #[error("report {0} belongs to another hotline")]
    ReportOfOtherHotline(i64),
    /// A case was to be opened (or joined) with no report.
    #[error("choose at least one report from the queue")]
    NoReports,
    /// No case with this id exists.
    #[error("there is no case {0}; check the number")]
    NoSuchCase(i64),
    /// A closed case was to be changed other than by reopening it or holding it.
    #[error("case {0} is closed; reopen it first (supervisors only)")]
    CaseClosed(i64),
    /// An anonymised case was to be reopened.
    #[error("case {0} was anonymised after it closed, so it cannot be reopened; open a new case")]
    CaseAnonymised(i64),
    /// The workflow has no such status change, or it lacks a reason.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// No action with this id exists on the case.
    #[error("case {case} has no action {action}; check the numbers")]
    NoSuchAction {
        /// The case.
        case: i64,
        /// The action asked for.
        action: i64,
    },
    /// No authority with this id exists.
    #[error("there is no authority {0}; choose one from the list of authorities")]
    NoSuchAuthority(i64),
    /// An inactive authority was chosen for a new action.
    #[error("the authority {0} is no longer active; choose an active one")]
    InactiveAuthority(i64),
    /// A referral or takedown request without an authority, or an action with one of the wrong
    /// kind.
    #[error(transparent)]
    Authority(#[from] AuthorityMismatch),
    /// A follow-up without the time it is due.
    #[error("a follow-up needs the time it is due")]
    FollowUpNeedsDue,
}
