//! Lachan's text safety engine: what a message or a conversation shows of harm to a child, in
//! Vietnamese and English.
//!
//! - [`normalize`]: Unicode NFC, both tone placements, `đ`, text with and without diacritics,
//!   teencode, leetspeak and look-alikes, letters split by spaces or dots, repeated letters,
//!   emoji; every normalised character maps back to the original text, so evidence points at
//!   what the user wrote.
//! - [`classify`]: lexicons per category and language on a multi-pattern automaton, context
//!   rules and a small statistical model → a verdict with categories, scores, severity, evidence
//!   spans and a suggested action.
//! - [`conversation`]: a streaming grooming analyser with per-conversation state, stages, a
//!   growing risk score and alerts.
//!
//! This crate is pure: no I/O, no networking, no database. It must never depend on the DNS
//! gateway, the store or the HTTP server.

pub mod classify;
pub mod conversation;
pub mod normalize;
