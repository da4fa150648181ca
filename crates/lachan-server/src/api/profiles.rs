//! `/api/v1/profiles`: profiles, their pause, extra time and live state.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::body::{Body, Name};
use super::caller::Caller;
use crate::error::ApiError;
use crate::ops::{self, GrantedTime, LiveView, PauseLength, ProfileInput, ProfileView};

pub(super) async fn list(
    Caller { state, who }: Caller,
) -> Result<Json<Vec<ProfileView>>, ApiError> {
    Ok(Json(ops::list_profiles(&state, &who).await?))
}

pub(super) async fn read(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<Json<ProfileView>, ApiError> {
    Ok(Json(ops::get_profile(&state, &who, &name).await?))
}

pub(super) async fn create(
    Caller { state, who }: Caller,
    Body(input): Body<ProfileInput>,
) -> Result<(StatusCode, Json<ProfileView>), ApiError> {
    let made = ops::create_profile(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn update(
    Caller { state, who }: Caller,
    Name(name): Name,
    Body(input): Body<ProfileInput>,
) -> Result<Json<ProfileView>, ApiError> {
    Ok(Json(
        ops::update_profile(&state, &who, &name, &input).await?,
    ))
}

pub(super) async fn remove(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<StatusCode, ApiError> {
    ops::delete_profile(&state, &who, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST /profiles/{name}/pause`: `minutes` or `until`, or neither for a pause
/// until turned off.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PauseRequest {
    #[serde(default)]
    minutes: Option<u32>,
    #[serde(default)]
    until: Option<String>,
}

pub(super) async fn pause(
    Caller { state, who }: Caller,
    Name(name): Name,
    Body(request): Body<PauseRequest>,
) -> Result<Json<ProfileView>, ApiError> {
    let length = match (request.minutes, request.until) {
        (None, None) => PauseLength::UntilTurnedOff,
        (Some(minutes), None) => PauseLength::Minutes(minutes),
        (None, Some(until)) => PauseLength::Until(until),
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "give either minutes or until, not both",
                "send {\"minutes\": 30}, {\"until\": \"21:30\"} or {} (until turned off)",
            ));
        }
    };
    Ok(Json(
        ops::pause_profile(&state, &who, &name, &length).await?,
    ))
}

pub(super) async fn resume(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<Json<ProfileView>, ApiError> {
    Ok(Json(ops::resume_profile(&state, &who, &name).await?))
}

/// The body of `POST /profiles/{name}/extra-time`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtraTimeRequest {
    target: String,
    minutes: u32,
}

pub(super) async fn extra_time(
    Caller { state, who }: Caller,
    Name(name): Name,
    Body(request): Body<ExtraTimeRequest>,
) -> Result<(StatusCode, Json<GrantedTime>), ApiError> {
    let granted =
        ops::grant_extra_time(&state, &who, &name, &request.target, request.minutes).await?;
    Ok((StatusCode::CREATED, Json(granted)))
}

/// The answer of `GET /profiles/{name}/live`.
#[derive(Debug, Serialize)]
pub(super) struct LiveAnswer {
    /// Whether DNS runs and knows the profile; the other fields are there only then.
    running: bool,
    #[serde(flatten)]
    live: Option<LiveView>,
}

pub(super) async fn live(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<Json<LiveAnswer>, ApiError> {
    let live = ops::live(&state, &who, &name).await?;
    Ok(Json(LiveAnswer {
        running: live.is_some(),
        live,
    }))
}
