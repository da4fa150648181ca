//! `/api/v1/authorities`: who referrals and takedown requests go to; listed for the hotline's
//! staff and administrators, edited by administrators. `DELETE` makes an authority inactive
//! (actions already recorded keep it).

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use lachan_store::hotline::{Authority, AuthorityInput};
use serde::Deserialize;

use super::body::{self, Body, Id};
use super::caller::Caller;
use crate::error::ApiError;
use crate::ops;

/// The query of `GET /api/v1/authorities`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Include inactive authorities.
    #[serde(default)]
    inactive: bool,
}

pub(super) async fn list(
    Caller { state, who }: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Authority>>, ApiError> {
    let query = body::query(query, "use ?inactive=true or no query")?;
    Ok(Json(
        ops::list_authorities(&state, &who, query.inactive).await?,
    ))
}

pub(super) async fn create(
    Caller { state, who }: Caller,
    Body(input): Body<AuthorityInput>,
) -> Result<(StatusCode, Json<Authority>), ApiError> {
    let made = ops::create_authority(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn update(
    Caller { state, who }: Caller,
    Id(id): Id,
    Body(input): Body<AuthorityInput>,
) -> Result<Json<Authority>, ApiError> {
    Ok(Json(ops::update_authority(&state, &who, id, &input).await?))
}

pub(super) async fn deactivate(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<Json<Authority>, ApiError> {
    Ok(Json(
        ops::set_authority_active(&state, &who, id, false).await?,
    ))
}
