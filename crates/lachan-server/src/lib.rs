//! Lachan's HTTP side: the JSON API under `/api/v1` (bearer tokens, an OpenAPI document) and
//! the block page shown to a child whose browser reached Lachan because a name was blocked.
//!
//! [`router`] builds the whole application from an [`AppState`]; [`serve`] runs it on a
//! listener until a cancellation token fires, capping open connections and closing those too
//! slow to send headers or silent too long ([`ServeOptions`], [`serve_with`]). API tokens are made with [`create_token`] (the
//! `lachan token create` command) and only their SHA-256 is stored.
//!
//! Requests are sorted by their `Host` header: the console's own host (an IP literal or one of
//! [`AppState::console_hosts`]) reaches the API and the console; any other name is a blocked
//! site's, and gets the block page.
//!
//! This crate must never depend on the DNS resolver's internals (`lachan-dns`, the filter
//! engines): it knows the store and the vocabulary of `lachan-policy` only.

mod api;
mod auth;
mod block_page;
mod console;
mod error;
mod idle;
mod limiter;
mod limits;
mod password;
mod serve;
mod state;
mod token;

pub use error::ServerError;
pub use limits::{MAX_BODY_BYTES, REQUEST_TIMEOUT};
pub use password::{hash_password, verify_password};
pub use serve::{ServeOptions, router, serve, serve_with};
pub use state::{AppState, BlockExplainer, DEFAULT_CONSOLE_HOSTS};
pub use token::{TOKEN_PREFIX, create_token, hash_token, new_token};
