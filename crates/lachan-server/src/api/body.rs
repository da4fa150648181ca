//! Reading requests: JSON bodies, path parameters and query strings, each failing with a JSON
//! error that says what was wrong.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::limits::MAX_BODY_BYTES;

/// A JSON request body of type `T`: 413 when it is over [`MAX_BODY_BYTES`], 400 for anything
/// else wrong (not JSON, not UTF-8, not the shape of `T`).
pub(crate) struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| Body(value))
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                        "send a smaller request; no API call needs more",
                    );
                }
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    rejection.body_text(),
                    "send a JSON body (Content-Type: application/json) shaped as \
                     /api/v1/openapi.json describes",
                )
            })
    }
}

/// The `{name}` path parameter (a profile's or a device's name, percent-decoded).
pub(crate) struct Name(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Name {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(name)| Name(name))
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "the name in the path is not valid: {}",
                        rejection.body_text()
                    ),
                    "percent-encode the name as UTF-8",
                )
            })
    }
}

/// The `{id}` path parameter (a number).
pub(crate) struct Id(pub(crate) i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Name(text) = Name::from_request_parts(parts, state).await?;
        text.parse().map(Id).map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("'{}' is not an id", text.escape_debug()),
                "use the numeric id the list endpoint shows",
            )
        })
    }
}

/// The parsed query string, or a 400 error with `hint`.
pub(crate) fn query<T>(query: Result<Query<T>, QueryRejection>, hint: &str) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the query string is not valid: {e}"),
            hint,
        )
    })
}
