//! The open cases a queued report may belong to, suggested to whoever triages it: every case
//! number with why and its status and risk, and the title and operator only of the cases the
//! viewer may open (a supervisor's, or an operator's own), since a title may hint at who is in
//! the case.

use lachan_hotline::{CaseStatus, Risk};
use lachan_store::hotline::{RelatedCase, RelationReason, ReportStatus};
use serde::Serialize;

use super::ReportView;
use super::scope::HotlineScope;
use super::store_error;
use crate::ops::OpError;
use crate::state::AppState;

/// Most cases suggested for one report.
const MAX_SUGGESTED: u32 = 10;

/// An open case that may be related to a report, as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedCaseView {
    /// The case number.
    pub case_id: i64,
    /// Why it may be related: `same_url`, `same_account`, `same_hash`, `same_child`.
    pub reasons: Vec<RelationReason>,
    /// Where it is in the workflow (never closed).
    pub status: CaseStatus,
    /// How urgent it is.
    pub risk: Risk,
    /// Whether the viewer may open the case and join reports to it (supervisors; the case's
    /// operator).
    pub may_open: bool,
    /// Its title, only when `may_open`.
    pub title: Option<String>,
    /// Its operator, only when `may_open`.
    pub assignee: Option<String>,
}

impl RelatedCaseView {
    /// `case` as `scope` may see it.
    fn of(scope: &HotlineScope, case: RelatedCase) -> RelatedCaseView {
        let may_open =
            scope.supervisor || case.assignee.as_deref() == Some(scope.username.as_str());
        RelatedCaseView {
            case_id: case.case_id,
            reasons: case.reasons,
            status: case.status,
            risk: case.risk,
            may_open,
            title: may_open.then_some(case.title),
            assignee: case.assignee.filter(|_| may_open),
        }
    }
}

/// One report as read alone: the report, and the open cases it may belong to while it waits
/// in the queue to be triaged (empty once it is part of a case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRead {
    /// The report.
    #[serde(flatten)]
    pub view: ReportView,
    /// Open cases of the hotline that share a URL, an account, a hash or the child with it,
    /// most reasons first.
    pub related: Vec<RelatedCaseView>,
}

/// The cases suggested to `scope` for `view`: none unless the report waits in the queue.
pub(super) async fn suggestions(
    state: &AppState,
    scope: &HotlineScope,
    view: &ReportView,
) -> Result<Vec<RelatedCaseView>, OpError> {
    if view.report.status != ReportStatus::New {
        return Ok(Vec::new());
    }
    let related = state
        .store
        .related_cases(view.report.id, &scope.hotline, MAX_SUGGESTED)
        .await
        .map_err(store_error)?;
    Ok(related
        .into_iter()
        .map(|case| RelatedCaseView::of(scope, case))
        .collect())
}
