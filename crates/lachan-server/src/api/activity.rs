//! `/api/v1/profiles/{name}/activity` and `/week`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use serde::Deserialize;

use super::body::{self, Name};
use crate::error::ApiError;
use crate::ops::{self, DayActivity, WeekActivity};
use crate::principal::Principal;
use crate::state::AppState;

/// The query of `GET /profiles/{name}/activity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DayQuery {
    day: Option<String>,
}

pub(super) async fn day(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Name(name): Name,
    query: Result<Query<DayQuery>, QueryRejection>,
) -> Result<Json<DayActivity>, ApiError> {
    let query = body::query(query, "use ?day=YYYY-MM-DD or no query (today)")?;
    Ok(Json(
        ops::day_activity(&state, &who, &name, query.day.as_deref()).await?,
    ))
}

/// The query of `GET /profiles/{name}/week`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WeekQuery {
    end: Option<String>,
}

pub(super) async fn week(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Name(name): Name,
    query: Result<Query<WeekQuery>, QueryRejection>,
) -> Result<Json<WeekActivity>, ApiError> {
    let query = body::query(
        query,
        "use ?end=YYYY-MM-DD (the week's last day) or no query",
    )?;
    Ok(Json(
        ops::week_activity(&state, &who, &name, query.end.as_deref()).await?,
    ))
}
