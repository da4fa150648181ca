//! Errors: the crate's error type, and the JSON error bodies the API answers with.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lachan_store::StoreError;
use serde::Serialize;

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
    header: Option<(header::HeaderName, HeaderValue)>,
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
        self.header = Some((name, value));
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
        if let Some((name, value)) = self.header {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
