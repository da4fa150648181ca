//! Lachan's message classifier against rustrict 0.7 (`is_inappropriate()`), side by side in one
//! run: precision, recall, F1 and false-positive rate on the dev messages (harmful = any label)
//! and on ViHOS test (offensive = any span), then messages per second on one core.
//!
//! Lachan flags a message when any category's score reaches an action other than allow under the
//! default policy (built once). Speed: both sets' messages, one pass per engine in turn (so that
//! the load of a shared machine falls on both alike), at least 200,000 messages per engine; the
//! median pass rate of each engine is reported. Lachan's time includes normalisation.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Instant;

use lachan_text::classify::metrics::Counts;
use lachan_text::classify::{Action, Classifier, Policy};
use lachan_text::normalize::Normalized;
use rustrict::CensorStr;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/text");

/// Messages timed per run, at least.
const TIMED: usize = 200_000;

/// One labelled message.
struct Sample {
    text: String,
    harmful: bool,
}

fn dev_messages() -> Vec<Sample> {
    let body = std::fs::read_to_string(format!("{DATA}/dev/messages.jsonl"))
        .expect("dev set (../shared/data/text/dev)");
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            Sample {
                text: v["text"].as_str().expect("text").to_owned(),
                harmful: !v["labels"].as_array().expect("labels").is_empty(),
            }
        })
        .collect()
}

fn vihos_test() -> Vec<Sample> {
    let mut reader =
        csv::Reader::from_path(format!("{DATA}/vihos/test.csv")).expect("ViHOS test set");
    reader
        .records()
        .map(|r| {
            let r = r.expect("CSV row");
            Sample {
                text: r[1].to_owned(),
                harmful: r[2].trim() != "[]",
            }
        })
        .collect()
}

/// The default policy, built once as a server holds its policy.
fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::default)
}

fn lachan(text: &str) -> bool {
    let policy = policy();
    let n = Normalized::new(text).expect("short message");
    Classifier::builtin()
        .check(&n, policy)
        .categories
        .iter()
        .any(|c| policy.action(c.category, c.score) != Action::Allow)
}

fn rustrict(text: &str) -> bool {
    text.is_inappropriate()
}

fn counts(samples: &[Sample], engine: fn(&str) -> bool) -> Counts {
    let mut c = Counts::default();
    for s in samples {
        c.add(s.harmful, engine(&s.text));
    }
    c
}

/// Messages per second of each engine: passes over `texts` in turn, `a` then `b`, until each
/// engine has read at least [`TIMED`] messages; the median pass rate of each.
fn speeds(texts: &[&str], a: fn(&str) -> bool, b: fn(&str) -> bool) -> (f64, f64) {
    let pass = |engine: fn(&str) -> bool| {
        let start = Instant::now();
        for t in texts {
            black_box(engine(black_box(t)));
        }
        texts.len() as f64 / start.elapsed().as_secs_f64()
    };
    let passes = TIMED.div_ceil(texts.len()).max(3);
    let (mut ra, mut rb): (Vec<f64>, Vec<f64>) = (0..passes).map(|_| (pass(a), pass(b))).unzip();
    let median = |rates: &mut Vec<f64>| {
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    (median(&mut ra), median(&mut rb))
}

fn ratio(a: f64, b: f64) -> String {
    if b == 0.0 {
        "—".to_owned()
    } else {
        format!("{:.2}×", a / b)
    }
}

fn main() {
    let sets = [
        ("dev messages", dev_messages()),
        ("ViHOS test", vihos_test()),
    ];
    println!("| set | engine | precision | recall | F1 | false-positive rate |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, samples) in &sets {
        let l = counts(samples, lachan);
        let r = counts(samples, rustrict);
        for (engine, c) in [("Lachan", l), ("rustrict", r)] {
            println!(
                "| {name} ({}) | {engine} | {:.3} | {:.3} | {:.3} | {:.3} |",
                samples.len(),
                c.precision(),
                c.recall(),
                c.f1(),
                c.fpr()
            );
        }
        println!(
            "| {name} | Lachan/rustrict | {} | {} | {} | {} |",
            ratio(l.precision(), r.precision()),
            ratio(l.recall(), r.recall()),
            ratio(l.f1(), r.f1()),
            ratio(l.fpr(), r.fpr())
        );
    }
    let texts: Vec<&str> = sets
        .iter()
        .flat_map(|(_, s)| s.iter().map(|m| m.text.as_str()))
        .collect();
    let (l, r) = speeds(&texts, lachan, rustrict);
    println!();
    println!(
        "messages/s, one core, both sets ({} messages), passes in turn to >= {TIMED} per engine, median pass:",
        texts.len()
    );
    println!("| Lachan | rustrict | Lachan/rustrict |");
    println!("|---:|---:|---:|");
    println!("| {l:.0} | {r:.0} | {} |", ratio(l, r));
}
