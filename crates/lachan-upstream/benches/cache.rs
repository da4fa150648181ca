//! The cached-answer hot path: key from the query bytes, then a cache hit.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hickory_proto::op::{Edns, Message, OpCode, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use lachan_upstream::{Cache, CacheKey, CacheOptions};

fn query(name: &str) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.id = 0x1234;
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(
        Name::from_ascii(name).expect("name"),
        RecordType::A,
    ));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    m.set_edns(edns);
    m.to_vec().expect("query")
}

fn answer(query: &[u8]) -> Vec<u8> {
    let q = Message::from_vec(query).expect("query");
    let mut m = Message::response(q.metadata.id, OpCode::Query);
    m.add_queries(q.queries.clone());
    let name = q.queries[0].name().clone();
    for last in [1, 2] {
        m.add_answer(Record::from_rdata(
            name.clone(),
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, last))),
        ));
    }
    m.set_edns(Edns::new());
    m.to_vec().expect("answer")
}

fn cache_hit(c: &mut Criterion) {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let queries: Vec<Vec<u8>> = (0..10_000)
        .map(|i| query(&format!("host{i}.example.com.")))
        .collect();
    for q in &queries {
        cache.insert(CacheKey::from_query(q).expect("key"), &answer(q), t0);
    }
    let now = t0 + Duration::from_secs(10);
    let mut i = 0;
    c.bench_function("key_from_query_and_get", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            let q = &queries[i];
            let key = CacheKey::from_query(q).expect("key");
            black_box(cache.get(&key, 0x4321, now))
        })
    });
}

criterion_group!(benches, cache_hit);
criterion_main!(benches);
