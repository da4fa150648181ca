//! Arbitrary bytes as an upstream's response to `www.example.com A IN`.
//!
//! Input layout: byte 0 is a mode (bit 0x02 sets the key's DO bit, the high four bits are the
//! cache's minimum TTL in seconds); if its low bit is set, the rest is spliced around the fixed
//! question (the rest's first 12 bytes as the header with one question, then the question,
//! then the remaining bytes as records), so that most inputs reach the record walk; otherwise
//! the rest is the response as is.
//!
//! Exercised: `lachan_upstream::Cache::insert` under the key of the fixed question, then
//! `Cache::get` and `Cache::get_stale` at several later instants.
//!
//! Must hold, whatever the bytes:
//! - nothing panics;
//! - whenever hickory-proto accepts the response (the forwarder only passes on such answers),
//!   whatever the cache gives back parses with hickory-proto, carries the requested id, the
//!   same question and the same records, with every TTL at most the upstream's (or the
//!   configured minimum TTL, if higher) for fresh answers and exactly 30 s for stale ones; the
//!   cache never returns both a fresh and a stale answer for the same instant.

#![no_main]

use std::time::{Duration, Instant};

use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, Name, Record, RecordType};
use lachan_upstream::{Cache, CacheKey, CacheOptions};
use libfuzzer_sys::fuzz_target;

/// The fixed question, in wire form.
const QUESTION: &[u8] = b"\x03www\x07example\x03com\x00\x00\x01\x00\x01";
/// TTL of answers served stale (RFC 8767).
const STALE_TTL: u32 = 30;
/// Ages at which the cache is read, in seconds.
const AGES: &[u64] = &[
    0,
    1,
    29,
    299,
    3_600,
    86_399,
    86_400,
    90_000,
    172_799,
    172_800,
    1 << 40,
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let response = if mode & 1 == 1 {
        splice(rest)
    } else {
        rest.to_vec()
    };
    let name = Name::from_ascii("www.example.com.").expect("valid name");
    let key = CacheKey::new(&name, RecordType::A, DNSClass::IN, mode & 2 != 0);
    let min_ttl = u32::from(mode >> 4);
    let cache = Cache::new(CacheOptions {
        min_ttl,
        ..CacheOptions::default()
    });
    let stored_at = Instant::now();
    cache.insert(key.clone(), &response, stored_at);
    let upstream = Message::from_vec(&response).ok();
    for (i, &age) in AGES.iter().enumerate() {
        let Some(now) = stored_at.checked_add(Duration::from_secs(age)) else {
            continue;
        };
        let id = 0x1000 + i as u16;
        let fresh = cache.get(&key, id, now);
        let stale = cache.get_stale(&key, id, now);
        assert!(
            fresh.is_none() || stale.is_none(),
            "fresh and stale answers at age {age}"
        );
        if let Some(upstream) = &upstream {
            if let Some(answer) = fresh {
                check(&answer, upstream, id, |ttl, original| {
                    ttl <= original.max(min_ttl)
                });
            }
            if let Some(answer) = stale {
                check(&answer, upstream, id, |ttl, _| ttl == STALE_TTL);
            }
        }
    }
});

/// Header from the first 12 bytes (one question), the fixed question, then the other bytes.
fn splice(rest: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 12];
    let head = rest.len().min(12);
    header[..head].copy_from_slice(&rest[..head]);
    header[4..6].copy_from_slice(&1u16.to_be_bytes());
    let mut out = Vec::with_capacity(rest.len() + QUESTION.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(QUESTION);
    out.extend_from_slice(&rest[head..]);
    out
}

/// Checks a cached answer against the upstream's message it came from.
fn check(answer: &[u8], upstream: &Message, id: u16, ttl_ok: impl Fn(u32, u32) -> bool) {
    let message = Message::from_vec(answer)
        .unwrap_or_else(|e| panic!("cached answer does not parse: {e}; bytes {answer:?}"));
    assert_eq!(message.metadata.id, id, "cached answer id");
    assert_eq!(message.queries, upstream.queries, "cached answer question");
    let sections = [
        (&message.answers, &upstream.answers),
        (&message.authorities, &upstream.authorities),
        (&message.additionals, &upstream.additionals),
    ];
    for (got, want) in sections {
        assert_eq!(got.len(), want.len(), "cached answer record count");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(without_ttl(g), without_ttl(w), "cached record changed");
            assert!(
                ttl_ok(g.ttl, w.ttl),
                "TTL {} served for a record the upstream gave TTL {}",
                g.ttl,
                w.ttl
            );
        }
    }
    assert_eq!(message.edns, upstream.edns, "cached answer OPT record");
    assert_eq!(
        message.signature, upstream.signature,
        "cached answer TSIG record"
    );
}

/// A record with its TTL zeroed, to compare the rest.
fn without_ttl(record: &Record) -> Record {
    let mut record = record.clone();
    record.ttl = 0;
    record
}
