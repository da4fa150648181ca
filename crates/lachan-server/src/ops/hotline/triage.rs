//! Changing the hotline's cases: triage of queued reports into a new or an existing case, the
//! workflow's status moves, risk, assignment, legal hold, actions and their outcomes. Each
//! change is audited: the store writes its entry in the change's own transaction.

use lachan_hotline::{ActionKind, ActionOutcome, CaseStatus, CloseReason, Risk};
use lachan_store::hotline::HotlineError;
use lachan_store::hotline::{MAX_TRIAGE_REPORTS, NewAction, NewCase, StatusChange, limits};
use lachan_store::{AuditNote, Role, StoreError};
use serde::Deserialize;

use super::intake::Created;
use super::scope::{HotlineScope, hotline_scope, visible_case};
use super::{fields, store_error};
use crate::ops::OpError;
use crate::principal::Principal;
use crate::state::AppState;

/// Reports of the queue to triage into a new case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseInput {
    /// The reports (new reports of the hotline's queue), at least one.
    pub report_ids: Vec<i64>,
    /// `emergency`, `high`, `medium` or `low`.
    pub risk: String,
    /// A short title (at most 120 characters), never a name: e.g. "Grooming on Roblox, 12y".
    pub title: String,
    /// The operator to assign (supervisors only; default: whoever triages).
    #[serde(default)]
    pub assignee: Option<String>,
}

/// A move in the case workflow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The new status: `triaged`, `in_intervention`, `referred`, `follow_up` or `closed`.
    pub status: String,
    /// Why it is closed (for `closed` only): `resolved`, `referred_out`, `no_contact`,
    /// `duplicate`, `not_online_harm`, `unfounded`.
    #[serde(default)]
    pub close_reason: Option<String>,
    /// A note; required to reopen a closed case.
    #[serde(default)]
    pub note: Option<String>,
}

/// A new risk level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    /// `emergency`, `high`, `medium` or `low`.
    pub risk: String,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// A new operator for a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The operator's (or supervisor's) username; none (or blank) to unassign.
    #[serde(default)]
    pub assignee: Option<String>,
}

/// A legal hold placed or lifted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    /// `true` to hold the case (never anonymised while held), `false` to lift the hold.
    pub hold: bool,
    /// Why (required to hold).
    #[serde(default)]
    pub reason: Option<String>,
}

/// An action on a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// `counselling`, `emergency_intervention`, `referral`, `takedown_request` or `follow_up`.
    pub kind: String,
    /// The authority: required for a referral (not a platform) and a takedown request (a
    /// platform); none otherwise.
    #[serde(default)]
    pub authority_id: Option<i64>,
    /// What was done or asked.
    #[serde(default)]
    pub note: Option<String>,
    /// When a follow-up is due: `2026-03-14T21:30` (Viet Nam time) or RFC 3339.
    #[serde(default)]
    pub due: Option<String>,
}

/// How an action ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// `pending`, `done` (for a takedown: removed), `refused` or `no_answer`.
    pub outcome: String,
}

/// Triages queued reports of `who`'s hotline into a new case, assigned to `who` (a supervisor
/// may name another operator). Starts the case's clocks.
pub async fn open_case(
    state: &AppState,
    who: &Principal,
    input: &OpenCaseInput,
) -> Result<Created, OpError> {
    let scope = hotline_scope(who)?;
    let risk: Risk = fields::name("risk", &input.risk)?;
    let title = fields::required_text("title", &input.title, limits::MAX_TITLE_CHARS, false)?;
    let report_ids = report_ids(&input.report_ids)?;
    let assignee = match fields::given(input.assignee.as_deref()) {
        None => scope.username.clone(),
        Some(name) if name == scope.username => scope.username.clone(),
        Some(name) => {
            require_supervisor(&scope, "assign a case to another operator")?;
            staff(state, &scope, name).await?
        }
    };
    let case = NewCase {
        hotline: scope.hotline.clone(),
        actor: who.actor.clone(),
        report_ids: report_ids.clone(),
        risk,
        assignee: Some(assignee.clone()),
        title,
        now_ms: state.now().as_millisecond(),
    };
    let detail = format!(
        "reports {}; risk {risk}; assignee {assignee}",
        list(&report_ids)
    );
    let note = AuditNote::new(&who.actor, "case open", detail);
    let id = state
        .store
        .open_case(&case, &state.hotline.options().clocks, &note)
        .await
        .map_err(|e| triage_error(&scope, e))?;
    Ok(Created { id })
}

/// Moves more queued reports into case `case_id`.
pub async fn join_case(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    report_ids: &[i64],
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    visible_case(state, &scope, case_id).await?;
    let report_ids = self::report_ids(report_ids)?;
    let note = AuditNote::new(
        &who.actor,
        "case join",
        format!("reports {}", list(&report_ids)),
    );
    state
        .store
        .join_case(
            case_id,
            &who.actor,
            &report_ids,
            state.now().as_millisecond(),
            &state.hotline.options().clocks,
            &note,
        )
        .await
        .map_err(|e| triage_error(&scope, e))
}

/// Moves case `case_id` in the workflow; reopening (closed → triaged) is for supervisors.
pub async fn set_case_status(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    input: &StatusInput,
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    let case = visible_case(state, &scope, case_id).await?;
    let to: CaseStatus = fields::name("case status", &input.status)?;
    let close_reason: Option<CloseReason> =
        fields::optional_name("close reason", input.close_reason.as_deref())?;
    let note = fields::text("note", input.note.as_deref(), limits::MAX_NOTE_CHARS, true)?
        .unwrap_or_default();
    let change = StatusChange {
        to,
        close_reason,
        note,
        may_reopen: scope.may_reopen(),
    };
    let mut detail = format!("{} → {to}", case.status);
    if let Some(reason) = close_reason {
        detail.push_str(&format!(" ({reason})"));
    }
    let audit = AuditNote::new(&who.actor, "case status", detail);
    state
        .store
        .set_case_status(
            case_id,
            &who.actor,
            &change,
            state.now().as_millisecond(),
            &audit,
        )
        .await
        .map_err(store_error)
}

/// Gives case `case_id` another risk level (raising it to emergency starts the emergency
/// clock).
pub async fn set_case_risk(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    input: &RiskInput,
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    let case = visible_case(state, &scope, case_id).await?;
    let risk: Risk = fields::name("risk", &input.risk)?;
    let note = fields::text("note", input.note.as_deref(), limits::MAX_NOTE_CHARS, true)?
        .unwrap_or_default();
    let audit = AuditNote::new(&who.actor, "case risk", format!("{} → {risk}", case.risk));
    state
        .store
        .set_case_risk(
            case_id,
            &who.actor,
            risk,
            &note,
            state.now().as_millisecond(),
            &state.hotline.options().clocks,
            &audit,
        )
        .await
        .map_err(store_error)
}

/// Assigns case `case_id` to an operator of the hotline, or to nobody (supervisors only).
pub async fn assign_case(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    input: &AssignInput,
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    let case = visible_case(state, &scope, case_id).await?;
    require_supervisor(&scope, "assign cases")?;
    let assignee = match fields::given(input.assignee.as_deref()) {
        Some(name) => Some(staff(state, &scope, name).await?),
        None => None,
    };
    let detail = format!(
        "{} → {}",
        case.assignee.as_deref().unwrap_or("nobody"),
        assignee.as_deref().unwrap_or("nobody")
    );
    let note = AuditNote::new(&who.actor, "case assign", detail);
    state
        .store
        .assign_case(
            case_id,
            &who.actor,
            assignee.as_deref(),
            state.now().as_millisecond(),
            &note,
        )
        .await
        .map_err(store_error)
}

/// Places or lifts the legal hold of case `case_id` (supervisors only).
pub async fn set_legal_hold(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    input: &HoldInput,
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    visible_case(state, &scope, case_id).await?;
    require_supervisor(&scope, "place or lift a legal hold")?;
    let reason = fields::text(
        "reason for the legal hold",
        input.reason.as_deref(),
        limits::MAX_NOTE_CHARS,
        true,
    )?;
    if input.hold && reason.is_none() {
        return Err(OpError::Invalid(
            "a legal hold needs a reason: write who asked for it and why (e.g. a police request \
             number)"
                .into(),
        ));
    }
    let detail = if input.hold { "held" } else { "released" };
    let note = AuditNote::new(&who.actor, "case hold", detail);
    state
        .store
        .set_legal_hold(
            case_id,
            &who.actor,
            input.hold,
            reason.as_deref().unwrap_or(""),
            state.now().as_millisecond(),
            &note,
        )
        .await
        .map_err(store_error)
}

/// Records an action on case `case_id`; returns its id.
pub async fn add_action(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    input: &ActionInput,
) -> Result<Created, OpError> {
    let scope = hotline_scope(who)?;
    visible_case(state, &scope, case_id).await?;
    let kind: ActionKind = fields::name("action kind", &input.kind)?;
    let due_ms = fields::given(input.due.as_deref())
        .map(|due| fields::time("due time", due))
        .transpose()?;
    if kind == ActionKind::FollowUp && due_ms.is_none() {
        return Err(OpError::Invalid(
            "a follow-up needs the time it is due, e.g. 2026-03-16T09:00".into(),
        ));
    }
    if kind != ActionKind::FollowUp && due_ms.is_some() {
        return Err(OpError::Invalid(format!(
            "only follow-ups have a due time; leave it out for a {kind}"
        )));
    }
    let action = NewAction {
        case_id,
        actor: who.actor.clone(),
        kind,
        authority_id: input.authority_id,
        note: fields::text("note", input.note.as_deref(), limits::MAX_NOTE_CHARS, true)?,
        due_ms,
        now_ms: state.now().as_millisecond(),
    };
    let mut detail = kind.to_string();
    if let Some(authority) = input.authority_id {
        detail.push_str(&format!(" to authority {authority}"));
    }
    let note = AuditNote::new(&who.actor, "action add", detail);
    let id = state
        .store
        .add_action(&action, &state.hotline.options().clocks, &note)
        .await
        .map_err(store_error)?;
    Ok(Created { id })
}

/// Sets the outcome of action `action_id` of case `case_id` (a takedown done meets its clock).
pub async fn set_action_outcome(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    action_id: i64,
    input: &OutcomeInput,
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    visible_case(state, &scope, case_id).await?;
    let outcome: ActionOutcome = fields::name("outcome", &input.outcome)?;
    let note = AuditNote::new(&who.actor, "action outcome", outcome.as_str());
    state
        .store
        .set_action_outcome(
            case_id,
            action_id,
            outcome,
            state.now().as_millisecond(),
            &state.hotline.options().clocks,
            &note,
        )
        .await
        .map_err(store_error)
}

/// [`store_error`], except that an operator is not told which case holds a report already
/// triaged (it may not be theirs): the report is not found, as it is not in the queue.
fn triage_error(scope: &HotlineScope, err: StoreError) -> OpError {
    match err {
        StoreError::Hotline(HotlineError::ReportInCase { report, .. }) if !scope.supervisor => {
            OpError::NotFound(format!("report {report} in the queue"))
        }
        other => store_error(other),
    }
}

/// Refuses operators: `what` is for supervisors.
fn require_supervisor(scope: &HotlineScope, what: &str) -> Result<(), OpError> {
    if scope.supervisor {
        Ok(())
    } else {
        Err(OpError::Forbidden(format!(
            "only supervisors can {what}; ask a supervisor of the hotline"
        )))
    }
}

/// `name` if it is an operator or supervisor of the scope's hotline (or an administrator who
/// supervises it).
async fn staff(state: &AppState, scope: &HotlineScope, name: &str) -> Result<String, OpError> {
    let user = state.store.user_by_name(name).await?;
    match user {
        Some(u)
            if matches!(u.role, Role::Operator | Role::Supervisor | Role::Admin)
                && u.hotline.as_deref() == Some(scope.hotline.as_str()) =>
        {
            Ok(u.username)
        }
        _ => Err(OpError::Invalid(format!(
            "'{}' is not an operator of hotline {}; choose one of its operators or supervisors",
            name.escape_debug(),
            scope.hotline
        ))),
    }
}

/// Report ids to triage: at least one, at most [`MAX_TRIAGE_REPORTS`], without repeats.
fn report_ids(ids: &[i64]) -> Result<Vec<i64>, OpError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(OpError::Invalid(
            "choose at least one report from the queue (report_ids)".into(),
        ));
    }
    if ids.len() > MAX_TRIAGE_REPORTS {
        return Err(OpError::Invalid(format!(
            "{} reports were chosen; triage at most {MAX_TRIAGE_REPORTS} at once",
            ids.len()
        )));
    }
    Ok(ids)
}

/// "3, 7".
fn list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
