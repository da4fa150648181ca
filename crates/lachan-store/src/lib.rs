//! Lachan's persistence: the SQLite database (through sqlx, with embedded migrations) holding
//! block lists, profiles and clients, the outcome of list refreshes, the query log and
//! per-minute usage counters.
//!
//! [`Store::open`] makes `lachan.db` in the data directory (WAL mode, busy timeout, foreign
//! keys on). The resolver logs through a [`QueryLogSender`], which never blocks; a
//! [`QueryLogTask`] writes batches in transactions and keeps the usage counters.
//!
//! This crate must never depend on networking (DNS, HTTP) or on the filtering engines; it knows
//! only the vocabulary of `lachan-policy`.

mod accounts;
mod codec;
mod config;
mod error;
mod event;
mod list_status;
mod query_log;
mod retention;
mod service_usage;
mod store;
mod usage;
mod writer;

pub use accounts::{ApiToken, AuditEntry, LAST_USED_RESOLUTION_MS, Role, UnknownRole, User};
pub use config::{ClientRecord, ListRecord, ORIGIN_CONSOLE, ORIGIN_FILE};
pub use error::StoreError;
pub use event::QueryEvent;
pub use lachan_policy::Decision;
pub use list_status::{ListRefresh, ListStatus};
pub use query_log::QueryLogFilter;
pub use retention::spawn_retention;
pub use service_usage::ServiceMinute;
pub use store::{DATABASE_FILE, Store};
pub use usage::{UsageFilter, UsageRow};
pub use writer::{QueryLogSender, QueryLogTask, WriterOptions, WriterStats};
