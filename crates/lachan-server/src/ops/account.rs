//! Signing in and out, and the first run's administrator.
//!
//! Sign-ins are limited per address and per username (an exponential back-off, timed
//! by [`AppState::now`]); an unknown username costs the same Argon2id work as a known one, so
//! the time taken does not tell which usernames exist.

use std::net::IpAddr;
use std::sync::LazyLock;

use lachan_store::{Role, User};
use serde::Deserialize;

use super::{OpError, validate};
use crate::password::{hash_password, verify_password};
use crate::principal::{Principal, Via, wall_clock_ms};
use crate::session::{NewSecrets, SESSION_IDLE_MS};
use crate::state::AppState;

/// A username and password, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Sign-in name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session. `token` goes in the `lachan_session` cookie
/// ([`session_cookie`](crate::session_cookie)); `csrf` in forms and the `X-CSRF-Token` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The cookie's value (secret; never logged).
    pub token: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// Who signed in.
    pub user: User,
    /// When the session ends if unused (Unix milliseconds); each use moves it on.
    pub expires_ms: i64,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// No such user, or the wrong password (the same answer for both).
    #[error("wrong username or password")]
    Wrong,
    /// Too many failed sign-ins from this address or for this username.
    #[error("too many failed sign-ins; wait {retry_after_secs} seconds before trying again")]
    TooMany {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// Anything else (the database failed, the input is not valid).
    #[error(transparent)]
    Op(#[from] OpError),
}

/// A hash that never matches, verified against for unknown usernames.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&crate::token::random_hex()).unwrap_or_default());

/// Whether the first administrator must still be made (no user exists).
pub async fn setup_needed(state: &AppState) -> Result<bool, OpError> {
    Ok(state.store.user_count().await? == 0)
}

/// Makes the first administrator and signs them in; refused once any user exists.
pub async fn setup(
    state: &AppState,
    peer: IpAddr,
    credentials: &Credentials,
) -> Result<SignedIn, OpError> {
    let username = validate::name("user", &credentials.username)?;
    validate::new_password(&credentials.password)?;
    let _only_one = state.setup_lock.lock().await;
    if !setup_needed(state).await? {
        return Err(OpError::Conflict(
            "Lachan is already set up; sign in, or ask an administrator for an account".into(),
        ));
    }
    let hash = hash_in_background(credentials.password.clone()).await?;
    let id = state
        .store
        .create_user(&username, &hash, Role::Admin, None, None)
        .await?
        .ok_or_else(|| OpError::Conflict(format!("the username '{username}' is taken")))?;
    state
        .store
        .append_audit(
            &username,
            "first administrator created",
            &username,
            &format!("id {id}, from {peer}"),
        )
        .await?;
    let user = state
        .store
        .user_by_id(id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("user {id}")))?;
    start_session(state, user).await
}

/// Checks a username and password from `peer` and starts a session.
pub async fn login(
    state: &AppState,
    peer: IpAddr,
    credentials: &Credentials,
) -> Result<SignedIn, LoginError> {
    let username = credentials.username.trim();
    let now = state.now();
    if let Err(wait) = state.logins.check(peer, username, now) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(LoginError::TooMany {
            retry_after_secs: secs.max(1),
        });
    }
    let user = state
        .store
        .user_by_name(username)
        .await
        .map_err(OpError::from)?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = credentials.password.clone();
    let matches = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        verify_password(&password, &hash)
    })
    .await
    .map_err(|e| OpError::Internal(format!("password check stopped: {e}")))?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            state.logins.record_failure(peer, username, now);
            tracing::info!(%peer, username, "failed sign-in");
            return Err(LoginError::Wrong);
        }
    };
    state.logins.record_success(username);
    state
        .store
        .delete_expired_sessions(wall_clock_ms())
        .await
        .map_err(OpError::from)?;
    state
        .store
        .append_audit(
            &user.username,
            "signed in",
            &user.username,
            &format!("from {peer}"),
        )
        .await
        .map_err(OpError::from)?;
    Ok(start_session(state, user).await?)
}

/// Ends `who`'s session.
pub async fn logout(state: &AppState, who: &Principal) -> Result<(), OpError> {
    let Via::Session { token_hash, .. } = &who.via else {
        return Err(OpError::Invalid(
            "API tokens have no session to end; revoke the token to stop it working".into(),
        ));
    };
    state.store.delete_session(token_hash).await?;
    state
        .store
        .append_audit(&who.actor, "signed out", &who.actor, "")
        .await?;
    Ok(())
}

/// Hashes a password on a blocking thread (Argon2id takes tens of milliseconds of CPU).
pub(super) async fn hash_in_background(password: String) -> Result<String, OpError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| OpError::Internal(format!("password hashing stopped: {e}")))?
        .map_err(|e| OpError::Internal(e.to_string()))
}

/// Stores a new session for `user`.
async fn start_session(state: &AppState, user: User) -> Result<SignedIn, OpError> {
    let secrets = NewSecrets::generate();
    let now = wall_clock_ms();
    let expires_ms = now.saturating_add(SESSION_IDLE_MS);
    state
        .store
        .create_session(&secrets.token_hash, user.id, &secrets.csrf, now, expires_ms)
        .await?;
    Ok(SignedIn {
        token: secrets.token,
        csrf: secrets.csrf,
        user,
        expires_ms,
    })
}
