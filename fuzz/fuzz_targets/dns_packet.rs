//! Arbitrary bytes as a DNS query arriving at the gateway.
//!
//! Input layout: byte 0 picks the client (source `127.0.0.<byte>`; the resolver only allows
//! `127.0.0.0/25`, so bytes 128..=255 take the refused-network path; bit 0x40 picks UDP, else
//! TCP); the remaining bytes are the packet.
//!
//! Exercised: `lachan_dns::wire::parse_query`, `AnswerBuilder` (a block answer with an Extended
//! DNS Error, a CNAME answer with a compressed address record), `fit_for_client` with a small
//! limit, and `Resolver::prepare` of one resolver (a small filter with a block rule, an
//! exception, `$dnsrewrite` rules, custom rules and safe search; a forwarder at 127.0.0.1:9
//! that is never called; a cache holding one answer). `finish` is never called.
//!
//! Must hold, whatever the bytes:
//! - nothing panics;
//! - a parsed query's name is at most 255 bytes on the wire (RFC 1035 §2.3.4) and goes back to
//!   the same wire bytes (lowercased) through `write_name`;
//! - whenever hickory-proto accepts the query's question, every answer Lachan builds for it
//!   (block, CNAME, fitted, and whatever `prepare` answers) parses with hickory-proto, carries
//!   the query's id and question; a UDP answer from `prepare` fits the client's buffer, and
//!   `fit_for_client` returns an answer within its limit unchanged and replaces a larger one
//!   with a truncated (TC) answer without records;
//! - a name under `casino.test` (outside its exceptions) from an allowed client is answered
//!   locally, never sent upstream, however its labels are spelled;
//! - a FORMERR/NOTIMP answer to an unparsable packet is a 12-byte header with QR set.

#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use hickory_proto::op::Message;
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use lachan_dns::clients::Matcher;
use lachan_dns::resolver::Step;
use lachan_dns::wire::{self, AnswerBuilder, Query, Record, ede, rcode};
use lachan_dns::{
    ClientConfig, Filter, FilterConfig, ListConfig, NoSink, Resolver, ResolverOptions, Transport,
};
use lachan_policy::{BlockAnswer, Category, Profile, YoutubeMode};
use lachan_rules::ListSource;
use lachan_upstream::{Cache, CacheKey, CacheOptions, Forwarder, ForwarderOptions, UpstreamSpec};
use libfuzzer_sys::fuzz_target;

/// The gambling list: a block, an exception, rewrites of each kind, a wildcard and a regex.
const LIST: &str = "\
||casino.test^
@@||ok.casino.test^
||rewrite.test^$dnsrewrite=192.0.2.7
||rewrite6.test^$dnsrewrite=NOERROR;AAAA;2001:db8::7
||alias.test^$dnsrewrite=safe.example
||gone.test^$dnsrewrite=NXDOMAIN
0.0.0.0 hosts.casino.test
*.wild.test^
/^bet[0-9]+\\./
";

/// One cached answer, for `cached.test A IN`: id 0, TTL one day, 192.0.2.1.
#[rustfmt::skip]
const CACHED_ANSWER: &[u8] = &[
    0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, // header
    6, b'c', b'a', b'c', b'h', b'e', b'd', 4, b't', b'e', b's', b't', 0, 0, 1, 0, 1, // question
    0xc0, 0x0c, 0, 1, 0, 1, 0, 1, 0x51, 0x80, 0, 4, 192, 0, 2, 1, // answer
];

/// Longest name on the wire, root label included (RFC 1035 §2.3.4).
const MAX_NAME_WIRE: usize = 255;

static RESOLVER: LazyLock<Resolver> = LazyLock::new(build_resolver);

fn build_resolver() -> Resolver {
    let child = Profile {
        name: "child".into(),
        block: vec![Category::Gambling],
        safe_search: true,
        youtube: YoutubeMode::Moderate,
        allow: vec!["||allowed.casino.test^".into()],
        deny: vec!["||distraction.test^".into()],
        block_answer: None,
    };
    let teen = Profile {
        block: vec![Category::Gambling],
        block_answer: Some(BlockAnswer::NxDomain),
        ..Profile::unfiltered("teen")
    };
    let config = FilterConfig {
        lists: vec![ListConfig {
            name: "gambling".into(),
            category: Category::Gambling,
            subdomains: false,
            source: ListSource::Text(Arc::from(LIST)),
        }],
        profiles: vec![child, teen],
        clients: vec![ClientConfig {
            name: "teen tablet".into(),
            matchers: vec!["127.0.0.2".parse::<Matcher>().expect("valid matcher")],
            profile: "teen".into(),
        }],
        default_profile: "child".into(),
        block_answer: BlockAnswer::NullIp,
    };
    let (filter, _reports) = Filter::new(&config).expect("valid filter config");
    let forwarder = Forwarder::new(
        vec![UpstreamSpec::Udp(
            "127.0.0.1:9".parse().expect("valid address"),
        )],
        ForwarderOptions::default(),
    )
    .expect("valid forwarder");
    let cache = Cache::new(CacheOptions::default());
    let key = CacheKey::from_query(&CACHED_ANSWER[..29]).expect("valid cache question");
    cache.insert(key, CACHED_ANSWER, Instant::now());
    let options = ResolverOptions {
        allow_networks: vec!["127.0.0.0/25".parse().expect("valid network")],
        rate_limit: 0,
        ..ResolverOptions::default()
    };
    Resolver::new(
        Arc::new(filter),
        Arc::new(forwarder),
        cache,
        options,
        Arc::new(NoSink),
    )
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, packet)) = data.split_first() else {
        return;
    };
    let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, selector));
    let transport = if selector & 0x40 == 0 {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let parsed = wire::parse_query(packet);
    let valid = match &parsed {
        Ok(query) => {
            check_name_round_trip(query);
            let valid = hickory_accepts_question(query);
            check_built_answers(query, usize::from(selector), valid);
            valid
        }
        Err(_) => false,
    };
    match RESOLVER.prepare(packet, source, transport) {
        Step::Done(Some(answer)) => match &parsed {
            Ok(query) if valid => {
                parse_answer(&answer, query, "prepare");
                if transport == Transport::Udp {
                    assert!(
                        answer.len() <= query.udp_limit(),
                        "UDP answer over the limit"
                    );
                }
            }
            Ok(_) => {}
            Err(_) => {
                assert_eq!(answer.len(), 12, "error answer is a bare header");
                assert!(answer[2] & 0x80 != 0, "error answer has QR set");
                Message::from_vec(&answer).expect("error answer parses");
            }
        },
        Step::Done(None) => assert!(
            parsed.is_err() || selector >= 128,
            "a parsed query from an allowed network was dropped"
        ),
        Step::Upstream(_) => {
            let query = parsed.as_ref().expect("an unparsable packet went upstream");
            assert!(
                !must_be_blocked(query),
                "{:?} is under a blocked domain but went upstream",
                query.name
            );
        }
    }
});

/// The question name is at most 255 bytes on the wire, and `write_name` turns the presentation
/// name back into it (lowercased).
fn check_name_round_trip(query: &Query) {
    let echoed = &query.question[..query.question.len() - 4];
    assert!(
        echoed.len() <= MAX_NAME_WIRE,
        "a {}-byte question name was accepted",
        echoed.len()
    );
    let mut wire_name = Vec::new();
    wire::write_name(&mut wire_name, &query.name);
    assert!(
        wire_name == echoed.to_ascii_lowercase(),
        "name {:?} does not round-trip: {:?} vs {:?}",
        query.name,
        wire_name,
        echoed
    );
}

/// Whether the question name is `casino.test` or under it, outside the exceptions
/// (`ok.casino.test` in the list, `allowed.casino.test` in the child profile): both profiles
/// block gambling, so such a name is always answered locally. Compared on the wire form, so
/// that bytes escaped in the presentation form count as they are.
fn must_be_blocked(query: &Query) -> bool {
    let wire_name = query.question[..query.question.len() - 4].to_ascii_lowercase();
    let under = |suffix: &[u8]| {
        wire_name.ends_with(suffix) && label_boundary(&wire_name, wire_name.len() - suffix.len())
    };
    under(b"\x06casino\x04test\x00")
        && !under(b"\x02ok\x06casino\x04test\x00")
        && !under(b"\x07allowed\x06casino\x04test\x00")
}

/// Whether a label starts at `at` in an uncompressed wire name.
fn label_boundary(wire_name: &[u8], at: usize) -> bool {
    let mut i = 0;
    while i < at {
        i += 1 + usize::from(wire_name[i]);
    }
    i == at
}

/// Whether hickory-proto parses a message made of the query's header and question alone.
fn hickory_accepts_question(query: &Query) -> bool {
    let mut bare = Vec::with_capacity(12 + query.question.len());
    bare.extend_from_slice(&query.id.to_be_bytes());
    bare.extend_from_slice(&(query.flags & 0x7910).to_be_bytes());
    bare.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    bare.extend_from_slice(&query.question);
    Message::from_vec(&bare).is_ok()
}

/// Builds a block answer with an EDE and a CNAME answer, and fits them to a small limit.
fn check_built_answers(query: &Query, selector: usize, valid: bool) {
    let block = AnswerBuilder::new(query)
        .ttl(10)
        .record(Record::Address {
            owner: None,
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        })
        .ede(ede::FILTERED, "Lachan: blocked (gambling)")
        .build();
    let cname = AnswerBuilder::new(query)
        .ttl(300)
        .record(Record::Cname {
            target: "forcesafesearch.google.com".into(),
        })
        .record(Record::Address {
            owner: Some("forcesafesearch.google.com".into()),
            ip: IpAddr::V4(Ipv4Addr::new(216, 239, 38, 120)),
        })
        .record(Record::Address {
            owner: Some("forcesafesearch.google.com".into()),
            ip: "2001:4860:4802:32::78".parse().expect("valid address"),
        })
        .build();
    let limit = 12 + selector * 2;
    let fitted = wire::fit_for_client(cname.clone(), query, limit);
    if !valid {
        return;
    }
    let message = parse_answer(&block, query, "block");
    assert_eq!(message.answers.len(), 1, "block answer has its address");
    if query.edns.is_some() {
        let opt = message.edns.as_ref().expect("OPT echoed");
        match opt.option(EdnsCode::Unknown(15)) {
            Some(EdnsOption::Unknown(15, data)) => {
                assert_eq!(u16::from_be_bytes([data[0], data[1]]), ede::FILTERED);
                assert_eq!(&data[2..], b"Lachan: blocked (gambling)");
            }
            other => panic!("EDE option missing: {other:?}"),
        }
    }
    let message = parse_answer(&cname, query, "cname");
    assert_eq!(
        message.answers.len(),
        3,
        "CNAME answer has its three records"
    );
    let fitted_message = parse_answer(&fitted, query, "fitted");
    if cname.len() <= limit {
        assert_eq!(fitted, cname, "an answer within the limit is unchanged");
    } else {
        assert!(
            fitted_message.metadata.truncation,
            "oversized answer is truncated"
        );
        assert!(
            fitted_message.answers.is_empty(),
            "truncated answer has no records"
        );
    }
    let refused = AnswerBuilder::new(query).rcode(rcode::REFUSED).build();
    parse_answer(&refused, query, "refused");
}

/// Parses an answer with hickory-proto and checks its id and question against the query.
fn parse_answer(answer: &[u8], query: &Query, what: &str) -> Message {
    let message = Message::from_vec(answer)
        .unwrap_or_else(|e| panic!("{what} answer does not parse: {e}; bytes {answer:?}"));
    assert_eq!(message.metadata.id, query.id, "{what} answer id");
    assert_eq!(
        answer.get(12..12 + query.question.len()),
        Some(&query.question[..]),
        "{what} answer echoes the question"
    );
    message
}
