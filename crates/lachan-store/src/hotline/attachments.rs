//! Attachments of cases (screenshots of bullying, letters; never abuse imagery), stored as the
//! server sealed them: a nonce and the ciphertext, with the key kept outside the database.

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::cases::{case_object, open_case_in};
use super::{HotlineError, limits};
use crate::codec::narrow;
use crate::{AuditNote, Store, StoreError};

/// What is known of an attachment without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentMeta {
    /// Row id (0 until stored).
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// When it was uploaded (Unix milliseconds).
    pub created_ms: i64,
    /// Who uploaded it.
    pub actor: String,
    /// The file's name as uploaded.
    pub filename: String,
    /// Its media type, e.g. `image/png`.
    pub media_type: String,
    /// Its size in bytes, before encryption.
    pub size: u64,
    /// SHA-256 of its bytes before encryption, 64 hex digits.
    pub sha256: String,
}

/// An attachment with its sealed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// What is known of it.
    pub meta: AttachmentMeta,
    /// The nonce it was sealed with.
    pub nonce: Vec<u8>,
    /// The sealed bytes.
    pub ciphertext: Vec<u8>,
}

macro_rules! meta_columns {
    () => {
        "id, case_id, created_ms, actor, filename, media_type, size, sha256"
    };
}

impl Store {
    /// Stores `attachment` (its `meta.id` is ignored) on its open case, with `note`'s audit
    /// entry on `case:ID/attachment:N` in the same transaction; returns its id.
    pub async fn add_attachment(
        &self,
        attachment: &Attachment,
        note: &AuditNote,
    ) -> Result<i64, StoreError> {
        let meta = &attachment.meta;
        limits::required("file name", &meta.filename, limits::MAX_FILENAME_CHARS)?;
        limits::required("media type", &meta.media_type, limits::MAX_MEDIA_TYPE_CHARS)?;
        let sha256_ok =
            meta.sha256.len() == 64 && meta.sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !sha256_ok {
            return Err(HotlineError::InvalidHash {
                kind: super::HashKind::Sha256,
                value: meta.sha256.chars().take(80).collect(),
            }
            .into());
        }
        let size = i64::try_from(meta.size).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        open_case_in(&mut tx, meta.case_id).await?;
        let id = sqlx::query_scalar(
            "INSERT INTO hotline_attachments (case_id, created_ms, actor, filename, media_type, \
             size, sha256, nonce, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(meta.case_id)
        .bind(meta.created_ms)
        .bind(&meta.actor)
        .bind(&meta.filename)
        .bind(&meta.media_type)
        .bind(size)
        .bind(meta.sha256.to_ascii_lowercase())
        .bind(&attachment.nonce)
        .bind(&attachment.ciphertext)
        .fetch_one(&mut *tx)
        .await?;
        let object = format!("{}/attachment:{id}", case_object(meta.case_id));
        note.append(&mut tx, meta.created_ms, &object).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// What is known of the attachments of case `case_id`, oldest first (without their bytes).
    pub async fn attachments_of_case(
        &self,
        case_id: i64,
    ) -> Result<Vec<AttachmentMeta>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            meta_columns!(),
            " FROM hotline_attachments WHERE case_id = ? ORDER BY id"
        ))
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(meta_from_row).collect()
    }

    /// Attachment `id` of case `case_id` with its sealed bytes, if the case has it.
    pub async fn attachment(
        &self,
        case_id: i64,
        id: i64,
    ) -> Result<Option<Attachment>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            meta_columns!(),
            ", nonce, ciphertext FROM hotline_attachments \
             WHERE id = ? AND case_id = ?"
        ))
        .bind(id)
        .bind(case_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Attachment {
                meta: meta_from_row(&row)?,
                nonce: row.try_get("nonce")?,
                ciphertext: row.try_get("ciphertext")?,
            })
        })
        .transpose()
    }
}

fn meta_from_row(row: &SqliteRow) -> Result<AttachmentMeta, StoreError> {
    let size: i64 = row.try_get("size")?;
    Ok(AttachmentMeta {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        created_ms: row.try_get("created_ms")?,
        actor: row.try_get("actor")?,
        filename: row.try_get("filename")?,
        media_type: row.try_get("media_type")?,
        size: narrow("hotline_attachments", "size", size)?,
        sha256: row.try_get("sha256")?,
    })
}
