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

/// The largest body of each path: [`MAX_BODY_BYTES`], or a larger limit for the upload routes
/// (image checks, photo uploads, the hotline's attachments). Routes are written as the router
/// writes them: a `{param}` segment matches any one segment of a request's path.
#[derive(Debug, Clone)]
pub(crate) struct BodyLimits {
    uploads: Arc<[(&'static str, usize)]>,
}

impl BodyLimits {
    /// Limits where each route of `uploads` takes bodies up to its size.
    pub(crate) fn new(uploads: Vec<(&'static str, usize)>) -> BodyLimits {
        BodyLimits {
            uploads: uploads.into(),
        }
    }

    /// The upload limit of `path`, if it is an upload route's.
    fn upload(&self, path: &str) -> Option<usize> {
        self.uploads
            .iter()
            .find(|(route, _)| matches_route(route, path))
            .map(|&(_, max)| max)
    }

    /// The 413 answer for a body over the limit of `path`.
    fn too_large(&self, path: &str) -> ApiError {
        match self.upload(path) {
            Some(max) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the upload is larger than {max} bytes"),
                "send a smaller file (a phone photo is a few MB); the administrator sets the \
                 limits with [images] max_body_bytes and [hotline] max_attachment_bytes",
            ),
            None => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                "send a smaller request; no API call needs more",
            ),
        }
    }

    fn max(&self, path: &str) -> usize {
        self.upload(path).unwrap_or(MAX_BODY_BYTES)
    }
}

/// Whether `path` is one of the paths of `route` (`/a/{id}/b` matches `/a/12/b`).
fn matches_route(route: &str, path: &str) -> bool {
    let mut routes = route.split('/');
    let mut parts = path.split('/');
    loop {
        match (routes.next(), parts.next()) {
            (None, None) => return true,
            (Some(r), Some(p)) if r == p => {}
            (Some(r), Some(p)) if r.starts_with('{') && r.ends_with('}') && !p.is_empty() => {}
            _ => return false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterned_routes_match_one_segment_per_parameter() {
        let limits = BodyLimits::new(vec![
            ("/api/v1/images/check", 20),
            ("/api/v1/hotline/cases/{id}/attachments", 10),
        ]);
        assert_eq!(limits.max("/api/v1/images/check"), 20);
        assert_eq!(limits.max("/api/v1/hotline/cases/12/attachments"), 10);
        assert_eq!(
            limits.max("/api/v1/hotline/cases//attachments"),
            MAX_BODY_BYTES
        );
        assert_eq!(
            limits.max("/api/v1/hotline/cases/12/attachments/3"),
            MAX_BODY_BYTES
        );
        assert_eq!(limits.max("/api/v1/hotline/cases/12"), MAX_BODY_BYTES);
        assert_eq!(limits.max("/api/v1/profiles"), MAX_BODY_BYTES);
    }
}
