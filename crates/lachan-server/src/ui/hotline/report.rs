//! `/hotline/reports/{id}`: one report (reading it is audited; identity fields only for those
//! who may see them) and its triage — open a new case with a risk and a title (assigned to the
//! operator, or by a supervisor to an operator), or join a case already open.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lachan_hotline::{Risk, Subtype, Theme};
use lachan_policy::Zone;
use lachan_store::hotline::{Report, ReportStatus, limits};

use super::queue::{child, province, what};
use super::report_form::choices;
use super::words::word;
use super::{case_href, numbered_page, read_one, report_href};
use crate::ops::{self, HotlineScope, OpenCaseInput, RelatedCaseView, ReportView};
use crate::principal::Principal;
use crate::state::AppState;
use crate::ui::form::Posted;
use crate::ui::i18n::Tr;
use crate::ui::page::{Page, Req, redirect_with, render};
use crate::ui::profiles::Choice;
use crate::ui::text;
use crate::ui::viewer::Viewer;

/// A label and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    pub label: String,
    pub value: String,
}

/// What a report says, for `hotline_report_details.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportDetails {
    pub id: i64,
    pub received: String,
    pub channel: String,
    pub what: String,
    pub theme: String,
    pub child: String,
    pub province: String,
    pub platform: String,
    pub content_type: String,
    /// Who reported and who the child is, when shown.
    pub identity: Vec<Pair>,
    pub description: String,
    pub urls: Vec<String>,
    pub hashes: Vec<String>,
    pub accounts: Vec<String>,
}

impl ReportDetails {
    /// The details of `view` in `tr`'s language.
    pub(crate) fn of(tr: Tr, zone: &Zone, view: &ReportView) -> ReportDetails {
        let report: &Report = &view.report;
        let filed = &report.filed;
        let theme = filed.subtype.map_or_else(
            || text::category(tr, filed.category),
            |s: Subtype| word::<Theme>(tr, s.theme()),
        );
        let mut identity = Vec::new();
        if view.identity_shown {
            let id = &filed.identity;
            for (label, value) in [
                ("hotline-col-reporter-name", &id.reporter_name),
                ("hotline-col-reporter-contact", &id.reporter_contact),
                ("hotline-col-child-name", &id.child_name),
                ("hotline-col-child-contact", &id.child_contact),
            ] {
                if let Some(value) = value {
                    identity.push(Pair {
                        label: tr.t(label),
                        value: value.clone(),
                    });
                }
            }
            if filed.anonymous {
                identity.push(Pair {
                    label: tr.t("hotline-col-reporter-name"),
                    value: tr.t("hotline-anonymous"),
                });
            }
        }
        ReportDetails {
            id: report.id,
            received: text::date_time(tr, zone, filed.created_ms),
            channel: word(tr, filed.source),
            what: what(tr, report),
            theme,
            child: child(tr, report),
            province: province(tr, report),
            platform: filed.platform.clone().unwrap_or_default(),
            content_type: filed.content_type.clone().unwrap_or_default(),
            identity,
            description: filed.description.clone().unwrap_or_default(),
            urls: filed.urls.clone(),
            hashes: filed
                .hashes
                .iter()
                .map(|h| format!("{}: {}", h.kind, h.value))
                .collect(),
            accounts: filed.accounts.clone(),
        }
    }
}

/// A link with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub href: String,
    pub label: String,
}

/// An open case the report may belong to, for the triage column: the case number (a link
/// when the viewer may open it), why, its status, and its title only for those who may open it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RelatedRow {
    id: i64,
    label: String,
    href: Option<String>,
    title: String,
    reasons: String,
    status: String,
}

impl RelatedRow {
    /// `case` in `tr`'s language.
    fn of(tr: Tr, case: &RelatedCaseView) -> RelatedRow {
        let reasons: Vec<String> = case.reasons.iter().map(|&r| word(tr, r)).collect();
        RelatedRow {
            id: case.case_id,
            label: tr.t1("hotline-case-title", "id", case.case_id),
            href: case.may_open.then(|| case_href(case.case_id)),
            title: case.title.clone().unwrap_or_default(),
            reasons: reasons.join(", "),
            status: word(tr, case.status),
        }
    }
}

#[derive(Template)]
#[template(path = "hotline_report.html")]
struct ReportPage {
    page: Page,
    report: ReportDetails,
    in_case: Option<Link>,
    triage: bool,
    related: Vec<RelatedRow>,
    open_action: String,
    join_action: String,
    risks: Vec<Choice>,
    title: String,
    max_title: usize,
    operators: Vec<Choice>,
}

/// The choices of operator for a case: empty for an operator (cases they open are theirs);
/// for a supervisor, the hotline's people with `selected` chosen (themself by default).
pub(crate) async fn operator_choices(
    state: &AppState,
    who: &Principal,
    scope: &HotlineScope,
    selected: Option<&str>,
) -> Vec<Choice> {
    if !scope.may_assign() {
        return Vec::new();
    }
    let selected = selected.unwrap_or(&scope.username);
    let staff = ops::hotline_staff(state, who).await.unwrap_or_default();
    let mut names: Vec<String> = staff.into_iter().map(|s| s.username).collect();
    if !names.iter().any(|n| n == &scope.username) {
        names.insert(0, scope.username.clone());
    }
    names
        .into_iter()
        .map(|name| Choice {
            selected: name == selected,
            label: name.clone(),
            value: name,
        })
        .collect()
}

/// `GET /hotline/reports/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Path(id): Path<i64>,
) -> Response {
    let tr = req.tr();
    let (scope, read) = match read_one(tr, &who, ops::get_report(&state, &who, id)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let zone = Zone::default();
    let page = numbered_page(
        &req,
        &who,
        "hotline-report-title",
        "hotline-report-help",
        id,
    );
    let related = read.related.iter().map(|c| RelatedRow::of(tr, c)).collect();
    let view = read.view;
    let report = ReportDetails::of(tr, &zone, &view);
    let in_case = view.report.case_id.map(|case| Link {
        href: case_href(case),
        label: tr.t1("hotline-case-title", "id", case),
    });
    let risks: Vec<Risk> = Risk::ALL.iter().rev().copied().collect();
    let view = ReportPage {
        report,
        in_case,
        triage: view.report.status == ReportStatus::New,
        related,
        open_action: format!("{}/case", report_href(id)),
        join_action: format!("{}/join", report_href(id)),
        risks: choices(tr, &risks, Risk::Medium.as_str()),
        title: String::new(),
        max_title: limits::MAX_TITLE_CHARS,
        operators: operator_choices(&state, &who, &scope, None).await,
        page,
    };
    render(StatusCode::OK, &view)
}

/// `POST /hotline/reports/{id}/case`: opens a case from the report.
pub(crate) async fn open_case(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let input = OpenCaseInput {
        report_ids: vec![id],
        risk: post.fields.get("risk").to_string(),
        title: post.fields.get("title").to_string(),
        assignee: post.fields.optional("assignee"),
    };
    let tr = post.tr();
    match ops::open_case(&state, &post.who, &input).await {
        Ok(made) => redirect_with(
            &case_href(made.id),
            false,
            &tr.t1("hotline-flash-case-opened", "id", made.id),
        ),
        Err(error) => redirect_with(&report_href(id), true, &text::op_error(tr, &error)),
    }
}

/// `POST /hotline/reports/{id}/join`: adds the report to a case already open.
pub(crate) async fn join_case(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let tr = post.tr();
    let Ok(case) = post
        .fields
        .get("case")
        .trim_start_matches('#')
        .parse::<i64>()
    else {
        return redirect_with(&report_href(id), true, &tr.t("hotline-error-case-number"));
    };
    match ops::join_case(&state, &post.who, case, &[id]).await {
        Ok(()) => redirect_with(
            &case_href(case),
            false,
            &tr.t1("hotline-flash-case-joined", "id", case),
        ),
        Err(error) => redirect_with(&report_href(id), true, &text::op_error(tr, &error)),
    }
}
