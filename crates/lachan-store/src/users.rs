//! Console users: made, listed, found, given a new password and deleted (their sessions go
//! with them).

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::accounts::now_ms;
use crate::codec::{from_serde_name, narrow, to_serde_name};
use crate::conversations::{ConversationOwner, forget_all};
use crate::{Role, Store, StoreError};

/// `SELECT` of every column of `users` that [`user_from_row`] reads, from `users` (aliased
/// `u`), followed by the given clauses.
/// With two arguments, the first adds columns to the selection.
macro_rules! select_users {
    ($clauses:literal) => {
        select_users!("", $clauses)
    };
    ($columns:literal, $clauses:literal) => {
        concat!(
            "SELECT u.id AS id, u.username AS username, u.password_hash AS password_hash, \
             u.role AS role, u.household AS household, u.hotline AS hotline, \
             u.created_ms AS created_ms",
            $columns,
            " FROM users u ",
            $clauses
        )
    };
}
pub(crate) use select_users;

/// A console user as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Unique sign-in name.
    pub username: String,
    /// The Argon2id PHC string of the password.
    #[serde(skip)]
    pub password_hash: String,
    /// What the user may do.
    pub role: Role,
    /// The household or class a guardian manages.
    pub household: Option<String>,
    /// The hotline an operator or supervisor works for, or that an administrator also
    /// supervises; `None` for guardians and other administrators.
    pub hotline: Option<String>,
    /// When the user was made (Unix milliseconds).
    pub created_ms: i64,
}

impl Store {
    /// Stores a new console user and returns its id, or `None` if the username is taken.
    /// `password_hash` must be a PHC string (Argon2id), never the password itself. The role
    /// must be a person's ([`Role::is_person`]); operators and supervisors must have a
    /// `hotline` ([`Role::is_hotline_staff`]).
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        household: Option<&str>,
        hotline: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        if !role.is_person() {
            return Err(StoreError::NotAPersonRole(role));
        }
        if role.is_hotline_staff() && hotline.is_none() {
            return Err(StoreError::MissingHotline(role));
        }
        let row = sqlx::query(
            "INSERT INTO users (username, password_hash, role, household, hotline, created_ms) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(to_serde_name("users", "role", &role)?)
        .bind(household)
        .bind(hotline)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    /// The user with this exact username, if any.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(select_users!("WHERE username = ?"))
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// How many console users exist (zero until the first administrator is made).
    pub async fn user_count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        narrow("users", "id", count)
    }

    /// Every console user, by username.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(select_users!("ORDER BY u.username"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user with this id, if any.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(select_users!("WHERE u.id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Replaces a user's password hash (a PHC string, never the password itself); returns
    /// whether the user exists. Sessions already open stay open: callers that want them
    /// closed call [`Store::delete_user_sessions`].
    pub async fn set_user_password(
        &self,
        id: i64,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a user, their sessions and the conversations they kept (see
    /// [`Store::update_conversation`]); returns whether there was such a user.
    pub async fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        forget_all(&mut tx, ConversationOwner::User(id)).await?;
        let done = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Reads a user from a row selected with [`select_users`].
pub(crate) fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: from_serde_name("users", "role", row.try_get("role")?)?,
        household: row.try_get("household")?,
        hotline: row.try_get("hotline")?,
        created_ms: row.try_get("created_ms")?,
    })
}
