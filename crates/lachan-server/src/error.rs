//! Errors: the crate's error type, and the JSON error bodies the API answers with.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lachan_store::StoreError;
use serde::Serialize;

use crate::ops::{LoginError, OpError};

/// What went wrong outside a request: making a token, hashing a password, serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A token was asked for with settings that do not fit together.
    #[error("cannot create the token: {0}")]
    InvalidToken(&'static str),
    /// The password could not be hashed.
    #[error("cannot hash the password: {0}; retry, and check that the system has free memory")]
    PasswordHash(String),
}

/// The JSON body of every API error: what was wrong and what to do.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    hint: &'a str,
}

/// An API error response: a status, a JSON `{"error", "hint"}` body and maybe a header.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    error: String,
    hint: String,
    /// Boxed, to keep `Result<_, ApiError>` small.
    header: Option<Box<(header::HeaderName, HeaderValue)>>,
}

impl ApiError {
    /// An error with `status`, a description and a hint on what to do.
    pub(crate) fn new(
        status: StatusCode,
        error: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            error: error.into(),
            hint: hint.into(),
            header: None,
        }
    }

    /// Adds a response header.
    pub(crate) fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.header = Some(Box::new((name, value)));
        self
    }

    /// A failure of the database, logged; the client is told to retry.
    pub(crate) fn store(err: StoreError) -> Self {
        tracing::warn!("API request failed: {err}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not read its database",
            "retry in a moment; if it persists, the administrator should check Lachan's log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: &self.error,
            hint: &self.hint,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(header) = self.header {
            let (name, value) = *header;
            response.headers_mut().insert(name, value);
        }
        response
    }
}

impl From<OpError> for ApiError {
    fn from(err: OpError) -> Self {
        let (status, hint) = match &err {
            OpError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, ""),
            OpError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "check the name or id; lists show only what you manage",
            ),
            OpError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "sign in with an account or token that may do this",
            ),
            OpError::Invalid(_) => (
                StatusCode::BAD_REQUEST,
                "correct the request as the error says; /api/v1/openapi.json describes each body",
            ),
            OpError::Conflict(_) => (
                StatusCode::CONFLICT,
                "the request conflicts with what exists; read the error",
            ),
            OpError::NotApplied(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the change is saved; correct it or retry, and check Lachan's log",
            ),
            OpError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "retry in a moment; if it persists, check Lachan's log",
            ),
        };
        if let OpError::Store(e) = err {
            return ApiError::store(e);
        }
        ApiError::new(status, err.to_string(), hint)
    }
}

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::Wrong => ApiError::new(
                StatusCode::UNAUTHORIZED,
                err.to_string(),
                "check the username and password; after 5 failures each attempt must wait",
            ),
            LoginError::TooMany { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                err.to_string(),
                format!("wait {retry_after_secs} seconds, then sign in again"),
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs)),
            LoginError::Op(op) => op.into(),
        }
    }
}
