//! Reading the query log with filters, and pruning.

mod common;

use std::time::Duration;

use lachan_policy::Category;
use lachan_store::{
    Decision, QueryEvent, QueryLogFilter, Store, UsageFilter, WriterOptions, spawn_retention,
};

const START: i64 = 1_752_999_960_000; // a minute boundary in July 2025

/// A store holding 2,000 events, one every 30 s from `START`.
async fn logged() -> (Store, Vec<QueryEvent>) {
    let store = Store::open_in_memory().await.unwrap();
    let (sender, task) = store.query_log_writer(WriterOptions::default());
    let events = common::traffic(2_000, START, 30_000);
    for event in &events {
        sender.send(event.clone());
    }
    assert_eq!(task.shutdown().await.written, 2_000);
    (store, events)
}

/// The expected answer: `events` matching `keep`, newest first, at most `limit`.
fn expect(
    events: &[QueryEvent],
    limit: usize,
    keep: impl Fn(&QueryEvent) -> bool,
) -> Vec<QueryEvent> {
    events
        .iter()
        .rev()
        .filter(|e| keep(e))
        .take(limit)
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_default_filter_returns_the_newest_hundred() {
    let (store, events) = logged().await;
    let read = store.query_log(&QueryLogFilter::default()).await.unwrap();
    assert_eq!(read, expect(&events, 100, |_| true));
    assert!(read.windows(2).all(|w| w[0].time_ms > w[1].time_ms));
}

#[tokio::test]
async fn filters_by_client_ip_or_name() {
    let (store, events) = logged().await;
    let by_name = QueryLogFilter {
        client: Some("binh-phone".into()),
        limit: 10_000,
        ..QueryLogFilter::default()
    };
    let read = store.query_log(&by_name).await.unwrap();
    assert_eq!(read.len(), 500);
    assert_eq!(
        read,
        expect(&events, 10_000, |e| e.client_name.as_deref()
            == Some("binh-phone"))
    );

    // The same device by its address; and the unnamed client, known only by its address.
    let by_ip = QueryLogFilter {
        client: Some("192.168.1.22".into()),
        ..by_name.clone()
    };
    assert_eq!(store.query_log(&by_ip).await.unwrap(), read);
    let unnamed = QueryLogFilter {
        client: Some("192.168.1.99".into()),
        ..by_name
    };
    let read = store.query_log(&unnamed).await.unwrap();
    assert_eq!(read.len(), 500);
    assert!(read.iter().all(|e| e.client_name.is_none()));
}

#[tokio::test]
async fn filters_blocked_since_and_name_with_a_limit() {
    let (store, events) = logged().await;
    let since = START + 1_000 * 30_000;
    let filter = QueryLogFilter {
        client: Some("an-tablet".into()),
        blocked_only: true,
        since_ms: Some(since),
        name_contains: None,
        limit: 50,
    };
    let read = store.query_log(&filter).await.unwrap();
    let want = expect(&events, 50, |e| {
        e.client_name.as_deref() == Some("an-tablet")
            && e.decision == Decision::Blocked
            && e.time_ms >= since
    });
    assert_eq!(want.len(), 50);
    assert_eq!(read, want);

    // Every blocked entry after `since`, whoever asked.
    let blocked = QueryLogFilter {
        client: None,
        limit: 10_000,
        ..filter
    };
    let read = store.query_log(&blocked).await.unwrap();
    assert_eq!(
        read,
        expect(&events, 10_000, |e| e.decision.is_blocked()
            && e.time_ms >= since)
    );
    assert!(read.iter().all(|e| e.category != Some(Category::Ads)));

    // Part of a name, in any case; LIKE wildcards in the text are literal.
    let needle = events[1234].name[1..6].to_string();
    let by_name = QueryLogFilter {
        name_contains: Some(needle.to_uppercase()),
        limit: 10_000,
        ..QueryLogFilter::default()
    };
    let read = store.query_log(&by_name).await.unwrap();
    assert!(!read.is_empty());
    assert_eq!(read, expect(&events, 10_000, |e| e.name.contains(&needle)));
    let wildcard = QueryLogFilter {
        name_contains: Some("%".into()),
        ..by_name
    };
    assert!(store.query_log(&wildcard).await.unwrap().is_empty());

    let none = QueryLogFilter {
        limit: 0,
        ..QueryLogFilter::default()
    };
    assert!(store.query_log(&none).await.unwrap().is_empty());
}

#[tokio::test]
async fn prune_deletes_only_older_rows() {
    let (store, events) = logged().await;
    let usage_before = store.usage(&UsageFilter::default()).await.unwrap();
    // Keep the last 1,500 events; the cutoff falls on a minute boundary.
    let cutoff = START + 500 * 30_000;
    assert_eq!(cutoff % 60_000, 0);
    let old_usage = usage_before.iter().filter(|r| r.start_ms < cutoff).count() as u64;
    assert!(old_usage > 0);

    let deleted = store.prune(cutoff).await.unwrap();
    assert_eq!(deleted, 500);

    let all = QueryLogFilter {
        limit: u32::MAX,
        ..QueryLogFilter::default()
    };
    assert_eq!(
        store.query_log(&all).await.unwrap(),
        expect(&events[500..], 10_000, |_| true)
    );
    let usage_after = store.usage(&UsageFilter::default()).await.unwrap();
    let kept: Vec<_> = usage_before
        .into_iter()
        .filter(|r| r.start_ms >= cutoff)
        .collect();
    assert_eq!(usage_after, kept);
    assert_eq!(store.prune(cutoff).await.unwrap(), 0);
}

#[tokio::test]
async fn pruning_in_chunks_removes_everything_old() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let (sender, task) = store.query_log_writer(WriterOptions::default());
    // More rows than one prune statement deletes.
    for event in common::traffic(25_000, START, 10) {
        sender.send(event);
    }
    assert_eq!(task.shutdown().await.written, 25_000);
    assert_eq!(store.prune(i64::MAX).await.unwrap(), 25_000);
    assert!(
        store
            .query_log(&QueryLogFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_retention_task_prunes_at_once() {
    let (store, _) = logged().await; // events of July 2025: older than a day
    let handle = spawn_retention(
        store.clone(),
        Duration::from_secs(86_400),
        Duration::from_secs(3600),
    );
    // Wait (bounded) for the first round, which runs immediately.
    let mut empty = false;
    for _ in 0..600 {
        if store
            .query_log(&QueryLogFilter::default())
            .await
            .unwrap()
            .is_empty()
        {
            empty = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.abort();
    assert!(empty, "the retention task did not prune");
    assert!(
        store
            .usage(&UsageFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}
