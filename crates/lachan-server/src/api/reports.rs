//! `POST /api/v1/reports`: platforms file reports of harm to children (URLs, hashes, account
//! references, never the content), idempotently with the `Idempotency-Key` header.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};

use super::body::Body;
use super::caller::Caller;
use crate::error::ApiError;
use crate::ops::{self, FiledReport, PlatformReportInput};

/// The header carrying a platform's key for a report: a retry with the same key files nothing
/// new.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

pub(super) async fn file(
    Caller { state, who }: Caller,
    headers: HeaderMap,
    Body(input): Body<PlatformReportInput>,
) -> Result<(StatusCode, Json<FiledReport>), ApiError> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        Some(value) => Some(value.to_str().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "the Idempotency-Key header is not visible ASCII text",
                "send a key such as a UUID, the same one when retrying the same report",
            )
        })?),
        None => None,
    };
    let filed = ops::file_platform_report(&state, &who, &input, key).await?;
    let status = if filed.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(filed)))
}
