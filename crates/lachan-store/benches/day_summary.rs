//! The console's activity reads and the query-log writer that feeds them.
//!
//! A store in a temporary directory holds a week of a household or class: 10 devices on one
//! profile, 100,000 queries a day (more in the evening than at night) over about 2,000 names
//! of skewed popularity (Zipf), about 5 % of them blocked (real hostsVN names of four
//! categories), and minutes of a few games, social and video apps. Everything goes through
//! the real batched writer.
//!
//! Run: `cargo bench -j2 -p lachan-store --bench day_summary`. Measured: `day_summary` of the
//! profile for the last day, `week_summary` of that week, and the writer's throughput on
//! 30,000 events of the same mix at 1,000 a second into a fresh store.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lachan_policy::{Category, Decision, ServiceGroup};
use lachan_store::{QueryEvent, ServiceMinute, Store, WriterOptions};

const BLOCKLISTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/blocklists/hostsvn"
);

/// Midnight starting 30 November 2026 in Hà Nội (UTC+7), in Unix milliseconds.
const DAY_START_MS: i64 = 1_795_971_600_000;
const DAY_MS: i64 = 86_400_000;
const QUERIES_PER_DAY: usize = 100_000;
const DAYS: i64 = 7;
const PROFILE: &str = "child";

/// Share of each hour of the day in the day's queries, in per mille (sums to 1000).
const HOURLY_PER_MILLE: [u32; 24] = [
    5, 3, 2, 2, 2, 5, 20, 40, 35, 30, 30, 40, 50, 45, 40, 45, 60, 70, 90, 110, 110, 90, 60, 16,
];

/// A small deterministic generator (xorshift64*), so every run stores the same day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A uniform number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Picks ranks with probability proportional to 1 / rank (Zipf, s = 1).
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len() - 1)
    }
}

fn hostsvn_names(relative: &str, take: usize) -> Vec<String> {
    let path = format!("{BLOCKLISTS}/{relative}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .take(take)
        .map(str::to_string)
        .collect()
}

/// One day of the household's traffic, oldest first.
fn day_of_traffic(day_start_ms: i64, count: usize, seed: u64) -> Vec<QueryEvent> {
    let mut rng = Rng(seed);
    let allowed: Vec<String> = (0..1_900)
        .map(|i| match i % 4 {
            0 => format!("www.site{i}.vn"),
            1 => format!("cdn{i}.static-content.net"),
            2 => format!("api{i}.apps.com"),
            _ => format!("img{i}.media.com.vn"),
        })
        .collect();
    let blocked: Vec<(String, Category)> = [
        ("extensions/adult/domain-VN.txt", Category::Adult),
        ("extensions/gambling/domain-VN.txt", Category::Gambling),
        ("extensions/threat/domain-VN.txt", Category::Threat),
        ("option/domain-VN.txt", Category::Ads),
    ]
    .into_iter()
    .flat_map(|(file, category)| {
        hostsvn_names(file, 25)
            .into_iter()
            .map(move |name| (name, category))
    })
    .collect();
    let allowed_rank = Zipf::new(allowed.len());
    let blocked_rank = Zipf::new(blocked.len());
    let devices: Vec<(Arc<str>, std::net::IpAddr)> = (0..10u8)
        .map(|i| {
            (
                Arc::from(format!("device-{i}")),
                std::net::IpAddr::from([192, 168, 1, 20 + i]),
            )
        })
        .collect();
    let profile: Arc<str> = Arc::from(PROFILE);
    let upstream: Arc<str> = Arc::from("1.1.1.1:53");
    let mut times: Vec<i64> = HOURLY_PER_MILLE
        .iter()
        .enumerate()
        .flat_map(|(hour, &per_mille)| {
            let n = count * per_mille as usize / 1000;
            let hour_start = day_start_ms + hour as i64 * 3_600_000;
            (0..n)
                .map(|_| hour_start + rng.below(3_600_000) as i64)
                .collect::<Vec<_>>()
        })
        .collect();
    while times.len() < count {
        times.push(day_start_ms + rng.below(DAY_MS as u64) as i64);
    }
    times.sort_unstable();
    times
        .into_iter()
        .map(|time_ms| {
            let (client_name, ip) = devices[rng.below(devices.len() as u64) as usize].clone();
            let is_blocked = rng.below(100) < 5;
            let (name, category) = if is_blocked {
                let (name, category) = &blocked[blocked_rank.pick(&mut rng)];
                (name.clone(), Some(*category))
            } else {
                (allowed[allowed_rank.pick(&mut rng)].clone(), None)
            };
            let decision = match (is_blocked, rng.below(3)) {
                (true, _) => Decision::Blocked,
                (false, 0) => Decision::Allowed,
                (false, _) => Decision::Cached,
            };
            QueryEvent {
                time_ms,
                client_ip: Some(ip),
                client_name: Some(client_name),
                profile: profile.clone(),
                name,
                qtype: if rng.below(2) == 0 { 1 } else { 28 },
                decision,
                category,
                rule: is_blocked.then(|| format!("hostsvn:{}", rng.below(5_000) + 1)),
                upstream: (decision == Decision::Allowed).then(|| upstream.clone()),
                upstream_ms: (decision == Decision::Allowed).then(|| 5 + rng.below(40) as u32),
            }
        })
        .collect()
}

/// Minutes of a few games, social and video apps in the evening of the day.
fn service_minutes(day_start_ms: i64) -> Vec<ServiceMinute> {
    let uses = [
        ("roblox", ServiceGroup::Games, 17 * 60, 75),
        ("free_fire", ServiceGroup::Games, 19 * 60, 50),
        ("lien_quan", ServiceGroup::Games, 20 * 60, 40),
        ("tiktok", ServiceGroup::Social, 16 * 60, 90),
        ("youtube", ServiceGroup::Video, 18 * 60, 120),
    ];
    uses.into_iter()
        .flat_map(|(service, group, from_minute, minutes)| {
            (from_minute..from_minute + minutes).map(move |minute| ServiceMinute {
                profile: PROFILE.into(),
                minute_ms: day_start_ms + i64::from(minute) * 60_000,
                service: service.into(),
                group,
            })
        })
        .collect()
}

/// Writes `events` through the real writer and waits until they are stored.
async fn write(store: &Store, events: &[QueryEvent]) {
    let (sender, task) = store.query_log_writer(WriterOptions {
        capacity: events.len().max(WriterOptions::default().capacity),
        ..WriterOptions::default()
    });
    for event in events {
        sender.send(event.clone());
    }
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.dropped), (events.len() as u64, 0));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

fn writer(c: &mut Criterion) {
    let rt = runtime();
    // A busy school at peak: the same mix at 1,000 queries a second, so batches fill, for the
    // writer's default interval between two writes of the activity counters (30 s).
    let mut events = day_of_traffic(DAY_START_MS, 30_000, 7);
    for (i, event) in events.iter_mut().enumerate() {
        event.time_ms = DAY_START_MS + 12 * 3_600_000 + i as i64;
    }
    let mut group = c.benchmark_group("writer");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("30k events into a fresh store", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let store = rt
                    .block_on(Store::open(dir.path()))
                    .expect("the store opens");
                let start = Instant::now();
                rt.block_on(write(&store, black_box(&events)));
                spent += start.elapsed();
            }
            spent
        });
    });
    group.finish();
}

/// A store holding the week ending with the day starting at `DAY_START_MS`.
fn week_store(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> Store {
    rt.block_on(async {
        let store = Store::open(dir).await.expect("the store opens");
        for day in 0..DAYS {
            let start = DAY_START_MS - (DAYS - 1 - day) * DAY_MS;
            let events = day_of_traffic(start, QUERIES_PER_DAY, 0x5eed + day as u64);
            write(&store, &events).await;
            store
                .record_service_minutes(&service_minutes(start))
                .await
                .expect("minutes are recorded");
        }
        store
    })
}

fn summaries(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = week_store(&rt, dir.path());
    let day = rt
        .block_on(store.day_summary(PROFILE, DAY_START_MS, DAY_START_MS + DAY_MS))
        .expect("a day summary");
    assert_eq!(day.queries, QUERIES_PER_DAY as u64);
    assert_eq!(day.top_domains.len(), 10);
    let starts: Vec<i64> = (0..=DAYS)
        .map(|d| DAY_START_MS - (DAYS - 1 - d) * DAY_MS)
        .collect();
    let week = rt
        .block_on(store.week_summary(PROFILE, &starts))
        .expect("a week summary");
    assert!(week.iter().all(|d| d.queries == QUERIES_PER_DAY as u64));

    let mut group = c.benchmark_group("activity");
    group.bench_function("day_summary, 100k queries", |b| {
        b.iter(|| {
            rt.block_on(store.day_summary(black_box(PROFILE), DAY_START_MS, DAY_START_MS + DAY_MS))
                .expect("a day summary")
        });
    });
    group.bench_function("week_summary, 7 x 100k queries", |b| {
        b.iter(|| {
            rt.block_on(store.week_summary(black_box(PROFILE), &starts))
                .expect("a week summary")
        });
    });
    group.finish();
}

criterion_group!(benches, summaries, writer);
criterion_main!(benches);
