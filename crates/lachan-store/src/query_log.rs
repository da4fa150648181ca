//! The query log table: batch inserts, filtered reads and pruning.

use std::sync::Arc;

use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{narrow, parse};
use crate::tally::prune_tallied;
use crate::usage::{add_usage, aggregate};
use crate::{QueryEvent, Store, StoreError};

/// Rows per multi-row insert (11 parameters each; below SQLite's and PostgreSQL's limits).
const INSERT_ROWS: usize = 500;

/// Rows deleted per statement when pruning, so the writer is never locked out for long.
const PRUNE_ROWS: i64 = 10_000;

/// Which query-log entries to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLogFilter {
    /// Only this client: an IP address or a client name.
    pub client: Option<String>,
    /// Only blocked queries.
    pub blocked_only: bool,
    /// Only queries at or after this time (ms since the Unix epoch).
    pub since_ms: Option<i64>,
    /// Only names containing this text (ASCII case-insensitive).
    pub name_contains: Option<String>,
    /// At most this many entries.
    pub limit: u32,
}

impl Default for QueryLogFilter {
    /// The newest 100 entries.
    fn default() -> Self {
        QueryLogFilter {
            client: None,
            blocked_only: false,
            since_ms: None,
            name_contains: None,
            limit: 100,
        }
    }
}

impl Store {
    /// Writes `events` to the query log and adds them to the usage counters, in one
    /// transaction.
    pub(crate) async fn write_events(&self, events: &[QueryEvent]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for chunk in events.chunks(INSERT_ROWS) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO query_log (time_ms, client_ip, client_name, profile, name, qtype, \
                 decision, category, rule, upstream, upstream_ms) ",
            );
            sql.push_values(chunk, |mut row, e| {
                row.push_bind(e.time_ms)
                    .push_bind(e.client_ip.map(|ip| ip.to_string()))
                    .push_bind(e.client_name.as_deref())
                    .push_bind(&*e.profile)
                    .push_bind(e.name.as_str())
                    .push_bind(i64::from(e.qtype))
                    .push_bind(e.decision.as_str())
                    .push_bind(e.category.map(|c| c.as_str()))
                    .push_bind(e.rule.as_deref())
                    .push_bind(e.upstream.as_deref())
                    .push_bind(e.upstream_ms.map(i64::from));
            });
            sql.build().execute(&mut *tx).await?;
        }
        add_usage(&mut tx, &aggregate(events)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Query-log entries matching `filter`, newest first.
    pub async fn query_log(&self, filter: &QueryLogFilter) -> Result<Vec<QueryEvent>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT time_ms, client_ip, client_name, profile, name, qtype, decision, category, \
             rule, upstream, upstream_ms FROM query_log WHERE 1 = 1",
        );
        if let Some(client) = &filter.client {
            sql.push(" AND (client_ip = ")
                .push_bind(client.as_str())
                .push(" OR client_name = ")
                .push_bind(client.as_str())
                .push(")");
        }
        if filter.blocked_only {
            sql.push(" AND decision = 'blocked'");
        }
        if let Some(since) = filter.since_ms {
            sql.push(" AND time_ms >= ").push_bind(since);
        }
        if let Some(part) = &filter.name_contains {
            sql.push(" AND LOWER(name) LIKE ")
                .push_bind(like_pattern(part))
                .push(" ESCAPE '\\'");
        }
        sql.push(" ORDER BY time_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Deletes query-log entries, usage counters and service minutes older than
    /// `older_than_ms` (ms since the Unix epoch), with the activity and unnamed-client counters
    /// of the periods that ended by then, alerts, and lapsed grants of extra time; returns how many
    /// query-log entries went.
    pub async fn prune(&self, older_than_ms: i64) -> Result<u64, StoreError> {
        let old: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM query_log WHERE time_ms < ?")
            .bind(older_than_ms)
            .fetch_one(self.pool())
            .await?;
        let mut deleted = 0;
        // Chunked deletes let the writer in between; the count bounds the rounds.
        for _ in 0..=old / PRUNE_ROWS {
            let done = sqlx::query(
                "DELETE FROM query_log WHERE id IN \
                 (SELECT id FROM query_log WHERE time_ms < ? LIMIT ?)",
            )
            .bind(older_than_ms)
            .bind(PRUNE_ROWS)
            .execute(self.pool())
            .await?;
            deleted += done.rows_affected();
            if done.rows_affected() == 0 {
                break;
            }
        }
        let mut counters = 0;
        for sql in [
            "DELETE FROM usage WHERE minute_ms < ?",
            "DELETE FROM service_usage WHERE minute_ms < ?",
            "DELETE FROM extra_time WHERE expires_ms < ?",
            "DELETE FROM alerts WHERE time_ms < ?",
        ] {
            let done = sqlx::query(sql)
                .bind(older_than_ms)
                .execute(self.pool())
                .await?;
            counters += done.rows_affected();
        }
        counters += prune_tallied(self, older_than_ms).await?;
        tracing::debug!(counters, "pruned old counters");
        Ok(deleted)
    }
}

/// A LIKE pattern matching names that contain `part`, lowercased, with `%`, `_` and `\`
/// taken literally.
fn like_pattern(part: &str) -> String {
    let mut pattern = String::with_capacity(part.len() + 2);
    pattern.push('%');
    for c in part.chars().flat_map(char::to_lowercase) {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn event_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<QueryEvent, StoreError> {
    let category: Option<&str> = row.try_get("category")?;
    let upstream_ms: Option<i64> = row.try_get("upstream_ms")?;
    Ok(QueryEvent {
        time_ms: row.try_get("time_ms")?,
        client_ip: row
            .try_get::<Option<String>, _>("client_ip")?
            .and_then(|ip| ip.parse().ok()),
        client_name: row
            .try_get::<Option<String>, _>("client_name")?
            .map(Arc::from),
        profile: Arc::from(row.try_get::<String, _>("profile")?),
        name: row.try_get("name")?,
        qtype: narrow("query_log", "qtype", row.try_get("qtype")?)?,
        decision: parse("query_log", "decision", row.try_get("decision")?)?,
        category: category
            .map(|name| parse("query_log", "category", name))
            .transpose()?,
        rule: row.try_get("rule")?,
        upstream: row.try_get::<Option<String>, _>("upstream")?.map(Arc::from),
        upstream_ms: upstream_ms
            .map(|ms| narrow("query_log", "upstream_ms", ms))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("Ads"), "%ads%");
        assert_eq!(like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
