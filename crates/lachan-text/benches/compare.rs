//! Lachan's message classifier against rustrict 0.7 (`is_inappropriate()`), side by side in one
//! run: precision, recall, F1 and false-positive rate on the dev messages (harmful = any label)
//! and on ViHOS test (offensive = any span), then messages per second on one core.
//!
//! Lachan flags a message when any category's score reaches an action other than allow under the
//! default policy. Speed: both sets' messages in a loop repeated to at least 200,000 messages,
//! median of 3 runs; Lachan's time includes normalisation.

use std::hint::black_box;
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

fn lachan(text: &str) -> bool {
    let policy = Policy::default();
    let n = Normalized::new(text).expect("short message");
    Classifier::builtin()
        .check(&n, &policy)
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

/// Median over 3 runs of messages per second, each run at least [`TIMED`] messages.
fn speed(texts: &[&str], engine: fn(&str) -> bool) -> f64 {
    let rounds = TIMED.div_ceil(texts.len());
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
    let l = speed(&texts, lachan);
    let r = speed(&texts, rustrict);
    println!();
    println!(
        "messages/s, one core, both sets ({} messages) repeated to >= {TIMED}, median of 3:",
        texts.len()
    );
    println!("| Lachan | rustrict | Lachan/rustrict |");
    println!("|---:|---:|---:|");
    println!("| {l:.0} | {r:.0} | {} |", ratio(l, r));
}
