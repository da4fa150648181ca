//! A profile's activity for the console: a day's queries, blocked attempts by category, top
//! names, hours and minutes of service use, and a week's daily totals. Read from the counters
//! the query-log writer keeps per quarter hour and from the minutes of service use; callers
//! give day boundaries computed in the profile's time zone.

use std::collections::BTreeMap;

use lachan_policy::{Category, ServiceGroup};
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{narrow, parse};
use crate::tally::HOUR_MS;
use crate::{Store, StoreError};

/// The longest period summarised at once: a month, with room for a daylight-saving hour.
const MAX_PERIOD_MS: i64 = 32 * 86_400_000;

/// The most day boundaries [`Store::week_summary`] takes: a month of days.
const MAX_BOUNDARIES: usize = 33;

/// How many names [`DaySummary::top_domains`] lists at most.
pub const TOP_DOMAINS: u32 = 10;

/// Minutes in which a profile's devices used one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceMinutes {
    /// The service's catalogue id.
    pub service: String,
    /// The service's group.
    pub group: ServiceGroup,
    /// Minutes of use.
    pub minutes: u32,
}

/// Queries for one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainCount {
    /// The queried name.
    pub name: String,
    /// Queries answered.
    pub queries: u64,
    /// Of which blocked.
    pub blocked: u64,
}

/// Queries in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourCount {
    /// Start of the hour (ms since the Unix epoch).
    pub start_ms: i64,
    /// Queries answered.
    pub queries: u64,
    /// Of which blocked.
    pub blocked: u64,
}

/// What a profile's devices did in one day (or another period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySummary {
    /// Queries answered.
    pub queries: u64,
    /// Of which blocked.
    pub blocked: u64,
    /// Minutes per service used, most used first.
    pub service_minutes: Vec<ServiceMinutes>,
    /// Blocked queries per category that decided, most first.
    pub blocked_by_category: Vec<(Category, u64)>,
    /// The most queried names, most first (at most [`TOP_DOMAINS`]).
    pub top_domains: Vec<DomainCount>,
    /// Every hour of the period from its start, with or without queries.
    pub per_hour: Vec<HourCount>,
}

/// What a profile's devices did in one day of a week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayTotals {
    /// Start of the day (ms since the Unix epoch).
    pub start_ms: i64,
    /// Queries answered.
    pub queries: u64,
    /// Of which blocked.
    pub blocked: u64,
    /// Minutes of use per service group (a minute counts once per group), for the groups
    /// used, in group order.
    pub minutes_by_group: Vec<(ServiceGroup, u32)>,
}

/// Fails unless `start_ms..end_ms` is a non-empty period of at most a month.
fn check_period(start_ms: i64, end_ms: i64) -> Result<(), StoreError> {
    if end_ms <= start_ms {
        return Err(StoreError::InvalidPeriod(format!(
            "the period from {start_ms} to {end_ms} is empty; give its start, then a later end"
        )));
    }
    if end_ms.saturating_sub(start_ms) > MAX_PERIOD_MS {
        return Err(StoreError::InvalidPeriod(format!(
            "the period from {start_ms} to {end_ms} is longer than 32 days; summarise it in parts"
        )));
    }
    Ok(())
}

impl Store {
    /// What `profile`'s devices did from `start_ms` to `end_ms` (ms since the Unix epoch;
    /// usually a local day). Counters are kept per quarter hour and counted by their start,
    /// so boundaries should be whole quarter hours, as every time zone's midnight is; the
    /// last 30 s or so of queries may not be counted yet (see
    /// [`WriterOptions::counters_interval`](crate::WriterOptions::counters_interval)).
    ///
    /// Fails with [`StoreError::InvalidPeriod`] if the period is empty or longer than 32
    /// days.
    pub async fn day_summary(
        &self,
        profile: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<DaySummary, StoreError> {
        check_period(start_ms, end_ms)?;
        // Three independent reads, on as many connections as the pool lends.
        let (hours, service_minutes, top_domains) = tokio::try_join!(
            self.per_hour(profile, start_ms, end_ms),
            self.service_minutes(profile, start_ms, end_ms),
            self.top_domains(profile, start_ms, end_ms),
        )?;
        let (per_hour, blocked_by_category) = hours;
        let mut blocked_by_category: Vec<(Category, u64)> =
            blocked_by_category.into_iter().collect();
        blocked_by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(DaySummary {
            queries: per_hour.iter().map(|h| h.queries).sum(),
            blocked: per_hour.iter().map(|h| h.blocked).sum(),
            service_minutes,
            blocked_by_category,
            top_domains,
            per_hour,
        })
    }

    /// Daily totals of `profile` for the days between consecutive `day_starts` (ms since the
    /// Unix epoch, ascending; 8 boundaries give a week of 7 days), in order. Counters are
    /// counted by the start of their quarter hour, as in [`Store::day_summary`].
    ///
    /// Fails with [`StoreError::InvalidPeriod`] if the boundaries do not ascend, are more
    /// than 33 or span more than 32 days; fewer than two boundaries give no days.
    pub async fn week_summary(
        &self,
        profile: &str,
        day_starts: &[i64],
    ) -> Result<Vec<DayTotals>, StoreError> {
        let &[first, .., last] = day_starts else {
            return Ok(Vec::new());
        };
        if day_starts.len() > MAX_BOUNDARIES {
            return Err(StoreError::InvalidPeriod(format!(
                "{} day boundaries given, at most {MAX_BOUNDARIES} are taken; summarise in parts",
                day_starts.len()
            )));
        }
        if let Some(pair) = day_starts.windows(2).find(|pair| pair[1] <= pair[0]) {
            return Err(StoreError::InvalidPeriod(format!(
                "day boundaries must ascend, but {} is followed by {}",
                pair[0], pair[1]
            )));
        }
        check_period(first, last)?;
        let mut days: Vec<DayTotals> = day_starts
            .windows(2)
            .map(|pair| DayTotals {
                start_ms: pair[0],
                queries: 0,
                blocked: 0,
                minutes_by_group: Vec::new(),
            })
            .collect();

        let mut totals = with_days(day_starts);
        totals
            .push(
                "SELECT d.i AS day, SUM(a.queries) AS queries, SUM(a.blocked) AS blocked \
                 FROM days d JOIN profile_activity a ON a.profile = ",
            )
            .push_bind(profile)
            .push(" AND a.bucket_ms >= d.start_ms AND a.bucket_ms < d.end_ms GROUP BY d.i");
        let mut minutes = with_days(day_starts);
        minutes
            .push(
                "SELECT d.i AS day, s.service_group AS service_group, \
                 COUNT(DISTINCT s.minute_ms) AS minutes \
                 FROM days d JOIN service_usage s ON s.profile = ",
            )
            .push_bind(profile)
            .push(
                " AND s.minute_ms >= d.start_ms AND s.minute_ms < d.end_ms \
                 GROUP BY d.i, s.service_group",
            );
        let (totals, minutes) = tokio::try_join!(
            totals.build().fetch_all(self.pool()),
            minutes.build().fetch_all(self.pool()),
        )?;
        for row in totals {
            if let Some(day) = day_index(&row).and_then(|i| days.get_mut(i)) {
                day.queries = narrow("profile_activity", "queries", row.try_get("queries")?)?;
                day.blocked = narrow("profile_activity", "blocked", row.try_get("blocked")?)?;
            }
        }

        for row in minutes {
            let group: ServiceGroup = parse(
                "service_usage",
                "service_group",
                row.try_get("service_group")?,
            )?;
            let minutes = narrow("service_usage", "minutes", row.try_get("minutes")?)?;
            if let Some(day) = day_index(&row).and_then(|i| days.get_mut(i)) {
                day.minutes_by_group.push((group, minutes));
            }
        }
        for day in &mut days {
            day.minutes_by_group.sort();
        }
        Ok(days)
    }

    /// Every hour of `start_ms..end_ms` with its queries, and blocked queries per category.
    async fn per_hour(
        &self,
        profile: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<(Vec<HourCount>, BTreeMap<Category, u64>), StoreError> {
        // The period is at most a month long: no overflow.
        let hours = (end_ms - start_ms + HOUR_MS - 1) / HOUR_MS;
        let mut per_hour: Vec<HourCount> = (0..hours)
            .map(|hour| HourCount {
                start_ms: start_ms + hour * HOUR_MS,
                queries: 0,
                blocked: 0,
            })
            .collect();
        let mut by_category: BTreeMap<Category, u64> = BTreeMap::new();
        let rows = sqlx::query(
            "SELECT (bucket_ms - ?) / ? AS hour, category, SUM(queries) AS queries, \
             SUM(blocked) AS blocked FROM profile_activity \
             WHERE profile = ? AND bucket_ms >= ? AND bucket_ms < ? GROUP BY 1, 2",
        )
        .bind(start_ms)
        .bind(HOUR_MS)
        .bind(profile)
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(self.pool())
        .await?;
        for row in &rows {
            let queries: u64 = narrow("profile_activity", "queries", row.try_get("queries")?)?;
            let blocked: u64 = narrow("profile_activity", "blocked", row.try_get("blocked")?)?;
            // Every bucket read starts in the period, so its hour is one of `per_hour`.
            let hour = usize::try_from(row.try_get::<i64, _>("hour")?).ok();
            if let Some(hour) = hour.and_then(|i| per_hour.get_mut(i)) {
                hour.queries += queries;
                hour.blocked += blocked;
            }
            let category: &str = row.try_get("category")?;
            if blocked > 0 && !category.is_empty() {
                *by_category
                    .entry(parse("profile_activity", "category", category)?)
                    .or_default() += blocked;
            }
        }
        Ok((per_hour, by_category))
    }

    /// Minutes per service of `profile` in `start_ms..end_ms`, most used first.
    async fn service_minutes(
        &self,
        profile: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<ServiceMinutes>, StoreError> {
        let rows = sqlx::query(
            "SELECT service, service_group, COUNT(*) AS minutes FROM service_usage \
             WHERE profile = ? AND minute_ms >= ? AND minute_ms < ? \
             GROUP BY service, service_group ORDER BY minutes DESC, service",
        )
        .bind(profile)
        .bind(start_ms)
        .bind(end_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ServiceMinutes {
                    service: row.try_get("service")?,
                    group: parse(
                        "service_usage",
                        "service_group",
                        row.try_get("service_group")?,
                    )?,
                    minutes: narrow("service_usage", "minutes", row.try_get("minutes")?)?,
                })
            })
            .collect()
    }

    /// The [`TOP_DOMAINS`] names `profile` queried most in `start_ms..end_ms`.
    async fn top_domains(
        &self,
        profile: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<DomainCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, SUM(queries) AS queries, SUM(blocked) AS blocked \
             FROM domain_activity WHERE profile = ? AND bucket_ms >= ? AND bucket_ms < ? \
             GROUP BY name ORDER BY queries DESC, name LIMIT ?",
        )
        .bind(profile)
        .bind(start_ms)
        .bind(end_ms)
        .bind(i64::from(TOP_DOMAINS))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DomainCount {
                    name: row.try_get("name")?,
                    queries: narrow("domain_activity", "queries", row.try_get("queries")?)?,
                    blocked: narrow("domain_activity", "blocked", row.try_get("blocked")?)?,
                })
            })
            .collect()
    }
}

/// Starts a query with the table `days (i, start_ms, end_ms)` of the days between consecutive
/// `day_starts`.
fn with_days(day_starts: &[i64]) -> QueryBuilder<Sqlite> {
    let mut sql = QueryBuilder::new("WITH days (i, start_ms, end_ms) AS (");
    sql.push_values(day_starts.windows(2).enumerate(), |mut row, (i, pair)| {
        row.push_bind(i as i64)
            .push_bind(pair[0])
            .push_bind(pair[1]);
    });
    sql.push(") ");
    sql
}

/// The `day` column of a row as an index.
fn day_index(row: &sqlx::sqlite::SqliteRow) -> Option<usize> {
    row.try_get::<i64, _>("day")
        .ok()
        .and_then(|i| usize::try_from(i).ok())
}
