//! The hotline's case management: reports (filed idempotently, waiting in a hotline's queue),
//! contacts without report, cases with their workflow, events, actions, legal clocks,
//! encrypted attachments and legal hold, the authorities referrals go to, the console's
//! notifications (and those of complaints waiting too long in the queue), the open cases a
//! report may be related to (suggested at triage), guardians' consent
//! to reports of repeated blocks, anonymisation of old closed cases, and statistics.
//!
//! The vocabulary and rules (channels, subtypes, the workflow, the clock book) are
//! `lachan_hotline`'s; this module stores them. Each change of a case writes its case event and
//! fires its clock events in one transaction, together with the change's audit entry (an
//! [`AuditNote`](crate::AuditNote) from the caller, on an object the store names: `case:ID`,
//! `case:ID/action:N`, `contact:ID`, ...); who may read or change what is the server's.

mod actions;
mod attachments;
mod authorities;
mod cases;
mod clocks;
mod contacts;
mod error;
pub mod limits;
mod notifications;
mod opt_ins;
mod related;
mod reports;
mod retention;
mod stats;
mod waiting;

pub use actions::{ActionRecord, DueFollowUp, NewAction};
pub use attachments::{Attachment, AttachmentMeta};
pub use authorities::{Authority, AuthorityInput};
pub use cases::{
    CaseBrief, CaseEvent, CaseEventKind, CaseFilter, CaseRecord, MAX_TRIAGE_REPORTS, NewCase,
    StatusChange,
};
pub use clocks::{ClockRecord, OverdueClock};
pub use contacts::NewContact;
pub use error::HotlineError;
pub use notifications::{Audience, NewNotification, Notification, NotificationKind};
pub use opt_ins::HotlineOptIn;
pub use related::{MAX_RELATED, RELATED_CANDIDATES, RelatedCase, RelationReason};
pub use reports::{
    ContentHash, DEFAULT_HOTLINE, Filed, HashKind, Identity, ImageMatchDetails, NewReport, Report,
    ReportStatus,
};
pub use stats::{Breakdown, Bucket, ClockCounts, HotlineStats, MAX_STATS_BUCKETS, StatsQuery};
pub use waiting::{QueueNotice, WaitingReport};
