//! Console sign-in sessions, kept by the SHA-256 of their cookie's token, each with the CSRF
//! token its forms must echo.

use serde::Serialize;
use sqlx::Row;

use crate::users::{select_users, user_from_row};
use crate::{LAST_USED_RESOLUTION_MS, Store, StoreError, User};

/// What a session carries besides its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// The token that forms and API calls made in this session must echo.
    pub csrf: String,
    /// When the session ends (Unix milliseconds).
    pub expires_ms: i64,
}

impl Store {
    /// Opens a session for `user_id` until `expires_ms`, kept by the SHA-256 of its token.
    /// Fails if the user does not exist or the hash is already in use.
    pub async fn create_session(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        csrf: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms, \
             last_seen_ms) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&token_hash[..])
        .bind(user_id)
        .bind(csrf)
        .bind(now_ms)
        .bind(expires_ms)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The user and session whose token hashes to `token_hash`, unless the session has
    /// expired by `now_ms`.
    ///
    /// Sessions slide: each use marks the session seen at `now_ms` and moves its expiry so that
    /// it keeps the idle time it was created with (`expires_ms - created_ms`) after this use.
    /// Both are written only when the session was last marked more than
    /// [`LAST_USED_RESOLUTION_MS`] before, so that most requests do not write (the idle time
    /// may then count from up to a minute before the last use).
    pub async fn session_by_hash(
        &self,
        token_hash: &[u8; 32],
        now_ms: i64,
    ) -> Result<Option<(User, SessionInfo)>, StoreError> {
        let row = sqlx::query(select_users!(
            ", s.csrf AS csrf, s.expires_ms AS expires_ms, s.last_seen_ms AS last_seen_ms",
            "JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = ? AND s.expires_ms > ?"
        ))
        .bind(&token_hash[..])
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let last_seen: i64 = row.try_get("last_seen_ms")?;
        let mut info = SessionInfo {
            csrf: row.try_get("csrf")?,
            expires_ms: row.try_get("expires_ms")?,
        };
        if now_ms.saturating_sub(last_seen) >= LAST_USED_RESOLUTION_MS {
            // The right-hand sides read the row as it was.
            sqlx::query(
                "UPDATE sessions SET expires_ms = ? + (expires_ms - last_seen_ms), \
                 last_seen_ms = ? WHERE token_hash = ?",
            )
            .bind(now_ms)
            .bind(now_ms)
            .bind(&token_hash[..])
            .execute(self.pool())
            .await?;
            info.expires_ms = now_ms.saturating_add(info.expires_ms.saturating_sub(last_seen));
        }
        Ok(Some((user_from_row(&row)?, info)))
    }

    /// Ends one session (sign-out); returns whether it existed.
    pub async fn delete_session(&self, token_hash: &[u8; 32]) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(&token_hash[..])
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of a user; returns how many there were.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes the sessions expired by `now_ms`; returns how many went.
    pub async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_ms <= ?")
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
