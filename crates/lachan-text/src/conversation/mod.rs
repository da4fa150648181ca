//! The grooming conversation analyser.
//!
//! Messages arrive one at a time ([`Conversation::push`]). Each is normalised
//! ([`crate::normalize::Normalized`]) and matched against the stage cue book
//! (`data/stages.toml`: Vietnamese with and without diacritics, teencode, English). The
//! state ([`Conversation`], serialisable so a server can store it) keeps, per participant, the
//! stages seen with the first message indices that showed them, plus the benign contexts seen
//! — never the text, and never more than a fixed number of participants and indices.
//!
//! Roles: when the platform knows them ([`Message::role`], or [`Message::age`] under 18 for a
//! child), only the non-child side's messages raise stages; both sides' messages count as
//! context (a child saying "mẹ em đồng ý rồi"). With unknown roles every participant's
//! messages raise stages and the riskiest participant sets the conversation's risk.
//! The evaluation of `shared/data/text/dev/conversations.jsonl` passes [`Role::Adult`] for
//! speaker `A` and [`Role::Child`] for speaker `B` (the dev set's convention, also in benign
//! conversations, whoever the speakers really are).
//!
//! Risk: each stage adds its weight (a weak cue half of it), repeated stages a little more,
//! and pairs of stages that together mark grooming (secrecy + gifts, private channel + photo
//! request, meeting + secrecy, …) a bonus. Benign contexts — a parent's warning about
//! strangers, a parent's or teacher's consent, a school or parents' group, family, adult life
//! (work, partners, customer service), peers on both sides, a "child" who states an adult age —
//! lower it. Sextortion is never lowered. An [`Alert`] is raised when the risk first crosses
//! [`AnalyserConfig::alert_threshold`], and again only when the participant shows new stages.

mod book;
mod matcher;
pub mod metrics;
mod scan;
mod stage;
mod state;
mod summary;

use serde::{Deserialize, Serialize};

pub use book::StagesError;
pub use stage::Stage;
pub use state::Conversation;

use book::{BUILTIN, Book};

/// A participant's role, when the platform knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A child (under 18).
    Child,
    /// An adult, or anyone not known to be a child.
    Adult,
}

/// One incoming message.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The sender's id on the platform (only its hash is kept).
    pub sender: &'a str,
    /// The sender's role, if known.
    pub role: Option<Role>,
    /// The sender's age, if known (under 18 counts as a child when `role` is unknown).
    pub age: Option<u8>,
    /// The message text.
    pub text: &'a str,
}

/// What one message showed and what the conversation looks like after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageReport {
    /// The message's index in the conversation (0-based).
    pub index: usize,
    /// Stages this message raised (none for a child's message when roles are known).
    pub stages: Vec<Stage>,
    /// The conversation's risk after this message (0..=1).
    pub risk: f32,
    /// Set when this message crossed the alert threshold, or added stages after an alert.
    pub alert: Option<Alert>,
}

/// A grooming alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The conversation's risk (0..=1).
    pub risk: f32,
    /// The stages the riskiest participant showed, each with the (0-based) indices of the
    /// first messages that showed it.
    pub stages: Vec<(Stage, Vec<usize>)>,
    /// A one-line summary in Vietnamese (message numbers count from 1).
    pub summary_vi: String,
    /// A one-line summary in English (message numbers count from 1).
    pub summary_en: String,
}

/// Thresholds and limits of the analyser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnalyserConfig {
    /// Alert when the risk reaches this (0..=1).
    pub alert_threshold: f32,
    /// Participants tracked per conversation (1..=32); later senders share the last slot.
    pub max_participants: usize,
    /// Message indices remembered per stage and participant.
    pub max_indices_per_stage: usize,
}

impl Default for AnalyserConfig {
    fn default() -> Self {
        AnalyserConfig {
            alert_threshold: 0.6,
            max_participants: 8,
            max_indices_per_stage: 4,
        }
    }
}

/// The analyser: the compiled cue book and the configuration. Shared by all conversations.
pub struct Analyser {
    config: AnalyserConfig,
    book: Book,
}

impl Analyser {
    /// The analyser with the built-in cue book (`data/stages.toml`).
    pub fn new(config: AnalyserConfig) -> Analyser {
        // The built-in file is part of the crate and checked by its tests.
        Analyser::with_stages(config, BUILTIN).expect("built-in data/stages.toml is valid")
    }

    /// The analyser with a cue book in the format of `data/stages.toml`.
    pub fn with_stages(config: AnalyserConfig, stages_toml: &str) -> Result<Analyser, StagesError> {
        let config = AnalyserConfig {
            max_participants: config.max_participants.clamp(1, 32),
            ..config
        };
        Ok(Analyser {
            config,
            book: Book::parse(stages_toml)?,
        })
    }

    /// The configuration in use (limits clamped to what the state supports).
    pub fn config(&self) -> &AnalyserConfig {
        &self.config
    }
}
