//! Bearer-token authentication of `/api/v1` requests.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;
use crate::token::hash_token;

/// Lets the request through with its [`lachan_store::ApiToken`] as an extension if it carries
/// a valid `Authorization: Bearer` token; otherwise 401, or 429 once its address has failed
/// too often.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    if let Err(wait) = state.failures.check(ip, Instant::now()) {
        let seconds = wait.as_secs().max(1);
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests with a missing or wrong token from this address",
            format!("wait {seconds} seconds, then retry with a valid token"),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(seconds))
        .into_response();
    }
    let token = match bearer(&request) {
        Ok(token) => token,
        Err(problem) => {
            state.failures.record_failure(ip, Instant::now());
            return unauthorized(problem).into_response();
        }
    };
    match state.store.api_token_by_hash(&hash_token(token)).await {
        Ok(Some(found)) => {
            request.extensions_mut().insert(found);
            next.run(request).await
        }
        Ok(None) => {
            state.failures.record_failure(ip, Instant::now());
            unauthorized("the token is not valid (wrong, or revoked)").into_response()
        }
        Err(err) => ApiError::store(err).into_response(),
    }
}

/// The token of an `Authorization: Bearer TOKEN` header, or what is wrong with the header.
fn bearer(request: &Request) -> Result<&str, &'static str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or("this API needs a token")?
        .to_str()
        .map_err(|_| "the Authorization header is not valid text")?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("the Authorization header is not of the form \"Bearer TOKEN\"")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("the Authorization header must use the Bearer scheme");
    }
    let token = token.trim();
    if token.is_empty() {
        return Err("the bearer token is empty");
    }
    Ok(token)
}

fn unauthorized(problem: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        problem,
        "send \"Authorization: Bearer TOKEN\" with a token from `lachan token create --role ROLE`",
    )
    .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
}
