//! `/hotline/cases/{id}`: one case (reading it is audited) — its summary, its legal deadlines
//! (each rule's start, due time, state with the time left or late in words, and legal basis),
//! its reports, actions and history, its attachments; and the forms that change it: status
//! (only the moves the workflow allows; closing needs a reason), risk, operator and legal hold
//! (supervisors), recording an action (a referral to an authority, a takedown request to a
//! platform, a follow-up with its time) and its outcome, uploading and downloading attachments
//! (sealed by the server; the page says never to upload sexual images of children).

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lachan_hotline::{
    ActionKind, ActionOutcome, AuthorityKind, CaseStatus, ClockStatus, CloseReason, Risk,
};
use lachan_policy::Zone;
use lachan_store::hotline::{Authority, CaseEvent, CaseEventKind, limits};

use super::report::{ReportDetails, operator_choices};
use super::report_form::choices;
use super::time::duration;
use super::words::{clock, word, word_of};
use super::{case_href, numbered_page, outcome_class, read_one, risk_class};
use crate::csrf::{CSRF_FIELD, check_same_origin, verify_form};
use crate::download::content_disposition;
use crate::ops::{
    self, ActionInput, ActionView, AssignInput, CaseView, ClockView, HoldInput, OutcomeInput,
    RiskInput, StatusInput,
};
use crate::principal::Principal;
use crate::state::AppState;
use crate::ui::form::Posted;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::page::{Page, Req, redirect_with, render};
use crate::ui::profiles::{Choice, ChoiceGroup};
use crate::ui::text;
use crate::ui::viewer::{Viewer, signed_in};

/// The case's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub close_reason: String,
    pub risk: String,
    pub risk_class: &'static str,
    pub assignee: String,
    pub opened: String,
    pub updated: String,
    pub hold: String,
    pub held: bool,
    pub anonymised: String,
}

/// A legal deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClockRow {
    pub rule: String,
    pub name: String,
    pub hours: String,
    pub basis: String,
    pub status: String,
    pub class: &'static str,
    pub remaining: String,
    pub started: String,
    pub due: String,
}

/// An action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionRow {
    pub id: i64,
    pub kind: String,
    pub kind_name: &'static str,
    pub authority: String,
    pub note: String,
    pub due: String,
    pub time: String,
    pub actor: String,
    pub outcome: String,
    pub outcome_class: &'static str,
    pub pending: bool,
}

/// An attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileRow {
    pub href: String,
    pub name: String,
    pub size: String,
    pub time: String,
    pub actor: String,
}

/// An entry of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimelineItem {
    /// For ordering.
    pub at: i64,
    pub time: String,
    pub who: String,
    pub what: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "hotline_case.html")]
struct CasePage {
    page: Page,
    base: String,
    case: Summary,
    open: bool,
    /// Whether the forms' column is shown (a closed case has none for its operator).
    side: bool,
    supervisor: bool,
    clocks: Vec<ClockRow>,
    statuses: Vec<Choice>,
    close_reasons: Vec<Choice>,
    risks: Vec<Choice>,
    operators: Vec<Choice>,
    action_kinds: Vec<Choice>,
    authorities: Vec<ChoiceGroup>,
    outcomes: Vec<Choice>,
    actions: Vec<ActionRow>,
    reports: Vec<ReportDetails>,
    attachments: Vec<FileRow>,
    upload_label: String,
    timeline: Vec<TimelineItem>,
    max_note: usize,
}

/// An authority's name in the page's language.
fn authority_name(tr: Tr, authority: &Authority) -> String {
    match tr.lang() {
        Lang::Vi => authority.details.name_vi.clone(),
        Lang::En => authority.details.name_en.clone(),
    }
}

/// "18 KB", "3.5 MB", "10 MB".
fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < MB => format!("{} KB", b.div_ceil(1024)),
        b if b % MB == 0 => format!("{} MB", b / MB),
        b => format!("{:.1} MB", b as f64 / MB as f64),
    }
}

/// The reports a case event's note lists ("reports 3, 4"), in words: "báo cáo #3, #4".
fn reports_note(tr: Tr, note: &str) -> String {
    let ids: Vec<String> = note
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(|n| format!("#{n}"))
        .collect();
    if ids.is_empty() {
        note.to_string()
    } else {
        tr.t1("hotline-event-reports", "ids", ids.join(", "))
    }
}

fn clock_row(tr: Tr, zone: &Zone, c: &ClockView) -> ClockRow {
    let remaining = match c.status {
        ClockStatus::Running { left_ms } | ClockStatus::DueSoon { left_ms } => {
            tr.t1("hotline-clock-left", "time", duration(tr, left_ms))
        }
        ClockStatus::Overdue { late_ms } => {
            tr.t1("hotline-clock-late", "time", duration(tr, late_ms))
        }
        ClockStatus::MetInTime | ClockStatus::MetLate => c.met_ms.map_or_else(String::new, |ms| {
            tr.t1("hotline-clock-met", "time", text::date_time(tr, zone, ms))
        }),
    };
    ClockRow {
        rule: c.rule.clone(),
        name: clock(tr, &c.rule),
        hours: tr.t1("hotline-clock-hours", "hours", c.hours),
        basis: c.basis.clone(),
        status: word(tr, c.status),
        class: super::clock_class(c.status),
        remaining,
        started: text::date_time(tr, zone, c.started_ms),
        due: text::date_time(tr, zone, c.due_ms),
    }
}

fn action_row(tr: Tr, zone: &Zone, a: &ActionView) -> ActionRow {
    let action = &a.action;
    let outcome =
        if action.kind == ActionKind::TakedownRequest && action.outcome == ActionOutcome::Done {
            tr.t("hotline-outcome-removed")
        } else {
            word(tr, action.outcome)
        };
    ActionRow {
        id: action.id,
        kind: word(tr, action.kind),
        kind_name: action.kind.as_str(),
        authority: a
            .authority
            .as_ref()
            .map_or_else(String::new, |au| authority_name(tr, au)),
        note: action.note.clone().unwrap_or_default(),
        due: action
            .due_ms
            .map_or_else(String::new, |ms| text::date_time(tr, zone, ms)),
        time: text::date_time(tr, zone, action.created_ms),
        actor: action.actor.clone(),
        outcome,
        outcome_class: outcome_class(action.outcome),
        pending: action.outcome == ActionOutcome::Pending,
    }
}

/// A case event in words.
fn event_item(tr: Tr, zone: &Zone, e: &CaseEvent) -> TimelineItem {
    let kind = word(tr, e.kind);
    let from = e.from_value.as_deref().unwrap_or("");
    let to = e.to_value.as_deref().unwrap_or("");
    let nobody = || tr.t("hotline-case-unassigned");
    let (from, to) = match e.kind {
        CaseEventKind::Status => (
            word_of::<CaseStatus>(tr, from),
            word_of::<CaseStatus>(tr, to),
        ),
        CaseEventKind::Risk => (word_of::<Risk>(tr, from), word_of::<Risk>(tr, to)),
        CaseEventKind::Assignee => (
            e.from_value.clone().unwrap_or_else(nobody),
            e.to_value.clone().unwrap_or_else(nobody),
        ),
        _ => (from.to_string(), to.to_string()),
    };
    let what = match e.kind {
        CaseEventKind::Opened | CaseEventKind::ReportsJoined => kind,
        CaseEventKind::Hold if to == "held" => tr.t("hotline-event-held"),
        CaseEventKind::Hold => tr.t("hotline-event-released"),
        _ if from.is_empty() => format!("{kind}: {to}"),
        _ => format!("{kind}: {from} → {to}"),
    };
    let mut note = e.note.clone().unwrap_or_default();
    if matches!(e.kind, CaseEventKind::Opened | CaseEventKind::ReportsJoined) {
        note = reports_note(tr, &note);
    }
    if let Some(reason) = e.reason {
        let reason = word(tr, reason);
        note = if note.is_empty() {
            reason
        } else {
            format!("{reason}; {note}")
        };
    }
    TimelineItem {
        at: e.time_ms,
        time: text::date_time(tr, zone, e.time_ms),
        who: text::audit_word(tr, &e.actor),
        what,
        note,
    }
}

/// The history: case events and actions (with their outcomes), oldest first.
fn timeline(tr: Tr, zone: &Zone, view: &CaseView, actions: &[ActionRow]) -> Vec<TimelineItem> {
    let mut items: Vec<TimelineItem> = view
        .events
        .iter()
        .map(|e| event_item(tr, zone, e))
        .collect();
    for (a, row) in view.actions.iter().zip(actions) {
        let action = &a.action;
        let what = if row.authority.is_empty() {
            row.kind.clone()
        } else {
            format!("{} → {}", row.kind, row.authority)
        };
        items.push(TimelineItem {
            at: action.created_ms,
            time: row.time.clone(),
            who: action.actor.clone(),
            what,
            note: row.note.clone(),
        });
        if let Some(ms) = action.outcome_ms.filter(|&ms| ms != action.created_ms) {
            items.push(TimelineItem {
                at: ms,
                time: text::date_time(tr, zone, ms),
                who: String::new(),
                what: format!("{}: {}", row.kind, row.outcome),
                note: String::new(),
            });
        }
    }
    items.sort_by_key(|i| i.at);
    items
}

/// The authorities new actions may go to: those for referrals, then the platforms.
async fn authority_groups(state: &AppState, who: &Principal, tr: Tr) -> Vec<ChoiceGroup> {
    let authorities = ops::list_authorities(state, who, false)
        .await
        .unwrap_or_default();
    let group = |label: &str, platforms: bool| ChoiceGroup {
        label: tr.t(label),
        options: authorities
            .iter()
            .filter(|a| a.active && (a.details.kind == AuthorityKind::Platform) == platforms)
            .map(|a| Choice {
                value: a.id.to_string(),
                label: authority_name(tr, a),
                selected: false,
            })
            .collect(),
    };
    vec![
        group("hotline-authorities-referral", false),
        group("hotline-authorities-platforms", true),
    ]
}

/// `GET /hotline/cases/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Path(id): Path<i64>,
) -> Response {
    let tr = req.tr();
    let (scope, view) = match read_one(tr, &who, ops::get_case(&state, &who, id)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let zone = Zone::default();
    let page = numbered_page(&req, &who, "hotline-case-title", "hotline-case-help", id);
    let case = &view.case;
    let open = case.status != CaseStatus::Closed && case.anonymised_ms.is_none();
    let actions: Vec<ActionRow> = view
        .actions
        .iter()
        .map(|a| action_row(tr, &zone, a))
        .collect();
    let max_attachment = state.hotline.options().max_attachment_bytes;
    let summary = Summary {
        id: case.id,
        title: case.title.clone(),
        status: word(tr, case.status),
        close_reason: case.close_reason.map_or_else(String::new, |r| word(tr, r)),
        risk: word(tr, case.risk),
        risk_class: risk_class(case.risk),
        assignee: case
            .assignee
            .clone()
            .unwrap_or_else(|| tr.t("hotline-case-unassigned")),
        opened: text::date_time(tr, &zone, case.created_ms),
        updated: text::date_time(tr, &zone, case.updated_ms),
        hold: if case.legal_hold {
            tr.t1(
                "hotline-held",
                "reason",
                case.hold_reason.clone().unwrap_or_default(),
            )
        } else {
            tr.t("hotline-not-held")
        },
        held: case.legal_hold,
        anonymised: case
            .anonymised_ms
            .map_or_else(String::new, |ms| text::date_time(tr, &zone, ms)),
    };
    let risks: Vec<Risk> = Risk::ALL.iter().rev().copied().collect();
    let outcomes: Vec<ActionOutcome> = ActionOutcome::ALL
        .iter()
        .copied()
        .filter(|&o| o != ActionOutcome::Pending)
        .collect();
    let statuses = choices(tr, &view.targets, "");
    let page_view = CasePage {
        base: case_href(id),
        side: open || view.supervisor || !statuses.is_empty(),
        open,
        supervisor: view.supervisor,
        clocks: view
            .clocks
            .iter()
            .map(|c| clock_row(tr, &zone, c))
            .collect(),
        statuses,
        close_reasons: choices(tr, CloseReason::ALL, ""),
        risks: choices(tr, &risks, case.risk.as_str()),
        operators: operator_choices(&state, &who, &scope, case.assignee.as_deref()).await,
        action_kinds: choices(tr, ActionKind::ALL, ""),
        authorities: authority_groups(&state, &who, tr).await,
        outcomes: choices(tr, &outcomes, ""),
        reports: view
            .reports
            .iter()
            .map(|r| ReportDetails::of(tr, &zone, r))
            .collect(),
        attachments: view
            .attachments
            .iter()
            .map(|a| FileRow {
                href: format!("{}/attachments/{}", case_href(id), a.id),
                name: a.filename.clone(),
                size: size_text(a.size),
                time: text::date_time(tr, &zone, a.created_ms),
                actor: a.actor.clone(),
            })
            .collect(),
        upload_label: tr.t1(
            "hotline-case-upload",
            "size",
            size_text(u64::try_from(max_attachment).unwrap_or(u64::MAX)),
        ),
        timeline: timeline(tr, &zone, &view, &actions),
        actions,
        case: summary,
        max_note: limits::MAX_NOTE_CHARS,
        page,
    };
    render(StatusCode::OK, &page_view)
}

/// The redirect back to case `id` after a form, with `done`'s flash or the error.
fn back<T>(post: &Posted, id: i64, result: Result<T, ops::OpError>, done: &str) -> Response {
    post.redirect(&case_href(id), result, |tr, _| tr.t(done))
}

/// `POST /hotline/cases/{id}/status`.
pub(crate) async fn status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let input = StatusInput {
        status: post.fields.get("to").to_string(),
        close_reason: post.fields.optional("close_reason"),
        note: post.fields.optional("note"),
    };
    let changed = ops::set_case_status(&state, &post.who, id, &input).await;
    back(&post, id, changed, "hotline-flash-status")
}

/// `POST /hotline/cases/{id}/risk`.
pub(crate) async fn risk(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let input = RiskInput {
        risk: post.fields.get("risk").to_string(),
        note: post.fields.optional("note"),
    };
    let changed = ops::set_case_risk(&state, &post.who, id, &input).await;
    back(&post, id, changed, "hotline-flash-risk")
}

/// `POST /hotline/cases/{id}/assignee` (supervisors).
pub(crate) async fn assign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let input = AssignInput {
        assignee: post.fields.optional("assignee"),
    };
    let changed = ops::assign_case(&state, &post.who, id, &input).await;
    back(&post, id, changed, "hotline-flash-assigned")
}

/// `POST /hotline/cases/{id}/hold` (supervisors).
pub(crate) async fn hold(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let held = post.fields.get("hold") == "1";
    let input = HoldInput {
        hold: held,
        reason: post.fields.optional("reason"),
    };
    let changed = ops::set_legal_hold(&state, &post.who, id, &input).await;
    let done = if held {
        "hotline-flash-hold"
    } else {
        "hotline-flash-released"
    };
    back(&post, id, changed, done)
}

/// `POST /hotline/cases/{id}/actions`.
pub(crate) async fn add_action(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let authority = post.fields.get("authority");
    let authority_id = match authority {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                let error = ops::OpError::NotFound(format!("authority '{text}'"));
                return back(&post, id, Err::<(), _>(error), "");
            }
        },
    };
    let input = ActionInput {
        kind: post.fields.get("kind").to_string(),
        authority_id,
        note: post.fields.optional("note"),
        due: post.fields.optional("due"),
    };
    let added = ops::add_action(&state, &post.who, id, &input).await;
    back(&post, id, added, "hotline-flash-action")
}

/// `POST /hotline/cases/{id}/actions/{action}/outcome`.
pub(crate) async fn outcome(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, i64)>,
    post: Posted,
) -> Response {
    let input = OutcomeInput {
        outcome: post.fields.get("outcome").to_string(),
    };
    let set = ops::set_action_outcome(&state, &post.who, id, action, &input).await;
    back(&post, id, set, "hotline-flash-outcome")
}

/// `POST /hotline/cases/{id}/attachments`: a `multipart/form-data` upload (`csrf`, `file`) by
/// a signed-in hotline user; the server seals it before storing.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(req) = Req::from_request_parts(&mut parts, &state).await;
    let tr = req.tr();
    let who = match Option::<Principal>::from_request_parts(&mut parts, &state).await {
        Ok(who) => who,
        Err(error) => return error.into_response(),
    };
    let who = match signed_in(&state, who).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let here = case_href(id);
    let refused = || redirect_with(&here, true, &tr.t("csrf-text"));
    if let Err(error) = check_same_origin(&parts.headers) {
        tracing::info!(actor = %who.actor, %error, "attachment upload refused");
        return refused();
    }
    let request = Request::from_parts(parts, body);
    let max = state.hotline.options().max_attachment_bytes;
    let too_large = || {
        let size = size_text(u64::try_from(max).unwrap_or(u64::MAX));
        redirect_with(
            &here,
            true,
            &tr.t1("hotline-error-upload-size", "size", size),
        )
    };
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return redirect_with(&here, true, &tr.t("hotline-error-upload"));
    };
    let (mut csrf, mut file) = (String::new(), None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return redirect_with(&here, true, &tr.t("hotline-error-upload")),
        };
        match field.name() {
            Some(CSRF_FIELD) => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return too_large();
                    }
                    Err(_) => return redirect_with(&here, true, &tr.t("hotline-error-upload")),
                }
            }
            _ => {}
        }
    }
    if let Err(error) = verify_form(&who, &req.headers, &csrf) {
        tracing::info!(actor = %who.actor, %error, "attachment upload refused");
        return refused();
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return redirect_with(&here, true, &tr.t("hotline-error-upload"));
    };
    match ops::upload_attachment(&state, &who, id, &name, bytes.to_vec()).await {
        Ok(meta) => redirect_with(
            &here,
            false,
            &tr.t1("hotline-flash-uploaded", "name", meta.filename),
        ),
        Err(error) => redirect_with(&here, true, &text::op_error(tr, &error)),
    }
}

/// `GET /hotline/cases/{id}/attachments/{attachment}`: the file, decrypted, as a download.
pub(crate) async fn download(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Response {
    let tr = req.tr();
    let file = match ops::download_attachment(&state, &who, id, attachment).await {
        Ok(file) => file,
        Err(error) => return redirect_with(&case_href(id), true, &text::op_error(tr, &error)),
    };
    let mut response = Body::from(file.bytes).into_response();
    let headers = response.headers_mut();
    let media_type = HeaderValue::try_from(file.meta.media_type.as_str())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, media_type);
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&file.meta.filename),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_short() {
        assert_eq!(size_text(67), "67 B");
        assert_eq!(size_text(18 * 1024 - 5), "18 KB");
        assert_eq!(size_text(10 << 20), "10 MB");
        assert_eq!(size_text(3 * 1024 * 1024 + 512 * 1024), "3.5 MB");
    }

    #[test]
    fn event_notes_name_their_reports() {
        let tr = Lang::Vi.tr();
        assert_eq!(reports_note(tr, "reports 3, 14"), "báo cáo #3, #14");
        assert_eq!(reports_note(Lang::En.tr(), "reports 7"), "reports #7");
        assert_eq!(reports_note(tr, "gộp"), "gộp");
    }
}
