//! The answer cache, driven by explicit `Instant`s instead of sleeping.

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::*;
use hickory_proto::op::{Edns, Message, ResponseCode};
use hickory_proto::rr::rdata::CNAME;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use lachan_upstream::{Cache, CacheKey, CacheOptions};

const IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 7);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A query and an A answer for `name` with `ttl`, and the key they are cached under.
fn a_answer(name: &str, ttl: u32) -> (CacheKey, Vec<u8>) {
    let q = query(name, RecordType::A);
    let key = CacheKey::from_query(&q).expect("key");
    (key, bytes(&a_response(&parse(&q), &[IP], ttl)))
}

fn negative(name: &str, code: ResponseCode, soa_ttl: u32, minimum: u32) -> (CacheKey, Vec<u8>) {
    let q = query(name, RecordType::A);
    let key = CacheKey::from_query(&q).expect("key");
    (
        key,
        bytes(&negative_response(&parse(&q), code, soa_ttl, minimum)),
    )
}

fn all_ttls(response: &[u8]) -> Vec<u32> {
    parse(response).all_sections().map(|r| r.ttl).collect()
}

#[test]
fn hit_patches_the_id_and_decrements_ttls() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let (key, answer) = a_answer("example.com.", 300);
    cache.insert(key.clone(), &answer, t0);
    assert_eq!(cache.len(), 1);

    let fresh = cache.get(&key, 0x1111, t0).expect("hit");
    assert_eq!(parse(&fresh).metadata.id, 0x1111);
    assert_eq!(answer_ttls(&fresh), vec![300]);
    assert_eq!(addresses(&fresh), vec![IP]);

    let later = cache.get(&key, 0x2222, t0 + secs(100)).expect("hit");
    assert_eq!(parse(&later).metadata.id, 0x2222);
    assert_eq!(answer_ttls(&later), vec![200]);
    assert_eq!(later.len(), answer.len());
    assert_eq!(addresses(&later), vec![IP]);
}

#[test]
fn edns_flags_are_not_mistaken_for_a_ttl() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let q = parse(&query("example.com.", RecordType::A));
    let mut m = a_response(&q, &[IP], 300);
    let mut edns = Edns::new();
    edns.set_dnssec_ok(true);
    edns.set_max_payload(1232);
    m.set_edns(edns);
    let key = CacheKey::from_query(&bytes(&q)).expect("key");
    cache.insert(key.clone(), &bytes(&m), t0);
    for hit in [
        cache.get(&key, 1, t0 + secs(250)),
        cache.get_stale(&key, 1, t0 + secs(400)),
    ] {
        let hit = parse(&hit.expect("hit"));
        let edns = hit.edns.expect("OPT kept");
        assert!(edns.flags().dnssec_ok);
        assert_eq!(edns.max_payload(), 1232);
    }
}

#[test]
fn lookup_is_case_insensitive_and_keyed_by_type_and_do_bit() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let (key, answer) = a_answer("Example.COM.", 300);
    cache.insert(key, &answer, t0);
    let lower = CacheKey::from_query(&query("example.com.", RecordType::A)).expect("key");
    assert!(cache.get(&lower, 1, t0).is_some());
    let from_parts = CacheKey::new(
        &Name::from_ascii("EXAMPLE.com.").expect("name"),
        RecordType::A,
        DNSClass::IN,
        false,
    );
    assert_eq!(from_parts, lower);
    let aaaa = CacheKey::from_query(&query("example.com.", RecordType::AAAA)).expect("key");
    assert!(cache.get(&aaaa, 1, t0).is_none());

    let mut with_do = Message::from_vec(&query("example.com.", RecordType::A)).expect("query");
    let mut edns = Edns::new();
    edns.set_dnssec_ok(true);
    with_do.set_edns(edns);
    let do_key = CacheKey::from_query(&bytes(&with_do)).expect("key");
    assert!(do_key.dnssec_ok());
    assert_ne!(do_key, lower);
    assert!(cache.get(&do_key, 1, t0).is_none());
}

#[test]
fn answers_expire_after_their_smallest_ttl() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let q = parse(&query("www.example.com.", RecordType::A));
    let mut m = a_response(&q, &[IP], 300);
    // A CNAME with a shorter TTL than the address: the whole answer lives 60 s.
    m.answers.insert(
        0,
        Record::from_rdata(
            Name::from_ascii("www.example.com.").expect("name"),
            60,
            RData::CNAME(CNAME(Name::from_ascii("example.com.").expect("name"))),
        ),
    );
    let key = CacheKey::from_query(&bytes(&q)).expect("key");
    cache.insert(key.clone(), &bytes(&m), t0);
    let hit = cache.get(&key, 7, t0 + secs(59)).expect("still fresh");
    assert_eq!(answer_ttls(&hit), vec![1, 1]);
    assert!(cache.get(&key, 7, t0 + secs(60)).is_none());
}

#[test]
fn ttls_are_clamped_to_min_and_max() {
    let cache = Cache::new(CacheOptions {
        min_ttl: 60,
        max_ttl: 3_600,
        ..CacheOptions::default()
    });
    let t0 = Instant::now();
    let (short_key, short) = a_answer("short.example.", 5);
    let (long_key, long) = a_answer("long.example.", 1_000_000);
    cache.insert(short_key.clone(), &short, t0);
    cache.insert(long_key.clone(), &long, t0);
    assert_eq!(
        answer_ttls(&cache.get(&short_key, 1, t0).expect("hit")),
        vec![60]
    );
    assert!(cache.get(&short_key, 1, t0 + secs(59)).is_some());
    assert_eq!(
        answer_ttls(&cache.get(&long_key, 1, t0).expect("hit")),
        vec![3_600]
    );
    assert!(cache.get(&long_key, 1, t0 + secs(3_600)).is_none());
}

#[test]
fn negative_answers_live_for_the_soa_minimum() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    // NXDOMAIN: min(SOA TTL 900, MINIMUM 300) = 300 s.
    let (nx_key, nx) = negative("nope.example.", ResponseCode::NXDomain, 900, 300);
    cache.insert(nx_key.clone(), &nx, t0);
    let hit = cache.get(&nx_key, 9, t0 + secs(100)).expect("cached");
    let msg = parse(&hit);
    assert_eq!(msg.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(
        all_ttls(&hit),
        vec![200],
        "SOA TTL counts down from the negative TTL"
    );
    assert!(cache.get(&nx_key, 9, t0 + secs(300)).is_none());

    // NODATA with a smaller SOA TTL than MINIMUM: min(120, 600) = 120 s.
    let (nodata_key, nodata) = negative("empty.example.", ResponseCode::NoError, 120, 600);
    cache.insert(nodata_key.clone(), &nodata, t0);
    assert!(cache.get(&nodata_key, 9, t0 + secs(119)).is_some());
    assert!(cache.get(&nodata_key, 9, t0 + secs(120)).is_none());
}

#[test]
fn negative_ttl_is_capped() {
    let cache = Cache::new(CacheOptions {
        negative_max_ttl: 60,
        ..CacheOptions::default()
    });
    let t0 = Instant::now();
    let (key, nx) = negative("nope.example.", ResponseCode::NXDomain, 86_400, 86_400);
    cache.insert(key.clone(), &nx, t0);
    assert!(cache.get(&key, 1, t0 + secs(59)).is_some());
    assert!(cache.get(&key, 1, t0 + secs(60)).is_none());
}

#[test]
fn uncacheable_answers_are_not_stored() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let q = parse(&query("example.com.", RecordType::A));
    let key = CacheKey::from_query(&bytes(&q)).expect("key");

    let servfail = empty_response(&q, ResponseCode::ServFail);
    let refused = empty_response(&q, ResponseCode::Refused);
    let mut truncated = a_response(&q, &[IP], 300);
    truncated.metadata.truncation = true;
    let nxdomain_without_soa = empty_response(&q, ResponseCode::NXDomain);
    let zero_ttl = a_response(&q, &[IP], 0);
    let mut malformed = bytes(&a_response(&q, &[IP], 300));
    malformed.truncate(malformed.len() - 3);
    let other_question = a_response(&parse(&query("other.example.", RecordType::A)), &[IP], 300);

    for response in [
        bytes(&servfail),
        bytes(&refused),
        bytes(&truncated),
        bytes(&nxdomain_without_soa),
        bytes(&zero_ttl),
        malformed,
        bytes(&other_question),
        vec![0xff; 3],
    ] {
        cache.insert(key.clone(), &response, t0);
        assert!(cache.get(&key, 1, t0).is_none());
        assert!(cache.is_empty());
    }
}

#[test]
fn size_is_bounded_by_capacity() {
    let capacity = 100;
    let cache = Cache::new(CacheOptions {
        capacity,
        ..CacheOptions::default()
    });
    let t0 = Instant::now();
    for i in 0..(capacity * 5) {
        let (key, answer) = a_answer(&format!("host{i}.example."), 300);
        cache.insert(key, &answer, t0);
    }
    assert!(cache.len() <= capacity, "{} entries", cache.len());
    assert!(cache.len() >= capacity / 2, "{} entries", cache.len());

    let disabled = Cache::new(CacheOptions {
        capacity: 0,
        ..CacheOptions::default()
    });
    let (key, answer) = a_answer("example.com.", 300);
    disabled.insert(key.clone(), &answer, t0);
    assert!(disabled.get(&key, 1, t0).is_none());
    assert_eq!(disabled.len(), 0);
}

#[test]
fn stale_answers_are_served_within_the_stale_window() {
    let cache = Cache::new(CacheOptions {
        stale_for: secs(3_600),
        ..CacheOptions::default()
    });
    let t0 = Instant::now();
    let (key, answer) = a_answer("example.com.", 300);
    cache.insert(key.clone(), &answer, t0);

    assert!(
        cache.get_stale(&key, 5, t0 + secs(299)).is_none(),
        "fresh answers come from get"
    );
    assert!(cache.get(&key, 5, t0 + secs(300)).is_none());
    let stale = cache.get_stale(&key, 5, t0 + secs(300)).expect("stale");
    assert_eq!(parse(&stale).metadata.id, 5);
    assert_eq!(answer_ttls(&stale), vec![30]);
    assert_eq!(addresses(&stale), vec![IP]);
    assert!(cache.get_stale(&key, 5, t0 + secs(300 + 3_599)).is_some());
    assert!(cache.get_stale(&key, 5, t0 + secs(300 + 3_600)).is_none());
    assert!(
        cache.is_empty(),
        "answers past the stale window are dropped"
    );
}

#[test]
fn refreshed_answer_replaces_the_old_one() {
    let cache = Cache::new(CacheOptions::default());
    let t0 = Instant::now();
    let (key, old) = a_answer("example.com.", 300);
    cache.insert(key.clone(), &old, t0);
    let q = parse(&query("example.com.", RecordType::A));
    let new = bytes(&a_response(&q, &[Ipv4Addr::new(192, 0, 2, 8)], 300));
    cache.insert(key.clone(), &new, t0 + secs(400));
    let hit = cache.get(&key, 1, t0 + secs(401)).expect("fresh");
    assert_eq!(addresses(&hit), vec![Ipv4Addr::new(192, 0, 2, 8)]);
    assert_eq!(answer_ttls(&hit), vec![299]);
    assert_eq!(cache.len(), 1);
}

#[test]
fn compression_pointers_into_patched_bytes_cannot_corrupt_hits() {
    // An upstream answer whose record owner points at offset 1 (inside the id): legal wire
    // format, but patching the id for a client would change the name it reads.
    let mut question = Vec::new();
    for label in ["example", "com"] {
        question.push(label.len() as u8);
        question.extend_from_slice(label.as_bytes());
    }
    question.extend_from_slice(&[0, 0, 1, 0, 1]);
    let mut query = vec![0x3c, 0x00, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    query.extend_from_slice(&question);
    let mut answer = vec![0x3c, 0x00, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
    answer.extend_from_slice(&question);
    answer.extend_from_slice(&[
        0xc0, 0x01, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 93, 184, 215, 14,
    ]);
    let cache = Cache::new(CacheOptions::default());
    let key = CacheKey::from_query(&query).expect("key");
    let t0 = Instant::now();
    cache.insert(key.clone(), &answer, t0);
    let hit = cache.get(&key, 0x1001, t0 + secs(1)).expect("cached");
    let message = Message::from_vec(&hit).expect("a hit with another id still parses");
    assert_eq!(message.metadata.id, 0x1001);
    assert_eq!(message.answers.len(), 1);
    assert_eq!(
        message.answers[0].data,
        RData::A(Ipv4Addr::new(93, 184, 215, 14).into())
    );
}
