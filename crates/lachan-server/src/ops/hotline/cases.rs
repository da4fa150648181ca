//! Reading the hotline: the queue, one report, the case list and one case with its reports,
//! history, actions, clocks and attachments.

use lachan_hotline::{CaseStatus, ClockStatus, workflow};
use lachan_store::hotline::{
    ActionRecord, AttachmentMeta, Authority, CaseEvent, CaseFilter, CaseRecord, ClockRecord, Report,
};
use serde::{Deserialize, Serialize};

use super::related::{ReportRead, suggestions};
use super::scope::{HotlineScope, hotline_scope, visible_case, visible_report};
use super::{case_object, fields, report_object, store_error};
use crate::ops::{OpError, record};
use crate::principal::Principal;
use crate::state::AppState;

/// Most rows of one list.
const MAX_LIST: u32 = 500;

/// Rows of a list when the caller does not say.
const DEFAULT_LIST: u32 = 100;

/// A report as a hotline user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    /// The report; its identity fields are empty unless `identity_shown`.
    #[serde(flatten)]
    pub report: Report,
    /// Whether the viewer may see who reported and who the child is.
    pub identity_shown: bool,
}

/// Which cases [`list_cases`] lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaseQuery {
    /// Only cases with this status.
    pub status: Option<String>,
    /// Only the cases of this operator (supervisors; an operator sees only theirs).
    pub assignee: Option<String>,
    /// Leave closed cases out.
    pub open_only: bool,
    /// At most this many (1 to 500, default 100), most recently changed first.
    pub limit: Option<u32>,
}

/// A legal clock of a case, with how it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockView {
    /// Row id.
    pub id: i64,
    /// The rule's name, e.g. `emergency_intervention`.
    pub rule: String,
    /// The legal text or hotline rule behind it.
    pub basis: String,
    /// Hours allowed.
    pub hours: u32,
    /// The takedown request it times, for per-action clocks.
    pub action_id: Option<i64>,
    /// When it started (Unix milliseconds).
    pub started_ms: i64,
    /// When it is due.
    pub due_ms: i64,
    /// When it was met.
    pub met_ms: Option<i64>,
    /// When supervisors were told it is overdue.
    pub escalated_ms: Option<i64>,
    /// How it stands now: `running`, `due_soon`, `overdue`, `met_in_time`, `met_late`, with the
    /// milliseconds left or late.
    #[serde(flatten)]
    pub status: ClockStatus,
}

/// A case in a list, with its clocks that are not met yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRow {
    /// The case.
    #[serde(flatten)]
    pub case: CaseRecord,
    /// Its unmet clocks.
    pub clocks: Vec<ClockView>,
}

/// An action of a case with the authority it went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionView {
    /// The action.
    #[serde(flatten)]
    pub action: ActionRecord,
    /// The authority, for referrals and takedown requests.
    pub authority: Option<Authority>,
}

/// A case with everything about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    /// The case.
    pub case: CaseRecord,
    /// Its reports, oldest first.
    pub reports: Vec<ReportView>,
    /// Its history, oldest first.
    pub events: Vec<CaseEvent>,
    /// Its actions, oldest first.
    pub actions: Vec<ActionView>,
    /// Its legal clocks, oldest first.
    pub clocks: Vec<ClockView>,
    /// Its attachments (without their bytes), oldest first.
    pub attachments: Vec<AttachmentMeta>,
    /// Whether the reports' identity fields are shown.
    pub identity_shown: bool,
    /// The statuses the viewer may move the case to.
    pub targets: Vec<CaseStatus>,
    /// Whether the viewer supervises the hotline (assign, hold, reopen).
    pub supervisor: bool,
}

/// The queue of `who`'s hotline: the oldest reports waiting to be triaged (at most `limit`, 1
/// to 500), without identity fields.
pub async fn list_queue(
    state: &AppState,
    who: &Principal,
    limit: u32,
) -> Result<Vec<ReportView>, OpError> {
    let scope = hotline_scope(who)?;
    let reports = state
        .store
        .queue(&scope.hotline, limit.clamp(1, MAX_LIST))
        .await?;
    Ok(reports
        .into_iter()
        .map(|r| ReportView {
            report: r.redacted(),
            identity_shown: false,
        })
        .collect())
}

/// Report `id`, with its identity fields if `who` may see them and, while it waits in the
/// queue, the open cases it may belong to ([`ReportRead::related`]); audited, naming the cases
/// suggested.
pub async fn get_report(state: &AppState, who: &Principal, id: i64) -> Result<ReportRead, OpError> {
    let scope = hotline_scope(who)?;
    let (report, identity_shown) = visible_report(state, &scope, id).await?;
    let view = ReportView {
        report,
        identity_shown,
    };
    let related = suggestions(state, &scope, &view).await?;
    let mut detail = if identity_shown {
        "identity shown".to_string()
    } else {
        "identity hidden".to_string()
    };
    if !related.is_empty() {
        let ids: Vec<String> = related.iter().map(|r| r.case_id.to_string()).collect();
        detail.push_str(&format!("; related cases {}", ids.join(", ")));
    }
    record(state, who, "report read", &report_object(id), &detail).await?;
    Ok(ReportRead { view, related })
}

/// The cases `who` may see that `query` selects, most recently changed first: an operator's
/// own, or any of the hotline for supervisors.
pub async fn list_cases(
    state: &AppState,
    who: &Principal,
    query: &CaseQuery,
) -> Result<Vec<CaseRow>, OpError> {
    let scope = hotline_scope(who)?;
    let asked = fields::given(query.assignee.as_deref());
    let assignee = if scope.supervisor {
        asked.map(str::to_string)
    } else {
        if asked.is_some_and(|a| a != scope.username) {
            return Ok(Vec::new());
        }
        Some(scope.username.clone())
    };
    let filter = CaseFilter {
        hotline: scope.hotline.clone(),
        assignee,
        status: fields::optional_name("case status", query.status.as_deref())?,
        open_only: query.open_only,
        limit: query.limit.unwrap_or(DEFAULT_LIST).clamp(1, MAX_LIST),
    };
    let now_ms = state.now().as_millisecond();
    let mut rows = Vec::new();
    for case in state.store.cases(&filter).await.map_err(store_error)? {
        let clocks = state.store.clocks_of_case(case.id).await?;
        let clocks = clocks
            .iter()
            .filter(|c| c.met_ms.is_none())
            .map(|c| clock_view(state, c, now_ms))
            .collect();
        rows.push(CaseRow { case, clocks });
    }
    Ok(rows)
}

/// Case `id` with its reports, history, actions, clocks and attachments; audited.
pub async fn get_case(state: &AppState, who: &Principal, id: i64) -> Result<CaseView, OpError> {
    let scope = hotline_scope(who)?;
    let case = visible_case(state, &scope, id).await?;
    let store = &state.store;
    let reports = store.reports_of_case(id).await?;
    let events = store.case_events(id).await?;
    let mut actions = Vec::new();
    for action in store.actions_of_case(id).await? {
        let authority = match action.authority_id {
            Some(a) => store.authority(a).await?,
            None => None,
        };
        actions.push(ActionView { action, authority });
    }
    let now_ms = state.now().as_millisecond();
    let clocks = store
        .clocks_of_case(id)
        .await?
        .iter()
        .map(|c| clock_view(state, c, now_ms))
        .collect();
    let attachments = store.attachments_of_case(id).await?;
    let ids: Vec<String> = reports.iter().map(|r| r.id.to_string()).collect();
    let detail = format!("identity shown; reports {}", ids.join(", "));
    record(state, who, "case read", &case_object(id), &detail).await?;
    Ok(CaseView {
        targets: targets(&scope, &case),
        supervisor: scope.supervisor,
        reports: reports
            .into_iter()
            .map(|report| ReportView {
                report,
                identity_shown: true,
            })
            .collect(),
        case,
        events,
        actions,
        clocks,
        attachments,
        identity_shown: true,
    })
}

/// The statuses `scope` may move `case` to: the workflow's, without reopening unless a
/// supervisor may, and none once the case is anonymised.
fn targets(scope: &HotlineScope, case: &CaseRecord) -> Vec<CaseStatus> {
    if case.anonymised_ms.is_some() {
        return Vec::new();
    }
    workflow::targets(case.status)
        .iter()
        .copied()
        .filter(|&to| !workflow::is_reopen(case.status, to) || scope.may_reopen())
        .collect()
}

/// A stored clock with its rule's details and status at `now_ms`.
fn clock_view(state: &AppState, clock: &ClockRecord, now_ms: i64) -> ClockView {
    let rule = state.hotline.options().clocks.rule(&clock.rule);
    ClockView {
        id: clock.id,
        rule: clock.rule.clone(),
        basis: rule.map(|r| r.basis.clone()).unwrap_or_default(),
        hours: rule.map_or(0, |r| r.hours),
        action_id: clock.action_id,
        started_ms: clock.started_ms,
        due_ms: clock.due_ms,
        met_ms: clock.met_ms,
        escalated_ms: clock.escalated_ms,
        status: clock.state().status(now_ms),
    }
}
