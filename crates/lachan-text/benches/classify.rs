//! Throughput of the message classifier on the dev set's single messages and conversation
//! messages (short chat messages in Vietnamese and English): normalisation plus classification,
//! and classification of already normalised texts. Criterion reports elements (messages) per
//! second on one core.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lachan_text::classify::{Classifier, Policy};
use lachan_text::normalize::Normalized;

#[path = "../tests/support/mod.rs"]
mod support;

fn bench(c: &mut Criterion) {
    let messages = support::dev_texts();
    let classifier = Classifier::builtin();
    let policy = Policy::default();
    let normalized: Vec<Normalized> = messages
        .iter()
        .map(|m| Normalized::new(m).expect("short message"))
        .collect();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("normalize_and_check", |b| {
        b.iter(|| {
            for m in &messages {
                let n = Normalized::new(black_box(m)).expect("short message");
                black_box(classifier.check(&n, &policy));
            }
        })
    });
    group.bench_function("check", |b| {
        b.iter(|| {
            for n in &normalized {
                black_box(classifier.check(black_box(n), &policy));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
