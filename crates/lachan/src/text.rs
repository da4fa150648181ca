//! `lachan check text`, `lachan check conversation` and `lachan eval messages|conversations`:
//! the text-safety engine on the command line, reading the JSON Lines of the development set.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use lachan_policy::Category;
use lachan_text::classify::metrics::{MessageCounts, label_category};
use lachan_text::classify::{Action, Classifier, Policy, TEXT_CATEGORIES, Verdict};
use lachan_text::conversation::metrics::{Outcome, compute};
use lachan_text::conversation::{Analyser, AnalyserConfig, Conversation, Message, Role};
use lachan_text::normalize::Normalized;
use serde::Deserialize;

/// Largest input file read (JSON Lines of messages or conversations).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Classifies one message: the argument, or standard input when there is none.
pub fn check_text(text: Option<String>, json: bool) -> Result<()> {
    let text = match text {
        Some(text) => text,
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(MAX_FILE_BYTES)
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "standard input is not valid UTF-8 (byte {}): save the text as UTF-8",
                    e.utf8_error().valid_up_to()
                )
            })?
        }
    };
    let normalized = Normalized::new(text.trim_end_matches('\n'))?;
    let verdict = Classifier::builtin().check(&normalized, &Policy::default());
    if json {
        println!("{}", serde_json::to_string(&verdict)?);
    } else {
        print_verdict(&verdict);
    }
    Ok(())
}

fn print_verdict(verdict: &Verdict) {
    println!("action: {}", action_name(verdict.action));
    if let Some(group) = verdict.risk_group {
        println!("risk group: {group}");
    }
    for c in &verdict.categories {
        println!(
            "  {:<14} score {:.2}  severity {:?}  ({})",
            c.category.as_str(),
            c.score,
            c.severity,
            c.category.label_vi()
        );
        for e in &c.evidence {
            println!("      \"{}\" [{}..{}] {}", e.text, e.start, e.end, e.rule);
        }
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Allow => "allow",
        Action::Review => "review",
        Action::Block => "block",
    }
}

/// One line of a conversation file for `check conversation`.
#[derive(Debug, Deserialize)]
struct LineMessage {
    #[serde(alias = "sender")]
    from: String,
    text: String,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    age: Option<u8>,
}

/// Runs the grooming analyser over a conversation, one JSON message per line
/// (`{"from": "A", "text": "...", "role": "child"|"adult", "age": 12}`; role and age optional).
pub fn check_conversation(path: &Path, json: bool) -> Result<()> {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut conversation = Conversation::new();
    for (number, line) in read_lines(path)?.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let m: LineMessage = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a message object", path.display(), number + 1))?;
        let report = conversation.push(
            &analyser,
            &Message {
                sender: &m.from,
                role: m.role,
                age: m.age,
                text: &m.text,
            },
        );
        if json {
            println!("{}", serde_json::to_string(&report)?);
            continue;
        }
        let stages: Vec<_> = report.stages.iter().map(|s| s.as_str()).collect();
        println!(
            "#{:<3} {:<6} risk {:.2} {}",
            report.index + 1,
            m.from,
            report.risk,
            stages.join(", ")
        );
        if let Some(alert) = &report.alert {
            println!("     ALERT: {}", alert.summary_vi);
            println!("            {}", alert.summary_en);
        }
    }
    Ok(())
}

/// A labelled message of the development set.
#[derive(Debug, Deserialize)]
struct LabelledMessage {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    style: String,
    labels: Vec<String>,
    text: String,
}

/// Scores the classifier on labelled messages (the format of `dev/messages.jsonl`).
pub fn eval_messages(path: &Path, json: bool) -> Result<()> {
    let classifier = Classifier::builtin();
    let policy = Policy::default();
    let mut all = MessageCounts::new(TEXT_CATEGORIES);
    let mut groups: BTreeMap<String, MessageCounts> = BTreeMap::new();
    for (number, line) in read_lines(path)?.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let m: LabelledMessage = serde_json::from_str(line).with_context(|| {
            format!("{}:{}: not a labelled message", path.display(), number + 1)
        })?;
        let truth = m
            .labels
            .iter()
            .map(|l| {
                label_category(l).with_context(|| {
                    format!("{}:{}: unknown label '{l}'", path.display(), number + 1)
                })
            })
            .collect::<Result<Vec<Category>>>()?;
        let normalized = Normalized::new(&m.text)
            .with_context(|| format!("{}:{}", path.display(), number + 1))?;
        let verdict = classifier.check(&normalized, &policy);
        let flagged: Vec<Category> = verdict
            .categories
            .iter()
            .filter(|c| policy.action(c.category, c.score) != Action::Allow)
            .map(|c| c.category)
            .collect();
        all.add(&truth, &flagged);
        for key in [format!("lang={}", m.lang), format!("style={}", m.style)] {
            groups
                .entry(key)
                .or_insert_with(|| MessageCounts::new(TEXT_CATEGORIES))
                .add(&truth, &flagged);
        }
    }
    let report = all.report();
    if json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    println!(
        "any harm: precision {:.3}  recall {:.3}  F1 {:.3}  false-positive rate {:.3}",
        report.any.precision, report.any.recall, report.any.f1, report.any.fpr
    );
    println!(
        "\n{:<15} {:>9} {:>7} {:>6} {:>8}",
        "category", "precision", "recall", "F1", "support"
    );
    for (category, s) in &report.categories {
        if s.support == 0 && s.precision == 0.0 {
            continue;
        }
        println!(
            "{:<15} {:>9.3} {:>7.3} {:>6.3} {:>8}",
            category.as_str(),
            s.precision,
            s.recall,
            s.f1,
            s.support
        );
    }
    println!(
        "\n{:<22} {:>9} {:>7} {:>6} {:>6}",
        "any harm, by", "precision", "recall", "F1", "FPR"
    );
    for (group, counts) in &groups {
        let r = counts.report();
        println!(
            "{:<22} {:>9.3} {:>7.3} {:>6.3} {:>6.3}",
            group, r.any.precision, r.any.recall, r.any.f1, r.any.fpr
        );
    }
    Ok(())
}

/// A labelled conversation of the development set.
#[derive(Debug, Deserialize)]
struct LabelledConversation {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    style: String,
    label: String,
    first_risk_index: Option<usize>,
    messages: Vec<LineMessage>,
}

/// Scores the grooming analyser on labelled conversations (the format of
/// `dev/conversations.jsonl`; speaker `B` is the child, `A` the other side).
pub fn eval_conversations(path: &Path, json: bool) -> Result<()> {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut outcomes = Vec::new();
    let mut groups: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    for (number, line) in read_lines(path)?.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let c: LabelledConversation = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not a labelled conversation",
                path.display(),
                number + 1
            )
        })?;
        let grooming = match c.label.as_str() {
            "grooming" => true,
            "benign" => false,
            other => bail!(
                "{}:{}: label '{other}' is neither grooming nor benign",
                path.display(),
                number + 1
            ),
        };
        let mut conversation = Conversation::new();
        let mut first_alert_index = None;
        for m in &c.messages {
            let role = m.role.or(match m.from.as_str() {
                "B" => Some(Role::Child),
                _ => Some(Role::Adult),
            });
            let report = conversation.push(
                &analyser,
                &Message {
                    sender: &m.from,
                    role,
                    age: m.age,
                    text: &m.text,
                },
            );
            if report.alert.is_some() && first_alert_index.is_none() {
                first_alert_index = Some(report.index);
            }
        }
        let outcome = Outcome {
            grooming,
            first_risk_index: c.first_risk_index,
            first_alert_index,
        };
        outcomes.push(outcome);
        for key in [format!("lang={}", c.lang), format!("style={}", c.style)] {
            groups.entry(key).or_default().push(outcome);
        }
    }
    let m = compute(&outcomes);
    if json {
        let report = serde_json::json!({
            "precision": m.precision,
            "recall": m.recall,
            "f05": m.f05,
            "fpr": m.fpr,
            "median_delay": m.median_delay,
        });
        println!("{report}");
        return Ok(());
    }
    println!(
        "conversations: {} grooming caught of {}, {} benign flagged of {}",
        m.true_positives,
        m.true_positives + m.false_negatives,
        m.false_positives,
        m.false_positives + m.true_negatives
    );
    println!(
        "precision {:.3}  recall {:.3}  F0.5 {:.3}  false-positive rate {:.3}  median delay {}",
        m.precision,
        m.recall,
        m.f05,
        m.fpr,
        m.median_delay
            .map_or_else(|| "-".to_string(), |d| format!("{d:+.1} messages"))
    );
    println!(
        "\n{:<22} {:>9} {:>7} {:>6} {:>6} {:>7}",
        "by", "precision", "recall", "F0.5", "FPR", "delay"
    );
    for (group, outcomes) in &groups {
        let g = compute(outcomes);
        println!(
            "{:<22} {:>9.3} {:>7.3} {:>6.3} {:>6.3} {:>7}",
            group,
            g.precision,
            g.recall,
            g.f05,
            g.fpr,
            g.median_delay
                .map_or_else(|| "-".to_string(), |d| format!("{d:+.1}"))
        );
    }
    Ok(())
}

/// The lines of a UTF-8 file, with a clear error for a missing, huge or non-UTF-8 file.
fn read_lines(path: &Path) -> Result<Vec<String>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        bail!(
            "{} is {size} bytes; the limit is {MAX_FILE_BYTES}: split it",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not valid UTF-8 (byte {}): save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(text.lines().map(str::to_string).collect())
}
