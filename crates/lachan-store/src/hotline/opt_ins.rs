//! Guardians' consent that repeated adult or gambling blocks of their child's profile are filed
//! as reports (channel `dns_alert`) to a hotline.

use serde::Serialize;
use sqlx::Row;

use super::limits;
use crate::{AuditNote, Store, StoreError};

/// A profile whose repeated blocks are reported, and who agreed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotlineOptIn {
    /// The profile.
    pub profile: String,
    /// The hotline its reports go to.
    pub hotline: String,
    /// Who consented (a username).
    pub opted_by: String,
    /// When (Unix milliseconds).
    pub opted_ms: i64,
}

impl Store {
    /// Records that `by` consents to reports of `profile` to `hotline` (`Some((hotline, by))`,
    /// replacing an earlier consent), or withdraws the consent (`None`), with `note`'s audit
    /// entry on the profile's name in the same transaction (written whether or not anything
    /// changed). Returns whether anything changed.
    pub async fn set_hotline_opt_in(
        &self,
        profile: &str,
        consent: Option<(&str, &str)>,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<bool, StoreError> {
        if let Some((hotline, _)) = consent {
            limits::required("hotline", hotline, limits::MAX_HOTLINE_CHARS)?;
        }
        let mut tx = self.begin_write().await?;
        let done = match consent {
            Some((hotline, by)) => {
                sqlx::query(
                    "INSERT INTO hotline_opt_ins (profile, hotline, opted_by, opted_ms) \
                     VALUES (?, ?, ?, ?) ON CONFLICT (profile) DO UPDATE SET \
                     hotline = excluded.hotline, opted_by = excluded.opted_by, \
                     opted_ms = excluded.opted_ms",
                )
                .bind(profile)
                .bind(hotline)
                .bind(by)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
            }
            None => {
                sqlx::query("DELETE FROM hotline_opt_ins WHERE profile = ?")
                    .bind(profile)
                    .execute(&mut *tx)
                    .await?
            }
        };
        note.append(&mut tx, now_ms, profile).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The consent to report `profile`'s repeated blocks, if given.
    pub async fn hotline_opt_in(&self, profile: &str) -> Result<Option<HotlineOptIn>, StoreError> {
        let row = sqlx::query(
            "SELECT profile, hotline, opted_by, opted_ms FROM hotline_opt_ins WHERE profile = ?",
        )
        .bind(profile)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(HotlineOptIn {
                profile: row.try_get("profile")?,
                hotline: row.try_get("hotline")?,
                opted_by: row.try_get("opted_by")?,
                opted_ms: row.try_get("opted_ms")?,
            })
        })
        .transpose()
    }
}
