//! Lachan's persistence: the SQLite database (through sqlx, with embedded migrations) holding
//! block lists, profiles and clients, the outcome of list refreshes, the query log, usage and
//! activity counters, the console's accounts, sessions, households, grants of extra time
//! and alerts, the state of the conversations the text-safety API analyses, the image hash
//! banks, and the hotline's reports, cases, legal clocks and statistics ([`hotline`]).
//!
//! [`Store::open`] makes `lachan.db` in the data directory (WAL mode, busy timeout, foreign
//! keys on). The resolver logs through a [`QueryLogSender`], which never blocks; a
//! [`QueryLogTask`] writes batches in transactions and keeps the usage counters, and the
//! activity counters behind [`Store::day_summary`], [`Store::week_summary`] and
//! [`Store::unseen_clients`]. The text-safety API keeps the analyser's state of each
//! conversation, never its text ([`Store::update_conversation`]). Image safety keeps hashes
//! only, never an image: banks of PDQ hashes ([`Store::add_image_bank_hashes`], with a
//! generation that tells servers to reload, [`Store::image_bank_generation`]) and reports of
//! matches ([`Store::file_report`]).
//!
//! This crate must never depend on networking (DNS, HTTP) or on the filtering engines; it knows
//! only the vocabularies of `lachan-policy` and `lachan-hotline`.

mod accounts;
mod activity;
mod alerts;
mod audit;
mod codec;
mod config;
mod console_config;
mod conversations;
mod devices;
mod error;
mod event;
mod extra_time;
pub mod hotline;
mod images;
mod list_status;
mod query_log;
mod retention;
mod service_usage;
mod sessions;
mod store;
mod tally;
mod usage;
mod users;
mod writer;

pub use accounts::{ApiToken, LAST_USED_RESOLUTION_MS, Role, UnknownRole};
pub use activity::{DaySummary, DayTotals, DomainCount, HourCount, ServiceMinutes, TOP_DOMAINS};
pub use alerts::{Alert, AlertKind, NewAlert, UnknownAlertKind};
pub use audit::{AuditEntry, AuditNote, AuditProblem, AuditProblemKind, AuditVerification};
pub use config::{ClientRecord, ListRecord, ORIGIN_CONSOLE, ORIGIN_FILE};
pub use console_config::ProfileRecord;
pub use conversations::{
    ConversationLimits, ConversationOwner, ConversationUpdate, spawn_conversation_expiry,
};
pub use devices::SeenClient;
pub use error::StoreError;
pub use event::QueryEvent;
pub use hotline::{Filed, ImageMatchDetails, NewReport, Report, ReportStatus};
pub use images::{
    BankCategory, ImageBank, MAX_BANK_NAME, NewBankHash, StoredBankHash, UnknownBankCategory,
};
pub use lachan_hotline::Channel;
pub use lachan_policy::Decision;
pub use list_status::{ListRefresh, ListStatus};
pub use query_log::QueryLogFilter;
pub use retention::spawn_retention;
pub use service_usage::ServiceMinute;
pub use sessions::SessionInfo;
pub use store::{DATABASE_FILE, Store};
pub use usage::{UsageFilter, UsageRow};
pub use users::User;
pub use writer::{QueryLogSender, QueryLogTask, WriterOptions, WriterStats};
