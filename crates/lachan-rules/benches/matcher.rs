//! Decision throughput of `RuleIndex::check` on one core, with the real lists of
//! `shared/data/blocklists` loaded (about 640,000 rules: HaGeZi wildcard lists, hostsVN hosts and
//! AdGuard filters, StevenBlack) plus a small custom list with exceptions and modifiers.
//!
//! Run: `cargo bench -p lachan-rules --bench matcher`. Each iteration decides a batch of
//! queries; criterion reports elements/s, i.e. checks per second per core.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lachan_rules::{ListInput, ListMask, ListSource, Query, RuleIndex};

fn data(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/blocklists"
    ))
    .join(path)
}

fn lists() -> Vec<ListInput> {
    let file = |id, path: &str, subdomains| ListInput {
        id,
        name: path.into(),
        subdomains,
        source: ListSource::File(data(path)),
    };
    vec![
        file(1, "hagezi/wildcard/pro-onlydomains.txt", true),
        file(2, "hagezi/wildcard/nsfw-onlydomains.txt", true),
        file(3, "hagezi/wildcard/gambling.medium-onlydomains.txt", true),
        file(4, "hostsvn/hosts", false),
        file(5, "hostsvn/filters/adservers-all.txt", false),
        file(6, "stevenblack/hosts-domains.txt", false),
        ListInput {
            id: 7,
            name: "custom".into(),
            subdomains: false,
            source: ListSource::Text(Arc::from(
                "@@||allowed.example^\n||ads.example^$dnstype=AAAA\n||kids.example^$client=192.168.1.0/24\n",
            )),
        },
    ]
}

/// Names blocked by the lists: a subdomain of every 50th HaGeZi Pro entry.
fn blocked_names() -> Vec<String> {
    let text = std::fs::read_to_string(data("hagezi/wildcard/pro-onlydomains.txt")).expect("data");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .step_by(50)
        .map(|l| format!("www.{l}"))
        .collect()
}

/// Names no list mentions, shaped like real ones.
fn allowed_names(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("www.site{i}.news{}.example.vn", i % 97))
        .collect()
}

fn bench(c: &mut Criterion) {
    let (index, _) = RuleIndex::build(&lists());
    let active = ListMask::all();
    let blocked = blocked_names();
    let allowed = allowed_names(blocked.len());
    let mixed: Vec<String> = blocked
        .iter()
        .zip(&allowed)
        .flat_map(|(b, a)| [b.clone(), a.clone()])
        .collect();

    let mut group = c.benchmark_group("check");
    for (label, names) in [
        ("blocked", &blocked),
        ("allowed", &allowed),
        ("mixed", &mixed),
    ] {
        group.throughput(Throughput::Elements(names.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for name in names {
                    let q = Query {
                        name,
                        qtype: 1,
                        client_ip: [192, 168, 1, 7].into(),
                        client_name: None,
                    };
                    hits += usize::from(index.check(black_box(&q), &active).is_some());
                }
                hits
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
