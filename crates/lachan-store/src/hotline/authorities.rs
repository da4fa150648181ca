//! The authorities referrals and takedown requests go to: seeded from `lachan_hotline`'s
//! defaults while the table is empty, then listed and edited by administrators. Never deleted
//! (actions refer to them), only made inactive.

use lachan_hotline::{AuthorityDefault, AuthorityKind};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::limits::{self, MAX_AUTHORITY_CHARS};
use crate::codec::parse;
use crate::{AuditNote, Store, StoreError};

/// An authority's details, to create or replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityInput {
    /// What kind of body it is.
    pub kind: AuthorityKind,
    /// Its name in Vietnamese.
    pub name_vi: String,
    /// Its name in English.
    pub name_en: String,
    /// Phone, e-mail or reporting address; may be empty.
    #[serde(default)]
    pub contact: String,
}

impl AuthorityInput {
    /// Checks the names (required) and the contact against [`MAX_AUTHORITY_CHARS`].
    pub fn check(&self) -> Result<(), StoreError> {
        limits::required("Vietnamese name", &self.name_vi, MAX_AUTHORITY_CHARS)?;
        limits::required("English name", &self.name_en, MAX_AUTHORITY_CHARS)?;
        limits::text("contact", &self.contact, MAX_AUTHORITY_CHARS)?;
        Ok(())
    }
}

impl From<&AuthorityDefault> for AuthorityInput {
    fn from(d: &AuthorityDefault) -> AuthorityInput {
        AuthorityInput {
            kind: d.kind,
            name_vi: d.name_vi.clone(),
            name_en: d.name_en.clone(),
            contact: d.contact.clone(),
        }
    }
}

/// An authority as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authority {
    /// Row id.
    pub id: i64,
    /// Its details.
    #[serde(flatten)]
    pub details: AuthorityInput,
    /// Whether new actions may go to it.
    pub active: bool,
    /// When it was last changed (Unix milliseconds).
    pub updated_ms: i64,
}

macro_rules! authority_columns {
    () => {
        "id, kind, name_vi, name_en, contact, active, updated_ms"
    };
}

impl Store {
    /// Stores `defaults` if no authority is stored yet (the first start); returns how many
    /// were stored (0 when the table already had some).
    pub async fn seed_authorities(
        &self,
        defaults: &[AuthorityDefault],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let inputs: Vec<AuthorityInput> = defaults.iter().map(AuthorityInput::from).collect();
        inputs.iter().try_for_each(AuthorityInput::check)?;
        let mut tx = self.begin_write().await?;
        let any: Option<i64> = sqlx::query_scalar("SELECT id FROM hotline_authorities LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        if any.is_some() {
            return Ok(0);
        }
        for input in &inputs {
            insert(&mut tx, input, now_ms).await?;
        }
        tx.commit().await?;
        Ok(inputs.len() as u64)
    }

    /// Every authority (only the active ones unless `include_inactive`), by kind and name.
    pub async fn authorities(&self, include_inactive: bool) -> Result<Vec<Authority>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            authority_columns!(),
            " FROM hotline_authorities WHERE ? OR active \
             ORDER BY kind, name_vi, id"
        ))
        .bind(include_inactive)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(authority_from_row).collect()
    }

    /// The authority with this id, active or not.
    pub async fn authority(&self, id: i64) -> Result<Option<Authority>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            authority_columns!(),
            " FROM hotline_authorities WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(authority_from_row).transpose()
    }

    /// Stores a new, active authority, with `note`'s audit entry on `authority:ID` in the same
    /// transaction; returns its id.
    pub async fn create_authority(
        &self,
        input: &AuthorityInput,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<i64, StoreError> {
        input.check()?;
        let mut tx = self.begin_write().await?;
        let id = insert(&mut tx, input, now_ms).await?;
        note.append(&mut tx, now_ms, &authority_object(id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces the details of authority `id` and makes it active again if it was not, with
    /// `note`'s audit entry on `authority:ID` in the same transaction; returns whether it
    /// exists (no entry is written when it does not). Actions already recorded keep referring
    /// to it.
    pub async fn update_authority(
        &self,
        id: i64,
        input: &AuthorityInput,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<bool, StoreError> {
        input.check()?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE hotline_authorities SET kind = ?, name_vi = ?, name_en = ?, contact = ?, \
             active = TRUE, updated_ms = ? WHERE id = ?",
        )
        .bind(input.kind.as_str())
        .bind(input.name_vi.trim())
        .bind(input.name_en.trim())
        .bind(input.contact.trim())
        .bind(now_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audited(tx, done.rows_affected() > 0, note, now_ms, id).await
    }

    /// Makes authority `id` active or inactive (new actions cannot go to an inactive one), with
    /// `note`'s audit entry on `authority:ID` in the same transaction; returns whether it
    /// exists (no entry is written when it does not).
    pub async fn set_authority_active(
        &self,
        id: i64,
        active: bool,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE hotline_authorities SET active = ?, updated_ms = ? WHERE id = ?")
                .bind(active)
                .bind(now_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        audited(tx, done.rows_affected() > 0, note, now_ms, id).await
    }
}

/// The audit object of authority `id`: `authority:ID`.
fn authority_object(id: i64) -> String {
    format!("authority:{id}")
}

/// Appends `note`'s entry on authority `id` and commits, when the authority was `found`;
/// returns `found`.
async fn audited(
    mut tx: Transaction<'static, Sqlite>,
    found: bool,
    note: &AuditNote,
    now_ms: i64,
    id: i64,
) -> Result<bool, StoreError> {
    if found {
        note.append(&mut tx, now_ms, &authority_object(id)).await?;
        tx.commit().await?;
    }
    Ok(found)
}

async fn insert(
    conn: &mut sqlx::SqliteConnection,
    input: &AuthorityInput,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO hotline_authorities (kind, name_vi, name_en, contact, active, updated_ms) \
         VALUES (?, ?, ?, ?, TRUE, ?) RETURNING id",
    )
    .bind(input.kind.as_str())
    .bind(input.name_vi.trim())
    .bind(input.name_en.trim())
    .bind(input.contact.trim())
    .bind(now_ms)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

fn authority_from_row(row: &SqliteRow) -> Result<Authority, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Authority {
        id: row.try_get("id")?,
        details: AuthorityInput {
            kind: parse("hotline_authorities", "kind", &kind)?,
            name_vi: row.try_get("name_vi")?,
            name_en: row.try_get("name_en")?,
            contact: row.try_get("contact")?,
        },
        active: row.try_get("active")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}
