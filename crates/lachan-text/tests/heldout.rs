//! The engine on the held-out set (`tests/heldout/`): messages and conversations written apart
//! from the dev set, on which no lexicon, cue, model or threshold was tuned (see its README).
//!
//! The convention is `lachan eval`'s: a message is flagged when any category's action under the
//! default policy is not allow; in conversations `B` is the child. rustrict 0.7
//! (`is_inappropriate()`) runs on the same texts for comparison; a conversation counts as flagged
//! by rustrict when any of its messages is.
//!
//! Figures when this test was written (2026-11-28; `cargo run --release -p lachan-text
//! --example figures` prints the current ones):
//! - messages, any harm: precision 0.919, recall 0.613, F1 0.735, false-positive rate 0.081
//!   (rustrict 0.650 / 0.280 / 0.391 / 0.226);
//! - conversations: 8 of 10 grooming caught, 0 of 14 benign flagged, F0.5 0.952 (rustrict 0.300,
//!   false-positive rate 0.500).
//!
//! The floors are modest on purpose: this set measures how the engine does on text it was not
//! written against, and is small (one message is 1 % of it, one conversation 10 %).

use lachan_policy::Category;
use lachan_text::classify::metrics::{Counts, MessageCounts, label_category};
use lachan_text::classify::{Action, Classifier, Policy, TEXT_CATEGORIES};
use lachan_text::conversation::metrics::{Metrics, Outcome, compute};
use lachan_text::conversation::{Analyser, AnalyserConfig, Conversation, Message, Role};
use lachan_text::normalize::{Normalized, strip_diacritics, to_nfd};
use rustrict::CensorStr;
use serde::Deserialize;

const HELDOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/heldout");

#[derive(Deserialize)]
struct LabelledMessage {
    labels: Vec<String>,
    text: String,
}

#[derive(Deserialize)]
struct Turn {
    from: String,
    text: String,
}

#[derive(Deserialize)]
struct LabelledConversation {
    label: String,
    first_risk_index: Option<usize>,
    messages: Vec<Turn>,
}

fn lines<T: for<'de> Deserialize<'de>>(file: &str) -> Vec<T> {
    let path = format!("{HELDOUT}/{file}");
    let body = std::fs::read_to_string(&path).expect("held-out set (tests/heldout)");
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a held-out JSON line"))
        .collect()
}

fn messages() -> Vec<(Vec<Category>, String)> {
    lines::<LabelledMessage>("messages.jsonl")
        .into_iter()
        .map(|m| {
            let labels = m
                .labels
                .iter()
                .map(|l| label_category(l).expect("a dev-set label"))
                .collect();
            (labels, m.text)
        })
        .collect()
}

/// The categories flagged in `text`, as `lachan eval messages` counts them.
fn flagged(text: &str) -> Vec<Category> {
    let policy = Policy::default();
    let n = Normalized::new(text).expect("a short message");
    Classifier::builtin()
        .check(&n, &policy)
        .categories
        .iter()
        .filter(|c| policy.action(c.category, c.score) != Action::Allow)
        .map(|c| c.category)
        .collect()
}

fn message_counts(transform: fn(&str) -> String) -> MessageCounts {
    let mut counts = MessageCounts::new(TEXT_CATEGORIES);
    for (labels, text) in messages() {
        counts.add(&labels, &flagged(&transform(&text)));
    }
    counts
}

fn rustrict_messages() -> Counts {
    let mut counts = Counts::default();
    for (labels, text) in messages() {
        counts.add(!labels.is_empty(), text.is_inappropriate());
    }
    counts
}

fn conversations() -> Vec<LabelledConversation> {
    lines("conversations.jsonl")
}

/// Lachan's analyser on every held-out conversation, as `lachan eval conversations` runs it.
fn lachan_conversations() -> Metrics {
    let analyser = Analyser::new(AnalyserConfig::default());
    let outcomes: Vec<Outcome> = conversations()
        .iter()
        .map(|c| {
            let mut conversation = Conversation::new();
            let mut first_alert_index = None;
            for m in &c.messages {
                let role = if m.from == "B" {
                    Role::Child
                } else {
                    Role::Adult
                };
                let report = conversation.push(
                    &analyser,
                    &Message {
                        sender: &m.from,
                        role: Some(role),
                        age: None,
                        text: &m.text,
                    },
                );
                if report.alert.is_some() && first_alert_index.is_none() {
                    first_alert_index = Some(report.index);
                }
            }
            Outcome {
                grooming: c.label == "grooming",
                first_risk_index: c.first_risk_index,
                first_alert_index,
            }
        })
        .collect();
    compute(&outcomes)
}

fn rustrict_conversations() -> Metrics {
    let outcomes: Vec<Outcome> = conversations()
        .iter()
        .map(|c| Outcome {
            grooming: c.label == "grooming",
            first_risk_index: c.first_risk_index,
            first_alert_index: c.messages.iter().position(|m| m.text.is_inappropriate()),
        })
        .collect();
    compute(&outcomes)
}

#[test]
fn the_set_is_what_its_readme_says() {
    let m = messages();
    assert_eq!(m.len(), 155);
    assert_eq!(m.iter().filter(|(l, _)| !l.is_empty()).count(), 93);
    let c = conversations();
    assert_eq!(c.len(), 24);
    assert_eq!(c.iter().filter(|c| c.label == "grooming").count(), 10);
    for c in c.iter().filter(|c| c.label == "grooming") {
        let first = c.first_risk_index.expect("grooming has a first_risk_index");
        assert_eq!(c.messages[first].from, "A");
    }
}

#[test]
fn messages_any_harm_beats_rustrict() {
    let lachan = message_counts(str::to_owned).any;
    let rustrict = rustrict_messages();
    assert!(
        lachan.f1() > rustrict.f1() + 0.15,
        "F1 {:.3}, rustrict {:.3}",
        lachan.f1(),
        rustrict.f1()
    );
    assert!(
        lachan.fpr() < rustrict.fpr(),
        "false-positive rate {:.3}, rustrict {:.3}",
        lachan.fpr(),
        rustrict.fpr()
    );
    assert!(
        lachan.precision() >= 0.8,
        "precision {}",
        lachan.precision()
    );
    assert!(lachan.recall() >= 0.5, "recall {}", lachan.recall());
    assert!(lachan.fpr() <= 0.15, "false-positive rate {}", lachan.fpr());
}

#[test]
fn messages_typed_without_diacritics_or_in_nfd() {
    let original = message_counts(str::to_owned).any;
    let plain = message_counts(strip_diacritics).any;
    assert!(
        plain.f1() >= original.f1() - 0.08,
        "without diacritics F1 {:.3}, original {:.3}",
        plain.f1(),
        original.f1()
    );
    assert!(plain.fpr() <= 0.2, "without diacritics FPR {}", plain.fpr());
    assert_eq!(message_counts(to_nfd).any, original, "NFD reads like NFC");
}

#[test]
fn conversations_catch_grooming_and_leave_benign_alone() {
    let m = lachan_conversations();
    let r = rustrict_conversations();
    assert!(
        m.false_positives <= 2,
        "{} of 14 benign conversations flagged",
        m.false_positives
    );
    assert!(
        m.true_positives >= 6,
        "{} of 10 grooming conversations caught",
        m.true_positives
    );
    assert!(m.f05 > r.f05, "F0.5 {:.3}, rustrict {:.3}", m.f05, r.f05);
    assert!(m.fpr < r.fpr, "FPR {:.3}, rustrict {:.3}", m.fpr, r.fpr);
}
