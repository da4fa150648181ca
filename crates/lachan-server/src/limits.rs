//! Request limits applied to everything the server answers: body size and time.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest time a request may take to be answered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Refuses bodies declared larger than [`MAX_BODY_BYTES`] (413) before anything reads them
/// (bodies without a length are cut at the same size by the extractors), and answers 503 if
/// the handler takes longer than [`REQUEST_TIMEOUT`].
pub(crate) async fn enforce(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            "send a smaller request; no API call needs more",
        )
        .into_response();
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server took too long to answer",
            "retry in a moment",
        )
        .into_response(),
    }
}
