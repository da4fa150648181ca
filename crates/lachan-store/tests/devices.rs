//! New devices: addresses that queried without matching a configured device, newest first.

mod common;

use std::net::IpAddr;
use std::sync::Arc;

use lachan_store::{QueryEvent, SeenClient, Store, WriterOptions};

const HOUR_MS: i64 = 3_600_000;
/// 08:00 UTC on 20 July 2025, a whole hour.
const T0: i64 = 1_752_998_400_000;

fn event(template: &QueryEvent, time_ms: i64, ip: &str, name: Option<&str>) -> QueryEvent {
    QueryEvent {
        time_ms,
        client_ip: Some(ip.parse().unwrap()),
        client_name: name.map(Arc::from),
        ..template.clone()
    }
}

#[tokio::test]
async fn only_unnamed_clients_are_listed_newest_first() {
    let store = Store::open_in_memory().await.unwrap();
    let template = common::traffic(1, T0, 0).remove(0);
    let mut events = Vec::new();
    // A new tablet: 5 queries between 08:10 and 10:20.
    for minute in [10, 30, 70, 95, 140] {
        events.push(event(&template, T0 + minute * 60_000, "192.168.1.50", None));
    }
    // A television, last seen at 09:00; a phone, seen once at 10:45.
    events.push(event(&template, T0 + 20 * 60_000, "192.168.1.60", None));
    events.push(event(&template, T0 + HOUR_MS, "192.168.1.60", None));
    events.push(event(&template, T0 + 165 * 60_000, "fd00::7", None));
    // Named devices never appear, even late and busy.
    for minute in 0..200 {
        events.push(event(
            &template,
            T0 + minute * 60_000,
            "192.168.1.21",
            Some("an-tablet"),
        ));
    }
    // Anonymised queries have no address to offer.
    let mut anonymous = event(&template, T0 + 170 * 60_000, "192.168.1.70", None);
    anonymous.client_ip = None;
    events.push(anonymous);
    // An old address, seen the day before.
    events.push(event(&template, T0 - 24 * HOUR_MS, "192.168.1.80", None));
    events.sort_by_key(|e| e.time_ms);

    let (sender, task) = store.query_log_writer(WriterOptions {
        batch: 16,
        ..WriterOptions::default()
    });
    for e in &events {
        sender.send(e.clone());
    }
    task.shutdown().await;

    let ip = |text: &str| text.parse::<IpAddr>().unwrap();
    let since_morning = store.unseen_clients(T0, 10).await.unwrap();
    assert_eq!(
        since_morning,
        [
            SeenClient {
                ip: ip("fd00::7"),
                first_ms: T0 + 165 * 60_000,
                last_ms: T0 + 165 * 60_000,
                queries: 1
            },
            SeenClient {
                ip: ip("192.168.1.50"),
                first_ms: T0 + 10 * 60_000,
                last_ms: T0 + 140 * 60_000,
                queries: 5
            },
            SeenClient {
                ip: ip("192.168.1.60"),
                first_ms: T0 + 20 * 60_000,
                last_ms: T0 + HOUR_MS,
                queries: 2
            },
        ]
    );
    // Bounded by the limit.
    assert_eq!(
        store.unseen_clients(T0, 2).await.unwrap(),
        since_morning[..2]
    );
    assert!(store.unseen_clients(T0, 0).await.unwrap().is_empty());
    // From 09:00 on: the tablet's later queries only, and the television's 09:00 one.
    let later = store.unseen_clients(T0 + HOUR_MS, 10).await.unwrap();
    let summary: Vec<(IpAddr, i64, u64)> = later
        .iter()
        .map(|c| (c.ip, c.first_ms, c.queries))
        .collect();
    assert_eq!(
        summary,
        [
            (ip("fd00::7"), T0 + 165 * 60_000, 1),
            (ip("192.168.1.50"), T0 + 70 * 60_000, 3),
            (ip("192.168.1.60"), T0 + HOUR_MS, 1),
        ]
    );
    // Over two days, the old address comes last.
    let two_days = store.unseen_clients(T0 - 48 * HOUR_MS, 10).await.unwrap();
    assert_eq!(two_days.len(), 4);
    assert_eq!(two_days[3].ip, ip("192.168.1.80"));
    // Pruning drops the old hour and keeps today's.
    store.prune(T0).await.unwrap();
    assert_eq!(
        store.unseen_clients(T0 - 48 * HOUR_MS, 10).await.unwrap(),
        since_morning
    );
}
