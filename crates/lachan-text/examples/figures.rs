//! Every text-safety figure of issue 4 in one run, for `docs/benchmarks.md`:
//!
//! - messages: the dev set (tuned on), ViHOS test and dev (offensive = any span; not tuned on)
//!   and the held-out set (`tests/heldout/`, not tuned on): any-harm precision, recall, F1 and
//!   false-positive rate, per-category figures where the set has categories, false positives on
//!   clean Vietnamese, and rustrict 0.7 (`is_inappropriate()`) on the same messages;
//! - conversations (dev, held-out): precision, recall, F0.5, false-positive rate, median delay,
//!   and rustrict flagging a conversation at its first flagged message;
//! - robustness: every set again with diacritics stripped, in NFD, in teencode, with the longest
//!   words letter-spaced, and all four at once, with the loss against the original;
//! - speed: messages per second on one core, Lachan and rustrict.
//!
//! The convention is `lachan eval`'s: a message is flagged when any category's action under the
//! default policy is not allow; "any harm" counts every category; the data's label `sexual` is
//! the category `adult`; in conversations `B` is the child and everyone else an adult.
//!
//! ```sh
//! cargo run --release -p lachan-text --example figures [-- --markdown] [-- --diffs]
//! ```
//!
//! Progress goes to stderr. `--diffs` also lists the dev and ViHOS messages whose verdict a
//! transform changes (never held-out ones: those must not be shown to whoever tunes the engine).

use std::collections::BTreeMap;
use std::error::Error;
use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lachan_policy::Category;
use lachan_text::classify::metrics::{Counts, DATA_LABELS, MessageCounts, label_category};
use lachan_text::classify::{Action, Classifier, Policy, TEXT_CATEGORIES};
use lachan_text::conversation::metrics::{Metrics, Outcome, compute};
use lachan_text::conversation::{Analyser, AnalyserConfig, Conversation, Message, Role};
use lachan_text::normalize::{Normalized, insert_spaces, strip_diacritics, to_nfd, to_teencode};
use rustrict::CensorStr;
use serde::Deserialize;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/text");
const HELDOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/heldout");

/// Messages timed per speed run, at least.
const TIMED: usize = 200_000;

/// A way of typing the same text.
type Transform = fn(&str) -> String;

const TRANSFORMS: &[(&str, Transform)] = &[
    ("original", str::to_owned),
    ("no diacritics", strip_diacritics),
    ("NFD", to_nfd),
    ("teencode", to_teencode),
    ("spaced letters", insert_spaces),
    ("all four", all_four),
];

/// Teencode, then no diacritics, then spaced letters, then NFD.
fn all_four(s: &str) -> String {
    to_nfd(&insert_spaces(&strip_diacritics(&to_teencode(s))))
}

// ---------------------------------------------------------------- data

/// One message: its text, whether it is harmful and, where the set says, its categories.
struct Sample {
    lang: String,
    style: String,
    text: String,
    harmful: bool,
    categories: Option<Vec<Category>>,
}

/// A message set and whether the engine was tuned on it.
struct MessageSet {
    name: &'static str,
    tuned: &'static str,
    /// Whether `--diffs` may print its texts.
    showable: bool,
    samples: Vec<Sample>,
}

#[derive(Deserialize)]
struct JsonMessage {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    style: String,
    labels: Vec<String>,
    text: String,
}

fn read(path: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}").into())
}

fn labelled_messages(path: &str) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for (n, line) in read(path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let m: JsonMessage =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let categories = m
            .labels
            .iter()
            .map(|l| label_category(l).ok_or_else(|| format!("{path}:{}: label {l}", n + 1)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(Sample {
            lang: m.lang,
            style: m.style,
            text: m.text,
            harmful: !categories.is_empty(),
            categories: Some(categories),
        });
    }
    Ok(out)
}

/// A ViHOS split: offensive = any span; comments are Vietnamese.
fn vihos(split: &str) -> Result<Vec<Sample>> {
    let path = format!("{DATA}/vihos/{split}.csv");
    let mut reader = csv::Reader::from_path(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| format!("{path}: {e}"))?;
        let (Some(text), Some(spans)) = (r.get(1), r.get(2)) else {
            return Err(format!("{path}: a row without content and index_spans").into());
        };
        out.push(Sample {
            lang: "vi".to_owned(),
            style: String::new(),
            text: text.to_owned(),
            harmful: spans.trim() != "[]",
            categories: None,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct JsonTurn {
    from: String,
    text: String,
}

/// One labelled conversation.
#[derive(Deserialize)]
struct JsonConversation {
    #[serde(default)]
    lang: String,
    label: String,
    first_risk_index: Option<usize>,
    messages: Vec<JsonTurn>,
}

/// A conversation set and whether the analyser was tuned on it.
struct ConversationSet {
    name: &'static str,
    tuned: &'static str,
    conversations: Vec<JsonConversation>,
}

fn conversations(path: &str) -> Result<Vec<JsonConversation>> {
    let mut out = Vec::new();
    for (n, line) in read(path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let c: JsonConversation =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        if c.label != "grooming" && c.label != "benign" {
            return Err(format!("{path}:{}: label {}", n + 1, c.label).into());
        }
        out.push(c);
    }
    Ok(out)
}

// ---------------------------------------------------------------- engines

/// The categories Lachan flags in `text`, as `lachan eval messages` counts them.
fn lachan_flags(text: &str) -> Result<Vec<Category>> {
    let policy = Policy::default();
    let normalized = Normalized::new(text)?;
    Ok(Classifier::builtin()
        .check(&normalized, &policy)
        .categories
        .iter()
        .filter(|c| policy.action(c.category, c.score) != Action::Allow)
        .filter(|c| TEXT_CATEGORIES.contains(&c.category))
        .map(|c| c.category)
        .collect())
}

fn rustrict_flags(text: &str) -> bool {
    text.is_inappropriate()
}

/// Scores of one message set under one transform.
#[derive(Default)]
struct MessageScores {
    any: Counts,
    categories: Option<MessageCounts>,
    by_style: BTreeMap<String, Counts>,
    /// Clean Vietnamese messages (harmless, `lang` vi): flagged / all.
    clean_vi: Counts,
    /// Per message: flagged at all.
    flagged: Vec<bool>,
}

fn score_messages(samples: &[Sample], transform: Transform) -> Result<MessageScores> {
    let mut s = MessageScores::default();
    for m in samples {
        let flags = lachan_flags(&transform(&m.text))?;
        let predicted = !flags.is_empty();
        s.any.add(m.harmful, predicted);
        if let Some(truth) = &m.categories {
            s.categories
                .get_or_insert_with(|| MessageCounts::new(TEXT_CATEGORIES))
                .add(truth, &flags);
        }
        if !m.style.is_empty() {
            s.by_style
                .entry(m.style.clone())
                .or_default()
                .add(m.harmful, predicted);
        }
        if m.lang == "vi" && !m.harmful {
            s.clean_vi.add(false, predicted);
        }
        s.flagged.push(predicted);
    }
    Ok(s)
}

fn rustrict_messages(samples: &[Sample]) -> (Counts, Counts) {
    let mut any = Counts::default();
    let mut clean_vi = Counts::default();
    for m in samples {
        let predicted = rustrict_flags(&m.text);
        any.add(m.harmful, predicted);
        if m.lang == "vi" && !m.harmful {
            clean_vi.add(false, predicted);
        }
    }
    (any, clean_vi)
}

/// Runs the analyser over every conversation, as `lachan eval conversations` does.
fn lachan_conversations(set: &[JsonConversation], transform: Transform) -> Vec<Outcome> {
    let analyser = Analyser::new(AnalyserConfig::default());
    set.iter()
        .map(|c| {
            let mut conversation = Conversation::new();
            let mut first_alert_index = None;
            for m in &c.messages {
                let text = transform(&m.text);
                let role = match m.from.as_str() {
                    "B" => Role::Child,
                    _ => Role::Adult,
                };
                let report = conversation.push(
                    &analyser,
                    &Message {
                        sender: &m.from,
                        role: Some(role),
                        age: None,
                        text: &text,
                    },
                );
                if report.alert.is_some() && first_alert_index.is_none() {
                    first_alert_index = Some(report.index);
                }
            }
            outcome(c, first_alert_index)
        })
        .collect()
}

/// rustrict on conversations: flagged at the first message it finds inappropriate.
fn rustrict_conversations(set: &[JsonConversation]) -> Vec<Outcome> {
    set.iter()
        .map(|c| {
            let first = c.messages.iter().position(|m| rustrict_flags(&m.text));
            outcome(c, first)
        })
        .collect()
}

fn outcome(c: &JsonConversation, first_alert_index: Option<usize>) -> Outcome {
    Outcome {
        grooming: c.label == "grooming",
        first_risk_index: c.first_risk_index,
        first_alert_index,
    }
}

/// Messages of benign conversations in Vietnamese: (flagged by Lachan, by rustrict, all).
fn benign_conversation_messages(set: &[JsonConversation]) -> Result<(Counts, Counts)> {
    let mut lachan = Counts::default();
    let mut rustrict = Counts::default();
    for c in set.iter().filter(|c| c.label == "benign" && c.lang == "vi") {
        for m in &c.messages {
            lachan.add(false, !lachan_flags(&m.text)?.is_empty());
            rustrict.add(false, rustrict_flags(&m.text));
        }
    }
    Ok((lachan, rustrict))
}

/// Median over 3 runs of messages per second, each run at least [`TIMED`] messages.
fn speed(texts: &[&str], engine: &dyn Fn(&str) -> bool) -> f64 {
    let rounds = TIMED.div_ceil(texts.len().max(1));
    let mut rates: Vec<f64> = (0..3)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..rounds {
                for t in texts {
                    black_box(engine(black_box(t)));
                }
            }
            (rounds * texts.len()) as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[1]
}

// ---------------------------------------------------------------- output

/// A table printed as Markdown or as aligned text.
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: impl Into<String>, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn print(&self, markdown: bool) {
        if markdown {
            println!("**{}**\n", self.title);
            println!("| {} |", self.header.join(" | "));
            let rule: Vec<&str> = (0..self.header.len())
                .map(|i| if i == 0 { "---" } else { "---:" })
                .collect();
            println!("|{}|", rule.join("|"));
            for r in &self.rows {
                println!("| {} |", r.join(" | "));
            }
        } else {
            println!("{}", self.title);
            let widths: Vec<usize> = (0..self.header.len())
                .map(|i| {
                    self.rows
                        .iter()
                        .filter_map(|r| r.get(i))
                        .chain(std::iter::once(&self.header[i]))
                        .map(|c| c.chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for r in std::iter::once(&self.header).chain(&self.rows) {
                let cells: Vec<String> = r
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, w))| {
                        if i == 0 {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect();
                println!("  {}", cells.join("  "));
            }
        }
        println!();
    }
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

fn delta(x: f64) -> String {
    if x.abs() < 0.0005 {
        "0".to_owned()
    } else {
        format!("{x:+.3}")
    }
}

fn delay(d: Option<f64>) -> String {
    d.map_or_else(|| "–".to_owned(), |d| format!("{d:+.1}"))
}

/// The engine's lexicons, cues and thresholds were written reading this set.
const TUNED: &str = "yes";
/// Not read while writing the engine (ViHOS train, not these splits, trained the model).
const NOT_TUNED: &str = "no";
/// Written apart and never opened by the engine's authors.
const HELD_OUT: &str = "no (held out)";

fn flagged_of(c: &Counts) -> String {
    format!("{} / {}", c.fp, c.fp + c.tn)
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

// ---------------------------------------------------------------- figures

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let markdown = args.iter().any(|a| a == "--markdown");
    let diffs = args.iter().any(|a| a == "--diffs");
    if let Some(other) = args.iter().find(|a| *a != "--markdown" && *a != "--diffs") {
        return Err(format!("unknown argument {other}: use --markdown and/or --diffs").into());
    }

    eprintln!("[figures] loading data");
    let message_sets = [
        MessageSet {
            name: "dev messages",
            tuned: TUNED,
            showable: true,
            samples: labelled_messages(&format!("{DATA}/dev/messages.jsonl"))?,
        },
        MessageSet {
            name: "ViHOS test",
            tuned: NOT_TUNED,
            showable: true,
            samples: vihos("test")?,
        },
        MessageSet {
            name: "ViHOS dev",
            tuned: NOT_TUNED,
            showable: true,
            samples: vihos("dev")?,
        },
        MessageSet {
            name: "held-out messages",
            tuned: HELD_OUT,
            showable: false,
            samples: labelled_messages(&format!("{HELDOUT}/messages.jsonl"))?,
        },
    ];
    let conversation_sets = [
        ConversationSet {
            name: "dev conversations",
            tuned: TUNED,
            conversations: conversations(&format!("{DATA}/dev/conversations.jsonl"))?,
        },
        ConversationSet {
            name: "held-out conversations",
            tuned: HELD_OUT,
            conversations: conversations(&format!("{HELDOUT}/conversations.jsonl"))?,
        },
    ];

    // scores[set][transform]
    let mut scores: Vec<Vec<MessageScores>> = Vec::new();
    for set in &message_sets {
        let mut per = Vec::new();
        for (name, t) in TRANSFORMS {
            eprintln!("[figures] {} ({}) × {name}", set.name, set.samples.len());
            per.push(score_messages(&set.samples, *t)?);
        }
        scores.push(per);
    }
    eprintln!("[figures] rustrict on the messages");
    let rustrict: Vec<(Counts, Counts)> = message_sets
        .iter()
        .map(|s| rustrict_messages(&s.samples))
        .collect();
    let mut conv_scores: Vec<Vec<Metrics>> = Vec::new();
    for set in &conversation_sets {
        let mut per = Vec::new();
        for (name, t) in TRANSFORMS {
            eprintln!(
                "[figures] {} ({}) × {name}",
                set.name,
                set.conversations.len()
            );
            per.push(compute(&lachan_conversations(&set.conversations, *t)));
        }
        conv_scores.push(per);
    }
    let conv_rustrict: Vec<Metrics> = conversation_sets
        .iter()
        .map(|s| compute(&rustrict_conversations(&s.conversations)))
        .collect();

    let command = format!(
        "cargo run --release -p lachan-text --example figures{}",
        if markdown { " -- --markdown" } else { "" }
    );
    println!("Text safety figures, {} (`{command}`)\n", today());

    // Any harm, Lachan and rustrict side by side.
    let mut t = Table::new(
        "Messages, any harm: Lachan vs rustrict (P / R / F1 / FPR)",
        &[
            "set",
            "tuned on?",
            "messages (harmful)",
            "Lachan P",
            "R",
            "F1",
            "FPR",
            "rustrict P",
            "R",
            "F1",
            "FPR",
        ],
    );
    for ((set, s), (r, _)) in message_sets.iter().zip(&scores).zip(&rustrict) {
        let l = &s[0].any;
        t.row(vec![
            set.name.to_owned(),
            set.tuned.to_owned(),
            format!("{} ({})", set.samples.len(), l.support()),
            f3(l.precision()),
            f3(l.recall()),
            f3(l.f1()),
            f3(l.fpr()),
            f3(r.precision()),
            f3(r.recall()),
            f3(r.f1()),
            f3(r.fpr()),
        ]);
    }
    t.print(markdown);

    // Per category, dev and held-out.
    let mut t = Table::new(
        "Messages, per category (dev = tuned on; held-out = not tuned on)",
        &[
            "category",
            "dev P",
            "R",
            "F1",
            "support",
            "held-out P",
            "R",
            "F1",
            "support",
        ],
    );
    let dev_categories = scores[0][0].categories.as_ref().map(MessageCounts::report);
    let held_categories = scores[3][0].categories.as_ref().map(MessageCounts::report);
    for label in DATA_LABELS {
        let Some(category) = label_category(label) else {
            continue;
        };
        let mut row = vec![category.as_str().to_owned()];
        for report in [&dev_categories, &held_categories] {
            match report.as_ref().and_then(|r| r.categories.get(&category)) {
                Some(c) => row.extend([f3(c.precision), f3(c.recall), f3(c.f1)]),
                None => row.extend(["–".to_owned(), "–".to_owned(), "–".to_owned()]),
            }
            row.push(
                report
                    .as_ref()
                    .and_then(|r| r.categories.get(&category))
                    .map_or(0, |c| c.support)
                    .to_string(),
            );
        }
        t.row(row);
    }
    t.print(markdown);

    // False positives on clean Vietnamese.
    let mut t = Table::new(
        "False positives on clean Vietnamese (flagged / clean)",
        &[
            "clean Vietnamese",
            "tuned on?",
            "Lachan",
            "rate",
            "rustrict",
            "rate",
        ],
    );
    for ((set, s), (_, r)) in message_sets.iter().zip(&scores).zip(&rustrict) {
        let l = &s[0].clean_vi;
        let what = if set.name.starts_with("ViHOS") {
            format!("{} clean comments", set.name)
        } else {
            format!("{}, benign, lang vi", set.name)
        };
        t.row(vec![
            what,
            set.tuned.to_owned(),
            flagged_of(l),
            f3(l.fpr()),
            flagged_of(r),
            f3(r.fpr()),
        ]);
    }
    for set in &conversation_sets {
        eprintln!("[figures] {}: benign Vietnamese messages", set.name);
        let (l, r) = benign_conversation_messages(&set.conversations)?;
        t.row(vec![
            format!("{}, benign, lang vi, every message", set.name),
            set.tuned.to_owned(),
            flagged_of(&l),
            f3(l.fpr()),
            flagged_of(&r),
            f3(r.fpr()),
        ]);
    }
    t.print(markdown);

    // Any harm by style.
    let mut t = Table::new(
        "Messages, any harm by style (F1 / FPR)",
        &["set", "style", "messages", "F1", "FPR"],
    );
    for (set, s) in message_sets.iter().zip(&scores) {
        for (style, c) in &s[0].by_style {
            t.row(vec![
                set.name.to_owned(),
                style.clone(),
                (c.tp + c.fp + c.fn_ + c.tn).to_string(),
                f3(c.f1()),
                f3(c.fpr()),
            ]);
        }
    }
    t.print(markdown);

    // Conversations.
    let mut t = Table::new(
        "Conversations (delay = messages from first_risk_index to the first alert; median)",
        &[
            "set",
            "tuned on?",
            "grooming caught",
            "benign flagged",
            "P",
            "R",
            "F0.5",
            "FPR",
            "delay",
            "rustrict F0.5",
            "FPR",
            "delay",
        ],
    );
    for ((set, s), r) in conversation_sets
        .iter()
        .zip(&conv_scores)
        .zip(&conv_rustrict)
    {
        let m = &s[0];
        t.row(vec![
            set.name.to_owned(),
            set.tuned.to_owned(),
            format!(
                "{} / {}",
                m.true_positives,
                m.true_positives + m.false_negatives
            ),
            format!(
                "{} / {}",
                m.false_positives,
                m.false_positives + m.true_negatives
            ),
            f3(m.precision),
            f3(m.recall),
            f3(m.f05),
            f3(m.fpr),
            delay(m.median_delay),
            f3(r.f05),
            f3(r.fpr),
            delay(r.median_delay),
        ]);
    }
    t.print(markdown);

    // Robustness: messages.
    let mut t = Table::new(
        "Robustness, messages: any harm under each way of typing (Δ against original)",
        &["set", "typed", "P", "R", "F1", "FPR", "ΔF1", "ΔFPR"],
    );
    for (set, s) in message_sets.iter().zip(&scores) {
        let base = &s[0].any;
        for ((name, _), x) in TRANSFORMS.iter().zip(s) {
            t.row(vec![
                set.name.to_owned(),
                (*name).to_owned(),
                f3(x.any.precision()),
                f3(x.any.recall()),
                f3(x.any.f1()),
                f3(x.any.fpr()),
                delta(x.any.f1() - base.f1()),
                delta(x.any.fpr() - base.fpr()),
            ]);
        }
    }
    t.print(markdown);

    // Robustness per category (labelled sets).
    for (i, set) in message_sets.iter().enumerate() {
        if scores[i][0].categories.is_none() {
            continue;
        }
        let mut header = vec!["category"];
        header.extend(TRANSFORMS.iter().map(|(n, _)| *n));
        let mut t = Table::new(
            format!(
                "Robustness, {}: per-category F1 under each way of typing",
                set.name
            ),
            &header,
        );
        let reports: Vec<_> = scores[i]
            .iter()
            .map(|s| s.categories.as_ref().map(MessageCounts::report))
            .collect();
        for label in DATA_LABELS {
            let Some(category) = label_category(label) else {
                continue;
            };
            let mut row = vec![category.as_str().to_owned()];
            for r in &reports {
                row.push(
                    r.as_ref()
                        .and_then(|r| r.categories.get(&category))
                        .map_or_else(|| "–".to_owned(), |c| f3(c.f1)),
                );
            }
            t.row(row);
        }
        t.print(markdown);
    }

    // Robustness: conversations.
    let mut t = Table::new(
        "Robustness, conversations (Δ against original)",
        &[
            "set", "typed", "P", "R", "F0.5", "FPR", "delay", "ΔF0.5", "ΔFPR",
        ],
    );
    for (set, s) in conversation_sets.iter().zip(&conv_scores) {
        let base = &s[0];
        for ((name, _), m) in TRANSFORMS.iter().zip(s) {
            t.row(vec![
                set.name.to_owned(),
                (*name).to_owned(),
                f3(m.precision),
                f3(m.recall),
                f3(m.f05),
                f3(m.fpr),
                delay(m.median_delay),
                delta(m.f05 - base.f05),
                delta(m.fpr - base.fpr),
            ]);
        }
    }
    t.print(markdown);

    // Speed.
    eprintln!("[figures] speed (Lachan, then rustrict)");
    let texts: Vec<&str> = message_sets[..3]
        .iter()
        .flat_map(|s| s.samples.iter().map(|m| m.text.as_str()))
        .collect();
    let lachan_rate = speed(&texts, &|t| lachan_flags(t).is_ok_and(|f| !f.is_empty()));
    let rustrict_rate = speed(&texts, &rustrict_flags);
    let mut t = Table::new(
        format!(
            "Speed, one core: dev + ViHOS messages ({}) repeated to ≥ {TIMED}, median of 3 runs",
            texts.len()
        ),
        &[
            "Lachan messages/s",
            "rustrict messages/s",
            "Lachan/rustrict",
        ],
    );
    t.row(vec![
        format!("{lachan_rate:.0}"),
        format!("{rustrict_rate:.0}"),
        format!("{:.2}×", lachan_rate / rustrict_rate),
    ]);
    t.print(markdown);

    if diffs {
        print_diffs(&message_sets, &scores);
    }
    Ok(())
}

/// The showable messages whose verdict (flagged or not) a transform changes.
fn print_diffs(sets: &[MessageSet], scores: &[Vec<MessageScores>]) {
    println!("Verdicts changed by a transform (dev and ViHOS only)\n");
    for (set, s) in sets.iter().zip(scores).filter(|(set, _)| set.showable) {
        for (k, (name, t)) in TRANSFORMS.iter().enumerate().skip(1) {
            for (i, m) in set.samples.iter().enumerate() {
                let (before, after) = (s[0].flagged[i], s[k].flagged[i]);
                if before == after {
                    continue;
                }
                let what = match (m.harmful, after) {
                    (true, false) => "missed",
                    (false, true) => "false alarm",
                    (true, true) => "now caught",
                    (false, false) => "now clean",
                };
                println!(
                    "- {} × {name}: {what}: {:?} → {:?}",
                    set.name,
                    m.text,
                    t(&m.text)
                );
            }
        }
    }
}
