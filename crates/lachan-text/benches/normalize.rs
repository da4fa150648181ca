//! Throughput of `Normalized::new` on the dev set's single messages and conversation messages
//! (short chat messages in Vietnamese and English).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lachan_text::normalize::Normalized;

#[path = "../tests/support/mod.rs"]
mod support;

fn bench(c: &mut Criterion) {
    let messages = support::dev_texts();
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
