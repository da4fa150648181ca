//! `/api/v1/devices`: devices and the unknown devices seen recently.

use axum::Json;
use axum::http::StatusCode;

use super::body::{Body, Name};
use super::caller::Caller;
use crate::error::ApiError;
use crate::ops::{self, DeviceInput, DeviceView, UnseenDevice};

pub(super) async fn list(Caller { state, who }: Caller) -> Result<Json<Vec<DeviceView>>, ApiError> {
    Ok(Json(ops::list_devices(&state, &who).await?))
}

pub(super) async fn read(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<Json<DeviceView>, ApiError> {
    Ok(Json(ops::get_device(&state, &who, &name).await?))
}

pub(super) async fn create(
    Caller { state, who }: Caller,
    Body(input): Body<DeviceInput>,
) -> Result<(StatusCode, Json<DeviceView>), ApiError> {
    let made = ops::create_device(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn update(
    Caller { state, who }: Caller,
    Name(name): Name,
    Body(input): Body<DeviceInput>,
) -> Result<Json<DeviceView>, ApiError> {
    Ok(Json(ops::update_device(&state, &who, &name, &input).await?))
}

pub(super) async fn remove(
    Caller { state, who }: Caller,
    Name(name): Name,
) -> Result<StatusCode, ApiError> {
    ops::delete_device(&state, &who, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn unseen(
    Caller { state, who }: Caller,
) -> Result<Json<Vec<UnseenDevice>>, ApiError> {
    Ok(Json(ops::unseen_devices(&state, &who).await?))
}
