//! Image hash banks: named lists of PDQ hashes of known abuse imagery, each of one
//! [`BankCategory`], filled by imports in batches and read back page by page into a matcher.
//!
//! Every finished import and every removal raises one generation number
//! ([`Store::image_bank_generation`]), so a server holding the banks in memory sees in one small
//! read whether they changed. The store holds hashes and labels only, never images.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{narrow, parse};
use crate::{Store, StoreError};

/// Longest bank name, in bytes (of `A-Z a-z 0-9 . _ -`).
pub const MAX_BANK_NAME: usize = 64;

/// Rows per `INSERT` statement: 3 parameters each, far under SQLite's limit of 32766.
const ROWS_PER_STATEMENT: usize = 1000;

/// Sets the page cache of an import batch's connection to 256 MiB (SQLite allocates it only as
/// pages are read).
const IMPORT_CACHE: &str = "PRAGMA cache_size = -262144";

/// Gives a connection SQLite's default page cache (2000 KiB) back.
const DEFAULT_CACHE: &str = "PRAGMA cache_size = -2000";

/// What kind of imagery a bank lists; it decides what a match does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankCategory {
    /// Child sexual abuse material: a match is blocked and reported to the hotline.
    SexualMinors,
    /// Non-consensual intimate imagery (StopNCII and similar): a match is blocked.
    Ncii,
    /// Terrorist and violent extremist content: a match is blocked.
    Terror,
    /// A list of the operator's own: a match is sent for review.
    Custom,
}

impl BankCategory {
    /// Every category.
    pub const ALL: &'static [BankCategory] = &[
        BankCategory::SexualMinors,
        BankCategory::Ncii,
        BankCategory::Terror,
        BankCategory::Custom,
    ];

    /// The name as stored and typed: `sexual_minors`, `ncii`, `terror` or `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            BankCategory::SexualMinors => "sexual_minors",
            BankCategory::Ncii => "ncii",
            BankCategory::Terror => "terror",
            BankCategory::Custom => "custom",
        }
    }
}

impl std::fmt::Display for BankCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A text that names no bank category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown bank category '{0}': use sexual_minors, ncii, terror or custom")]
pub struct UnknownBankCategory(pub String);

impl std::str::FromStr for BankCategory {
    type Err = UnknownBankCategory;

    fn from_str(text: &str) -> Result<BankCategory, UnknownBankCategory> {
        BankCategory::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| UnknownBankCategory(text.to_string()))
    }
}

/// A stored bank, with how many hashes it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageBank {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// What it lists.
    pub category: BankCategory,
    /// Where its hashes came from, in the importer's words.
    pub source: Option<String>,
    /// When it was made (Unix milliseconds).
    pub created_ms: i64,
    /// When the last import into it finished (Unix milliseconds).
    pub updated_ms: i64,
    /// Hashes it holds.
    pub hashes: u64,
}

/// A hash to add to a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBankHash {
    /// The PDQ hash, 32 bytes in hex order (big-endian).
    pub hash: [u8; 32],
    /// The list's own note on it, if any.
    pub label: Option<String>,
}

/// A stored hash, as a matcher loads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredBankHash {
    /// Row id (for [`Store::image_bank_labels`]); rows are read in increasing id.
    pub id: i64,
    /// The bank's id ([`ImageBank::id`]).
    pub bank_id: i64,
    /// The PDQ hash, 32 bytes in hex order (big-endian).
    pub hash: [u8; 32],
}

/// Checks a bank name: 1 to [`MAX_BANK_NAME`] bytes of `A-Z a-z 0-9 . _ -`.
fn check_bank_name(name: &str) -> Result<(), StoreError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > MAX_BANK_NAME || !name.chars().all(allowed) {
        return Err(StoreError::InvalidBankName(name.to_string()));
    }
    Ok(())
}

const SELECT_BANKS: &str = "SELECT b.id, b.name, b.category, b.source, b.created_ms, \
     b.updated_ms, (SELECT COUNT(*) FROM image_bank_hashes h WHERE h.bank_id = b.id) AS hashes \
     FROM image_banks b";

impl Store {
    /// The bank `name` for an import: made with `category` if it does not exist, else the
    /// stored one, which must have the same category. A `source` note replaces the stored one.
    pub async fn open_image_bank(
        &self,
        name: &str,
        category: BankCategory,
        source: Option<&str>,
        now_ms: i64,
    ) -> Result<ImageBank, StoreError> {
        check_bank_name(name)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO image_banks (name, category, source, created_ms, updated_ms) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(category.as_str())
        .bind(source)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let stored: String = sqlx::query("SELECT category FROM image_banks WHERE name = ?")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?
            .try_get("category")?;
        let stored: BankCategory = parse("image_banks", "category", &stored)?;
        if stored != category {
            return Err(StoreError::BankCategoryConflict {
                name: name.to_string(),
                stored: stored.as_str(),
                given: category.as_str(),
            });
        }
        if let Some(source) = source {
            sqlx::query("UPDATE image_banks SET source = ? WHERE name = ?")
                .bind(source)
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        let row = bank_named(name).build().fetch_one(&mut *tx).await?;
        let bank = bank_from_row(&row)?;
        tx.commit().await?;
        Ok(bank)
    }

    /// Adds `hashes` to bank `bank_id` in one transaction; a hash the bank already holds is
    /// left as it is (its first label stays). Returns how many were added. Servers see them
    /// after [`Store::finish_image_bank_import`].
    ///
    /// Hashes are random, so each batch touches pages all over the bank's unique index: the
    /// batch is inserted in hash order with a page cache of up to 256 MiB on its connection
    /// (given back afterwards), so that no page is written twice in one batch.
    /// Batches of 100,000 import a million hashes in seconds.
    pub async fn add_image_bank_hashes(
        &self,
        bank_id: i64,
        hashes: &[NewBankHash],
    ) -> Result<u64, StoreError> {
        let mut sorted: Vec<&NewBankHash> = hashes.iter().collect();
        // Stable: of a hash given twice, the first (and its label) is inserted.
        sorted.sort_by_key(|h| h.hash);
        let mut conn = self.pool().acquire().await?;
        sqlx::query(IMPORT_CACHE).execute(&mut *conn).await?;
        let added = insert_hashes(&mut conn, bank_id, &sorted).await;
        let restored = sqlx::query(DEFAULT_CACHE).execute(&mut *conn).await;
        let added = added?;
        restored?;
        Ok(added)
    }

    /// Ends an import into bank `bank_id`: notes the time and raises the generation, so that
    /// running servers load the banks again.
    pub async fn finish_image_bank_import(
        &self,
        bank_id: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE image_banks SET updated_ms = ? WHERE id = ?")
            .bind(now_ms)
            .bind(bank_id)
            .execute(&mut *tx)
            .await?;
        raise_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every bank, by name.
    pub async fn image_banks(&self) -> Result<Vec<ImageBank>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_BANKS);
        sql.push(" ORDER BY b.name");
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(bank_from_row).collect()
    }

    /// The bank named `name`, if any.
    pub async fn image_bank(&self, name: &str) -> Result<Option<ImageBank>, StoreError> {
        let row = bank_named(name).build().fetch_optional(self.pool()).await?;
        row.as_ref().map(bank_from_row).transpose()
    }

    /// Removes the bank `name` with its hashes and raises the generation; returns how many
    /// hashes it held, or `None` when there is no such bank.
    pub async fn remove_image_bank(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(row) = bank_named(name).build().fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let bank = bank_from_row(&row)?;
        sqlx::query("DELETE FROM image_bank_hashes WHERE bank_id = ?")
            .bind(bank.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM image_banks WHERE id = ?")
            .bind(bank.id)
            .execute(&mut *tx)
            .await?;
        raise_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(Some(bank.hashes))
    }

    /// The banks' generation: raised by every finished import and every removal.
    pub async fn image_bank_generation(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT generation FROM image_bank_generation WHERE id = 1")
                .fetch_one(self.pool())
                .await?
                .try_get("generation")?,
        )
    }

    /// Up to `limit` stored hashes with ids above `after_id`, in increasing id, of the banks
    /// `bank_ids` (`None`: of every bank). Reading page after page, each starting after the
    /// last id of the one before, reads every hash once.
    pub async fn image_bank_hashes(
        &self,
        bank_ids: Option<&[i64]>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<StoredBankHash>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT id, bank_id, hash FROM image_bank_hashes WHERE id > ",
        );
        sql.push_bind(after_id);
        if let Some(bank_ids) = bank_ids {
            if bank_ids.is_empty() {
                return Ok(Vec::new());
            }
            // The unary plus keeps SQLite on the rowid order instead of the (bank_id, hash)
            // index, which would sort every page again.
            sql.push(" AND +bank_id IN (");
            let mut list = sql.separated(", ");
            for id in bank_ids {
                list.push_bind(*id);
            }
            sql.push(")");
        }
        sql.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let hash: Vec<u8> = row.try_get("hash")?;
                let hash =
                    <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| StoreError::Corrupt {
                        table: "image_bank_hashes",
                        column: "hash",
                        detail: format!("{} bytes instead of 32", hash.len()),
                    })?;
                Ok(StoredBankHash {
                    id: row.try_get("id")?,
                    bank_id: row.try_get("bank_id")?,
                    hash,
                })
            })
            .collect()
    }

    /// The labels of the stored hashes `ids` ([`StoredBankHash::id`]) that have one.
    pub async fn image_bank_labels(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        let mut labels = HashMap::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "SELECT id, label FROM image_bank_hashes WHERE label IS NOT NULL AND id IN (",
            );
            let mut list = sql.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            sql.push(")");
            for row in sql.build().fetch_all(self.pool()).await? {
                labels.insert(row.try_get("id")?, row.try_get("label")?);
            }
        }
        Ok(labels)
    }
}

/// Inserts `hashes` into bank `bank_id` in one write transaction on `conn`; how many were new.
async fn insert_hashes(
    conn: &mut sqlx::SqliteConnection,
    bank_id: i64,
    hashes: &[&NewBankHash],
) -> Result<u64, StoreError> {
    let mut added = 0;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
        let mut sql =
            QueryBuilder::<Sqlite>::new("INSERT INTO image_bank_hashes (bank_id, hash, label) ");
        sql.push_values(chunk, |mut row, h| {
            row.push_bind(bank_id)
                .push_bind(&h.hash[..])
                .push_bind(h.label.as_deref());
        });
        sql.push(" ON CONFLICT (bank_id, hash) DO NOTHING");
        added += sql.build().execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(added)
}

/// Raises the banks' generation inside a write transaction.
async fn raise_generation(tx: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE image_bank_generation SET generation = generation + 1 WHERE id = 1")
        .execute(tx)
        .await?;
    Ok(())
}

/// The query of the bank named `name`.
fn bank_named(name: &str) -> QueryBuilder<Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(SELECT_BANKS);
    sql.push(" WHERE b.name = ").push_bind(name);
    sql
}

fn bank_from_row(row: &SqliteRow) -> Result<ImageBank, StoreError> {
    Ok(ImageBank {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        category: parse("image_banks", "category", row.try_get("category")?)?,
        source: row.try_get("source")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        hashes: narrow("image_banks", "hashes", row.try_get("hashes")?)?,
    })
}
