//! `/report`: the public form through which anyone reports harm to a child online, without an
//! account, in Vietnamese first, working without JavaScript. Never an upload: the page says to
//! send links, not pictures.
//!
//! Protection without a session (so without a CSRF token): the post must come from this page
//! — [`check_same_origin`] refuses a browser post whose `Origin` (or `Sec-Fetch-Site`) names
//! another site, as the sign-in form does; a hidden honeypot field (`website`) that a person
//! never sees answers a bot that fills it with the usual thank-you page while nothing is
//! filed; and the ops action counts posts per source address (`[hotline] form_per_hour`),
//! answering 429 with a page saying when to try again. After filing, the browser is sent
//! (303) to `/report/thanks?ref=N`, so that reloading it never files twice.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lachan_store::hotline::limits;

use super::report_form::{ReportForm, refused_status, report_input};
use super::time::duration;
use crate::csrf::check_same_origin;
use crate::ops::{self, PublicReportError};
use crate::state::AppState;
use crate::ui::form::{Fields, Peer};
use crate::ui::page::{Nav, Page, Req, render};
use crate::ui::text;

/// Where the form posts, and where it is.
pub(crate) const FORM_PATH: &str = "/report";

/// Where a filed report's reference is shown.
pub(crate) const THANKS_PATH: &str = "/report/thanks";

/// The honeypot field: hidden from people, filled by bots.
const HONEYPOT: &str = "website";

#[derive(Template)]
#[template(path = "hotline_public_form.html")]
struct FormPage {
    page: Page,
    form: ReportForm,
    reporter_name: String,
    reporter_contact: String,
    max_name: usize,
    max_contact: usize,
    /// What is kept, and for how long.
    kept: String,
}

#[derive(Template)]
#[template(path = "hotline_public_done.html")]
struct DonePage {
    page: Page,
    reference: String,
}

#[derive(Template)]
#[template(path = "hotline_public_refused.html")]
struct RefusedPage {
    page: Page,
    text: String,
}

/// The form filled with `fields`, with `error` at the top, answered with `status`.
fn form_page(
    state: &AppState,
    req: &Req,
    fields: &Fields,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let tr = req.tr();
    let mut page = Page::new(
        req,
        None,
        Nav::None,
        "hotline-public-title",
        "hotline-public-help",
    );
    if let Some(error) = error {
        page = page.with_error(error);
    }
    let days = state.hotline.options().anonymise_after_days;
    let view = FormPage {
        page,
        form: ReportForm::of(tr, fields),
        reporter_name: fields.get("reporter_name").to_string(),
        reporter_contact: fields.get("reporter_contact").to_string(),
        max_name: limits::MAX_NAME_CHARS,
        max_contact: limits::MAX_CONTACT_CHARS,
        kept: tr.t1("hotline-public-kept", "days", days),
    };
    render(status, &view)
}

/// A page saying why the post was refused, answered with `status`.
fn refused(req: &Req, status: StatusCode, text: String) -> Response {
    let page = Page::new(
        req,
        None,
        Nav::None,
        "hotline-public-title",
        "hotline-public-help",
    );
    render(status, &RefusedPage { page, text })
}

/// `GET /report`.
pub(crate) async fn form(State(state): State<AppState>, req: Req) -> Response {
    form_page(&state, &req, &Fields::default(), StatusCode::OK, None)
}

/// `POST /report`: files the report and sends the browser to its reference.
pub(crate) async fn post(
    State(state): State<AppState>,
    Peer(peer): Peer,
    req: Req,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let tr = req.tr();
    if let Err(error) = check_same_origin(&req.headers) {
        tracing::info!(%peer, %error, "public report form refused");
        return refused(&req, StatusCode::FORBIDDEN, tr.t("hotline-public-refused"));
    }
    let fields = Fields(fields);
    if !fields.get(HONEYPOT).is_empty() {
        tracing::info!(%peer, "public report form: the honeypot was filled; nothing filed");
        let reference = 1_000 + i64::from(rand::random::<u16>());
        return thanks_redirect(reference);
    }
    let mut input = report_input(&fields);
    input.anonymous = input.reporter_name.is_none() && input.reporter_contact.is_none();
    match ops::file_public_report(&state, peer, &input).await {
        Ok(filed) => thanks_redirect(filed.id),
        Err(PublicReportError::TooMany { retry_after_secs }) => {
            let wait = i64::try_from(retry_after_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
            let text = tr.t1("hotline-public-limited", "time", duration(tr, wait));
            let mut response = refused(&req, StatusCode::TOO_MANY_REQUESTS, text);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Err(PublicReportError::Op(error)) => {
            let status = refused_status(&error);
            let text = text::op_error(tr, &error);
            form_page(&state, &req, &fields, status, Some(text))
        }
    }
}

/// The 303 to the thank-you page of report `id`.
fn thanks_redirect(id: i64) -> Response {
    Redirect::to(&format!("{THANKS_PATH}?ref={id}")).into_response()
}

/// `GET /report/thanks?ref=N`: the reference of a filed report and what happens next.
pub(crate) async fn thanks(req: Req, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(id) = query.get("ref").and_then(|r| r.parse::<i64>().ok()) else {
        return Redirect::to(FORM_PATH).into_response();
    };
    let page = Page::new(
        &req,
        None,
        Nav::None,
        "hotline-done-title",
        "hotline-done-help",
    );
    let view = DonePage {
        page,
        reference: format!("#{id}"),
    };
    render(StatusCode::OK, &view)
}
