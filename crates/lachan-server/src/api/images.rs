//! The image-safety API: `POST /images/check` takes one image, as the raw body
//! (`Content-Type: image/*` or `application/octet-stream`) or as the `file` field of a
//! `multipart/form-data` form, with the platform's own `reference` for the upload (query or
//! form field), and answers its hashes, the bank hashes it matches and the action. The bytes
//! are held in memory only while they are hashed, and never logged or written anywhere.

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request};
use axum::http::{StatusCode, header};
use lachan_image::ImageError;
use serde::Deserialize;

use super::body;
use super::caller::Caller;
use crate::error::ApiError;
use crate::images::{CheckError, Checked};
use crate::state::AppState;

/// Longest platform reference, in characters.
const MAX_REFERENCE_CHARS: usize = 256;

/// The query of `POST /api/v1/images/check`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckQuery {
    /// The platform's own id of the upload.
    reference: Option<String>,
}

/// An upload as received.
struct Upload {
    bytes: Bytes,
    reference: Option<String>,
}

pub(super) async fn check(
    Caller { state, who }: Caller,
    query: Result<Query<CheckQuery>, QueryRejection>,
    request: Request,
) -> Result<Json<Checked>, ApiError> {
    let query = body::query(
        query,
        "use ?reference=ID (your id of the upload) or no query",
    )?;
    let Some(_slot) = state.images.slot().await else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
            "retry in a moment",
        ));
    };
    let upload = read_upload(&state, request).await?;
    let reference = match (query.reference, upload.reference) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "the reference is given twice, in the query and in the form",
                "give it once: ?reference=ID or a form field named reference",
            ));
        }
        (one, other) => one.or(other).map(check_reference).transpose()?,
    };
    let now_ms = state.now().as_millisecond();
    let checked = state
        .images
        .check(
            &state.store,
            &who,
            now_ms,
            upload.bytes,
            reference,
            &state.hotline.options().name,
        )
        .await
        .map_err(check_error)?;
    Ok(Json(checked))
}

/// The image and reference of the request, by its content type.
async fn read_upload(state: &AppState, request: Request) -> Result<Upload, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence == "multipart/form-data" {
        return read_form(state, request).await;
    }
    if essence.starts_with("image/") || essence == "application/octet-stream" {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(state)
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        format!("the upload could not be read: {}", rejection.body_text()),
                        "send the whole file as the request body",
                    )
                }
            })?;
        return Ok(Upload {
            bytes,
            reference: None,
        });
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        if essence.is_empty() {
            "the request has no Content-Type".to_string()
        } else {
            format!("the content type {essence:?} is not an image upload")
        },
        "send the file as the body with Content-Type: image/jpeg (or image/png, image/webp, \
         application/octet-stream), or as the field \"file\" of a multipart/form-data form",
    ))
}

/// The `file` and `reference` fields of a multipart form; any other field is refused.
async fn read_form(state: &AppState, request: Request) -> Result<Upload, ApiError> {
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|rejection| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the form could not be read: {}", rejection.body_text()),
                form_hint(),
            )
        })?;
    let (mut file, mut reference) = (None, None);
    // Each round fills an empty slot or ends the request, so there are at most three rounds.
    while let Some(field) = form.next_field().await.map_err(|e| form_error(state, e))? {
        match field.name() {
            Some("file") if file.is_none() => {
                file = Some(field.bytes().await.map_err(|e| form_error(state, e))?);
            }
            Some("reference") if reference.is_none() => {
                reference = Some(field.text().await.map_err(|e| form_error(state, e))?);
            }
            Some(name @ ("file" | "reference")) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the form has more than one field named {name:?}"),
                    "check one image per request",
                ));
            }
            other => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the form has an unknown field {:?}", other.unwrap_or("")),
                    form_hint(),
                ));
            }
        }
    }
    let Some(bytes) = file else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the form has no field named \"file\"",
            form_hint(),
        ));
    };
    Ok(Upload { bytes, reference })
}

fn form_hint() -> &'static str {
    "send multipart/form-data with the image in a field named \"file\" and, if you like, your \
     id of the upload in a field named \"reference\""
}

/// 413 for a form over the upload limit, 400 for any other broken form.
fn form_error(state: &AppState, error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(state);
    }
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!("the form could not be read: {}", error.body_text()),
        form_hint(),
    )
}

fn too_large(state: &AppState) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the upload is larger than {} bytes",
            state.images.options().max_body_bytes
        ),
        "send a smaller image (a phone photo is a few MB); the administrator sets the limit \
         with [images] max_body_bytes",
    )
}

/// A reference of 1 to [`MAX_REFERENCE_CHARS`] characters without control characters.
fn check_reference(reference: String) -> Result<String, ApiError> {
    let count = reference.chars().count();
    if count == 0 || count > MAX_REFERENCE_CHARS || reference.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "the reference must have 1 to {MAX_REFERENCE_CHARS} characters and no control \
                 characters"
            ),
            "send your platform's id of the upload, e.g. upload-8812 or a URL",
        ));
    }
    Ok(reference)
}

/// The answer for an upload that could not be checked.
fn check_error(error: CheckError) -> ApiError {
    let image = match error {
        CheckError::Image(image) => image,
        CheckError::Store(e) => return ApiError::store(e),
        CheckError::Hashing => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                error.to_string(),
                "retry; if it persists, check Lachan's log",
            );
        }
    };
    let (status, hint) = match &image {
        ImageError::Empty => (StatusCode::BAD_REQUEST, "send the image file's bytes"),
        ImageError::InputTooLarge { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "send a smaller image; the administrator sets the limit with [images] max_body_bytes",
        ),
        ImageError::UnknownFormat | ImageError::Unsupported { .. } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send a JPEG, PNG, WebP, GIF or BMP image",
        ),
        ImageError::OutOfMemory => (
            StatusCode::SERVICE_UNAVAILABLE,
            "retry in a moment, or send a smaller image",
        ),
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing was matched: send a complete, undamaged image within the server's limits",
        ),
    };
    ApiError::new(status, image.to_string(), hint)
}
