//! `/api/v1/devices`: devices and the unknown devices seen recently.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use super::body::{Body, Name};
use crate::error::ApiError;
use crate::ops::{self, DeviceInput, DeviceView, UnseenDevice};
use crate::principal::Principal;
use crate::state::AppState;

pub(super) async fn list(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> Result<Json<Vec<DeviceView>>, ApiError> {
    Ok(Json(ops::list_devices(&state, &who).await?))
}

pub(super) async fn read(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Name(name): Name,
) -> Result<Json<DeviceView>, ApiError> {
    Ok(Json(ops::get_device(&state, &who, &name).await?))
}

pub(super) async fn create(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Body(input): Body<DeviceInput>,
) -> Result<(StatusCode, Json<DeviceView>), ApiError> {
    let made = ops::create_device(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn update(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Name(name): Name,
    Body(input): Body<DeviceInput>,
) -> Result<Json<DeviceView>, ApiError> {
    Ok(Json(ops::update_device(&state, &who, &name, &input).await?))
}

pub(super) async fn remove(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Name(name): Name,
) -> Result<StatusCode, ApiError> {
    ops::delete_device(&state, &who, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn unseen(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> Result<Json<Vec<UnseenDevice>>, ApiError> {
    Ok(Json(ops::unseen_devices(&state, &who).await?))
}
