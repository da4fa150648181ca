//! First run (the first administrator), signing in and signing out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{Fields, Peer, Posted};
use super::page::{Nav, Page, Req, redirect_with, render};
use super::text;
use crate::MIN_PASSWORD_CHARS;
use crate::ops::{self, Credentials, LoginError, SignedIn};
use crate::principal::Principal;
use crate::session::{clear_cookie, is_https, session_cookie};
use crate::state::AppState;

/// The first-run page.
#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    page: Page,
    username: String,
    min_password: usize,
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    username: String,
}

/// `GET /setup`: the form for the first administrator, while no user exists.
pub(crate) async fn setup_form(State(state): State<AppState>, req: Req) -> Response {
    if !matches!(ops::setup_needed(&state).await, Ok(true)) {
        return Redirect::to("/login").into_response();
    }
    setup_page(&req, "admin", None)
}

/// The first-run page with `username` filled in, and an error with its status when given.
fn setup_page(req: &Req, username: &str, error: Option<(StatusCode, String)>) -> Response {
    let (status, page) = entry_page(req, "setup", error);
    let view = SetupPage {
        page,
        username: username.to_string(),
        min_password: MIN_PASSWORD_CHARS,
    };
    render(status, &view)
}

/// The sign-in page with `username` filled in, and an error with its status when given.
fn login_page(req: &Req, username: &str, error: Option<(StatusCode, String)>) -> Response {
    let (status, page) = entry_page(req, "login", error);
    let username = username.to_string();
    render(status, &LoginPage { page, username })
}

/// A page for visitors without a session, titled by the messages `{name}-title` and
/// `{name}-help`, and its status: 200, or the status of the error it shows.
fn entry_page(req: &Req, name: &str, error: Option<(StatusCode, String)>) -> (StatusCode, Page) {
    let (title, help) = (format!("{name}-title"), format!("{name}-help"));
    let page = Page::new(req, None, Nav::None, &title, &help);
    match error {
        Some((status, text)) => (status, page.with_error(text)),
        None => (StatusCode::OK, page),
    }
}

/// `POST /setup`: makes the first administrator and signs them in.
pub(crate) async fn setup(
    State(state): State<AppState>,
    Peer(peer): Peer,
    req: Req,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let tr = req.tr();
    let again = |error| setup_page(&req, fields.get("username"), Some(error));
    let credentials = match credentials(&req, &fields, "first-run") {
        Ok(credentials) => credentials,
        Err(error) => return again(error),
    };
    if fields.raw("password") != fields.raw("password2") {
        return again((StatusCode::BAD_REQUEST, tr.t("error-passwords-differ")));
    }
    match ops::setup(&state, peer, &credentials).await {
        Ok(signed) => signed_in_response(&req.headers, &signed, &tr.t("flash-welcome")),
        Err(ops::OpError::Conflict(_)) => Redirect::to("/login").into_response(),
        Err(error) => again((StatusCode::BAD_REQUEST, text::op_error(tr, &error))),
    }
}

/// `GET /login`.
pub(crate) async fn login_form(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
) -> Response {
    if who.is_some() {
        return Redirect::to("/").into_response();
    }
    if matches!(ops::setup_needed(&state).await, Ok(true)) {
        return Redirect::to("/setup").into_response();
    }
    login_page(&req, "", None)
}

/// `POST /login`: checks the password and starts a session; a wrong password and too many
/// tries are said on the page.
pub(crate) async fn login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    req: Req,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let tr = req.tr();
    let again = |error| login_page(&req, fields.get("username"), Some(error));
    let credentials = match credentials(&req, &fields, "sign-in") {
        Ok(credentials) => credentials,
        Err(error) => return again(error),
    };
    match ops::login(&state, peer, &credentials).await {
        Ok(signed) => signed_in_response(&req.headers, &signed, ""),
        Err(LoginError::Wrong) => again((StatusCode::UNAUTHORIZED, tr.t("login-wrong"))),
        Err(LoginError::TooMany { retry_after_secs }) => {
            let mut response = again((
                StatusCode::TOO_MANY_REQUESTS,
                tr.t1("login-too-many", "seconds", retry_after_secs),
            ));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Err(LoginError::Op(error)) => again((StatusCode::BAD_REQUEST, text::op_error(tr, &error))),
    }
}

/// The username and password of a first-run or sign-in form (`form`, as the log names it), or
/// the error to show with 403 when the form comes from another site.
fn credentials(
    req: &Req,
    fields: &Fields,
    form: &str,
) -> Result<Credentials, (StatusCode, String)> {
    if let Err(error) = crate::csrf::check_same_origin(&req.headers) {
        tracing::info!(%error, "{form} form refused");
        return Err((StatusCode::FORBIDDEN, req.tr().t("csrf-text")));
    }
    Ok(Credentials {
        username: fields.get("username").to_string(),
        password: fields.raw("password").to_string(),
    })
}

/// `POST /logout`: ends the session and forgets its cookie.
pub(crate) async fn logout(State(state): State<AppState>, post: Posted) -> Response {
    if let Err(error) = ops::logout(&state, &post.who).await {
        tracing::warn!(%error, "signing out failed");
    }
    let mut response = redirect_with("/login", false, &post.tr().t("flash-signed-out"));
    let secure = is_https(&post.req.headers);
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie(secure));
    response
}

/// The redirect to the dashboard that sets a new session's cookie.
fn signed_in_response(headers: &HeaderMap, signed: &SignedIn, flash: &str) -> Response {
    let mut response = if flash.is_empty() {
        Redirect::to("/").into_response()
    } else {
        redirect_with("/", false, flash)
    };
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(&signed.token, is_https(headers)),
    );
    response
}
