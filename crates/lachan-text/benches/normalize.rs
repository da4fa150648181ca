//! Throughput of `Normalized::new` on the dev set's single messages and conversation messages
//! (short chat messages in Vietnamese and English).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lachan_text::normalize::Normalized;

const DEV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/text/dev");

/// The `"text"` values of a JSON Lines file (messages and conversation messages).
fn texts(file: &str) -> Vec<String> {
    let body = std::fs::read_to_string(format!("{DEV}/{file}"))
        .expect("dev set (../shared/data/text/dev)");
    let mut out = Vec::new();
    for line in body.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        match v.get("messages").and_then(|m| m.as_array()) {
            Some(ms) => out.extend(
                ms.iter()
                    .filter_map(|m| m["text"].as_str())
                    .map(str::to_owned),
            ),
            None => out.extend(v["text"].as_str().map(str::to_owned)),
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut messages = texts("messages.jsonl");
    messages.extend(texts("conversations.jsonl"));
    let mut group = c.benchmark_group("normalize");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("dev_messages", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(Normalized::new(black_box(m)).expect("short message"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
