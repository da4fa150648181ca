//! Alerts for guardians: a child's devices trying blocked sites of a serious category again
//! and again, or a daily time budget used up.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{narrow, parse};
use crate::{Store, StoreError};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Repeated attempts to reach blocked sites of one category (adult, gambling, threat...).
    RepeatedBlocks,
    /// A daily time budget was used up.
    BudgetUsedUp,
}

impl AlertKind {
    /// Every kind.
    pub const ALL: &'static [AlertKind] = &[AlertKind::RepeatedBlocks, AlertKind::BudgetUsedUp];

    /// The kind's name as stored and sent: `repeated_blocks` or `budget_used_up`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::RepeatedBlocks => "repeated_blocks",
            AlertKind::BudgetUsedUp => "budget_used_up",
        }
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no alert kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown alert kind '{0}': use \"repeated_blocks\" or \"budget_used_up\"")]
pub struct UnknownAlertKind(pub String);

impl std::str::FromStr for AlertKind {
    type Err = UnknownAlertKind;

    fn from_str(text: &str) -> Result<AlertKind, UnknownAlertKind> {
        AlertKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownAlertKind(text.to_string()))
    }
}

/// An alert to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// When it was raised (Unix milliseconds).
    pub time_ms: i64,
    /// The profile it concerns.
    pub profile: String,
    /// What it is about.
    pub kind: AlertKind,
    /// The category tried, or the target of the budget used up (`group:games`).
    pub subject: String,
    /// Blocked attempts, or minutes used.
    pub count: u32,
    /// Further detail for the guardian, e.g. the names tried.
    pub detail: String,
}

/// A recorded alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Row id.
    pub id: i64,
    /// When it was raised (Unix milliseconds).
    pub time_ms: i64,
    /// The profile it concerns.
    pub profile: String,
    /// What it is about.
    pub kind: AlertKind,
    /// The category tried, or the target of the budget used up.
    pub subject: String,
    /// Blocked attempts, or minutes used.
    pub count: u32,
    /// Further detail for the guardian.
    pub detail: String,
    /// Whether a guardian has marked it read.
    pub read: bool,
}

const SELECT_ALERTS: &str =
    "SELECT id, time_ms, profile, kind, subject, count, detail, read FROM alerts";

impl Store {
    /// Records an alert, unread; returns its id.
    pub async fn insert_alert(&self, alert: &NewAlert) -> Result<i64, StoreError> {
        let id = sqlx::query(
            "INSERT INTO alerts (time_ms, profile, kind, subject, count, detail) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(alert.time_ms)
        .bind(&alert.profile)
        .bind(alert.kind.as_str())
        .bind(&alert.subject)
        .bind(i64::from(alert.count))
        .bind(&alert.detail)
        .fetch_one(self.pool())
        .await?
        .try_get("id")?;
        Ok(id)
    }

    /// The `limit` newest alerts of the given profiles (`None`: of every profile), newest
    /// first.
    pub async fn alerts(
        &self,
        profiles: Option<&[String]>,
        limit: u32,
    ) -> Result<Vec<Alert>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_ALERTS);
        if let Some(profiles) = profiles {
            if profiles.is_empty() {
                return Ok(Vec::new());
            }
            sql.push(" WHERE profile IN (");
            let mut list = sql.separated(", ");
            for profile in profiles {
                list.push_bind(profile.as_str());
            }
            sql.push(")");
        }
        sql.push(" ORDER BY time_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(alert_from_row).collect()
    }

    /// The alert with this id, if any.
    pub async fn alert_by_id(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_ALERTS);
        sql.push(" WHERE id = ").push_bind(id);
        let row = sql.build().fetch_optional(self.pool()).await?;
        row.as_ref().map(alert_from_row).transpose()
    }

    /// Marks an alert read; returns whether it exists.
    pub async fn mark_alert_read(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE alerts SET read = TRUE WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

fn alert_from_row(row: &SqliteRow) -> Result<Alert, StoreError> {
    Ok(Alert {
        id: row.try_get("id")?,
        time_ms: row.try_get("time_ms")?,
        profile: row.try_get("profile")?,
        kind: parse("alerts", "kind", row.try_get("kind")?)?,
        subject: row.try_get("subject")?,
        count: narrow("alerts", "count", row.try_get("count")?)?,
        detail: row.try_get("detail")?,
        read: row.try_get("read")?,
    })
}
