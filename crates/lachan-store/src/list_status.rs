//! The outcome of each list's last refresh, for the console and health checks.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::codec::narrow;
use crate::{Store, StoreError};

/// The outcome of one attempt to download or read a list and compile it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRefresh {
    /// The list was read and compiled.
    Loaded {
        /// When, in milliseconds since the Unix epoch.
        time_ms: i64,
        /// Rules compiled.
        rules: u64,
        /// Lines that were not valid rules.
        invalid: u64,
    },
    /// The list could not be read; the rules of its last success stay in use.
    Failed {
        /// When, in milliseconds since the Unix epoch.
        time_ms: i64,
        /// What went wrong, as shown to the user.
        error: String,
    },
}

/// A list and the outcome of its refreshes; the optional fields are `None` until known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListStatus {
    /// The list's name.
    pub name: String,
    /// Whether the list is enabled.
    pub enabled: bool,
    /// The last attempt, in milliseconds since the Unix epoch.
    pub last_attempt_ms: Option<i64>,
    /// The last success, in milliseconds since the Unix epoch.
    pub last_success_ms: Option<i64>,
    /// Rules compiled at the last success.
    pub rules: Option<u64>,
    /// Invalid lines at the last success.
    pub invalid: Option<u64>,
    /// The error of the last attempt, if it failed.
    pub error: Option<String>,
}

impl Store {
    /// Records the outcome of refreshing the list `name`. A failure keeps the figures of the
    /// last success.
    pub async fn record_list_refresh(
        &self,
        name: &str,
        outcome: &ListRefresh,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM lists WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::UnknownList(name.to_string()));
        }
        let statement = match outcome {
            ListRefresh::Loaded {
                time_ms,
                rules,
                invalid,
            } => sqlx::query(
                "INSERT INTO list_refresh \
                 (name, last_attempt_ms, last_success_ms, rules, invalid, error) \
                 VALUES (?, ?, ?, ?, ?, NULL) \
                 ON CONFLICT (name) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms, \
                 last_success_ms = excluded.last_success_ms, rules = excluded.rules, \
                 invalid = excluded.invalid, error = NULL",
            )
            .bind(name)
            .bind(time_ms)
            .bind(time_ms)
            .bind(saturate(*rules))
            .bind(saturate(*invalid)),
            ListRefresh::Failed { time_ms, error } => sqlx::query(
                "INSERT INTO list_refresh (name, last_attempt_ms, error) VALUES (?, ?, ?) \
                 ON CONFLICT (name) DO UPDATE SET last_attempt_ms = excluded.last_attempt_ms, \
                 error = excluded.error",
            )
            .bind(name)
            .bind(time_ms)
            .bind(error),
        };
        statement.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every list with the outcome of its refreshes, by name.
    pub async fn list_status(&self) -> Result<Vec<ListStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.name, l.enabled, r.last_attempt_ms, r.last_success_ms, r.rules, r.invalid, \
             r.error FROM lists l LEFT JOIN list_refresh r ON r.name = l.name ORDER BY l.name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| -> Result<ListStatus, StoreError> {
                let rules: Option<i64> = row.try_get("rules")?;
                let invalid: Option<i64> = row.try_get("invalid")?;
                Ok(ListStatus {
                    name: row.try_get("name")?,
                    enabled: row.try_get("enabled")?,
                    last_attempt_ms: row.try_get("last_attempt_ms")?,
                    last_success_ms: row.try_get("last_success_ms")?,
                    rules: rules
                        .map(|n| narrow("list_refresh", "rules", n))
                        .transpose()?,
                    invalid: invalid
                        .map(|n| narrow("list_refresh", "invalid", n))
                        .transpose()?,
                    error: row.try_get("error")?,
                })
            })
            .collect()
    }
}

/// A count as a BIGINT, saturating (no list holds 2^63 rules).
fn saturate(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
