//! First run (the first administrator), signing in and signing out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{Fields, Peer, poster};
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
    let page = Page::new(&req, None, Nav::None, "setup-title", "setup-help");
    render(
        StatusCode::OK,
        &SetupPage {
            page,
            username: "admin".into(),
            min_password: MIN_PASSWORD_CHARS,
        },
    )
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
    let again = |error: String, status: StatusCode| {
        let page = Page::new(&req, None, Nav::None, "setup-title", "setup-help").with_error(error);
        render(
            status,
            &SetupPage {
                page,
                username: fields.get("username").to_string(),
                min_password: MIN_PASSWORD_CHARS,
            },
        )
    };
    if let Err(error) = crate::csrf::check_same_origin(&req.headers) {
        tracing::info!(%error, "first-run form refused");
        return again(tr.t("csrf-text"), StatusCode::FORBIDDEN);
    }
    if fields.raw("password") != fields.raw("password2") {
        return again(tr.t("error-passwords-differ"), StatusCode::BAD_REQUEST);
    }
    let credentials = Credentials {
        username: fields.get("username").to_string(),
        password: fields.raw("password").to_string(),
    };
    match ops::setup(&state, peer, &credentials).await {
        Ok(signed) => signed_in_response(&req.headers, &signed, &tr.t("flash-welcome")),
        Err(ops::OpError::Conflict(_)) => Redirect::to("/login").into_response(),
        Err(error) => again(text::op_error(tr, &error), StatusCode::BAD_REQUEST),
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
    let page = Page::new(&req, None, Nav::None, "login-title", "login-help");
    render(
        StatusCode::OK,
        &LoginPage {
            page,
            username: String::new(),
        },
    )
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
    let again = |error: String, status: StatusCode| {
        let page = Page::new(&req, None, Nav::None, "login-title", "login-help").with_error(error);
        render(
            status,
            &LoginPage {
                page,
                username: fields.get("username").to_string(),
            },
        )
    };
    if let Err(error) = crate::csrf::check_same_origin(&req.headers) {
        tracing::info!(%error, "sign-in form refused");
        return again(tr.t("csrf-text"), StatusCode::FORBIDDEN);
    }
    let credentials = Credentials {
        username: fields.get("username").to_string(),
        password: fields.raw("password").to_string(),
    };
    match ops::login(&state, peer, &credentials).await {
        Ok(signed) => signed_in_response(&req.headers, &signed, ""),
        Err(LoginError::Wrong) => again(tr.t("login-wrong"), StatusCode::UNAUTHORIZED),
        Err(LoginError::TooMany { retry_after_secs }) => {
            let mut response = again(
                tr.t1("login-too-many", "seconds", retry_after_secs),
                StatusCode::TOO_MANY_REQUESTS,
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Err(LoginError::Op(error)) => again(text::op_error(tr, &error), StatusCode::BAD_REQUEST),
    }
}

/// `POST /logout`: ends the session and forgets its cookie.
pub(crate) async fn logout(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let who = match poster(&state, who, &req, &fields).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    if let Err(error) = ops::logout(&state, &who).await {
        tracing::warn!(%error, "signing out failed");
    }
    let mut response = redirect_with("/login", false, &req.tr().t("flash-signed-out"));
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie(is_https(&req.headers)));
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
