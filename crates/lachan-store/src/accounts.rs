//! Accounts: roles and API tokens (kept only as SHA-256 hashes).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::codec::{from_serde_name, to_serde_name};
use crate::conversations::{ConversationOwner, forget_all};
use crate::{Store, StoreError};

/// How long a token's `last_used_ms` may lag behind its real last use, in milliseconds; the
/// column is rewritten at most this often so that reads do not turn into a write each.
pub const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// What an account or token may do.
///
/// People (console users, and tokens acting for them) are [`Role::Admin`] or
/// [`Role::Guardian`]; the hotline's console users are [`Role::Operator`] and
/// [`Role::Supervisor`] (no API tokens); [`Role::Platform`] is for API tokens only. A new role
/// is added here, to [`Role::ALL`], and to the `CHECK` of the `api_tokens` table (and of `users`
/// for a person's role) in a migration; the exhaustive matches on `Role` then show every place
/// that decides what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, across all households.
    Admin,
    /// A parent or teacher: the profiles and devices of their own household or class only.
    Guardian,
    /// Software of a platform that hosts children (a game, a chat, a school app): the
    /// text-safety API only. Never a person, so never a console user.
    Platform,
    /// A hotline operator: the queue of new reports of their hotline and the cases assigned
    /// to them.
    Operator,
    /// A hotline supervisor: every case and report of their hotline.
    Supervisor,
}

impl Role {
    /// Every role, for listings and error messages.
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Guardian,
        Role::Platform,
        Role::Operator,
        Role::Supervisor,
    ];

    /// The role's name as stored and typed: `admin`, `guardian`, `platform`, `operator` or
    /// `supervisor`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Guardian => "guardian",
            Role::Platform => "platform",
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
        }
    }

    /// Whether the role is a person's: console users may have it, and it reaches the console
    /// and the API of profiles, devices and accounts.
    pub fn is_person(self) -> bool {
        match self {
            Role::Admin | Role::Guardian | Role::Operator | Role::Supervisor => true,
            Role::Platform => false,
        }
    }

    /// Whether the role works for a hotline, so that its users must name the hotline:
    /// operators and supervisors.
    pub fn is_hotline_staff(self) -> bool {
        match self {
            Role::Operator | Role::Supervisor => true,
            Role::Admin | Role::Guardian | Role::Platform => false,
        }
    }

    /// The names of every role, comma-separated, for error messages.
    fn names() -> String {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        names.join(", ")
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}': use one of {names}", names = Role::names())]
pub struct UnknownRole(pub String);

impl std::str::FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .iter()
            .copied()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.to_string()))
    }
}

/// An API token as stored (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Row id, used to revoke the token.
    pub id: i64,
    /// A label chosen by whoever made the token, e.g. "home-assistant".
    pub name: String,
    /// What the token may do.
    pub role: Role,
    /// The household or class a guardian token is limited to.
    pub household: Option<String>,
    /// When the token was made (Unix milliseconds).
    pub created_ms: i64,
    /// When the token was last accepted, to within [`LAST_USED_RESOLUTION_MS`].
    pub last_used_ms: Option<i64>,
}

impl Store {
    /// Stores a new API token by the SHA-256 of its text and returns its id.
    pub async fn create_api_token(
        &self,
        name: &str,
        role: Role,
        household: Option<&str>,
        token_hash: [u8; 32],
    ) -> Result<i64, StoreError> {
        let id = sqlx::query(
            "INSERT INTO api_tokens (name, role, household, token_hash, created_ms) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(to_serde_name("api_tokens", "role", &role)?)
        .bind(household)
        .bind(&token_hash[..])
        .bind(now_ms())
        .fetch_one(self.pool())
        .await?
        .try_get("id")?;
        Ok(id)
    }

    /// The token whose text hashes to `token_hash`, if any; marks it used now.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<ApiToken>, StoreError> {
        self.api_token_by_hash_at(token_hash, now_ms()).await
    }

    /// [`Store::api_token_by_hash`] at the given time: `last_used_ms` becomes `now_ms` unless
    /// it is already within [`LAST_USED_RESOLUTION_MS`] of it.
    pub async fn api_token_by_hash_at(
        &self,
        token_hash: &[u8; 32],
        now_ms: i64,
    ) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role, household, created_ms, last_used_ms FROM api_tokens \
             WHERE token_hash = ?",
        )
        .bind(&token_hash[..])
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut token = api_token(&row)?;
        let stale = token
            .last_used_ms
            .is_none_or(|last| now_ms.saturating_sub(last) >= LAST_USED_RESOLUTION_MS);
        if stale {
            sqlx::query("UPDATE api_tokens SET last_used_ms = ? WHERE id = ?")
                .bind(now_ms)
                .bind(token.id)
                .execute(self.pool())
                .await?;
            token.last_used_ms = Some(now_ms);
        }
        Ok(Some(token))
    }

    /// Every API token, oldest first.
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, role, household, created_ms, last_used_ms FROM api_tokens \
             ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(api_token).collect()
    }

    /// Deletes the token with this id, and the conversations it kept (see
    /// [`Store::update_conversation`]); returns whether there was one.
    pub async fn revoke_api_token(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        forget_all(&mut tx, ConversationOwner::Token(id)).await?;
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Reads an `api_tokens` row selected without its hash.
fn api_token(row: &SqliteRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: from_serde_name("api_tokens", "role", row.try_get("role")?)?,
        household: row.try_get("household")?,
        created_ms: row.try_get("created_ms")?,
        last_used_ms: row.try_get("last_used_ms")?,
    })
}

/// The current time in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
