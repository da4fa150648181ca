//! The state of the conversations the text-safety API analyses: one row per owner and
//! conversation, holding the analyser's serialised state (never the text of a message), that
//! counts as absent once its last message is older than the expiry.
//!
//! The store does not read the state: [`Store::update_conversation`] hands it to the caller's
//! update inside one write transaction, so that messages pushed to one conversation at the same
//! time are applied one after the other and none is lost.

use std::time::Duration;

use sqlx::Row;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::codec::narrow;
use crate::{Store, StoreError};

/// Whose conversations these are: each owner sees only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationOwner {
    /// An API token (a platform's, or an administrator's) by id. Revoking the token forgets its
    /// conversations.
    Token(i64),
    /// A console user (an administrator trying the API) by id. Deleting the user forgets their
    /// conversations.
    User(i64),
}

impl ConversationOwner {
    /// The `owner` column's text: `token:ID` or `user:ID`.
    fn key(self) -> String {
        match self {
            ConversationOwner::Token(id) => format!("token:{id}"),
            ConversationOwner::User(id) => format!("user:{id}"),
        }
    }
}

/// How long conversations live and how many one owner may keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationLimits {
    /// A conversation whose last message is this old (milliseconds) or older is forgotten: the
    /// next message starts a fresh one.
    pub expire_after_ms: i64,
    /// The most live conversations one owner may keep; a message that would start one more is
    /// refused.
    pub max_per_owner: u64,
}

/// What [`Store::update_conversation`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum ConversationUpdate<T> {
    /// The new state was saved; the update's answer.
    Saved(T),
    /// The conversation is new and the owner already keeps the most live conversations
    /// allowed: nothing was changed.
    Full {
        /// The limit that was reached.
        max_per_owner: u64,
    },
}

impl Store {
    /// Applies `update` to a conversation's state and saves what it returns, in one write
    /// transaction: concurrent updates of one conversation run one after the other.
    ///
    /// `update` gets the stored state, or `None` for a conversation that is new, forgotten or
    /// expired (its last message at or before `now_ms - limits.expire_after_ms`), and returns the
    /// new state with an answer. The state is saved with `now_ms` as the time of the last
    /// message. A new conversation is refused ([`ConversationUpdate::Full`], `update` not
    /// called) when the owner already keeps `limits.max_per_owner` live ones.
    pub async fn update_conversation<T>(
        &self,
        owner: ConversationOwner,
        conversation_hash: &[u8; 32],
        now_ms: i64,
        limits: ConversationLimits,
        update: impl FnOnce(Option<&str>) -> (String, T),
    ) -> Result<ConversationUpdate<T>, StoreError> {
        let owner = owner.key();
        let live_after = now_ms.saturating_sub(limits.expire_after_ms);
        let mut tx = self.begin_write().await?;
        let stored: Option<String> = sqlx::query(
            "SELECT state FROM text_conversations \
             WHERE owner = ? AND conversation_hash = ? AND last_ms > ?",
        )
        .bind(&owner)
        .bind(&conversation_hash[..])
        .bind(live_after)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get("state"))
        .transpose()?;
        if stored.is_none() {
            let live: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM text_conversations WHERE owner = ? AND last_ms > ?",
            )
            .bind(&owner)
            .bind(live_after)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            let live: u64 = narrow("text_conversations", "owner", live)?;
            if live >= limits.max_per_owner {
                return Ok(ConversationUpdate::Full {
                    max_per_owner: limits.max_per_owner,
                });
            }
        }
        let (state, answer) = update(stored.as_deref());
        sqlx::query(
            "INSERT INTO text_conversations (owner, conversation_hash, state, last_ms) \
             VALUES (?, ?, ?, ?) \
             ON CONFLICT (owner, conversation_hash) \
             DO UPDATE SET state = excluded.state, last_ms = excluded.last_ms",
        )
        .bind(&owner)
        .bind(&conversation_hash[..])
        .bind(state)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ConversationUpdate::Saved(answer))
    }

    /// Forgets a conversation; returns whether it was live (not expired as of `now_ms` under
    /// `expire_after_ms`). An expired one is deleted too.
    pub async fn forget_conversation(
        &self,
        owner: ConversationOwner,
        conversation_hash: &[u8; 32],
        now_ms: i64,
        expire_after_ms: i64,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "DELETE FROM text_conversations WHERE owner = ? AND conversation_hash = ? \
             RETURNING last_ms",
        )
        .bind(owner.key())
        .bind(&conversation_hash[..])
        .fetch_optional(self.pool())
        .await?;
        let last_ms: Option<i64> = row.map(|row| row.try_get("last_ms")).transpose()?;
        Ok(last_ms.is_some_and(|last| last > now_ms.saturating_sub(expire_after_ms)))
    }

    /// The stored state of a live conversation (last message after `live_after_ms`), if any.
    pub async fn conversation_state(
        &self,
        owner: ConversationOwner,
        conversation_hash: &[u8; 32],
        live_after_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT state FROM text_conversations \
             WHERE owner = ? AND conversation_hash = ? AND last_ms > ?",
        )
        .bind(owner.key())
        .bind(&conversation_hash[..])
        .bind(live_after_ms)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| row.try_get("state")).transpose()?)
    }

    /// How many live conversations (last message after `live_after_ms`) `owner` keeps.
    pub async fn live_conversations(
        &self,
        owner: ConversationOwner,
        live_after_ms: i64,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM text_conversations WHERE owner = ? AND last_ms > ?",
        )
        .bind(owner.key())
        .bind(live_after_ms)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        narrow("text_conversations", "owner", n)
    }

    /// Deletes every conversation whose last message came at or before `cutoff_ms`; returns
    /// how many.
    pub async fn prune_conversations(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM text_conversations WHERE last_ms <= ?")
            .bind(cutoff_ms)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

/// Deletes the conversations of `owner` inside a transaction that also deletes the owner.
pub(crate) async fn forget_all(
    tx: &mut sqlx::SqliteConnection,
    owner: ConversationOwner,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM text_conversations WHERE owner = ?")
        .bind(owner.key())
        .execute(tx)
        .await?;
    Ok(())
}

/// Prunes conversations whose last message is `expire_after` old now, and then every `every`
/// (at least one second), by the time `now_ms` tells (Unix milliseconds), until the returned
/// task is aborted. Failures are logged and retried at the next round.
pub fn spawn_conversation_expiry(
    store: Store,
    expire_after: Duration,
    every: Duration,
    now_ms: impl Fn() -> i64 + Send + 'static,
) -> JoinHandle<()> {
    let expire_after_ms = i64::try_from(expire_after.as_millis()).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every.max(Duration::from_secs(1)));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let cutoff = now_ms().saturating_sub(expire_after_ms);
            match store.prune_conversations(cutoff).await {
                Ok(deleted) => tracing::debug!(deleted, cutoff, "expired conversations pruned"),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot prune expired conversations; will retry")
                }
            }
        }
    })
}
