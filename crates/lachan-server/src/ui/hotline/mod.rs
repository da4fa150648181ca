//! The hotline's pages (Tổng đài 111): the public report form (`/report`, no account), and
//! for its operators and supervisors the queue with their cases and notifications
//! (`/hotline`), logging a call (`/hotline/reports/new`), a report and its triage
//! (`/hotline/reports/{id}`), a case with its clocks, actions, status and attachments
//! (`/hotline/cases/{id}`), statistics with charts and CSV/XLSX links (`/hotline/stats`), and
//! the authorities referrals go to (`/hotline/authorities`, edited by administrators).
//!
//! Every page goes through the hotline actions of [`crate::ops`], which scope them to the
//! principal's hotline and write the audit log (reading a case or a report is audited).
//! Someone outside the hotline (a parent, an administrator who supervises none) is sent back
//! to the overview saying why.

mod authorities;
mod case;
mod charts;
mod intake;
mod public_form;
mod queue;
mod report;
mod report_form;
mod stats;
mod time;
mod words;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use lachan_hotline::{ActionOutcome, ClockStatus, Risk};

pub(crate) use self::public_form::{FORM_PATH, THANKS_PATH};
use crate::ops::{self, HotlineScope, OpError};
use crate::principal::Principal;
use crate::state::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Nav, Page, Req, redirect_with};
use crate::ui::text;

/// The route of the console's attachment upload, which takes bodies up to the hotline's
/// attachment limit.
pub(crate) const ATTACHMENT_UPLOAD_ROUTE: &str = "/hotline/cases/{id}/attachments";

/// The hotline's routes; attachment uploads take bodies up to `attachment_max` bytes.
pub(crate) fn routes(attachment_max: usize) -> Router<AppState> {
    Router::new()
        .route(FORM_PATH, get(public_form::form).post(public_form::post))
        .route(THANKS_PATH, get(public_form::thanks))
        .route("/hotline", get(queue::home))
        .route("/hotline/notifications/read", post(queue::mark_read))
        .route("/hotline/reports/new", get(intake::form).post(intake::file))
        .route("/hotline/contacts", post(intake::contact))
        .route("/hotline/reports/{id}", get(report::show))
        .route("/hotline/reports/{id}/case", post(report::open_case))
        .route("/hotline/reports/{id}/join", post(report::join_case))
        .route("/hotline/cases/{id}", get(case::show))
        .route("/hotline/cases/{id}/status", post(case::status))
        .route("/hotline/cases/{id}/risk", post(case::risk))
        .route("/hotline/cases/{id}/assignee", post(case::assign))
        .route("/hotline/cases/{id}/hold", post(case::hold))
        .route("/hotline/cases/{id}/actions", post(case::add_action))
        .route(
            "/hotline/cases/{id}/actions/{action}/outcome",
            post(case::outcome),
        )
        .route(
            ATTACHMENT_UPLOAD_ROUTE,
            post(case::upload).layer(DefaultBodyLimit::max(attachment_max)),
        )
        .route(
            "/hotline/cases/{id}/attachments/{attachment}",
            get(case::download),
        )
        .route("/hotline/stats", get(stats::show))
        .route(
            "/hotline/authorities",
            get(authorities::list).post(authorities::create),
        )
        .route("/hotline/authorities/{id}", post(authorities::update))
        .route(
            "/hotline/authorities/{id}/active",
            post(authorities::set_active),
        )
}

/// A coloured label: its text and its pill class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Badge {
    pub text: String,
    pub class: &'static str,
}

/// The pill class of a risk: emergency red, high orange.
pub(crate) fn risk_class(risk: Risk) -> &'static str {
    match risk {
        Risk::Emergency => "pill-bad",
        Risk::High => "pill-warn",
        Risk::Medium => "pill-info",
        Risk::Low => "pill-ok",
    }
}

/// The pill class of a clock's status: overdue red, due soon orange, met green.
pub(crate) fn clock_class(status: ClockStatus) -> &'static str {
    match status {
        ClockStatus::Running { .. } => "pill-info",
        ClockStatus::DueSoon { .. } => "pill-warn",
        ClockStatus::Overdue { .. } | ClockStatus::MetLate => "pill-bad",
        ClockStatus::MetInTime => "pill-ok",
    }
}

/// The pill class of an action's outcome.
pub(crate) fn outcome_class(outcome: ActionOutcome) -> &'static str {
    match outcome {
        ActionOutcome::Pending => "pill-info",
        ActionOutcome::Done => "pill-ok",
        ActionOutcome::Refused | ActionOutcome::NoAnswer => "pill-warn",
    }
}

/// Where a hotline page sends someone it cannot be shown to: back to the overview, saying why
/// (a parent, an administrator who supervises no hotline).
pub(crate) fn elsewhere(tr: Tr, error: &OpError) -> Response {
    match error {
        OpError::Forbidden(_) => redirect_with("/", true, &tr.t("hotline-error-not-staff")),
        error => redirect_with("/", true, &text::op_error(tr, error)),
    }
}

/// What the page of one case or report shows, read by `read` for `who`, with `who`'s hotline
/// scope; or where to send them instead: back to the overview if they are not hotline staff
/// (nothing is read then), to `/hotline` if the item does not exist for them.
pub(crate) async fn read_one<T>(
    tr: Tr,
    who: &Principal,
    read: impl Future<Output = Result<T, OpError>>,
) -> Result<(HotlineScope, T), Response> {
    let scope = ops::hotline_scope(who).map_err(|error| elsewhere(tr, &error))?;
    match read.await {
        Ok(item) => Ok((scope, item)),
        Err(OpError::NotFound(_)) => Err(redirect_with("/hotline", true, &tr.t("error-not-found"))),
        Err(error) => Err(elsewhere(tr, &error)),
    }
}

/// The page of case or report `id`: titled by `title_id` with its number.
pub(crate) fn numbered_page(
    req: &Req,
    who: &Principal,
    title_id: &str,
    help_id: &str,
    id: i64,
) -> Page {
    let mut page = Page::new(req, Some(who), Nav::Hotline, title_id, help_id);
    page.title = req.tr().t1(title_id, "id", id);
    page
}

/// The path of case `id`.
pub(crate) fn case_href(id: i64) -> String {
    format!("/hotline/cases/{id}")
}

/// The path of report `id`.
pub(crate) fn report_href(id: i64) -> String {
    format!("/hotline/reports/{id}")
}
