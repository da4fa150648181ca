//! Per-minute usage counters: aggregated in memory per batch of events, read back by period.

use std::borrow::Cow;
use std::collections::HashMap;

use lachan_policy::Category;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

use crate::codec::{narrow, parse};
use crate::{QueryEvent, Store, StoreError};

const MINUTE_MS: i64 = 60_000;

/// Rows per multi-row upsert (6 parameters each; far below every engine's parameter limit).
const UPSERT_ROWS: usize = 200;

/// Which usage counters to read, and how to group them in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageFilter {
    /// Only this client (its name, or its IP when it has no name).
    pub client: Option<String>,
    /// Only minutes starting at or after this time (ms since the Unix epoch).
    pub since_ms: Option<i64>,
    /// Only minutes starting before this time (ms since the Unix epoch).
    pub until_ms: Option<i64>,
    /// Length of each period in minutes (1: per minute, 60: per hour, 1440: per UTC day);
    /// 0 counts as 1.
    pub bucket_minutes: u32,
}

impl Default for UsageFilter {
    fn default() -> Self {
        UsageFilter {
            client: None,
            since_ms: None,
            until_ms: None,
            bucket_minutes: 1,
        }
    }
}

/// Query counts of one client, profile and category over one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRow {
    /// Start of the period, in ms since the Unix epoch.
    pub start_ms: i64,
    /// The client's name, else its IP, else empty (an anonymised client without a name).
    pub client: String,
    /// The profile applied.
    pub profile: String,
    /// The category that decided, if any.
    pub category: Option<Category>,
    /// Queries answered.
    pub queries: u64,
    /// Of which blocked.
    pub blocked: u64,
}

/// The counters a batch of events adds, keyed by (minute start, client, profile, category).
pub(crate) type UsageDelta<'a> = HashMap<(i64, Cow<'a, str>, &'a str, &'static str), (i64, i64)>;

/// Sums `events` per minute, client, profile and category.
pub(crate) fn aggregate(events: &[QueryEvent]) -> UsageDelta<'_> {
    let mut delta = UsageDelta::new();
    for event in events {
        let client: Cow<'_, str> = match (&event.client_name, event.client_ip) {
            (Some(name), _) => Cow::Borrowed(name),
            (None, Some(ip)) => Cow::Owned(ip.to_string()),
            (None, None) => Cow::Borrowed(""),
        };
        let category = event.category.map_or("", Category::as_str);
        let minute = event.time_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
        let counts = delta
            .entry((minute, client, &*event.profile, category))
            .or_default();
        counts.0 += 1;
        counts.1 += i64::from(event.decision.is_blocked());
    }
    delta
}

/// Adds `delta` to the stored counters.
pub(crate) async fn add_usage(
    tx: &mut Transaction<'static, Sqlite>,
    delta: &UsageDelta<'_>,
) -> Result<(), StoreError> {
    let rows: Vec<_> = delta.iter().collect();
    for chunk in rows.chunks(UPSERT_ROWS) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO usage (minute_ms, client, profile, category, queries, blocked) ",
        );
        sql.push_values(chunk, |mut row, (key, counts)| {
            row.push_bind(key.0)
                .push_bind(&*key.1)
                .push_bind(key.2)
                .push_bind(key.3)
                .push_bind(counts.0)
                .push_bind(counts.1);
        });
        sql.push(
            " ON CONFLICT (minute_ms, client, profile, category) DO UPDATE SET \
             queries = usage.queries + excluded.queries, \
             blocked = usage.blocked + excluded.blocked",
        );
        sql.build().execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Usage counters matching `filter`, summed per period, client, profile and category,
    /// oldest period first.
    pub async fn usage(&self, filter: &UsageFilter) -> Result<Vec<UsageRow>, StoreError> {
        let bucket_ms = i64::from(filter.bucket_minutes.max(1)) * MINUTE_MS;
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT (minute_ms / ");
        sql.push_bind(bucket_ms)
            .push(") * ")
            .push_bind(bucket_ms)
            .push(
                " AS start_ms, client, profile, category, SUM(queries) AS queries, \
                 SUM(blocked) AS blocked FROM usage WHERE 1 = 1",
            );
        if let Some(client) = &filter.client {
            sql.push(" AND client = ").push_bind(client.as_str());
        }
        if let Some(since) = filter.since_ms {
            sql.push(" AND minute_ms >= ").push_bind(since);
        }
        if let Some(until) = filter.until_ms {
            sql.push(" AND minute_ms < ").push_bind(until);
        }
        sql.push(" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| -> Result<UsageRow, StoreError> {
                let category: &str = row.try_get("category")?;
                Ok(UsageRow {
                    start_ms: row.try_get("start_ms")?,
                    client: row.try_get("client")?,
                    profile: row.try_get("profile")?,
                    category: match category {
                        "" => None,
                        name => Some(parse("usage", "category", name)?),
                    },
                    queries: narrow("usage", "queries", row.try_get("queries")?)?,
                    blocked: narrow("usage", "blocked", row.try_get("blocked")?)?,
                })
            })
            .collect()
    }
}
