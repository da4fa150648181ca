//! `/api/v1/hotline`: the queue and reports typed in by operators, contacts without report,
//! cases with their workflow, actions, attachments and legal hold, notifications, statistics
//! (JSON, CSV, XLSX) and the hotline's staff; and `/api/v1/profiles/{name}/hotline-opt-in`, a
//! guardian's consent that repeated blocks are reported. Every handler calls one action of
//! [`crate::ops`], which scopes it to the caller's hotline and audits it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lachan_store::hotline::{AttachmentMeta, Notification};
use serde::Deserialize;

use super::body::{self, Body, Id, Name};
use super::caller::Caller;
use crate::download::content_disposition;
use crate::error::ApiError;
use crate::export::{Table, to_csv, to_xlsx};
use crate::ops::{
    self, ActionInput, AssignInput, CaseQuery, CaseRow, CaseView, ContactInput, Created,
    FiledReport, HoldInput, OpenCaseInput, OptInView, OutcomeInput, ReportInput, ReportRead,
    ReportView, RiskInput, StaffView, StatsInput, StatsView, StatusInput,
};
use crate::state::AppState;

/// The query of `GET /hotline/reports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueQuery {
    /// At most this many (1 to 500, default 100).
    limit: Option<u32>,
}

pub(super) async fn queue(
    Caller { state, who }: Caller,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    let query = body::query(query, "use ?limit=N (1 to 500) or no query")?;
    let limit = query.limit.unwrap_or(100);
    Ok(Json(ops::list_queue(&state, &who, limit).await?))
}

pub(super) async fn file_report(
    Caller { state, who }: Caller,
    Body(input): Body<ReportInput>,
) -> Result<(StatusCode, Json<FiledReport>), ApiError> {
    let filed = ops::file_operator_report(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(filed)))
}

pub(super) async fn report(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<Json<ReportRead>, ApiError> {
    Ok(Json(ops::get_report(&state, &who, id).await?))
}

pub(super) async fn contact(
    Caller { state, who }: Caller,
    Body(input): Body<ContactInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let made = ops::record_contact(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn cases(
    Caller { state, who }: Caller,
    query: Result<Query<CaseQuery>, QueryRejection>,
) -> Result<Json<Vec<CaseRow>>, ApiError> {
    let query = body::query(
        query,
        "use ?status=STATUS&assignee=USERNAME&open_only=true&limit=N, each optional",
    )?;
    Ok(Json(ops::list_cases(&state, &who, &query).await?))
}

pub(super) async fn open_case(
    Caller { state, who }: Caller,
    Body(input): Body<OpenCaseInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let made = ops::open_case(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn case(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(ops::get_case(&state, &who, id).await?))
}

/// The body of `POST /hotline/cases/{id}/reports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JoinRequest {
    /// Reports of the queue to move into the case.
    report_ids: Vec<i64>,
}

pub(super) async fn join(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(request): Body<JoinRequest>,
) -> Result<StatusCode, ApiError> {
    ops::join_case(&state, &who, id, &request.report_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn status(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(input): Body<StatusInput>,
) -> Result<StatusCode, ApiError> {
    ops::set_case_status(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn risk(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(input): Body<RiskInput>,
) -> Result<StatusCode, ApiError> {
    ops::set_case_risk(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn assignee(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(input): Body<AssignInput>,
) -> Result<StatusCode, ApiError> {
    ops::assign_case(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn hold(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(input): Body<HoldInput>,
) -> Result<StatusCode, ApiError> {
    ops::set_legal_hold(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn add_action(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(input): Body<ActionInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let made = ops::add_action(&state, &who, id, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn outcome(
    Caller { state, who }: Caller,
    Ids(case_id, action_id): Ids,
    Body(input): Body<OutcomeInput>,
) -> Result<StatusCode, ApiError> {
    ops::set_action_outcome(&state, &who, case_id, action_id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The query of a raw attachment upload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UploadQuery {
    /// The file's name.
    filename: Option<String>,
}

pub(super) async fn upload(
    Caller { state, who }: Caller,
    Id(id): Id,
    query: Result<Query<UploadQuery>, QueryRejection>,
    request: Request,
) -> Result<(StatusCode, Json<AttachmentMeta>), ApiError> {
    let query = body::query(query, "use ?filename=NAME with a raw upload, or no query")?;
    let (filename, bytes) = read_upload(&state, request, query.filename).await?;
    let meta = ops::upload_attachment(&state, &who, id, &filename, bytes.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

pub(super) async fn download(
    Caller { state, who }: Caller,
    Ids(case_id, attachment_id): Ids,
) -> Result<Response, ApiError> {
    let file = ops::download_attachment(&state, &who, case_id, attachment_id).await?;
    let media_type = if file.meta.media_type == "text/plain" {
        "text/plain; charset=utf-8".to_string()
    } else {
        file.meta.media_type.clone()
    };
    let headers = [
        (header::CONTENT_TYPE, header_value(&media_type)),
        (
            header::CONTENT_DISPOSITION,
            content_disposition(&file.meta.filename),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, file.bytes).into_response())
}

/// The query of `GET /hotline/notifications`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NotificationsQuery {
    /// Only unread ones.
    #[serde(default)]
    unread: bool,
    /// At most this many (1 to 500, default 100).
    limit: Option<u32>,
}

pub(super) async fn notifications(
    Caller { state, who }: Caller,
    query: Result<Query<NotificationsQuery>, QueryRejection>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    let query = body::query(query, "use ?unread=true&limit=N, each optional")?;
    let limit = query.limit.unwrap_or(100);
    Ok(Json(
        ops::list_notifications(&state, &who, query.unread, limit).await?,
    ))
}

pub(super) async fn notification_read(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    ops::mark_notification_read(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn staff(Caller { state, who }: Caller) -> Result<Json<Vec<StaffView>>, ApiError> {
    Ok(Json(ops::hotline_staff(&state, &who).await?))
}

const STATS_HINT: &str = "use ?from=2026-03-01&to=2026-03-31&period=day|week|month, each optional";

pub(super) async fn stats(
    Caller { state, who }: Caller,
    query: Result<Query<StatsInput>, QueryRejection>,
) -> Result<Json<StatsView>, ApiError> {
    let query = body::query(query, STATS_HINT)?;
    Ok(Json(ops::hotline_stats(&state, &who, &query).await?))
}

/// The query of `GET /hotline/stats.csv`: the range, and which table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CsvQuery {
    from: Option<String>,
    to: Option<String>,
    period: Option<String>,
    /// `summary` (default), `category`, `theme`, `age_band`, `gender`, `province`, `channel`
    /// or `clocks`.
    table: Option<String>,
}

/// The names of the tables of [`ops::stats_tables`], in order, for `?table=`.
const TABLES: [&str; 8] = [
    "summary", "category", "theme", "age_band", "gender", "province", "channel", "clocks",
];

pub(super) async fn stats_csv(
    Caller { state, who }: Caller,
    query: Result<Query<CsvQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = body::query(query, STATS_HINT)?;
    let name = query.table.as_deref().unwrap_or("summary");
    let Some(index) = TABLES.iter().position(|t| *t == name) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("there is no statistics table '{}'", name.escape_debug()),
            format!("use ?table= one of: {}", TABLES.join(", ")),
        ));
    };
    let input = StatsInput {
        from: query.from,
        to: query.to,
        period: query.period,
    };
    let view = ops::hotline_stats(&state, &who, &input).await?;
    let tables = ops::stats_tables(&view);
    let table: Option<&Table> = tables.get(index);
    let bytes = table.map(to_csv).unwrap_or_default();
    let filename = format!("{}-{name}.csv", file_stem(&view));
    Ok(spreadsheet("text/csv; charset=utf-8", &filename, bytes))
}

pub(super) async fn stats_xlsx(
    Caller { state, who }: Caller,
    query: Result<Query<StatsInput>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = body::query(query, STATS_HINT)?;
    let view = ops::hotline_stats(&state, &who, &query).await?;
    let bytes = to_xlsx(&ops::stats_tables(&view)).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.to_string(),
            "export a shorter range, or a longer period",
        )
    })?;
    let filename = format!("{}.xlsx", file_stem(&view));
    let media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(spreadsheet(media, &filename, bytes))
}

/// `hotline-111-2026-03-01-2026-03-31-day`, with only safe characters of the hotline's name.
fn file_stem(view: &StatsView) -> String {
    let hotline: String = view
        .hotline
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!(
        "hotline-{hotline}-{}-{}-{}",
        view.from, view.to, view.period
    )
}

fn spreadsheet(media_type: &'static str, filename: &str, bytes: Vec<u8>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
        (header::CONTENT_DISPOSITION, content_disposition(filename)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, bytes).into_response()
}

/// The body of `PUT /profiles/{name}/hotline-opt-in`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OptInRequest {
    /// Whether repeated adult or gambling blocks of the profile are reported to the hotline.
    on: bool,
}

pub(super) async fn opt_in(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<Json<OptInView>, ApiError> {
    Ok(Json(ops::hotline_opt_in(&state, &who, &name).await?))
}

pub(super) async fn set_opt_in(
    Caller { state, who }: Caller,
    Name(name): Name,
    Body(request): Body<OptInRequest>,
) -> Result<Json<OptInView>, ApiError> {
    Ok(Json(
        ops::set_hotline_opt_in(&state, &who, &name, request.on).await?,
    ))
}

/// Two numeric path parameters: a case's id and one of its parts' (`{id}` and `{action}` or
/// `{attachment}`).
pub(super) struct Ids(i64, i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((first, second)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the path is not valid: {}", rejection.body_text()),
                    "use the numeric ids the case shows",
                )
            })?;
        let number = |text: &str| {
            text.parse::<i64>().map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("'{}' is not an id", text.escape_debug()),
                    "use the numeric ids the case shows",
                )
            })
        };
        Ok(Ids(number(&first)?, number(&second)?))
    }
}

/// The file of an attachment upload: the field `file` of a `multipart/form-data` form (its
/// file name from the form), or the whole body with the name in `?filename=`.
async fn read_upload(
    state: &AppState,
    request: Request,
    filename: Option<String>,
) -> Result<(String, Bytes), ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than {} bytes",
                state.hotline.attachment_body_max()
            ),
            "attach a smaller file; the administrator sets [hotline] max_attachment_bytes",
        )
    };
    let unreadable = |text: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the upload could not be read: {text}"),
            "send multipart/form-data with the file in a field named \"file\", or the file as \
             the body with ?filename=NAME",
        )
    };
    if content_type.starts_with("multipart/form-data") {
        if filename.is_some() {
            return Err(unreadable(
                "a form carries its file's name; leave ?filename= out".into(),
            ));
        }
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|r| unreadable(r.body_text()))?;
        let error = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                unreadable(e.body_text())
            }
        };
        // The first field named `file` ends the loop; each other field is read and dropped, and
        // the body's size is bounded by the route's limit.
        while let Some(field) = form.next_field().await.map_err(error)? {
            if field.name() == Some("file") {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(error)?;
                return Ok((name, bytes));
            }
        }
        return Err(unreadable("the form has no field named \"file\"".into()));
    }
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                unreadable(rejection.body_text())
            }
        })?;
    Ok((filename.unwrap_or_default(), bytes))
}

/// A header value from text that may hold anything (ASCII-safe fallback).
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}
