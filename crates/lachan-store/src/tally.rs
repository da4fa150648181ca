//! The counters behind the console's activity views and its "new devices" list: queries per
//! profile and quarter hour (by category and by queried name) and per unnamed client address
//! and hour.
//!
//! The query-log writer sums written batches here, in memory, and adds the sums to the
//! database every [`counters_interval`](crate::WriterOptions::counters_interval) (30 s by
//! default) in a transaction of their own: adding them with every batch (hundreds of
//! distinct names per batch of 1,000 at peak) cost the writer about a third of its
//! throughput, while half a minute of traffic repeats most names.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use foldhash::fast::RandomState;
use lachan_policy::Category;
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, Transaction};

use crate::{QueryEvent, Store, StoreError};

/// Length of an activity bucket: a quarter hour, so that every time zone's midnight (all UTC
/// offsets in use are whole quarter hours) starts a bucket.
pub(crate) const BUCKET_MS: i64 = 900_000;

/// Length of an unnamed-client bucket.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// Rows per multi-row upsert (5 parameters each; far below every engine's parameter limit).
const UPSERT_ROWS: usize = 200;

/// Queries and, of those, blocked queries.
type Counts = (i64, i64);

/// A map with a fast hasher, seeded at random per map (queried names come from clients);
/// SipHash made summing a batch twice as slow.
type Map<K, V> = HashMap<K, V, RandomState>;

/// What one profile did in one quarter hour.
#[derive(Debug, Default)]
struct Bucket {
    by_category: Map<Option<Category>, Counts>,
    by_name: Map<String, Counts>,
}

/// First query, last query and query count of one address in one hour.
#[derive(Debug, Clone, Copy)]
struct Seen {
    first_ms: i64,
    last_ms: i64,
    queries: i64,
}

/// Counts summed in memory from written batches, not yet in the database.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    activity: Map<Arc<str>, Map<i64, Bucket>>,
    unnamed: Map<(i64, IpAddr), Seen>,
    /// Distinct keys held, which bounds the memory used.
    keys: usize,
}

impl Tally {
    /// Adds written events.
    pub(crate) fn add(&mut self, events: &[QueryEvent]) {
        for event in events {
            self.add_activity(event);
            if event.client_name.is_none()
                && let Some(ip) = event.client_ip
            {
                self.add_unnamed(event.time_ms, ip);
            }
        }
    }

    fn add_activity(&mut self, event: &QueryEvent) {
        let start = event.time_ms.div_euclid(BUCKET_MS) * BUCKET_MS;
        let blocked = i64::from(event.decision.is_blocked());
        let buckets = match self.activity.get_mut(&*event.profile) {
            Some(buckets) => buckets,
            None => self.activity.entry(event.profile.clone()).or_default(),
        };
        let bucket = buckets.entry(start).or_default();
        let counts = bucket.by_category.entry(event.category).or_insert_with(|| {
            self.keys += 1;
            (0, 0)
        });
        counts.0 += 1;
        counts.1 += blocked;
        let counts = match bucket.by_name.get_mut(event.name.as_str()) {
            Some(counts) => counts,
            None => {
                self.keys += 1;
                bucket.by_name.entry(event.name.clone()).or_default()
            }
        };
        counts.0 += 1;
        counts.1 += blocked;
    }

    fn add_unnamed(&mut self, time_ms: i64, ip: IpAddr) {
        let hour = time_ms.div_euclid(HOUR_MS) * HOUR_MS;
        self.unnamed
            .entry((hour, ip))
            .and_modify(|seen| {
                seen.first_ms = seen.first_ms.min(time_ms);
                seen.last_ms = seen.last_ms.max(time_ms);
                seen.queries += 1;
            })
            .or_insert_with(|| {
                self.keys += 1;
                Seen {
                    first_ms: time_ms,
                    last_ms: time_ms,
                    queries: 1,
                }
            });
    }

    /// Distinct counters held.
    pub(crate) fn keys(&self) -> usize {
        self.keys
    }

    /// Whether nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.keys == 0
    }
}

impl Store {
    /// Adds `tally` to the counter tables, in one transaction.
    pub(crate) async fn write_tally(&self, tally: &Tally) -> Result<(), StoreError> {
        let mut buckets: Vec<_> = tally
            .activity
            .iter()
            .flat_map(|(profile, buckets)| {
                buckets
                    .iter()
                    .map(move |(start, bucket)| (&**profile, *start, bucket))
            })
            .collect();
        buckets.sort_unstable_by_key(|(profile, start, _)| (*profile, *start));
        let by_category: Vec<_> = buckets
            .iter()
            .flat_map(|(profile, start, bucket)| {
                let mut rows: Vec<_> = bucket
                    .by_category
                    .iter()
                    .map(|(category, counts)| (category.map_or("", Category::as_str), *counts))
                    .collect();
                rows.sort_unstable();
                rows.into_iter()
                    .map(move |(category, counts)| (*profile, *start, category, counts))
            })
            .collect();
        let by_name: Vec<_> = buckets
            .iter()
            .flat_map(|(profile, start, bucket)| {
                let mut rows: Vec<_> = bucket.by_name.iter().collect();
                rows.sort_unstable();
                rows.into_iter()
                    .map(move |(name, counts)| (*profile, *start, name.as_str(), *counts))
            })
            .collect();
        let mut tx = self.begin_write().await?;
        upsert_activity(&mut tx, "profile_activity", "category", &by_category).await?;
        upsert_activity(&mut tx, "domain_activity", "name", &by_name).await?;
        upsert_unnamed(&mut tx, &tally.unnamed).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Adds `rows` of (profile, bucket, key, counts) to `table`, keyed (profile, bucket_ms, `key`).
async fn upsert_activity(
    tx: &mut Transaction<'static, Sqlite>,
    table: &'static str,
    key: &'static str,
    rows: &[(&str, i64, &str, Counts)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(UPSERT_ROWS) {
        let mut sql = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO {table} (profile, bucket_ms, {key}, queries, blocked) "
        ));
        sql.push_values(
            chunk,
            |mut row, (profile, start, name, (queries, blocked))| {
                row.push_bind(*profile)
                    .push_bind(*start)
                    .push_bind(*name)
                    .push_bind(*queries)
                    .push_bind(*blocked);
            },
        );
        sql.push(format!(
            " ON CONFLICT (profile, bucket_ms, {key}) DO UPDATE SET \
             queries = {table}.queries + excluded.queries, \
             blocked = {table}.blocked + excluded.blocked"
        ));
        sql.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn upsert_unnamed(
    tx: &mut Transaction<'static, Sqlite>,
    unnamed: &Map<(i64, IpAddr), Seen>,
) -> Result<(), StoreError> {
    let rows: Vec<_> = unnamed.iter().collect();
    for chunk in rows.chunks(UPSERT_ROWS) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO unnamed_clients (hour_ms, ip, first_ms, last_ms, queries) ",
        );
        sql.push_values(chunk, |mut row, ((hour, ip), seen)| {
            row.push_bind(*hour)
                .push_bind(ip.to_string())
                .push_bind(seen.first_ms)
                .push_bind(seen.last_ms)
                .push_bind(seen.queries);
        });
        sql.push(
            " ON CONFLICT (hour_ms, ip) DO UPDATE SET \
             first_ms = MIN(unnamed_clients.first_ms, excluded.first_ms), \
             last_ms = MAX(unnamed_clients.last_ms, excluded.last_ms), \
             queries = unnamed_clients.queries + excluded.queries",
        );
        sql.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Deletes the counters of the buckets that ended at or before `cutoff_ms`; returns how many
/// rows went. The activity tables are pruned one profile at a time, so that each statement is
/// a range of the primary key.
pub(crate) async fn prune_tallied(store: &Store, cutoff_ms: i64) -> Result<u64, StoreError> {
    let last_bucket = cutoff_ms.saturating_sub(BUCKET_MS);
    let mut deleted = 0;
    for table in ["profile_activity", "domain_activity"] {
        // The distinct profiles, one primary-key lookup each (a loose index scan).
        let profiles: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "WITH RECURSIVE p (name) AS ( \
             SELECT MIN(profile) FROM {table} \
             UNION ALL SELECT (SELECT MIN(profile) FROM {table} WHERE profile > p.name) \
             FROM p WHERE p.name IS NOT NULL) \
             SELECT name FROM p WHERE name IS NOT NULL"
        )))
        .fetch_all(store.pool())
        .await?;
        for profile in &profiles {
            let done = sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE profile = ? AND bucket_ms <= ?"
            )))
            .bind(profile)
            .bind(last_bucket)
            .execute(store.pool())
            .await?;
            deleted += done.rows_affected();
        }
    }
    let done = sqlx::query("DELETE FROM unnamed_clients WHERE hour_ms <= ?")
        .bind(cutoff_ms.saturating_sub(HOUR_MS))
        .execute(store.pool())
        .await?;
    Ok(deleted + done.rows_affected())
}
