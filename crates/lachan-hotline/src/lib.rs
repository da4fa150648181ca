//! The hotline's vocabulary and rules, shared by the store, the server and the console: how a
//! contact reached the hotline ([`Channel`]), who the child is in statistics ([`AgeBand`],
//! [`Gender`], [`Province`]), what happened ([`Subtype`] and its [`Theme`], in the style of Child
//! Helpline International's framework), how urgent it is ([`Risk`]), the case workflow
//! ([`CaseStatus`], [`workflow`]), actions and the authorities they go to ([`ActionKind`],
//! [`AuthorityKind`], [`default_authorities`]), legal clocks ([`ClockBook`], [`ClockState`]) and
//! the periods and dimensions of statistics ([`Period`], [`Dimension`]).
//!
//! Data is compiled in from `data/`: clock rules, the 34 province-level units, default
//! authorities.
//!
//! This crate is pure: it must never depend on I/O, networking, databases, async runtimes or the
//! system clock (callers pass the current time in Unix milliseconds), so that every part of
//! Lachan can share it and test it alone.

mod authorities;
mod clocks;
mod line;
mod provinces;
mod stats;
mod vocab;
pub mod workflow;

pub use authorities::{
    AuthorityDefault, AuthorityError, AuthorityMismatch, MAX_AUTHORITY_CHARS, default_authorities,
};
pub use clocks::{
    ClockBook, ClockError, ClockEvent, ClockRule, ClockState, ClockStatus, MAX_CLOCK_HOURS,
    MIN_CLOCK_HOURS,
};
pub use provinces::{Province, UNKNOWN_PROVINCE, is_province_slug, province, provinces};
pub use stats::{Dimension, Period, VIETNAM_UTC_OFFSET_MINUTES};
pub use vocab::{
    ActionKind, ActionOutcome, AgeBand, AuthorityKind, CaseStatus, Channel, CloseReason,
    ContactTopic, Gender, Risk, Subtype, Theme,
};
pub use workflow::WorkflowError;
