//! Per-conversation state: bounded, serialisable, updated one message at a time.

use serde::{Deserialize, Serialize};

use super::book::{Book, Sides};
use super::scan::Scan;
use super::stage::Stage;
use super::summary::summaries;
use super::{Alert, Analyser, AnalyserConfig, Message, MessageReport, Role};
use crate::normalize::{MAX_TEXT_BYTES, Normalized};

/// The state of one conversation: what each participant has shown, which benign contexts were
/// seen, what was already alerted. Never holds message text; its size is bounded by
/// [`AnalyserConfig::max_participants`] and [`AnalyserConfig::max_indices_per_stage`], whatever
/// the number of messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Messages pushed so far (the next message's index).
    messages: usize,
    /// At most `max_participants`; later senders share the last slot.
    participants: Vec<Participant>,
    /// Benign contexts seen, with the participant slots (bits) that showed them.
    contexts: Vec<ContextSeen>,
    /// Stages already named by an alert (bit per [`Stage::index`]).
    alerted: u16,
    /// Risk after the last message.
    risk: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Participant {
    /// FNV-1a hash of the sender id (the id itself is not kept).
    id: u64,
    role: Option<Role>,
    age: Option<u8>,
    /// Said they are 18 or older.
    adult_age_stated: bool,
    /// Said they are under 18.
    minor_age_stated: bool,
    stages: Vec<StageSeen>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StageSeen {
    stage: Stage,
    /// Strongest cue seen (weak factor or 1).
    strength: f32,
    /// Messages showing the stage.
    count: u32,
    /// The first of those messages (at most `max_indices_per_stage`).
    messages: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ContextSeen {
    context: u8,
    /// Participant slots that showed it.
    who: u32,
}

/// Slot id shared by all senders once the participant table is full.
const SHARED: u64 = u64::MAX;

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Keep the shared slot's id out of reach of a real sender.
    h.min(SHARED - 1)
}

fn is_child(role: Option<Role>, age: Option<u8>) -> bool {
    match role {
        Some(role) => role == Role::Child,
        None => age.is_some_and(|a| a < 18),
    }
}

impl Participant {
    fn is_child(&self) -> bool {
        is_child(self.role, self.age)
    }

    fn stage_mask(&self) -> u16 {
        self.stages
            .iter()
            .fold(0, |m, s| m | (1 << s.stage.index()))
    }

    /// Risk from this participant's stages, after `discount` (never applied to sextortion).
    fn risk(&self, book: &Book, discount: f32) -> f32 {
        let scoring = &book.scoring;
        let mut strength = [0.0f32; Stage::ALL.len()];
        let mut raw = 0.0;
        for seen in &self.stages {
            let i = seen.stage.index();
            strength[i] = seen.strength;
            let repeats = seen.count.saturating_sub(1).min(scoring.max_repeats);
            raw += book.stages[i].weight * seen.strength + scoring.repeat_bonus * repeats as f32;
        }
        for combo in &book.combos {
            raw += combo.bonus * strength[combo.a.index()].min(strength[combo.b.index()]);
        }
        let s = Stage::Sextortion.index();
        let sextortion = book.stages[s].weight * strength[s];
        sextortion.max(raw - discount).clamp(0.0, 1.0)
    }
}

impl Conversation {
    /// An empty conversation.
    pub fn new() -> Conversation {
        Conversation::default()
    }

    /// The current risk (0..=1).
    pub fn risk(&self) -> f32 {
        self.risk
    }

    /// How many messages were pushed.
    pub fn messages(&self) -> usize {
        self.messages
    }

    /// Analyses the next message and updates the state. Text over
    /// [`MAX_TEXT_BYTES`](crate::normalize::MAX_TEXT_BYTES) is analysed up to the limit.
    pub fn push(&mut self, analyser: &Analyser, message: &Message) -> MessageReport {
        let book = &analyser.book;
        let config = &analyser.config;
        self.enforce_limits(config, book);
        let index = self.messages;
        self.messages = self.messages.saturating_add(1);
        let slot = self.slot(message.sender, config.max_participants);
        let participant = &mut self.participants[slot];
        if message.role.is_some() {
            participant.role = message.role;
        }
        if message.age.is_some() {
            participant.age = message.age;
        }
        let child = is_child(
            message.role.or(participant.role),
            message.age.or(participant.age),
        );
        let scan = match normalized(message.text) {
            Some(text) => book.scan(&text),
            None => Scan::empty(),
        };
        participant.adult_age_stated |= scan.ages.iter().any(|&a| a >= 18);
        participant.minor_age_stated |= scan.ages.iter().any(|&a| a < 18);
        let mut stages = Vec::new();
        if !child {
            for stage in Stage::ALL {
                let strength = scan.strengths[stage.index()];
                if strength > 0.0 {
                    participant.record(stage, strength, index, config.max_indices_per_stage);
                    stages.push(stage);
                }
            }
        }
        for (i, rules) in book.contexts.iter().enumerate() {
            if scan.contexts & (1 << i) != 0 && !(rules.sides == Sides::Adult && child) {
                self.record_context(i as u8, slot);
            }
        }
        let (risk, top) = self.assess(book);
        self.risk = risk;
        let alert = match top {
            Some(top) if risk >= config.alert_threshold => self.alert(top, risk),
            _ => None,
        };
        MessageReport {
            index,
            stages,
            risk,
            alert,
        }
    }

    /// Trims a state that was stored under other limits (or tampered with) to `config`.
    fn enforce_limits(&mut self, config: &AnalyserConfig, book: &Book) {
        self.participants.truncate(config.max_participants);
        for p in &mut self.participants {
            p.stages.truncate(Stage::ALL.len());
            for seen in &mut p.stages {
                seen.messages.truncate(config.max_indices_per_stage);
                seen.strength = if seen.strength.is_finite() {
                    seen.strength.clamp(0.0, 1.0)
                } else {
                    0.0
                };
            }
        }
        self.contexts
            .retain(|c| usize::from(c.context) < book.contexts.len());
        self.contexts.truncate(book.contexts.len());
        if !self.risk.is_finite() {
            self.risk = 0.0;
        }
    }

    /// The participant slot of `sender`, added if new; once `max` slots are used, later
    /// senders share the last one.
    fn slot(&mut self, sender: &str, max: usize) -> usize {
        let id = fnv1a(sender);
        if let Some(i) = self.participants.iter().position(|p| p.id == id) {
            return i;
        }
        if self.participants.len() < max {
            self.participants.push(Participant {
                id,
                role: None,
                age: None,
                adult_age_stated: false,
                minor_age_stated: false,
                stages: Vec::new(),
            });
        } else if let Some(last) = self.participants.last_mut() {
            last.id = SHARED;
        }
        self.participants.len() - 1
    }

    fn record_context(&mut self, context: u8, slot: usize) {
        let bit = 1u32 << slot.min(31);
        match self.contexts.iter_mut().find(|c| c.context == context) {
            Some(seen) => seen.who |= bit,
            None => self.contexts.push(ContextSeen { context, who: bit }),
        }
    }

    /// The benign-context discount of the whole conversation.
    fn discount(&self, book: &Book) -> f32 {
        let mut discount = 0.0;
        for seen in &self.contexts {
            let Some(rules) = book.contexts.get(usize::from(seen.context)) else {
                continue;
            };
            let active = match rules.sides {
                Sides::Any | Sides::Adult => seen.who != 0,
                Sides::Both => seen.who.count_ones() >= 2,
            };
            if active {
                discount += rules.discount;
            }
        }
        if self.adults_talking() {
            discount += book.age.discount;
        }
        discount.min(book.scoring.discount_cap)
    }

    /// Whether the ages stated say this is a conversation between adults: the child side says
    /// they are an adult, or two participants say they are adults and nobody says they are
    /// under 18.
    fn adults_talking(&self) -> bool {
        let p = &self.participants;
        p.iter().any(|p| p.is_child() && p.adult_age_stated)
            || (p.iter().filter(|p| p.adult_age_stated).count() >= 2
                && !p.iter().any(|p| p.minor_age_stated))
    }

    /// The conversation's risk (the riskiest non-child participant) and who that is.
    fn assess(&self, book: &Book) -> (f32, Option<usize>) {
        let discount = self.discount(book);
        let mut best = (0.0, None);
        for (i, p) in self.participants.iter().enumerate() {
            if p.is_child() || p.stages.is_empty() {
                continue;
            }
            let risk = p.risk(book, discount);
            if best.1.is_none() || risk > best.0 {
                best = (risk, Some(i));
            }
        }
        best
    }

    /// An alert for participant `top`, unless every stage it shows was already alerted.
    fn alert(&mut self, top: usize, risk: f32) -> Option<Alert> {
        let p = &self.participants[top];
        let mask = p.stage_mask();
        if mask & !self.alerted == 0 {
            return None;
        }
        self.alerted |= mask;
        let mut stages: Vec<(Stage, Vec<usize>)> = p
            .stages
            .iter()
            .map(|s| (s.stage, s.messages.clone()))
            .collect();
        stages.sort_by_key(|(stage, _)| *stage);
        let (summary_vi, summary_en) = summaries(risk, &stages);
        Some(Alert {
            risk,
            stages,
            summary_vi,
            summary_en,
        })
    }
}

impl Participant {
    fn record(&mut self, stage: Stage, strength: f32, index: usize, max_indices: usize) {
        match self.stages.iter_mut().find(|s| s.stage == stage) {
            Some(seen) => {
                seen.strength = seen.strength.max(strength);
                seen.count = seen.count.saturating_add(1);
                if seen.messages.len() < max_indices {
                    seen.messages.push(index);
                }
            }
            None => self.stages.push(StageSeen {
                stage,
                strength,
                count: 1,
                messages: if max_indices > 0 {
                    vec![index]
                } else {
                    Vec::new()
                },
            }),
        }
    }
}

/// `text` normalised, cut at [`MAX_TEXT_BYTES`] (on a character boundary) when longer.
fn normalized(text: &str) -> Option<Normalized> {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Normalized::new(&text[..end]).ok()
}
