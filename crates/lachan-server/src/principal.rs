//! Who is making a request: a console user signed in with the session cookie, or an API token.
//!
//! [`Principal`] is an axum extractor: handlers that take it answer 401 when nobody is signed
//! in; handlers that take `Option<Principal>` get `None` instead (the console redirects to its
//! sign-in page). The JSON API's protected routes go through [`require_principal`], which also
//! enforces CSRF on state-changing requests made with the cookie.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lachan_store::{Role, StoreError};

use crate::error::ApiError;
use crate::state::AppState;
use crate::token::hash_token;
use crate::{auth, csrf, session};

/// Someone the server knows, and how they proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who the audit log names: the username, or `token:NAME` for an API token.
    pub actor: String,
    /// What they may do.
    pub role: Role,
    /// The household or class a guardian manages (`None` for admins).
    pub household: Option<String>,
    /// The hotline an operator or supervisor works for, or that an administrator also
    /// supervises (`None` otherwise, and for API tokens).
    pub hotline: Option<String>,
    /// The session or token the request came with.
    pub via: Via,
}

/// How a [`Principal`] was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The `lachan_session` cookie of a signed-in user.
    Session {
        /// The session's CSRF token, which state-changing requests must carry.
        csrf: String,
        /// The user's id.
        user_id: i64,
        /// SHA-256 of the cookie's token (to end the session).
        token_hash: [u8; 32],
    },
    /// An `Authorization: Bearer` API token.
    Token {
        /// The token's id.
        id: i64,
        /// The token's name.
        name: String,
    },
}

impl Principal {
    /// Whether this is an administrator.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The username, or the API token's name.
    pub fn name(&self) -> &str {
        match &self.via {
            Via::Token { name, .. } => name,
            Via::Session { .. } => &self.actor,
        }
    }

    /// Whether this principal manages things of `household`: an admin manages everything, a
    /// guardian only their own household (never things of no household), a platform and the
    /// hotline's operators and supervisors nothing.
    pub fn manages(&self, household: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Guardian => household.is_some() && household == self.household.as_deref(),
            Role::Platform | Role::Operator | Role::Supervisor => false,
        }
    }

    /// The session's CSRF token, for console forms (`None` for API tokens).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token { .. } => None,
        }
    }
}

/// Why a request could not be authenticated.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Neither a session cookie nor a token was sent (or the session has expired).
    #[error("you are not signed in (or your session has expired)")]
    Missing,
    /// A bearer token was sent but is not valid.
    #[error("{0}")]
    BadToken(&'static str),
    /// Too many wrong tokens came from this address.
    #[error("too many requests with a wrong token from this address")]
    TooManyFailures {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let hint = "sign in to the console, or send \"Authorization: Bearer TOKEN\" with a token \
                    from `lachan token create --role ROLE`";
        match self {
            AuthError::Missing | AuthError::BadToken(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, self.to_string(), hint)
                    .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
                    .into_response()
            }
            AuthError::TooManyFailures { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                self.to_string(),
                format!("wait {retry_after_secs} seconds, then retry with a valid token"),
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
            .into_response(),
            AuthError::Store(err) => ApiError::store(err).into_response(),
        }
    }
}

/// The principal of a request with these headers from `peer`: by bearer token when an
/// `Authorization` header is sent (a wrong one is an error, counted against `peer`), else by
/// session cookie (an unknown or expired one is no principal), else none.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    peer: IpAddr,
) -> Result<Option<Principal>, AuthError> {
    if headers.contains_key(header::AUTHORIZATION) {
        return auth::token_principal(state, headers, peer).await.map(Some);
    }
    let Some(token) = session::cookie_token(headers) else {
        return Ok(None);
    };
    let token_hash = hash_token(token);
    let found = state
        .store
        .session_by_hash(&token_hash, wall_clock_ms())
        .await?;
    Ok(found.map(|(user, info)| Principal {
        actor: user.username,
        role: user.role,
        household: user.household,
        hotline: user.hotline,
        via: Via::Session {
            csrf: info.csrf,
            user_id: user.id,
            token_hash,
        },
    }))
}

/// The request's client address (unspecified when the server did not record it).
pub(crate) fn peer_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// Now by the system clock, in Unix milliseconds (sessions expire by wall time).
pub(crate) fn wall_clock_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Authenticates once per request: a principal found earlier (by [`require_principal`]) is
/// reused.
async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Principal>, AuthError> {
    if let Some(found) = parts.extensions.get::<Principal>() {
        return Ok(Some(found.clone()));
    }
    let found = authenticate(state, &parts.headers, peer_ip(&parts.extensions)).await?;
    if let Some(principal) = &found {
        parts.extensions.insert(principal.clone());
    }
    Ok(found)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AuthError> {
        resolve(parts, state).await?.ok_or(AuthError::Missing)
    }
}

impl OptionalFromRequestParts<AppState> for Principal {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AuthError> {
        resolve(parts, state).await
    }
}

/// Lets an API request through with its [`Principal`] as an extension: 401 without one, 429
/// after too many wrong tokens, 403 for a state-changing request made with the session cookie
/// without the `X-CSRF-Token` header or from another site.
pub(crate) async fn require_principal(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = peer_ip(request.extensions());
    let principal = match authenticate(&state, request.headers(), peer).await {
        Ok(Some(principal)) => principal,
        Ok(None) => return AuthError::Missing.into_response(),
        Err(err) => return err.into_response(),
    };
    if !is_safe(request.method())
        && let Err(err) = csrf::verify_header(&principal, request.headers())
    {
        return err.into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// Methods that change nothing.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
