//! The page for an address that does not exist, in the visitor's language.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::page::{Nav, Page, Req, render};

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    page: Page,
    text: String,
}

/// 404 with a short page and a way back to the overview.
pub(crate) fn not_found(req: &Req) -> Response {
    let page = Page::new(req, None, Nav::None, "missing-title", "missing-help");
    let text = req.tr().t("missing-text");
    render(StatusCode::NOT_FOUND, &MessagePage { page, text })
}
