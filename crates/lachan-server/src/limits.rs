//! Request limits applied to everything the server answers: body size and time.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest time a request may take to be answered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The largest body of each path: [`MAX_BODY_BYTES`], or the upload limit for the image
/// upload paths.
#[derive(Debug, Clone)]
pub(crate) struct BodyLimits {
    uploads: Arc<[&'static str]>,
    upload_max: usize,
}

impl BodyLimits {
    /// Limits where the paths `uploads` take up to `upload_max` bytes.
    pub(crate) fn new(uploads: Vec<&'static str>, upload_max: usize) -> BodyLimits {
        BodyLimits {
            uploads: uploads.into(),
            upload_max,
        }
    }

    /// The 413 answer for a body over the limit of `path`.
    fn too_large(&self, path: &str) -> ApiError {
        if self.uploads.contains(&path) {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the upload is larger than {} bytes", self.upload_max),
                "send a smaller image (a phone photo is a few MB); the administrator sets the \
                 limit with [images] max_body_bytes",
            )
        } else {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                "send a smaller request; no API call needs more",
            )
        }
    }

    fn max(&self, path: &str) -> usize {
        if self.uploads.contains(&path) {
            self.upload_max
        } else {
            MAX_BODY_BYTES
        }
    }
}

/// Refuses bodies declared larger than their path's limit ([`BodyLimits`], 413) before anything
/// reads them (bodies without a length are cut at the same size by the extractors), and
/// answers 503 if the handler takes longer than [`REQUEST_TIMEOUT`].
pub(crate) async fn enforce(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let path = request.uri().path();
    if declared.is_some_and(|len| len > limits.max(path) as u64) {
        return limits.too_large(path).into_response();
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
