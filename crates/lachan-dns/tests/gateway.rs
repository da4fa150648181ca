//! The resolver on real sockets: blocks, exceptions, safe search, per-client profiles, refused
//! networks, failover, serve-stale, truncation and malformed packets.

mod support;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use lachan_dns::clients::Matcher;
use lachan_dns::{ClientConfig, FilterConfig, ListConfig, ResolverOptions};
use lachan_policy::{BlockAnswer, Category, Profile, YoutubeMode};
use lachan_rules::ListSource;
use support::*;

fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(path)
}

fn text(rules: &str) -> ListSource {
    ListSource::Text(Arc::from(rules))
}

/// Profiles: "child" (default; adult+gambling blocked, safe search, YouTube moderate),
/// "teen" for 127.0.0.2 (gambling only, YouTube strict), "open" for 127.0.0.4 (nothing).
fn family() -> FilterConfig {
    FilterConfig {
        lists: vec![
            ListConfig {
                name: "hostsvn-adult".into(),
                category: Category::Adult,
                subdomains: false,
                source: ListSource::File(shared("blocklists/hostsvn/extensions/adult/hosts")),
            },
            ListConfig {
                name: "gambling".into(),
                category: Category::Gambling,
                subdomains: false,
                source: text("||casino.test^\n||bet.test^\n@@||ok.bet.test^\n"),
            },
        ],
        profiles: vec![
            Profile {
                name: "child".into(),
                block: vec![Category::Adult, Category::Gambling],
                safe_search: true,
                youtube: YoutubeMode::Moderate,
                allow: vec!["||allowed.casino.test^".into()],
                deny: vec!["||homework-distraction.test^".into()],
                block_answer: None,
                blocked_services: vec![
                    "service:tiktok".parse().unwrap(),
                    "group:games".parse().unwrap(),
                ],
                ..Profile::unfiltered("child")
            },
            Profile {
                name: "teen".into(),
                block: vec![Category::Gambling],
                youtube: YoutubeMode::Strict,
                block_answer: Some(BlockAnswer::NxDomain),
                ..Profile::unfiltered("teen")
            },
            Profile::unfiltered("open"),
        ],
        clients: vec![
            ClientConfig {
                name: "An's tablet".into(),
                matchers: vec!["127.0.0.2".parse::<Matcher>().unwrap()],
                profile: "teen".into(),
            },
            ClientConfig {
                name: "Parents".into(),
                matchers: vec!["127.0.0.4/32".parse::<Matcher>().unwrap()],
                profile: "open".into(),
            },
        ],
        default_profile: "child".into(),
        block_answer: BlockAnswer::NullIp,
    }
}

/// A name from the real hostsVN adult hosts file.
fn real_adult_name() -> String {
    let text =
        std::fs::read_to_string(shared("blocklists/hostsvn/extensions/adult/hosts")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("0.0.0.0 ").map(|n| n.trim().to_string()))
        .filter(|n| !n.is_empty())
        .expect("the hosts file has entries")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_allows_and_explains_over_udp_and_tcp() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let adult = real_adult_name();

    let blocked = ask(&gw, 1, &format!("{adult}."), true).await;
    assert_eq!(blocked.metadata.response_code, ResponseCode::NoError);
    assert_eq!(
        addresses(&blocked),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    assert!(
        ede_text(&blocked).unwrap().contains("adult"),
        "{:?}",
        ede_text(&blocked)
    );
    assert!(blocked.answers[0].ttl <= 10);

    let v6 = tcp(
        gw.addr,
        &query(&format!("{adult}."), RecordType::AAAA, false),
    )
    .await;
    assert_eq!(addresses(&v6), vec!["::".parse::<IpAddr>().unwrap()]);

    let allowed = ask(&gw, 1, "www.example.org.", false).await;
    assert_eq!(addresses(&allowed), vec![IpAddr::from(UPSTREAM_V4)]);
    let allowed_tcp = tcp(gw.addr, &query("www.example.org.", RecordType::A, false)).await;
    assert_eq!(addresses(&allowed_tcp), vec![IpAddr::from(UPSTREAM_V4)]);

    // `||casino.test^` covers subdomains; the list's own exception and the profile's allow win.
    let sub = ask(&gw, 1, "www.casino.test.", false).await;
    assert_eq!(addresses(&sub), vec!["0.0.0.0".parse::<IpAddr>().unwrap()]);
    let exception = ask(&gw, 1, "ok.bet.test.", false).await;
    assert_eq!(addresses(&exception), vec![IpAddr::from(UPSTREAM_V4)]);
    let custom_allow = ask(&gw, 1, "allowed.casino.test.", false).await;
    assert_eq!(addresses(&custom_allow), vec![IpAddr::from(UPSTREAM_V4)]);
    let custom_deny = ask(&gw, 1, "homework-distraction.test.", true).await;
    assert_eq!(
        addresses(&custom_deny),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    assert!(ede_text(&custom_deny).unwrap().contains("custom"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_follow_the_source_address() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let adult = real_adult_name();
    let q = query(&format!("{adult}."), RecordType::A, false);
    // Default profile (child) blocks adult; the teen profile does not; gambling is NXDOMAIN for teen.
    assert_eq!(
        addresses(&udp(gw.addr, localhost(1), &q).await.unwrap()),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(
        addresses(&udp(gw.addr, localhost(2), &q).await.unwrap()),
        vec![IpAddr::from(UPSTREAM_V4)]
    );
    let teen_casino = ask(&gw, 2, "casino.test.", false).await;
    assert_eq!(teen_casino.metadata.response_code, ResponseCode::NXDomain);
    let open_casino = ask(&gw, 4, "casino.test.", false).await;
    assert_eq!(addresses(&open_casino), vec![IpAddr::from(UPSTREAM_V4)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_search_and_youtube_levels() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let google = ask(&gw, 1, "www.google.com.vn.", false).await;
    assert_eq!(
        cname(&google).as_deref(),
        Some("forcesafesearch.google.com.")
    );
    assert_eq!(
        addresses(&google),
        vec!["216.239.38.120".parse::<IpAddr>().unwrap()]
    );
    let bing = ask(&gw, 1, "www.bing.com.", false).await;
    assert_eq!(cname(&bing).as_deref(), Some("strict.bing.com."));
    let ddg = tcp(gw.addr, &query("duckduckgo.com.", RecordType::A, false)).await;
    assert_eq!(cname(&ddg).as_deref(), Some("safe.duckduckgo.com."));
    let moderate = ask(&gw, 1, "www.youtube.com.", false).await;
    assert_eq!(
        cname(&moderate).as_deref(),
        Some("restrictmoderate.youtube.com.")
    );
    let strict = ask(&gw, 2, "m.youtube.com.", false).await;
    assert_eq!(cname(&strict).as_deref(), Some("restrict.youtube.com."));
    // The teen profile has safe search off: Google is forwarded as is.
    let teen_google = ask(&gw, 2, "www.google.com.", false).await;
    assert_eq!(cname(&teen_google), None);
    let canary = ask(&gw, 1, "use-application-dns.net.", false).await;
    assert_eq!(canary.metadata.response_code, ResponseCode::NXDomain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_networks_are_refused() {
    let upstream = Upstream::start().await;
    let options = ResolverOptions {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        ..ResolverOptions::default()
    };
    let gw = gateway(family(), vec![upstream.addr], options).await;
    let before = upstream.queries.load(Ordering::SeqCst);
    let refused = ask(&gw, 9, "www.example.org.", true).await;
    assert_eq!(refused.metadata.response_code, ResponseCode::Refused);
    assert!(refused.answers.is_empty());
    assert_eq!(
        upstream.queries.load(Ordering::SeqCst),
        before,
        "nothing was forwarded for a stranger"
    );
    let ok = ask(&gw, 1, "www.example.org.", false).await;
    assert_eq!(ok.metadata.response_code, ResponseCode::NoError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_refuses_a_flooding_client() {
    let upstream = Upstream::start().await;
    let options = ResolverOptions {
        rate_limit: 5,
        ..ResolverOptions::default()
    };
    let gw = gateway(family(), vec![upstream.addr], options).await;
    let mut refused = 0;
    for _ in 0..40 {
        let m = ask(&gw, 7, "casino.test.", false).await;
        if m.metadata.response_code == ResponseCode::Refused {
            refused += 1;
        }
    }
    assert!(refused >= 25, "only {refused} of 40 refused at 5 queries/s");
    assert!(gw.resolver.counters.rate_limited.load(Ordering::Relaxed) >= 25);
    let other = ask(&gw, 8, "casino.test.", false).await;
    assert_ne!(other.metadata.response_code, ResponseCode::Refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_over_to_the_next_upstream() {
    // A closed port (nothing listening) first, then a working upstream.
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let upstream = Upstream::start().await;
    let gw = gateway(
        family(),
        vec![dead_addr, upstream.addr],
        ResolverOptions::default(),
    )
    .await;
    let m = ask(&gw, 1, "failover.example.", false).await;
    assert_eq!(addresses(&m), vec![IpAddr::from(UPSTREAM_V4)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_stale_when_every_upstream_fails() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let q = query("short.homework.example.", RecordType::A, false);
    let fresh = udp(gw.addr, localhost(1), &q).await.unwrap();
    assert_eq!(addresses(&fresh), vec![IpAddr::from(UPSTREAM_V4)]);
    upstream.silent.store(true, Ordering::SeqCst);
    // The answer's TTL is 1 s: wait for it to expire, then the upstream stays silent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stale = udp(gw.addr, localhost(1), &q)
        .await
        .expect("a stale answer, not silence");
    assert_eq!(stale.metadata.response_code, ResponseCode::NoError);
    assert_eq!(addresses(&stale), vec![IpAddr::from(UPSTREAM_V4)]);
    let never_seen = ask(&gw, 1, "never.example.", false).await;
    assert_eq!(never_seen.metadata.response_code, ResponseCode::ServFail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_answers_are_truncated_over_udp_and_whole_over_tcp() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let q = query("big.example.", RecordType::A, false);
    let over_udp = udp(gw.addr, localhost(1), &q).await.unwrap();
    assert!(over_udp.metadata.truncation, "512-byte clients get TC");
    let over_tcp = tcp(gw.addr, &q).await;
    assert!(!over_tcp.metadata.truncation);
    assert_eq!(over_tcp.answers.len(), 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packets_never_stop_the_server() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let good = query("www.example.org.", RecordType::A, true);
    let mut junk: Vec<Vec<u8>> = vec![vec![], vec![0; 3], vec![0xff; 12], vec![0xff; 600]];
    for len in 0..good.len() {
        junk.push(good[..len].to_vec());
    }
    let mut seed = 0x2545_f491_u32;
    for _ in 0..200 {
        let mut bad = good.clone();
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let at = seed as usize % bad.len();
        bad[at] = (seed >> 8) as u8;
        junk.push(bad);
    }
    for packet in &junk {
        socket.send_to(packet, gw.addr).await.unwrap();
    }
    // A question with a compression pointer is answered FORMERR with the same id.
    let mut pointer = query("a.example.", RecordType::A, false);
    pointer[12] = 0xc0;
    pointer[13] = 0x0c;
    let m = udp(gw.addr, localhost(1), &pointer)
        .await
        .expect("FORMERR, not silence");
    assert_eq!(m.metadata.response_code, ResponseCode::FormErr);
    assert_eq!(m.metadata.id, u16::from_be_bytes([pointer[0], pointer[1]]));
    // Garbage over TCP closes that connection only.
    let mut stream = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, &[0, 5, 1, 2, 3, 4, 5])
        .await
        .unwrap();
    drop(stream);
    let after = udp(gw.addr, localhost(1), &good)
        .await
        .expect("still answering");
    assert_eq!(addresses(&after), vec![IpAddr::from(UPSTREAM_V4)]);
    assert!(gw.resolver.counters.malformed.load(Ordering::Relaxed) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_dig_client_sees_the_block_reason() {
    // dig is installed by .ci/run; it is an independent DNS implementation.
    if std::process::Command::new("dig")
        .arg("-v")
        .output()
        .is_err()
    {
        panic!("dig is missing: run .ci/run, which installs dnsutils");
    }
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    let port = gw.addr.port().to_string();
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new("dig")
                .args(&args)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
    };
    let out = run(vec![
        "@127.0.0.1".into(),
        "-p".into(),
        port.clone(),
        "casino.test".into(),
        "A".into(),
    ])
    .await
    .unwrap();
    assert!(out.contains("0.0.0.0"), "{out}");
    assert!(
        out.contains("Lachan: blocked (gambling)"),
        "dig shows the EDE text: {out}"
    );
    let tcp_out = run(vec![
        "@127.0.0.1".into(),
        "-p".into(),
        port,
        "+tcp".into(),
        "+short".into(),
        "www.example.org".into(),
    ])
    .await
    .unwrap();
    assert_eq!(tcp_out.trim(), "192.0.2.99");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_waiting_for_upstreams_are_bounded() {
    let upstream = Upstream::start().await;
    upstream.silent.store(true, Ordering::SeqCst);
    let listen = lachan_dns::ListenOptions {
        udp_workers: 1,
        max_upstream_in_flight: 1,
        ..lachan_dns::ListenOptions::default()
    };
    let gw = gateway_with(
        family(),
        vec![upstream.addr],
        ResolverOptions::default(),
        listen,
    )
    .await;
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for i in 0..5 {
        let q = query(&format!("flood{i}.example."), RecordType::A, true);
        socket.send_to(&q, gw.addr).await.unwrap();
    }
    // The first waits for the silent upstream; the other four are refused at once.
    let mut buf = vec![0u8; 4096];
    for _ in 0..4 {
        let len = tokio::time::timeout(Duration::from_millis(300), socket.recv(&mut buf))
            .await
            .expect("an immediate answer")
            .unwrap();
        let m = hickory_proto::op::Message::from_vec(&buf[..len]).unwrap();
        assert_eq!(m.metadata.response_code, ResponseCode::ServFail);
        assert!(ede_text(&m).unwrap().contains("too many queries"));
    }
    assert_eq!(gw.resolver.counters.overloaded.load(Ordering::Relaxed), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_services_follow_the_catalogue() {
    let upstream = Upstream::start().await;
    let gw = gateway(family(), vec![upstream.addr], ResolverOptions::default()).await;
    // The child profile blocks TikTok and the whole games group; the teen profile neither.
    let tiktok = ask(&gw, 1, "www.tiktok.com.", true).await;
    assert_eq!(
        addresses(&tiktok),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(
        ede_text(&tiktok).as_deref(),
        Some("Lachan: blocked service (tiktok)")
    );
    let roblox = ask(&gw, 1, "api.roblox.com.", true).await;
    assert_eq!(
        ede_text(&roblox).as_deref(),
        Some("Lachan: blocked service (roblox)")
    );
    let teen = ask(&gw, 2, "www.tiktok.com.", false).await;
    assert_eq!(addresses(&teen), vec![IpAddr::from(UPSTREAM_V4)]);
    let zalo = ask(&gw, 1, "chat.zalo.me.", false).await;
    assert_eq!(
        addresses(&zalo),
        vec![IpAddr::from(UPSTREAM_V4)],
        "chat is not blocked for the child"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budgets_and_schedules_follow_the_clock() {
    let upstream = Upstream::start().await;
    let mut config = family();
    let child = &mut config.profiles[0];
    child.blocked_services.clear();
    child.budgets = vec![lachan_policy::Budget::new(
        "service:roblox".parse().unwrap(),
        1,
    )];
    child.schedules = vec![lachan_policy::Schedule {
        target: "group:social".parse().unwrap(),
        time_zone: Default::default(),
        blocked: "daily 20:00-22:00".parse().unwrap(),
    }];
    // Wednesday 10:00 in Ho Chi Minh City (UTC+7).
    let clock = ManualClock::at("2026-11-25T03:00:00Z");
    let listen = lachan_dns::ListenOptions {
        udp_workers: 1,
        ..lachan_dns::ListenOptions::default()
    };
    let gw = gateway_clocked(
        config,
        vec![upstream.addr],
        ResolverOptions::default(),
        listen,
        clock.clone(),
    )
    .await;
    // Deciding alone (lachan check, the block page's explanation, refused queries) uses no time.
    for minute in ["02:55:10", "02:56:10", "02:57:10"] {
        clock.set(&format!("2026-11-25T{minute}Z"));
        let ruling = gw
            .resolver
            .filter()
            .decide(localhost(1), "api.roblox.com", 1);
        assert!(matches!(
            ruling.verdict,
            lachan_dns::Verdict::Forward { .. }
        ));
    }
    clock.set("2026-11-25T03:00:00Z");
    // The one-minute budget: every query in the first active minute is answered...
    assert_eq!(
        addresses(&ask(&gw, 1, "api.roblox.com.", true).await),
        vec![IpAddr::from(UPSTREAM_V4)]
    );
    clock.set("2026-11-25T03:00:40Z");
    assert_eq!(
        addresses(&ask(&gw, 1, "www.roblox.com.", true).await),
        vec![IpAddr::from(UPSTREAM_V4)]
    );
    // ...and once that minute is over, the budget is used up until midnight.
    clock.set("2026-11-25T03:01:05Z");
    let used_up = ask(&gw, 1, "api.roblox.com.", true).await;
    assert_eq!(
        addresses(&used_up),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    let text = ede_text(&used_up).unwrap();
    assert!(text.contains("used up") && text.contains("00:00"), "{text}");
    // Other services are not counted against Roblox's budget.
    assert_eq!(
        addresses(&ask(&gw, 1, "www.tiktok.com.", true).await),
        vec![IpAddr::from(UPSTREAM_V4)]
    );
    // The schedule blocks social networks from 20:00 local time (13:00 UTC).
    assert_eq!(
        addresses(&ask(&gw, 1, "www.facebook.com.", true).await),
        vec![IpAddr::from(UPSTREAM_V4)]
    );
    clock.set("2026-11-25T13:30:00Z");
    let evening = ask(&gw, 1, "www.facebook.com.", true).await;
    assert_eq!(
        addresses(&evening),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    assert!(
        ede_text(&evening).unwrap().contains("22:00"),
        "{:?}",
        ede_text(&evening)
    );
    // A new day (after 17:00 UTC) gives Roblox its minute back.
    clock.set("2026-11-25T17:00:30Z");
    assert_eq!(
        addresses(&ask(&gw, 1, "api.roblox.com.", true).await),
        vec![IpAddr::from(UPSTREAM_V4)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_under_18_get_60_minutes_per_game_by_default() {
    let upstream = Upstream::start().await;
    let mut config = family();
    let child = &mut config.profiles[0];
    child.blocked_services.clear();
    child.age = Some(12);
    let clock = ManualClock::at("2026-11-25T03:00:00Z");
    let listen = lachan_dns::ListenOptions {
        udp_workers: 1,
        ..lachan_dns::ListenOptions::default()
    };
    let gw = gateway_clocked(
        config,
        vec![upstream.addr],
        ResolverOptions::default(),
        listen,
        clock.clone(),
    )
    .await;
    let at_minute = |m: i64| {
        let t = jiff::Timestamp::from_second(1_795_575_600 + m * 60 + 5).unwrap(); // 2026-11-25T03:00:05Z + m min
        clock.set(&t.to_string());
    };
    for minute in 0..60 {
        at_minute(minute);
        let m = ask(&gw, 1, "api.roblox.com.", false).await;
        assert_eq!(
            addresses(&m),
            vec![IpAddr::from(UPSTREAM_V4)],
            "minute {minute} is within the hour"
        );
    }
    at_minute(60);
    let used_up = ask(&gw, 1, "api.roblox.com.", true).await;
    assert_eq!(
        addresses(&used_up),
        vec!["0.0.0.0".parse::<IpAddr>().unwrap()]
    );
    assert!(
        ede_text(&used_up).unwrap().contains("60 min"),
        "{:?}",
        ede_text(&used_up)
    );
    // Per game: another game still has its own hour (the day's 180 minutes are not used up).
    let other = ask(&gw, 1, "ff.garena.vn.", false).await;
    assert_eq!(addresses(&other), vec![IpAddr::from(UPSTREAM_V4)]);
}
