//! Grants of extra time come back while they are in force, and survive a restart.

use jiff::Timestamp;
use lachan_policy::{ExtraTime, ServiceGroup, Target, Zone};
use lachan_store::Store;

/// 20:30 on 20 July 2025 in Hà Nội.
fn evening() -> Timestamp {
    "2025-07-20T13:30:00Z".parse().unwrap()
}

#[tokio::test]
async fn grants_come_back_only_while_active() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let zone: Zone = "Asia/Ho_Chi_Minh".parse().unwrap();
    let now = evening();
    let games = ExtraTime::today(Target::Group(ServiceGroup::Games), 30, &zone, now);
    let roblox = ExtraTime::today(Target::Service("roblox".into()), 15, &zone, now);
    // Granted in the evening of the day before: lapsed at this morning's midnight.
    let yesterday = ExtraTime::today(
        Target::All,
        60,
        &zone,
        now - jiff::SignedDuration::from_hours(24),
    );
    let midnight: Timestamp = "2025-07-20T17:00:00Z".parse().unwrap();
    assert_eq!(games.expires_at, midnight);

    let now_ms = now.as_millisecond();
    let first = store
        .grant_extra_time("an", &games, "me-cua-an", now_ms)
        .await
        .unwrap();
    let second = store
        .grant_extra_time("binh", &roblox, "admin", now_ms)
        .await
        .unwrap();
    store
        .grant_extra_time("an", &yesterday, "me-cua-an", now_ms - 86_400_000)
        .await
        .unwrap();
    assert!(second > first);

    // A reopened store gives back exactly the grants in force, oldest first.
    drop(store);
    let store = Store::open(dir.path()).await.unwrap();
    let active = store.active_extra_time(now_ms).await.unwrap();
    assert_eq!(
        active,
        vec![
            ("an".to_string(), games.clone()),
            ("binh".to_string(), roblox)
        ]
    );
    // The last millisecond before midnight still has them; midnight has none.
    let before = midnight.as_millisecond() - 1;
    assert_eq!(store.active_extra_time(before).await.unwrap().len(), 2);
    assert!(
        store
            .active_extra_time(midnight.as_millisecond())
            .await
            .unwrap()
            .is_empty()
    );
    // Pruning drops grants that lapsed before the cutoff, and no others.
    store.prune(now_ms).await.unwrap();
    assert_eq!(store.active_extra_time(now_ms).await.unwrap().len(), 2);
}
