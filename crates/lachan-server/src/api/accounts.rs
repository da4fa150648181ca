//! Accounts: first-run setup, signing in and out, API tokens, users and the audit log.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lachan_store::{ApiToken, AuditEntry, Role, User};
use serde::Serialize;

use super::LimitQuery;
use super::body::{self, Body, Id};
use super::caller::Caller;
use crate::csrf::check_same_origin;
use crate::error::ApiError;
use crate::ops::{self, Credentials, NewToken, SignedIn, TokenInput, UserInput};
use crate::principal::peer_ip;
use crate::session::{clear_cookie, is_https, session_cookie};
use crate::state::AppState;

/// The answer of `GET /api/v1/setup`.
#[derive(Debug, Serialize)]
pub(super) struct SetupStatus {
    /// Whether the first administrator must still be made.
    needed: bool,
}

pub(super) async fn setup_status(
    State(state): State<AppState>,
) -> Result<Json<SetupStatus>, ApiError> {
    Ok(Json(SetupStatus {
        needed: ops::setup_needed(&state).await?,
    }))
}

/// The answer of a sign-in (and of setup, which signs the new administrator in).
#[derive(Debug, Serialize)]
struct SessionAnswer {
    username: String,
    role: Role,
    household: Option<String>,
    /// The token to send as `X-CSRF-Token` with state-changing requests.
    csrf: String,
    /// When the session ends if unused (Unix milliseconds).
    expires_ms: i64,
}

/// A new session's answer: `status`, the cookie and the session's CSRF token.
fn signed_in(status: StatusCode, headers: &HeaderMap, session: SignedIn) -> Response {
    let cookie = session_cookie(&session.token, is_https(headers));
    let answer = SessionAnswer {
        username: session.user.username,
        role: session.user.role,
        household: session.user.household,
        csrf: session.csrf,
        expires_ms: session.expires_ms,
    };
    (status, [(header::SET_COOKIE, cookie)], Json(answer)).into_response()
}

pub(super) async fn setup(
    State(state): State<AppState>,
    request_parts: axum::http::request::Parts,
    Body(credentials): Body<Credentials>,
) -> Result<Response, ApiError> {
    check_same_origin(&request_parts.headers).map_err(forbidden)?;
    let peer = peer_ip(&request_parts.extensions);
    let session = ops::setup(&state, peer, &credentials).await?;
    Ok(signed_in(
        StatusCode::CREATED,
        &request_parts.headers,
        session,
    ))
}

pub(super) async fn login(
    State(state): State<AppState>,
    request_parts: axum::http::request::Parts,
    Body(credentials): Body<Credentials>,
) -> Result<Response, ApiError> {
    check_same_origin(&request_parts.headers).map_err(forbidden)?;
    let peer = peer_ip(&request_parts.extensions);
    let session = ops::login(&state, peer, &credentials).await?;
    Ok(signed_in(StatusCode::OK, &request_parts.headers, session))
}

pub(super) async fn logout(
    Caller { state, who }: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    ops::logout(&state, &who).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(is_https(&headers)))],
    )
        .into_response())
}

fn forbidden(err: crate::csrf::CsrfError) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        err.to_string(),
        "sign in from the console's own page",
    )
}

pub(super) async fn list_tokens(
    Caller { state, who }: Caller,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(ops::list_tokens(&state, &who).await?))
}

pub(super) async fn create_token(
    Caller { state, who }: Caller,
    Body(input): Body<TokenInput>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let made = ops::create_token(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn revoke_token(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    ops::revoke_token(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn list_users(Caller { state, who }: Caller) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(ops::list_users(&state, &who).await?))
}

pub(super) async fn create_user(
    Caller { state, who }: Caller,
    Body(input): Body<UserInput>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let made = ops::create_user(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn delete_user(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    ops::delete_user(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn audit(
    Caller { state, who }: Caller,
    query: Result<Query<LimitQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let query = body::query(query, "use ?limit=N (1 to 1000) or no query")?;
    Ok(Json(
        ops::audit_log(&state, &who, query.limit.unwrap_or(200)).await?,
    ))
}
