//! Extra time a guardian granted a profile for the rest of its day, kept so that a restart
//! does not take it back.

use jiff::Timestamp;
use lachan_policy::ExtraTime;
use sqlx::Row;

use crate::codec::{narrow, parse};
use crate::{Store, StoreError};

impl Store {
    /// Records a grant of extra time for `profile`, by `granted_by` at `now_ms`; returns its
    /// id.
    pub async fn grant_extra_time(
        &self,
        profile: &str,
        extra: &ExtraTime,
        granted_by: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query(
            "INSERT INTO extra_time (profile, target, minutes, expires_ms, granted_by, \
             granted_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(profile)
        .bind(extra.target.to_string())
        .bind(i64::from(extra.minutes))
        .bind(extra.expires_at.as_millisecond())
        .bind(granted_by)
        .bind(now_ms)
        .fetch_one(self.pool())
        .await?
        .try_get("id")?;
        Ok(id)
    }

    /// The grants still in force at `now_ms`, with their profiles, oldest first.
    pub async fn active_extra_time(
        &self,
        now_ms: i64,
    ) -> Result<Vec<(String, ExtraTime)>, StoreError> {
        let rows = sqlx::query(
            "SELECT profile, target, minutes, expires_ms FROM extra_time \
             WHERE expires_ms > ? ORDER BY id",
        )
        .bind(now_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let expires_ms: i64 = row.try_get("expires_ms")?;
                let extra = ExtraTime {
                    target: parse("extra_time", "target", row.try_get("target")?)?,
                    minutes: narrow("extra_time", "minutes", row.try_get("minutes")?)?,
                    expires_at: Timestamp::from_millisecond(expires_ms).map_err(|e| {
                        StoreError::Corrupt {
                            table: "extra_time",
                            column: "expires_ms",
                            detail: e.to_string(),
                        }
                    })?,
                };
                Ok((row.try_get("profile")?, extra))
            })
            .collect()
    }
}
