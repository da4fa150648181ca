//! The batched query-log writer: flushing, draining at shutdown, drop counting, anonymisation,
//! usage counters, and activity counters written apart from the log.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use lachan_store::{QueryEvent, QueryLogFilter, Store, UsageFilter, WriterOptions};

/// A writer that only writes when a batch fills or at shutdown (the interval never elapses
/// during a test).
fn batching(batch: usize, capacity: usize) -> WriterOptions {
    WriterOptions {
        batch,
        interval: Duration::from_secs(3600),
        capacity,
        ..WriterOptions::default()
    }
}

fn everything() -> QueryLogFilter {
    QueryLogFilter {
        limit: u32::MAX,
        ..QueryLogFilter::default()
    }
}

/// Sorts events the way the query log returns them: newest first, later sends first.
fn newest_first(mut events: Vec<QueryEvent>) -> Vec<QueryEvent> {
    events.reverse();
    events.sort_by_key(|e| std::cmp::Reverse(e.time_ms));
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_are_written_and_read_back_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let (sender, task) = store.query_log_writer(WriterOptions::default());
    let events = common::traffic(10_000, 1_753_000_000_000, 250);
    for chunk in events.chunks(500) {
        for event in chunk {
            sender.send(event.clone());
        }
        tokio::task::yield_now().await;
    }
    drop(sender);
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.dropped, stats.lost), (10_000, 0, 0));

    let read = store.query_log(&everything()).await.unwrap();
    assert_eq!(read, newest_first(events));
}

#[tokio::test]
async fn shutdown_drains_everything_still_queued() {
    let store = Store::open_in_memory().await.unwrap();
    // Batches of 1000 but an hour-long interval: 2,345 events leave 345 queued at shutdown.
    let (sender, task) = store.query_log_writer(batching(1000, 65_536));
    let events = common::traffic(2_345, 1_753_000_000_000, 1_000);
    for event in &events {
        sender.send(event.clone());
    }
    // The sender is still alive: shutdown must not wait for it.
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.dropped), (2_345, 0));
    assert_eq!(
        store.query_log(&everything()).await.unwrap(),
        newest_first(events)
    );

    // Sending after shutdown drops and counts.
    sender.send(common::traffic(1, 0, 0).remove(0));
    assert_eq!(sender.dropped(), 1);
}

#[tokio::test]
async fn the_writer_ends_by_itself_when_every_sender_is_gone() {
    let store = Store::open_in_memory().await.unwrap();
    let (sender, task) = store.query_log_writer(batching(64, 1024));
    let clone = sender.clone();
    let events = common::traffic(1000, 1_753_000_000_000, 10);
    for (i, event) in events.iter().enumerate() {
        if i % 2 == 0 { &sender } else { &clone }.send(event.clone());
    }
    drop((sender, clone));
    // No stop signal: the task must end once the queue is written (the timeout only guards
    // against a hang).
    let stats = tokio::time::timeout(Duration::from_secs(60), task.join())
        .await
        .expect("the writer did not end after its senders were dropped");
    assert_eq!((stats.written, stats.dropped), (1000, 0));
    assert_eq!(
        store.query_log(&everything()).await.unwrap(),
        newest_first(events)
    );
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_without_blocking() {
    let store = Store::open_in_memory().await.unwrap();
    let (sender, task) = store.query_log_writer(batching(1000, 8));
    let events = common::traffic(100, 1_753_000_000_000, 1_000);
    // On this single-threaded runtime the writer cannot run between these sends.
    for event in &events {
        sender.send(event.clone());
    }
    assert_eq!(sender.dropped(), 92);
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.dropped), (8, 92));
    let kept = store.query_log(&everything()).await.unwrap();
    assert_eq!(kept, newest_first(events[..8].to_vec()));
}

#[tokio::test]
async fn anonymised_clients_keep_their_names_but_not_their_addresses() {
    let store = Store::open_in_memory().await.unwrap();
    let opts = WriterOptions {
        anonymize_clients: true,
        ..WriterOptions::default()
    };
    let (sender, task) = store.query_log_writer(opts);
    let events = common::traffic(400, 1_753_000_000_000, 1_000);
    for event in &events {
        sender.send(event.clone());
    }
    task.shutdown().await;

    let read = store.query_log(&everything()).await.unwrap();
    assert_eq!(read.len(), 400);
    assert!(read.iter().all(|e| e.client_ip.is_none()));
    let expected: Vec<_> = newest_first(events)
        .into_iter()
        .map(|e| e.client_name)
        .collect();
    assert_eq!(
        read.into_iter().map(|e| e.client_name).collect::<Vec<_>>(),
        expected
    );

    // No address leaks through the usage counters either: the unnamed client counts as "".
    let usage = store.usage(&UsageFilter::default()).await.unwrap();
    let clients: std::collections::BTreeSet<_> = usage.iter().map(|r| r.client.as_str()).collect();
    assert_eq!(
        clients.into_iter().collect::<Vec<_>>(),
        vec!["", "an-tablet", "binh-phone", "lop-6a"]
    );
}

#[tokio::test]
async fn usage_counters_sum_across_batches_and_minutes() {
    let store = Store::open_in_memory().await.unwrap();
    // Batches of 7 events, 3.7 s apart: a minute's counts are spread over many batches.
    let (sender, task) = store.query_log_writer(batching(7, 65_536));
    let start = 1_753_000_020_000; // 20 s into a minute
    let events = common::traffic(3_000, start, 3_700);
    for event in &events {
        sender.send(event.clone());
    }
    task.shutdown().await;

    // Expected counts, computed directly from the events.
    let mut expected: BTreeMap<(i64, String, String, String), (u64, u64)> = BTreeMap::new();
    for e in &events {
        let client = e
            .client_name
            .as_deref()
            .map(str::to_string)
            .or(e.client_ip.map(|ip| ip.to_string()))
            .unwrap_or_default();
        let category = e.category.map(|c| c.to_string()).unwrap_or_default();
        let key = (
            e.time_ms / 60_000 * 60_000,
            client,
            e.profile.to_string(),
            category,
        );
        let counts = expected.entry(key).or_default();
        counts.0 += 1;
        counts.1 += u64::from(e.decision.is_blocked());
    }
    let rows = store.usage(&UsageFilter::default()).await.unwrap();
    let got: BTreeMap<_, _> = rows
        .iter()
        .map(|r| {
            let category = r.category.map(|c| c.to_string()).unwrap_or_default();
            (
                (r.start_ms, r.client.clone(), r.profile.clone(), category),
                (r.queries, r.blocked),
            )
        })
        .collect();
    assert_eq!(got.len(), rows.len(), "one row per key");
    assert_eq!(got, expected);
    assert!(
        expected
            .keys()
            .map(|k| k.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            > 180
    );

    // Hourly buckets hold the same totals.
    let hourly = store
        .usage(&UsageFilter {
            bucket_minutes: 60,
            ..UsageFilter::default()
        })
        .await
        .unwrap();
    assert!(hourly.iter().all(|r| r.start_ms % 3_600_000 == 0));
    let total = |rows: &[lachan_store::UsageRow]| {
        rows.iter()
            .fold((0, 0), |(q, b), r| (q + r.queries, b + r.blocked))
    };
    let blocked = events.iter().filter(|e| e.decision.is_blocked()).count() as u64;
    assert_eq!(total(&hourly), (3_000, blocked));
    assert_eq!(total(&rows), (3_000, blocked));

    // One client over one hour.
    let hour = 1_753_002_000_000 / 3_600_000 * 3_600_000;
    let filtered = store
        .usage(&UsageFilter {
            client: Some("lop-6a".into()),
            since_ms: Some(hour),
            until_ms: Some(hour + 3_600_000),
            bucket_minutes: 60,
        })
        .await
        .unwrap();
    let want = events
        .iter()
        .filter(|e| e.client_name.as_deref() == Some("lop-6a"))
        .filter(|e| (hour..hour + 3_600_000).contains(&(e.time_ms / 60_000 * 60_000)))
        .count() as u64;
    assert!(want > 0);
    assert_eq!(total(&filtered).0, want);
    assert!(
        filtered
            .iter()
            .all(|r| r.client == "lop-6a" && r.start_ms == hour)
    );
}

/// Makes every insert into the query log fail, through a connection of the test's own.
async fn break_inserts(db: &sqlx::SqlitePool) {
    sqlx::query(
        "CREATE TRIGGER break_log BEFORE INSERT ON query_log \
         BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END",
    )
    .execute(db)
    .await
    .unwrap();
}

async fn side_connection(dir: &std::path::Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(lachan_store::DATABASE_FILE))
        .busy_timeout(Duration::from_secs(5));
    sqlx::SqlitePool::connect_with(options).await.unwrap()
}

/// Polls `done` every 10 ms, at most 3,000 times (a hang guard, not a timing requirement).
async fn wait_for(
    task: &lachan_store::QueryLogTask,
    done: impl Fn(lachan_store::WriterStats) -> bool,
) {
    for _ in 0..3_000 {
        if done(task.stats()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the writer never reached the awaited state: {:?}",
        task.stats()
    );
}

#[tokio::test]
async fn a_failing_write_is_retried_on_the_next_tick() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let side = side_connection(tmp.path()).await;
    break_inserts(&side).await;

    let opts = WriterOptions {
        interval: Duration::from_millis(10),
        ..WriterOptions::default()
    };
    let (sender, task) = store.query_log_writer(opts);
    let events = common::traffic(50, 1_753_000_000_000, 1_000);
    for event in &events {
        sender.send(event.clone());
    }
    wait_for(&task, |s| s.failed_writes >= 2).await;
    assert_eq!(task.stats().written, 0);

    // The disk "recovers": the same batch goes in at a later tick, before any shutdown.
    sqlx::query("DROP TRIGGER break_log")
        .execute(&side)
        .await
        .unwrap();
    wait_for(&task, |s| s.written == 50).await;
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.dropped, stats.lost), (50, 0, 0));
    assert_eq!(
        store.query_log(&everything()).await.unwrap(),
        newest_first(events)
    );
}

#[tokio::test]
async fn shutdown_gives_up_on_a_broken_database_after_bounded_retries() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let side = side_connection(tmp.path()).await;
    break_inserts(&side).await;

    let opts = WriterOptions {
        batch: 10,
        interval: Duration::from_millis(10),
        ..WriterOptions::default()
    };
    let (sender, task) = store.query_log_writer(opts);
    for event in common::traffic(35, 1_753_000_000_000, 1_000) {
        sender.send(event);
    }
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.lost), (0, 35));
    assert!(stats.failed_writes >= 3);
    // The failed transactions left nothing behind, not even usage counters.
    assert!(
        store
            .usage(&UsageFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn failing_counter_writes_hold_up_neither_the_log_nor_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let side = side_connection(tmp.path()).await;
    sqlx::query(
        "CREATE TRIGGER break_counters BEFORE INSERT ON profile_activity \
         BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END",
    )
    .execute(&side)
    .await
    .unwrap();

    let opts = WriterOptions {
        interval: Duration::from_millis(10),
        counters_interval: Duration::from_millis(10),
        ..WriterOptions::default()
    };
    let (sender, task) = store.query_log_writer(opts);
    let start = 1_753_000_000_000;
    let events = common::traffic(50, start, 1_000);
    for event in &events {
        sender.send(event.clone());
    }
    // The log is written while the counters keep failing.
    wait_for(&task, |s| s.written == 50 && s.failed_writes >= 2).await;
    let summary = |store: Store| async move {
        store
            .day_summary("child", start - 3_600_000, start + 3_600_000)
            .await
            .unwrap()
            .queries
    };
    assert_eq!(summary(store.clone()).await, 0);
    assert_eq!(store.query_log(&everything()).await.unwrap().len(), 50);

    // The disk "recovers": the counters go in at a later try, once.
    sqlx::query("DROP TRIGGER break_counters")
        .execute(&side)
        .await
        .unwrap();
    let mut counted = 0;
    for _ in 0..3_000 {
        counted = summary(store.clone()).await;
        if counted == 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(counted, 50);
    let stats = task.shutdown().await;
    assert_eq!((stats.written, stats.lost), (50, 0));
    assert_eq!(summary(store).await, 50);
}
