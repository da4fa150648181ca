//! The JSON API answering a profile's activity over real HTTP on loopback.
//!
//! A store in a temporary directory holds a week of a household: 10 devices on one profile,
//! 100,000 queries a day (more in the evening than at night) over about 2,000 names of skewed
//! popularity (Zipf), about 5 % of them blocked (real hostsVN names of four categories), and
//! evening minutes of a few games, social and video apps, all written through the real
//! query-log writer (the approach of `lachan-store`'s `day_summary` bench, shortened). The
//! application runs with `serve` on 127.0.0.1:0; one kept-alive HTTP/1.1 connection sends
//! `GET /api/v1/profiles/child/activity?day=2026-11-30` and `/week?end=2026-11-30` with a
//! guardian's bearer token, reading each response by its `Content-Length`.
//!
//! Run: `cargo bench -j2 -p lachan-server --bench activity_api`. Before the criterion figures
//! it prints the mean and range (min, median, max) of 100 separately timed requests of each.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lachan_policy::{Category, Decision, Profile, ServiceCatalog, ServiceGroup};
use lachan_server::{AppState, DEFAULT_CONSOLE_HOSTS, create_token, router, serve};
use lachan_store::{
    ClientRecord, ORIGIN_CONSOLE, QueryEvent, Role, ServiceMinute, Store, WriterOptions,
};
use tokio_util::sync::CancellationToken;

const BLOCKLISTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/blocklists/hostsvn"
);

/// Midnight starting 30 November 2026 in Hà Nội (UTC+7, the profile's default zone), in Unix
/// milliseconds; `DAY` is that date.
const DAY_START_MS: i64 = 1_795_971_600_000;
const DAY: &str = "2026-11-30";
const DAY_MS: i64 = 86_400_000;
const DAYS: i64 = 7;
const QUERIES_PER_DAY: usize = 100_000;
const DEVICES: u8 = 10;
const PROFILE: &str = "child";
const HOUSEHOLD: &str = "nha-an";
/// Requests timed one by one for the printed mean and range.
const SPOT_REQUESTS: usize = 100;

/// Share of each hour of the day in the day's queries, in per mille (sums to 1000).
const HOURLY_PER_MILLE: [usize; 24] = [
    5, 3, 2, 2, 2, 5, 20, 40, 35, 30, 30, 40, 50, 45, 40, 45, 60, 70, 90, 110, 110, 90, 60, 16,
];

/// A small deterministic generator (xorshift64*), so every run stores the same week.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Names with Zipf (s = 1) popularity: `cumulative[i]` is the weight of ranks `0..=i`.
struct Names<T> {
    names: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Names<T> {
    fn new(names: Vec<T>) -> Names<T> {
        let mut total = 0;
        let cumulative = (1..=names.len() as u64)
            .map(|rank| {
                total += 1_000_000_000 / rank;
                total
            })
            .collect();
        Names { names, cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> &T {
        let x = rng.below(*self.cumulative.last().expect("some names"));
        &self.names[self.cumulative.partition_point(|&c| c <= x)]
    }
}

/// The first `take` names of a hostsVN domain list.
fn hostsvn(relative: &str, take: usize) -> Vec<String> {
    let path = format!("{BLOCKLISTS}/{relative}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .take(take)
        .map(str::to_string)
        .collect()
}

/// One day of the household's traffic starting at `day_start_ms`, oldest first.
fn day_of_traffic(
    day_start_ms: i64,
    seed: u64,
    allowed: &Names<String>,
    blocked: &Names<(String, Category)>,
) -> Vec<QueryEvent> {
    let mut rng = Rng(seed);
    let profile: Arc<str> = Arc::from(PROFILE);
    let upstream: Arc<str> = Arc::from("1.1.1.1:53");
    let devices: Vec<Arc<str>> = (0..DEVICES)
        .map(|i| Arc::from(format!("device-{i}")))
        .collect();
    let mut times: Vec<i64> = (0..24)
        .flat_map(|hour| {
            let hour_start = day_start_ms + hour as i64 * 3_600_000;
            (0..QUERIES_PER_DAY * HOURLY_PER_MILLE[hour] / 1000)
                .map(|_| hour_start + rng.below(3_600_000) as i64)
                .collect::<Vec<_>>()
        })
        .collect();
    times.sort_unstable();
    times
        .into_iter()
        .map(|time_ms| {
            let device = rng.below(u64::from(DEVICES)) as u8;
            let (name, category) = if rng.below(100) < 5 {
                let (name, category) = blocked.pick(&mut rng);
                (name.clone(), Some(*category))
            } else {
                (allowed.pick(&mut rng).clone(), None)
            };
            let decision = match (category.is_some(), rng.below(3)) {
                (true, _) => Decision::Blocked,
                (false, 0) => Decision::Allowed,
                (false, _) => Decision::Cached,
            };
            let forwarded = decision == Decision::Allowed;
            QueryEvent {
                time_ms,
                client_ip: Some([192, 168, 1, 20 + device].into()),
                client_name: Some(devices[usize::from(device)].clone()),
                profile: profile.clone(),
                name,
                qtype: if rng.below(2) == 0 { 1 } else { 28 },
                decision,
                category,
                rule: category.map(|_| format!("hostsvn:{}", rng.below(5_000) + 1)),
                upstream: forwarded.then(|| upstream.clone()),
                upstream_ms: forwarded.then(|| 5 + rng.below(40) as u32),
            }
        })
        .collect()
}

/// Evening minutes of a few games, social and video apps on the day starting at `day_start_ms`.
fn service_minutes(day_start_ms: i64) -> Vec<ServiceMinute> {
    [
        ("roblox", ServiceGroup::Games, 17 * 60, 75),
        ("free_fire", ServiceGroup::Games, 19 * 60, 50),
        ("tiktok", ServiceGroup::Social, 16 * 60, 90),
        ("youtube", ServiceGroup::Video, 18 * 60, 120),
    ]
    .into_iter()
    .flat_map(|(service, group, from, minutes)| {
        (from..from + minutes).map(move |minute: i64| ServiceMinute {
            profile: PROFILE.into(),
            minute_ms: day_start_ms + minute * 60_000,
            service: service.into(),
            group,
        })
    })
    .collect()
}

/// Fills `store` with the profile, its devices and the week ending on `DAY`, through the real
/// writer; returns a guardian's API token for the household.
async fn seed(store: &Store) -> String {
    let profile = Profile {
        name: PROFILE.into(),
        ..Profile::default_child()
    };
    store
        .save_console_profile(&profile, Some(HOUSEHOLD))
        .await
        .expect("the profile is saved");
    for i in 0..DEVICES {
        let device = ClientRecord {
            name: format!("device-{i}"),
            matchers: vec![format!("192.168.1.{}", 20 + i)],
            profile: PROFILE.into(),
            origin: ORIGIN_CONSOLE.into(),
        };
        store
            .save_console_client(&device)
            .await
            .expect("the device is saved");
    }
    let allowed = Names::new(
        (0..1_900)
            .map(|i| match i % 4 {
                0 => format!("www.site{i}.vn"),
                1 => format!("cdn{i}.static-content.net"),
                2 => format!("api{i}.apps.com"),
                _ => format!("img{i}.media.com.vn"),
            })
            .collect(),
    );
    let blocked = Names::new(
        [
            ("extensions/adult/domain-VN.txt", Category::Adult),
            ("extensions/gambling/domain-VN.txt", Category::Gambling),
            ("extensions/threat/domain-VN.txt", Category::Threat),
            ("option/domain-VN.txt", Category::Ads),
        ]
        .into_iter()
        .flat_map(|(file, category)| hostsvn(file, 25).into_iter().map(move |n| (n, category)))
        .collect(),
    );
    for day in 0..DAYS {
        let start = DAY_START_MS - (DAYS - 1 - day) * DAY_MS;
        let events = day_of_traffic(start, 0x5eed + day as u64, &allowed, &blocked);
        let (sender, task) = store.query_log_writer(WriterOptions {
            capacity: events.len(),
            ..WriterOptions::default()
        });
        for event in &events {
            sender.send(event.clone());
        }
        let stats = task.shutdown().await;
        assert_eq!((stats.written, stats.dropped), (events.len() as u64, 0));
        store
            .record_service_minutes(&service_minutes(start))
            .await
            .expect("minutes are recorded");
    }
    create_token(store, "bench-app", Role::Guardian, Some(HOUSEHOLD))
        .await
        .expect("a token")
}

/// One kept-alive HTTP/1.1 connection to the console.
struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("the server accepts");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a read timeout");
        Client {
            stream,
            buffer: Vec::with_capacity(64 * 1024),
        }
    }

    /// Sends `request` and reads the response; its body (after asserting status 200).
    fn exchange(&mut self, request: &[u8]) -> &[u8] {
        self.stream.write_all(request).expect("the request is sent");
        self.buffer.clear();
        let mut chunk = [0u8; 16 * 1024];
        let (head_end, length) = loop {
            let n = self.stream.read(&mut chunk).expect("the response arrives");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buffer[..end]).expect("a text head");
                assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
                let length = head
                    .lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                    .expect("a Content-Length");
                break (end + 4, length);
            }
        };
        while self.buffer.len() < head_end + length {
            let n = self.stream.read(&mut chunk).expect("the body arrives");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(
            self.buffer.len(),
            head_end + length,
            "one response at a time"
        );
        &self.buffer[head_end..]
    }
}

fn get(path: &str, token: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer {token}\r\n\r\n")
        .into_bytes()
}

/// Times `SPOT_REQUESTS` requests one by one and prints their mean and range.
fn spot_check(client: &mut Client, label: &str, request: &[u8]) {
    let mut times: Vec<Duration> = (0..SPOT_REQUESTS)
        .map(|_| {
            let start = Instant::now();
            black_box(client.exchange(request));
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    let mean = times.iter().sum::<Duration>() / SPOT_REQUESTS as u32;
    println!(
        "{label}: {SPOT_REQUESTS} requests, mean {mean:.2?}, min {:.2?}, median {:.2?}, max {:.2?}",
        times[0],
        times[SPOT_REQUESTS / 2],
        times[SPOT_REQUESTS - 1]
    );
}

fn activity_api(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (addr, token, shutdown, server) = rt.block_on(async {
        let store = Store::open(dir.path()).await.expect("the store opens");
        let token = seed(&store).await;
        let hosts = DEFAULT_CONSOLE_HOSTS.iter().map(|h| h.to_string());
        let state = AppState::new(store, ServiceCatalog::builtin(), hosts);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, router(state), shutdown.clone()));
        (addr, token, shutdown, server)
    });

    let day = get(
        &format!("/api/v1/profiles/{PROFILE}/activity?day={DAY}"),
        &token,
    );
    let week = get(
        &format!("/api/v1/profiles/{PROFILE}/week?end={DAY}"),
        &token,
    );
    let mut client = Client::connect(addr);
    let answer: serde_json::Value =
        serde_json::from_slice(client.exchange(&day)).expect("JSON of the day");
    assert_eq!(answer["summary"]["queries"], QUERIES_PER_DAY as u64);
    assert_eq!(
        answer["summary"]["top_domains"].as_array().map(Vec::len),
        Some(10)
    );
    let answer: serde_json::Value =
        serde_json::from_slice(client.exchange(&week)).expect("JSON of the week");
    let days = answer["days"].as_array().expect("the week's days");
    assert_eq!(days.len(), DAYS as usize);
    assert!(
        days.iter()
            .all(|d| d["totals"]["queries"] == QUERIES_PER_DAY as u64)
    );

    spot_check(&mut client, "GET activity?day", &day);
    spot_check(&mut client, "GET week", &week);

    let mut group = c.benchmark_group("api");
    group.bench_function("GET activity?day, 100k queries", |b| {
        b.iter(|| black_box(client.exchange(&day).len()));
    });
    group.bench_function("GET week, 7 x 100k queries", |b| {
        b.iter(|| black_box(client.exchange(&week).len()));
    });
    group.finish();

    drop(client);
    shutdown.cancel();
    rt.block_on(server)
        .expect("the server task ends")
        .expect("the server stops cleanly");
}

criterion_group!(benches, activity_api);
criterion_main!(benches);
