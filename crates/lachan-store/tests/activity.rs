//! A profile's day and week views, from events written through the real query-log writer and
//! minutes recorded by the budget tracker, checked against counts made directly from the
//! events.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use lachan_policy::{Category, ServiceGroup};
use lachan_store::{
    DomainCount, HourCount, QueryEvent, ServiceMinute, ServiceMinutes, Store, StoreError,
    WriterOptions,
};

/// Midnight starting 20 July 2025 in Hà Nội (UTC+7).
const DAY: i64 = 1_752_944_400_000;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;

/// Nine days of traffic ending the day after `DAY`: real hostsVN names of four categories,
/// some names far more often than others; the class's device is on the profile "class", the
/// others on "child". Events fall on both sides of each midnight.
fn nine_days() -> Vec<QueryEvent> {
    let lists = common::vietnamese_names();
    let start = DAY - 7 * DAY_MS - 30 * MINUTE_MS;
    let mut events = common::traffic(6_000, start, 129_600); // 2.16 minutes apart
    for (i, event) in events.iter_mut().enumerate() {
        let (category, names) = &lists[i % lists.len()];
        assert_eq!(event.category, Some(*category));
        // Skewed: name j comes up about twice as often as name j + 1.
        let mixed = ((i / lists.len()) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
        event.name = names[mixed.trailing_zeros().min(12) as usize].clone();
        if event.client_name.as_deref() == Some("lop-6a") {
            event.profile = Arc::from("class");
        }
    }
    // Right at the day's edges.
    let mut edge = |time_ms: i64| {
        let mut event = events[0].clone();
        event.time_ms = time_ms;
        event.profile = Arc::from("child");
        events.push(event);
    };
    for time_ms in [DAY - 1, DAY, DAY + DAY_MS - 1, DAY + DAY_MS] {
        edge(time_ms);
    }
    events.sort_by_key(|e| e.time_ms);
    events
}

/// Writes `events` through the real writer, in small batches (so that counts of one quarter
/// hour come from several batches), and waits until it is done.
async fn write(store: &Store, events: &[QueryEvent]) {
    let (sender, task) = store.query_log_writer(WriterOptions {
        batch: 97,
        ..WriterOptions::default()
    });
    for event in events {
        sender.send(event.clone());
    }
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.dropped), (events.len() as u64, 0));
}

fn minute(profile: &str, minute_ms: i64, service: &str, group: ServiceGroup) -> ServiceMinute {
    ServiceMinute {
        profile: profile.into(),
        minute_ms,
        service: service.into(),
        group,
    }
}

/// Minutes of use around `DAY`: on the day, "child" plays Roblox 17:00–17:20 and Free Fire
/// 17:15–17:25 (25 minutes of games in all) and uses TikTok for 15 minutes; there are also
/// minutes on the day before and of another profile.
fn service_minutes() -> Vec<ServiceMinute> {
    let at = |hour: i64, min: i64| DAY + hour * HOUR_MS + min * MINUTE_MS;
    let mut minutes = Vec::new();
    for m in 0..20 {
        minutes.push(minute("child", at(17, m), "roblox", ServiceGroup::Games));
    }
    for m in 15..25 {
        minutes.push(minute("child", at(17, m), "free_fire", ServiceGroup::Games));
    }
    for m in 0..15 {
        minutes.push(minute("child", at(20, m), "tiktok", ServiceGroup::Social));
    }
    for m in 0..40 {
        minutes.push(minute("child", at(-4, m), "roblox", ServiceGroup::Games));
        minutes.push(minute("class", at(10, m), "youtube", ServiceGroup::Video));
    }
    minutes
}

async fn day_store() -> (Store, Vec<QueryEvent>) {
    let store = Store::open_in_memory().await.unwrap();
    let events = nine_days();
    write(&store, &events).await;
    store
        .record_service_minutes(&service_minutes())
        .await
        .unwrap();
    (store, events)
}

fn in_period<'a>(
    events: &'a [QueryEvent],
    profile: &'a str,
    start: i64,
    end: i64,
) -> impl Iterator<Item = &'a QueryEvent> {
    events
        .iter()
        .filter(move |e| &*e.profile == profile && (start..end).contains(&e.time_ms))
}

fn blocked(events: &[&QueryEvent]) -> u64 {
    events.iter().filter(|e| e.decision.is_blocked()).count() as u64
}

#[tokio::test]
async fn a_day_summary_counts_what_the_writer_logged() {
    let (store, events) = day_store().await;
    let summary = store.day_summary("child", DAY, DAY + DAY_MS).await.unwrap();
    let day: Vec<&QueryEvent> = in_period(&events, "child", DAY, DAY + DAY_MS).collect();
    assert!(day.len() > 400);
    assert_eq!(summary.queries, day.len() as u64);
    assert_eq!(summary.blocked, blocked(&day));
    assert!(summary.blocked > 0 && summary.blocked < summary.queries);

    // Blocked attempts per category, most first.
    let mut by_category: BTreeMap<Category, u64> = BTreeMap::new();
    for e in day.iter().filter(|e| e.decision.is_blocked()) {
        *by_category.entry(e.category.unwrap()).or_default() += 1;
    }
    let mut expected: Vec<(Category, u64)> = by_category.into_iter().collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(expected.len(), 3); // adult, gambling, threat; ads are allowed
    assert_eq!(summary.blocked_by_category, expected);

    // The ten most queried names.
    let mut by_name: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for e in &day {
        let counts = by_name.entry(e.name.as_str()).or_default();
        counts.0 += 1;
        counts.1 += u64::from(e.decision.is_blocked());
    }
    let mut top: Vec<DomainCount> = by_name
        .into_iter()
        .map(|(name, (queries, blocked))| DomainCount {
            name: name.to_string(),
            queries,
            blocked,
        })
        .collect();
    top.sort_by(|a, b| b.queries.cmp(&a.queries).then(a.name.cmp(&b.name)));
    top.truncate(10);
    assert_eq!(summary.top_domains, top);
    assert!(top[0].queries > 2 * top[9].queries, "{top:?}");

    // Every hour of the day, from its local midnight.
    let per_hour: Vec<HourCount> = (0..24)
        .map(|h| {
            let start = DAY + h * HOUR_MS;
            let hour: Vec<&QueryEvent> =
                in_period(&events, "child", start, start + HOUR_MS).collect();
            HourCount {
                start_ms: start,
                queries: hour.len() as u64,
                blocked: blocked(&hour),
            }
        })
        .collect();
    assert_eq!(summary.per_hour, per_hour);

    // Minutes per service on that day only, most used first.
    assert_eq!(
        summary.service_minutes,
        [
            ServiceMinutes {
                service: "roblox".into(),
                group: ServiceGroup::Games,
                minutes: 20
            },
            ServiceMinutes {
                service: "tiktok".into(),
                group: ServiceGroup::Social,
                minutes: 15
            },
            ServiceMinutes {
                service: "free_fire".into(),
                group: ServiceGroup::Games,
                minutes: 10
            },
        ]
    );

    // The class's profile sees only its own device's queries.
    let class = store.day_summary("class", DAY, DAY + DAY_MS).await.unwrap();
    let class_day: Vec<&QueryEvent> = in_period(&events, "class", DAY, DAY + DAY_MS).collect();
    assert!(!class_day.is_empty());
    assert_eq!(class.queries, class_day.len() as u64);
    assert!(
        class_day
            .iter()
            .all(|e| e.client_name.as_deref() == Some("lop-6a"))
    );
    assert_eq!(
        class.service_minutes,
        [ServiceMinutes {
            service: "youtube".into(),
            group: ServiceGroup::Video,
            minutes: 40
        }]
    );
    let nobody = store
        .day_summary("nobody", DAY, DAY + DAY_MS)
        .await
        .unwrap();
    assert_eq!((nobody.queries, nobody.top_domains.len()), (0, 0));
    assert_eq!(nobody.per_hour.len(), 24);
}

#[tokio::test]
async fn a_week_summary_gives_each_days_totals() {
    let (store, events) = day_store().await;
    let starts: Vec<i64> = (0..8).map(|d| DAY - 6 * DAY_MS + d * DAY_MS).collect();
    let week = store.week_summary("child", &starts).await.unwrap();
    assert_eq!(week.len(), 7);
    for (day, bounds) in week.iter().zip(starts.windows(2)) {
        let events: Vec<&QueryEvent> = in_period(&events, "child", bounds[0], bounds[1]).collect();
        assert!(!events.is_empty());
        assert_eq!(day.start_ms, bounds[0]);
        assert_eq!(day.queries, events.len() as u64);
        assert_eq!(day.blocked, blocked(&events));
    }
    // Roblox and Free Fire overlap for five minutes: 25 minutes of games, not 30.
    assert_eq!(
        week[6].minutes_by_group,
        [(ServiceGroup::Games, 25), (ServiceGroup::Social, 15)]
    );
    assert_eq!(week[5].minutes_by_group, [(ServiceGroup::Games, 40)]);
    assert!(week[..5].iter().all(|d| d.minutes_by_group.is_empty()));

    // The day view and the week view agree.
    let summary = store.day_summary("child", DAY, DAY + DAY_MS).await.unwrap();
    assert_eq!(
        (week[6].queries, week[6].blocked),
        (summary.queries, summary.blocked)
    );
    assert!(
        store
            .week_summary("child", &starts[..1])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn periods_must_ascend_and_stay_short() {
    let store = Store::open_in_memory().await.unwrap();
    let backwards = store.day_summary("child", DAY + DAY_MS, DAY).await;
    assert!(matches!(backwards, Err(StoreError::InvalidPeriod(_))));
    let empty = store.day_summary("child", DAY, DAY).await;
    assert!(matches!(empty, Err(StoreError::InvalidPeriod(_))));
    let year = store.day_summary("child", DAY, DAY + 365 * DAY_MS).await;
    assert!(matches!(year, Err(StoreError::InvalidPeriod(_))));
    let extreme = store.day_summary("child", i64::MIN, i64::MAX).await;
    assert!(matches!(extreme, Err(StoreError::InvalidPeriod(_))));
    let unordered = store
        .week_summary("child", &[DAY, DAY + 2 * DAY_MS, DAY + DAY_MS])
        .await;
    let err = unordered.unwrap_err();
    assert!(err.to_string().contains("ascend"), "{err}");
    let hourly: Vec<i64> = (0..=48).map(|h| DAY + h * HOUR_MS).collect();
    let err = store.week_summary("child", &hourly).await.unwrap_err();
    assert!(err.to_string().contains("at most 33"), "{err}");
    // A day with a daylight-saving change has 23 or 25 hours.
    let long_day = store
        .day_summary("child", DAY, DAY + 25 * HOUR_MS)
        .await
        .unwrap();
    assert_eq!(long_day.per_hour.len(), 25);
}

#[tokio::test]
async fn counters_are_written_while_the_writer_runs() {
    let store = Store::open_in_memory().await.unwrap();
    let events: Vec<QueryEvent> = nine_days()
        .into_iter()
        .filter(|e| (DAY..DAY + DAY_MS).contains(&e.time_ms) && &*e.profile == "child")
        .collect();
    let (sender, task) = store.query_log_writer(WriterOptions {
        interval: Duration::from_millis(10),
        counters_interval: Duration::from_millis(20),
        ..WriterOptions::default()
    });
    for event in &events {
        sender.send(event.clone());
    }
    // Poll (bounded) until the counters hold every event, before any shutdown.
    let mut seen = 0;
    for _ in 0..3_000 {
        seen = store
            .day_summary("child", DAY, DAY + DAY_MS)
            .await
            .unwrap()
            .queries;
        if seen == events.len() as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen, events.len() as u64);
    task.shutdown().await;
    // Shutdown adds nothing twice.
    let summary = store.day_summary("child", DAY, DAY + DAY_MS).await.unwrap();
    assert_eq!(summary.queries, events.len() as u64);
}

#[tokio::test]
async fn pruning_drops_the_counters_of_old_quarter_hours() {
    let (store, events) = day_store().await;
    // Keep from 12:00 on the day.
    let cutoff = DAY + 12 * HOUR_MS;
    store.prune(cutoff).await.unwrap();
    let summary = store.day_summary("child", DAY, DAY + DAY_MS).await.unwrap();
    let kept: Vec<&QueryEvent> = in_period(&events, "child", cutoff, DAY + DAY_MS).collect();
    assert_eq!(summary.queries, kept.len() as u64);
    assert!(summary.per_hour[..12].iter().all(|h| h.queries == 0));
    let names: BTreeSet<&str> = kept.iter().map(|e| e.name.as_str()).collect();
    assert!(
        summary
            .top_domains
            .iter()
            .all(|d| names.contains(d.name.as_str()))
    );
    // Minutes of use before the cutoff (the day before) went; those of the evening stay.
    assert_eq!(
        summary
            .service_minutes
            .iter()
            .map(|s| s.service.as_str())
            .collect::<Vec<_>>(),
        ["roblox", "tiktok", "free_fire"]
    );
    let before = store.day_summary("child", DAY - DAY_MS, DAY).await.unwrap();
    assert_eq!((before.queries, before.service_minutes.len()), (0, 0));
}
