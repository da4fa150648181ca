//! `/hotline/reports/new`: an operator types in a call, a Zalo chat or an e-mail as it happens —
//! a report of harm online (to the queue, then triaged on its page), or a contact about
//! something else (`/hotline/contacts`: counted in the statistics, nothing about the caller).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_hotline::{Channel, ContactTopic};
use lachan_store::hotline::limits;

use super::report_form::{ReportForm, choices, refused_status, report_input};
use super::{elsewhere, report_href};
use crate::ops::{self, ContactInput};
use crate::principal::Principal;
use crate::state::AppState;
use crate::ui::form::{Fields, Posted};
use crate::ui::page::{Nav, Page, Req, redirect_with, render};
use crate::ui::profiles::Choice;
use crate::ui::text;
use crate::ui::viewer::Viewer;

/// The page's own address.
const FORM: &str = "/hotline/reports/new";

/// The channels an operator logs.
const CHANNELS: [Channel; 3] = [Channel::Phone, Channel::Zalo, Channel::Email];

/// The identity fields as typed, kept when the form is shown again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IdentityFields {
    pub reporter_name: String,
    pub reporter_contact: String,
    pub child_name: String,
    pub child_contact: String,
    pub anonymous: bool,
}

#[derive(Template)]
#[template(path = "hotline_intake.html")]
struct IntakePage {
    page: Page,
    channels: Vec<Choice>,
    topics: Vec<Choice>,
    form: ReportForm,
    identity: IdentityFields,
    max_name: usize,
    max_contact: usize,
}

/// The page with `fields` filled in and `error` at the top, answered with `status`.
fn page(
    req: &Req,
    who: &Principal,
    fields: &Fields,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let tr = req.tr();
    let mut page = Page::new(
        req,
        Some(who),
        Nav::Hotline,
        "hotline-intake-title",
        "hotline-intake-help",
    );
    if let Some(error) = error {
        page = page.with_error(error);
    }
    let view = IntakePage {
        page,
        channels: choices(tr, &CHANNELS, fields.get("channel")),
        topics: choices(tr, ContactTopic::ALL, ""),
        form: ReportForm::of(tr, fields),
        identity: IdentityFields {
            reporter_name: fields.get("reporter_name").to_string(),
            reporter_contact: fields.get("reporter_contact").to_string(),
            child_name: fields.get("child_name").to_string(),
            child_contact: fields.get("child_contact").to_string(),
            anonymous: fields.checked("anonymous"),
        },
        max_name: limits::MAX_NAME_CHARS,
        max_contact: limits::MAX_CONTACT_CHARS,
    };
    render(status, &view)
}

/// `GET /hotline/reports/new`.
pub(crate) async fn form(req: Req, Viewer(who): Viewer) -> Response {
    if let Err(error) = ops::hotline_scope(&who) {
        return elsewhere(req.tr(), &error);
    }
    page(&req, &who, &Fields::default(), StatusCode::OK, None)
}

/// `POST /hotline/reports/new`: files the report and opens its page for triage.
pub(crate) async fn file(State(state): State<AppState>, post: Posted) -> Response {
    let Posted { who, fields, req } = &post;
    let tr = req.tr();
    match ops::file_operator_report(&state, who, &report_input(fields)).await {
        Ok(filed) => redirect_with(
            &report_href(filed.id),
            false,
            &tr.t1("hotline-flash-report-filed", "id", filed.id),
        ),
        Err(error) => {
            let status = refused_status(&error);
            page(req, who, fields, status, Some(text::op_error(tr, &error)))
        }
    }
}

/// `POST /hotline/contacts`: logs a contact without report.
pub(crate) async fn contact(State(state): State<AppState>, post: Posted) -> Response {
    let input = ContactInput {
        channel: post.fields.get("channel").to_string(),
        topic: post.fields.get("topic").to_string(),
    };
    let tr = post.tr();
    match ops::record_contact(&state, &post.who, &input).await {
        Ok(_) => redirect_with("/hotline", false, &tr.t("hotline-flash-contact")),
        Err(error) => redirect_with(FORM, true, &text::op_error(tr, &error)),
    }
}
