//! `/api/v1/profiles/{name}/activity` and `/week`.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use serde::Deserialize;

use super::body::{self, Name};
use super::caller::Caller;
use crate::error::ApiError;
use crate::ops::{self, DayActivity, WeekActivity};

/// The query of `GET /profiles/{name}/activity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DayQuery {
    day: Option<String>,
}

pub(super) async fn day(
    Caller { state, who }: Caller,
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
    Caller { state, who }: Caller,
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
