//! The web console of `lachan serve`: server-rendered pages (askama templates) for parents,
//! teachers and administrators, in Vietnamese by default with an English switch (Fluent
//! messages), charts drawn as SVG on the server (plotters), and one stylesheet. Pages work
//! without JavaScript; one small script refreshes the live parts of the dashboard.
//!
//! Every action goes through [`crate::ops`], exactly as the JSON API's do, so scoping,
//! validation and the audit log are the same. Forms post with the session's CSRF token in a
//! hidden `csrf` field; after a post the browser is sent back (303) with a flash message, and
//! errors are shown on the page.
//!
//! The hotline's pages (`hotline`) serve Tổng đài 111: its public report form, and the queue,
//! cases, statistics and authorities of its operators and supervisors.
//!
//! The console never depends on the DNS resolver: what it shows of DNS comes through the
//! [`Gateway`](crate::Gateway).

mod account;
mod activity;
mod admin;
mod alerts;
pub(crate) mod assets;
mod charts;
mod cookies;
mod dashboard;
mod devices;
mod form;
mod hotline;
mod i18n;
mod missing;
mod page;
mod photo;
mod profiles;
mod services;
mod text;
mod url;
mod viewer;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use axum::routing::{get, post};

use self::cookies::{cookie, set_cookie};
pub(crate) use self::hotline::ATTACHMENT_UPLOAD_ROUTE;
use self::i18n::{LANG_COOKIE, Lang};
pub(crate) use self::missing::not_found;
use self::page::FLASH_COOKIE;
pub(crate) use self::page::Req;
pub(crate) use self::photo::UPLOAD_PATHS;
use crate::state::AppState;

/// How long the language choice is remembered, in seconds (one year).
const LANG_COOKIE_SECONDS: u32 = 365 * 24 * 60 * 60;

/// What the console's pages may load: only this site's stylesheet and script; no frames.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// The console's routes. Pages check the session themselves (a visitor who is not signed in is
/// sent to `/login`, or to `/setup` while no user exists), except the hotline's public report
/// form. The photo uploads ([`UPLOAD_PATHS`]) take bodies up to `upload_max` bytes, the
/// hotline's attachment uploads ([`ATTACHMENT_UPLOAD_ROUTE`]) up to `attachment_max`.
pub(crate) fn router(upload_max: usize, attachment_max: usize) -> Router<AppState> {
    let upload = DefaultBodyLimit::max(upload_max);
    Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/setup", get(account::setup_form).post(account::setup))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/pause", post(dashboard::pause))
        .route("/resume", post(dashboard::resume))
        .route("/extra", post(dashboard::extra))
        .route(
            "/profiles/new",
            get(profiles::new_form).post(profiles::create),
        )
        .route(
            "/profiles/edit",
            get(profiles::edit_form).post(profiles::update),
        )
        .route("/profiles/delete", post(profiles::delete))
        .route("/profiles/hotline", post(profiles::hotline_opt_in))
        .route("/devices", get(devices::list).post(devices::create))
        .route("/devices/assign", post(devices::assign))
        .route("/devices/delete", post(devices::delete))
        .route("/activity", get(activity::activity))
        .route("/alerts", get(alerts::list))
        .route("/alerts/read", post(alerts::mark_read))
        .route("/services", get(services::list))
        .route(
            photo::CHECK_PATH,
            get(photo::form).post(photo::check).layer(upload),
        )
        .route(photo::CLEAN_PATH, post(photo::clean).layer(upload))
        .route("/tokens", get(admin::tokens).post(admin::create_token))
        .route("/tokens/revoke", post(admin::revoke_token))
        .route("/users", get(admin::users).post(admin::create_user))
        .route("/users/delete", post(admin::delete_user))
        .route("/audit", get(admin::audit))
        .route("/static/console.css", get(assets::css))
        .route("/static/live.js", get(assets::live_js))
        .merge(hotline::routes(attachment_max))
        .layer(from_fn(finish))
}

/// Whether `path` is served on every `Host`, a blocked site's too: the hotline's public report
/// form (the block page links to it relatively, so a child or parent who meets a block can
/// report what they saw) and the stylesheet it uses.
pub(crate) fn serves_any_host(path: &str) -> bool {
    path == hotline::FORM_PATH || path == hotline::THANKS_PATH || path == "/static/console.css"
}

/// Adds what every console response needs: the `lang` cookie when `?lang=` chose a language,
/// the removal of a flash message once a page showed it, and security headers.
async fn finish(request: Request, next: Next) -> Response {
    let lang = Lang::from_query(request.uri().query());
    let had_flash = cookie(request.headers(), FLASH_COOKIE).is_some();
    let mut response = next.run(request).await;
    let shown = response.status().is_success();
    let headers = response.headers_mut();
    let mut add_cookie = |value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.append(header::SET_COOKIE, value);
        }
    };
    if let Some(lang) = lang {
        add_cookie(set_cookie(LANG_COOKIE, lang.code(), LANG_COOKIE_SECONDS));
    }
    if had_flash && shown {
        add_cookie(set_cookie(FLASH_COOKIE, "", 0));
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if is_html {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}
