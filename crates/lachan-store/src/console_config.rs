//! What the console changes in the configuration: its own profiles, each in a household (a
//! family or a class), and its own devices. Entities of the configuration file are never
//! taken or changed here.

use lachan_policy::Profile;
use serde::Serialize;
use sqlx::Row;

use crate::config::{profile_from_row, select_profiles, upsert_client, upsert_profile};
use crate::{ClientRecord, ORIGIN_CONSOLE, Store, StoreError};

/// A profile with what the console needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileRecord {
    /// The profile itself.
    pub profile: Profile,
    /// The household or class it belongs to; `None`: administrators only.
    pub household: Option<String>,
    /// [`ORIGIN_FILE`](crate::ORIGIN_FILE) or [`ORIGIN_CONSOLE`].
    pub origin: String,
}

/// Reads a [`ProfileRecord`] from a row selected with `select_profiles!`.
fn record_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<ProfileRecord, StoreError> {
    Ok(ProfileRecord {
        profile: profile_from_row(row)?,
        household: row.try_get("household")?,
        origin: row.try_get("origin")?,
    })
}

/// Turns the refusal to overwrite an entity of the other origin into the console's error.
fn file_owned(e: StoreError) -> StoreError {
    match e {
        StoreError::OriginConflict { kind, name } => StoreError::FileOwned { kind, name },
        other => other,
    }
}

impl Store {
    /// Every profile with its household and origin, by name.
    pub async fn profile_records(&self) -> Result<Vec<ProfileRecord>, StoreError> {
        let rows = sqlx::query(select_profiles!("ORDER BY name"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The profile named `name`, with its household and origin, if there is one.
    pub async fn profile_record(&self, name: &str) -> Result<Option<ProfileRecord>, StoreError> {
        let row = sqlx::query(select_profiles!("WHERE name = ?"))
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Inserts or updates a console-made profile and sets its household. Fails with
    /// [`StoreError::FileOwned`], changing nothing, if the configuration file declares a
    /// profile of that name.
    pub async fn save_console_profile(
        &self,
        profile: &Profile,
        household: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        upsert_profile(&mut tx, profile, ORIGIN_CONSOLE)
            .await
            .map_err(file_owned)?;
        sqlx::query("UPDATE profiles SET household = ? WHERE name = ?")
            .bind(household)
            .bind(&profile.name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a console-made profile with its console-made devices, its grants of extra time,
    /// its alerts and its activity counters (a new profile of the same name starts afresh);
    /// returns whether there was such a profile. Profiles of the configuration file are left
    /// alone (and `false` returned). The query log keeps its entries until they expire.
    pub async fn delete_console_profile(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM profiles WHERE name = ? AND origin = 'console'")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        for sql in [
            "DELETE FROM clients WHERE profile = ? AND origin = 'console'",
            "DELETE FROM extra_time WHERE profile = ?",
            "DELETE FROM alerts WHERE profile = ?",
            "DELETE FROM profile_activity WHERE profile = ?",
            "DELETE FROM domain_activity WHERE profile = ?",
            "DELETE FROM service_usage WHERE profile = ?",
        ] {
            sqlx::query(sql).bind(name).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Inserts or updates a console-made device; its record's `origin` is ignored. Fails with
    /// [`StoreError::FileOwned`], changing nothing, if the configuration file declares a
    /// client of that name. The profile it names is not checked.
    pub async fn save_console_client(&self, client: &ClientRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        upsert_client(&mut tx, client, ORIGIN_CONSOLE)
            .await
            .map_err(file_owned)?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a console-made device; returns whether there was one. Clients of the
    /// configuration file are left alone (and `false` returned).
    pub async fn delete_console_client(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM clients WHERE name = ? AND origin = 'console'")
            .bind(name)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
