//! "Ảnh an toàn" (photo privacy), for every signed-in person: a parent uploads a photo, sees
//! in plain words what its metadata reveals (GPS position with its precision, capture time,
//! camera and serial numbers, names, places, embedded thumbnail), and downloads a copy
//! without it; the page also explains when a child's own consent is needed to publish it.
//!
//! Nothing is kept. A photo is read into memory (under the image upload limit, holding one of
//! the image service's upload slots), inspected and cleaned by `lachan_image::privacy`, and
//! dropped when the answer is sent; it is never logged or written anywhere. The download
//! works without JavaScript and without server-side state: the report page carries the
//! cleaned copy (base64) in the hidden field of a form that posts it back to
//! `/photo/clean`, which cleans what it receives once more and answers it as a file; the
//! upload form's second button posts the photo itself there. A cleaned copy too large to
//! carry back within the upload limit is offered through that second button only.
//!
//! The forms are `multipart/form-data` with the session's CSRF token in the `csrf` field, as
//! every console form; a refused token answers 403 with the page and a reload hint.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fluent_bundle::FluentValue;
use lachan_image::privacy::{
    self, BlockKind, Cleaned, NameRole, PhotoFormat, PhotoReport, PlaceField, PrivacyError,
};

use super::i18n::Tr;
use super::page::{Nav, Page, Req, render};
use super::viewer::{Viewer, signed_in};
use crate::csrf::{CSRF_FIELD, check_same_origin, verify_form};
use crate::download::content_disposition;
use crate::principal::Principal;
use crate::state::AppState;

/// Where the upload form posts: answers the report page.
pub(crate) const CHECK_PATH: &str = "/photo";

/// Where the download forms post: answers the cleaned file.
pub(crate) const CLEAN_PATH: &str = "/photo/clean";

/// The paths that take photo uploads (up to the image upload limit).
pub(crate) const UPLOAD_PATHS: [&str; 2] = [CHECK_PATH, CLEAN_PATH];

/// Longest file name kept for the download, in characters.
const MAX_NAME_CHARS: usize = 100;

/// Room a download form needs besides the cleaned copy (other fields, multipart framing).
const FORM_OVERHEAD: usize = 4 * 1024;

/// Longest value of a small text field (the CSRF token, the file name), in bytes.
const MAX_FIELD_BYTES: usize = 1024;

/// One line of the report: what, its value, and why it matters when that needs saying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub label: String,
    pub value: String,
    pub why: Option<String>,
}

/// The cleaned copy a report page carries for its download form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Download {
    /// The original file's name (the download is named after it).
    pub name: String,
    /// The cleaned file, base64.
    pub data: String,
}

/// What the report page shows about one photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub title: String,
    pub lines: Vec<Line>,
    /// The note that the orientation is kept, when it is.
    pub orientation: Option<String>,
    pub download: Option<Download>,
    /// Why there is no download button, when there is none.
    pub no_download: Option<String>,
}

#[derive(Template)]
#[template(path = "photo.html")]
struct PhotoPage {
    page: Page,
    /// The file field's label, with the size limit.
    choose: String,
    result: Option<Outcome>,
}

/// "20 MB".
fn megabytes(bytes: usize) -> String {
    format!("{} MB", bytes.div_ceil(1024 * 1024))
}

/// "18 KB", "67 B", "3.5 MB".
fn size_text(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The page with `result`, or with `error` at the top, answered with `status`.
fn page_response(
    state: &AppState,
    req: &Req,
    who: &Principal,
    status: StatusCode,
    result: Option<Outcome>,
    error: Option<String>,
) -> Response {
    let mut page = Page::new(req, Some(who), Nav::Photo, "photo-title", "photo-help");
    if let Some(error) = error {
        page = page.with_error(error);
    }
    let limit = state.images.options().max_body_bytes;
    let view = PhotoPage {
        choose: page.t1("photo-choose", "size", megabytes(limit)),
        page,
        result,
    };
    render(status, &view)
}

/// `GET /photo`.
pub(crate) async fn form(State(state): State<AppState>, req: Req, Viewer(who): Viewer) -> Response {
    page_response(&state, &req, &who, StatusCode::OK, None, None)
}

/// What a photo form sent.
#[derive(Debug, Default)]
struct Sent {
    /// The uploaded file and its name (empty when no file was chosen).
    file: Option<(Bytes, String)>,
    /// A cleaned copy carried back by a report page, base64.
    cleaned: Option<String>,
    /// The original file's name, carried back with it.
    name: Option<String>,
    csrf: String,
}

/// A refused photo post: the page to answer.
struct Refused {
    status: StatusCode,
    message: String,
}

/// Reads a photo form posted by a signed-in person with the session's CSRF token. `Err` is the
/// answer for everyone else: the redirect to sign in, or the page saying what went wrong.
async fn receive(state: &AppState, request: Request) -> Result<(Principal, Req, Sent), Response> {
    let (mut parts, body) = request.into_parts();
    let Ok(req) = Req::from_request_parts(&mut parts, state).await;
    let who = Option::<Principal>::from_request_parts(&mut parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let who = signed_in(state, who).await?;
    let refuse = |refused: Refused| {
        page_response(
            state,
            &req,
            &who,
            refused.status,
            None,
            Some(refused.message),
        )
    };
    let tr = req.tr();
    let forged = |error: crate::csrf::CsrfError| {
        tracing::info!(actor = %who.actor, %error, "photo form refused");
        Refused {
            status: StatusCode::FORBIDDEN,
            message: tr.t("csrf-text"),
        }
    };
    if let Err(error) = check_same_origin(&parts.headers) {
        return Err(refuse(forged(error)));
    }
    let request = Request::from_parts(parts, body);
    let sent = read_form(state, tr, request).await.map_err(&refuse)?;
    verify_form(&who, &req.headers, &sent.csrf).map_err(|e| refuse(forged(e)))?;
    Ok((who, req, sent))
}

/// The fields of a photo form; an unknown or repeated field is refused.
async fn read_form(state: &AppState, tr: Tr, request: Request) -> Result<Sent, Refused> {
    let bad_form = || Refused {
        status: StatusCode::BAD_REQUEST,
        message: tr.t("photo-error-form"),
    };
    let limit = state.images.options().max_body_bytes;
    let field_error = |error: MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refused {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: tr.t1("photo-error-too-large", "size", megabytes(limit)),
            }
        } else {
            bad_form()
        }
    };
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|_| bad_form())?;
    let mut sent = Sent::default();
    let mut seen: Vec<String> = Vec::new();
    // Each round reads a field not seen before, of four names, or ends the request: at most
    // five rounds.
    while let Some(field) = form.next_field().await.map_err(field_error)? {
        let name = field.name().unwrap_or("").to_string();
        if seen.contains(&name) {
            return Err(bad_form());
        }
        seen.push(name.clone());
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(field_error)?;
                sent.file = Some((bytes, file_name));
            }
            "cleaned" => sent.cleaned = Some(field.text().await.map_err(field_error)?),
            small @ (CSRF_FIELD | "name") => {
                let value = field.text().await.map_err(field_error)?;
                if value.len() > MAX_FIELD_BYTES {
                    return Err(bad_form());
                }
                if small == CSRF_FIELD {
                    sent.csrf = value;
                } else {
                    sent.name = Some(value);
                }
            }
            _ => return Err(bad_form()),
        }
    }
    Ok(sent)
}

/// The status and words for a photo that could not be read or cleaned.
fn photo_error(tr: Tr, error: &PrivacyError) -> Refused {
    let (status, message) = match error {
        PrivacyError::Empty => (StatusCode::BAD_REQUEST, tr.t("photo-error-no-file")),
        PrivacyError::TooLarge { max, .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            tr.t1("photo-error-too-large", "size", megabytes(*max)),
        ),
        PrivacyError::UnknownFormat => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            tr.t("photo-error-unknown"),
        ),
        PrivacyError::Unsupported { format } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            tr.t1("photo-error-unsupported", "format", *format),
        ),
        PrivacyError::CannotStrip { format } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            tr.t1("photo-error-cannot-clean", "format", *format),
        ),
        PrivacyError::Truncated { format, .. } => (
            StatusCode::BAD_REQUEST,
            tr.t1("photo-error-truncated", "format", *format),
        ),
        PrivacyError::Corrupt { format, .. } => (
            StatusCode::BAD_REQUEST,
            tr.t1("photo-error-corrupt", "format", *format),
        ),
    };
    Refused { status, message }
}

/// The uploaded file, or the refusal when none was chosen.
fn uploaded(tr: Tr, sent: &mut Sent) -> Result<(Bytes, String), Refused> {
    match sent.file.take() {
        Some((bytes, name)) if !bytes.is_empty() => Ok((bytes, name)),
        _ => Err(Refused {
            status: StatusCode::BAD_REQUEST,
            message: tr.t("photo-error-no-file"),
        }),
    }
}

/// Runs CPU work on a photo off the async threads.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(work).await.ok()
}

/// The 500 answer when the work on a photo ended abnormally.
fn failed(tr: Tr) -> Refused {
    Refused {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: tr.t("photo-error-internal"),
    }
}

/// `POST /photo`: the report page for the uploaded photo.
pub(crate) async fn check(State(state): State<AppState>, request: Request) -> Response {
    let Some(_slot) = state.images.slot().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let (who, req, mut sent) = match receive(&state, request).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let tr = req.tr();
    let answer = async {
        let (bytes, name) = uploaded(tr, &mut sent)?;
        let work = move || (privacy::inspect(&bytes), privacy::clean(&bytes));
        let (report, cleaned) = off_thread(work).await.ok_or_else(|| failed(tr))?;
        let report = report.map_err(|e| photo_error(tr, &e))?;
        let limit = state.images.options().max_body_bytes;
        Ok::<_, Refused>(outcome(tr, &name, &report, cleaned, limit))
    };
    match answer.await {
        Ok(outcome) => page_response(&state, &req, &who, StatusCode::OK, Some(outcome), None),
        Err(refused) => page_response(
            &state,
            &req,
            &who,
            refused.status,
            None,
            Some(refused.message),
        ),
    }
}

/// `POST /photo/clean`: the cleaned copy of the uploaded photo (or of the copy a report page
/// carried back, cleaned once more), as a file to save.
pub(crate) async fn clean(State(state): State<AppState>, request: Request) -> Response {
    let Some(_slot) = state.images.slot().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let (who, req, mut sent) = match receive(&state, request).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let tr = req.tr();
    let answer = async {
        let (bytes, name) = match (sent.cleaned.take(), sent.name.take()) {
            (Some(data), name) if sent.file.is_none() => {
                let bytes = BASE64.decode(data.trim()).map_err(|_| Refused {
                    status: StatusCode::BAD_REQUEST,
                    message: tr.t("photo-error-form"),
                })?;
                (Bytes::from(bytes), name.unwrap_or_default())
            }
            _ => uploaded(tr, &mut sent)?,
        };
        let cleaned = off_thread(move || privacy::clean(&bytes))
            .await
            .ok_or_else(|| failed(tr))?;
        let cleaned = cleaned.map_err(|e| photo_error(tr, &e))?;
        Ok::<_, Refused>(file_response(&name, cleaned))
    };
    match answer.await {
        Ok(response) => response,
        Err(refused) => page_response(
            &state,
            &req,
            &who,
            refused.status,
            None,
            Some(refused.message),
        ),
    }
}

/// The cleaned file as a download named after the original.
fn file_response(original: &str, cleaned: Cleaned) -> Response {
    let name = download_name(original, cleaned.format);
    let mut response = Response::new(Body::from(cleaned.bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(cleaned.format.mime()),
    );
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(&name));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// "ảnh-lớp-6A-clean.jpg" from "C:\Users\me\ảnh lớp 6A.JPG": the original's name without
/// its folders and extension, letters, digits, '-' and '_' only, then "-clean" and the
/// format's extension.
fn download_name(original: &str, format: PhotoFormat) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let stem: String = stem
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .take(MAX_NAME_CHARS)
        .collect();
    let stem = if stem.is_empty() { "photo" } else { &stem };
    format!("{stem}-clean.{}", format.extension())
}

/// What the report page shows for a photo named `name`.
fn outcome(
    tr: Tr,
    name: &str,
    report: &PhotoReport,
    cleaned: Result<Cleaned, PrivacyError>,
    limit: usize,
) -> Outcome {
    let shown_name = Some(name.rsplit(['/', '\\']).next().unwrap_or(""))
        .filter(|n| !n.is_empty())
        .unwrap_or("?");
    let orientation = match &cleaned {
        Ok(c) => c.kept_orientation,
        Err(_) => report.orientation.filter(|&o| o != 1),
    };
    let (download, no_download) = match cleaned {
        Ok(cleaned) if cleaned.bytes.len().div_ceil(3) * 4 + FORM_OVERHEAD <= limit => (
            Some(Download {
                name: name.chars().take(MAX_NAME_CHARS).collect(),
                data: BASE64.encode(&cleaned.bytes),
            }),
            None,
        ),
        Ok(_) => (None, Some(tr.t("photo-download-again"))),
        Err(error) => (None, Some(photo_error(tr, &error).message)),
    };
    Outcome {
        title: tr.t1("photo-result-title", "name", shown_name),
        lines: report_lines(tr, report),
        orientation: orientation.map(|o| tr.t1("photo-orientation-kept", "value", o)),
        download,
        no_download,
    }
}

/// One line per finding of `report`, in the page's language.
fn report_lines(tr: Tr, report: &PhotoReport) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut line = |label: String, value: String, why: Option<String>| {
        lines.push(Line { label, value, why });
    };
    if let Some(gps) = &report.gps {
        let mut value = tr.t2(
            "photo-gps-value",
            ("coordinates", FluentValue::from(gps.coordinates())),
            ("precision", FluentValue::from(gps.precision_text())),
        );
        if let Some(altitude) = gps.altitude_m {
            value.push_str(&format!(", {} {altitude:.0} m", tr.t("photo-altitude")));
        }
        line(tr.t("photo-gps"), value, Some(tr.t("photo-gps-why")));
    }
    if let Some(time) = &report.captured {
        let offset = time.offset.as_deref().map(|o| format!(" (UTC{o})"));
        let value = format!("{}{}", time.local, offset.unwrap_or_default());
        line(tr.t("photo-captured"), value, None);
    }
    if let Some(time) = &report.gps_time {
        line(tr.t("photo-gps-time"), time.clone(), None);
    }
    for (id, value) in [
        ("photo-camera", &report.camera),
        ("photo-lens", &report.lens),
        ("photo-body-serial", &report.body_serial),
        ("photo-lens-serial", &report.lens_serial),
        ("photo-unique-id", &report.unique_id),
        ("photo-software", &report.software),
    ] {
        if let Some(value) = value {
            line(tr.t(id), value.clone(), None);
        }
    }
    for name in &report.names {
        line(tr.t(name_id(name.role)), name.value.clone(), None);
    }
    for place in &report.places {
        line(tr.t(place_id(place.field)), place.value.clone(), None);
    }
    for text in &report.texts {
        line(
            tr.t1("photo-text", "key", text.key.as_str()),
            text.value.clone(),
            None,
        );
    }
    if let Some(thumbnail) = &report.thumbnail {
        let size = match (thumbnail.width, thumbnail.height) {
            (Some(w), Some(h)) => format!("{w}×{h}, "),
            _ => String::new(),
        };
        line(
            tr.t("photo-thumbnail"),
            format!("{size}{}", size_text(thumbnail.bytes)),
            Some(tr.t("photo-thumbnail-why")),
        );
    }
    let blocks: Vec<String> = report
        .blocks
        .iter()
        .filter(|b| !b.kind.is_kept())
        .map(|b| format!("{} ({})", tr.t(block_id(b.kind)), size_text(b.bytes)))
        .collect();
    if !blocks.is_empty() {
        line(tr.t("photo-blocks"), blocks.join(", "), None);
    }
    lines
}

fn name_id(role: NameRole) -> &'static str {
    match role {
        NameRole::Owner => "photo-name-owner",
        NameRole::Artist => "photo-name-artist",
        NameRole::Copyright => "photo-name-copyright",
        NameRole::Creator => "photo-name-creator",
        NameRole::Byline => "photo-name-byline",
        NameRole::Contact => "photo-name-contact",
        NameRole::Person => "photo-name-person",
    }
}

fn place_id(field: PlaceField) -> &'static str {
    match field {
        PlaceField::Location => "photo-place-location",
        PlaceField::Sublocation => "photo-place-sublocation",
        PlaceField::City => "photo-place-city",
        PlaceField::State => "photo-place-state",
        PlaceField::Country => "photo-place-country",
    }
}

fn block_id(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Exif => "photo-block-exif",
        BlockKind::Orientation => "photo-block-orientation",
        BlockKind::MakerNote => "photo-block-maker-note",
        BlockKind::Xmp => "photo-block-xmp",
        BlockKind::Photoshop => "photo-block-photoshop",
        BlockKind::Icc => "photo-block-icc",
        BlockKind::Comment => "photo-block-comment",
        BlockKind::Text => "photo-block-text",
        BlockKind::Time => "photo-block-time",
        BlockKind::MultiPicture => "photo-block-multi-picture",
        BlockKind::Credentials => "photo-block-credentials",
        BlockKind::Trailing => "photo-block-trailing",
        BlockKind::Other => "photo-block-other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_keep_letters_and_lose_folders() {
        assert_eq!(
            download_name("C:\\Users\\me\\ảnh lớp 6A.JPG", PhotoFormat::Jpeg),
            "ảnh-lớp-6A-clean.jpg"
        );
        assert_eq!(
            download_name("../../etc/passwd", PhotoFormat::Png),
            "passwd-clean.png"
        );
        assert_eq!(
            download_name("\"; rm -rf.webp", PhotoFormat::WebP),
            "-rm--rf-clean.webp"
        );
        assert_eq!(download_name("", PhotoFormat::Jpeg), "photo-clean.jpg");
    }

    #[test]
    fn every_kind_has_a_message() {
        let tr = super::super::i18n::Lang::En.tr();
        for kind in [
            BlockKind::Exif,
            BlockKind::Orientation,
            BlockKind::MakerNote,
            BlockKind::Xmp,
            BlockKind::Photoshop,
            BlockKind::Icc,
            BlockKind::Comment,
            BlockKind::Text,
            BlockKind::Time,
            BlockKind::MultiPicture,
            BlockKind::Credentials,
            BlockKind::Trailing,
            BlockKind::Other,
        ] {
            assert!(tr.lookup(block_id(kind)).is_some(), "{kind:?}");
        }
        let roles = [
            NameRole::Owner,
            NameRole::Artist,
            NameRole::Copyright,
            NameRole::Creator,
            NameRole::Byline,
            NameRole::Contact,
            NameRole::Person,
        ];
        assert!(roles.iter().all(|&r| tr.lookup(name_id(r)).is_some()));
        let fields = [
            PlaceField::Location,
            PlaceField::Sublocation,
            PlaceField::City,
            PlaceField::State,
            PlaceField::Country,
        ];
        assert!(fields.iter().all(|&f| tr.lookup(place_id(f)).is_some()));
    }
}
