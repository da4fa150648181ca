//! Lachan's HTTP side: the family and school console (server-rendered pages), the JSON API
//! under `/api/v1` with its OpenAPI document, and the block page shown to a child whose
//! browser reached Lachan because a name was blocked.
//!
//! [`router`] builds the whole application from an [`AppState`]; [`serve`] runs it on a
//! listener until a cancellation token fires, capping open connections and closing those too
//! slow to send headers or silent too long ([`ServeOptions`], [`serve_with`]).
//!
//! Who is asking is a [`Principal`]: a console user signed in with the `lachan_session`
//! cookie (only the SHA-256 of its random token is stored; state-changing requests must carry
//! the session's CSRF token, see [`csrf`]) or an API token sent as `Authorization: Bearer`
//! (made with [`create_token`], stored as SHA-256 too). Every action of the console and the
//! API is one function of [`ops`], which scopes it to the principal's household, validates it,
//! writes the audit log and applies the change to DNS through the [`Gateway`].
//!
//! A principal's role decides what it reaches: families (`admin`, `guardian`) the console and
//! the API of profiles, devices and accounts; the hotline's staff (`operator`, `supervisor`,
//! and `admin`) its queue, cases, authorities and statistics (an operator only the cases
//! assigned to them, an administrator case contents only when it also supervises a hotline; see
//! [`ops::HotlineScope`]); `platform` tokens (software of a platform that hosts children) only
//! the text-safety endpoints (`/api/v1/text/check`, `/api/v1/conversations/{id}/messages`) and
//! report filing (`POST /api/v1/reports`), which guardians cannot use. Those endpoints run the
//! `lachan-text` engine; a conversation's analyser state (never its text) is kept in the store
//! per token, expiring [`TextOptions::conversation_hours`] after its last message.
//! Platform tokens also reach the image-safety endpoint (`/api/v1/images/check`): an upload is
//! hashed in memory (PDQ and SHA-256, never written anywhere) and matched against the store's
//! hash banks ([`BankIndex`], reloaded when the banks change); a match in a `sexual_minors`
//! bank files a report for the hotline's queue (see [`ImageOptions`] and the `images` module's
//! policy), as does a conversation's first grooming alert.
//!
//! The hotline ([`HotlineOptions`]) takes reports from operators, the public web form,
//! platforms and Lachan's own detections; every read of a case or report and every change is
//! written to the hash-chained audit log; case attachments are sealed with the [`vault`]'s key,
//! kept outside the database; statistics export through [`export`].
//!
//! Requests are sorted by their `Host` header: the console's own host (an IP literal or one of
//! [`AppState::console_hosts`]) reaches the API and the console; any other name is a blocked
//! site's, and gets the block page.
//!
//! This crate must never depend on the DNS resolver's internals (`lachan-dns`, the filter
//! engines): it knows the store, the vocabulary of `lachan-policy`, the public API of
//! `lachan-text` and `lachan-image` and the [`Gateway`] trait only.

mod api;
mod auth;
mod block_page;
mod console;
pub mod csrf;
mod download;
mod error;
pub mod export;
mod gateway;
mod hotline;
mod idle;
mod images;
mod limiter;
mod limits;
pub mod ops;
mod password;
mod principal;
mod serve;
mod session;
mod state;
mod text;
mod token;
mod ui;
pub mod vault;

pub use error::ServerError;
pub use gateway::{BoxFuture, Gateway, LiveProfile};
pub use hotline::{ATTACHMENT_FORM_OVERHEAD, HotlineOptions};
pub use images::{BankIndex, BankMatch, Checked, ImageAction, ImageOptions, ImageVerdict};
pub use limits::{MAX_BODY_BYTES, REQUEST_TIMEOUT};
pub use password::{MIN_PASSWORD_CHARS, hash_password, verify_password};
pub use principal::{AuthError, Principal, Via, authenticate};
pub use serve::{ServeOptions, router, serve, serve_with};
pub use session::{SESSION_COOKIE, SESSION_IDLE_MS, clear_cookie, is_https, session_cookie};
pub use state::{AppState, BlockExplainer, DEFAULT_CONSOLE_HOSTS};
pub use text::{
    MAX_CONVERSATION_ID_CHARS, MAX_SENDER_BYTES, PolicyError, TextOptions, check_policy,
    conversation_key,
};
pub use token::{TOKEN_PREFIX, create_token, hash_token, new_token};
