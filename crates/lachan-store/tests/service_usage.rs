//! Minutes of service use survive a reopen, are kept once, and are pruned with the query log.

use lachan_policy::ServiceGroup;
use lachan_store::{ServiceMinute, Store};

fn minute(profile: &str, minute_ms: i64, service: &str) -> ServiceMinute {
    ServiceMinute {
        profile: profile.into(),
        minute_ms,
        service: service.into(),
        group: ServiceGroup::Games,
    }
}

#[tokio::test]
async fn minutes_are_kept_once_across_a_reopen_and_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let minutes = [
        minute("child", 60_000, "roblox"),
        minute("child", 120_000, "roblox"),
        minute("teen", 60_000, "free_fire"),
    ];
    store.record_service_minutes(&minutes).await.unwrap();
    store.record_service_minutes(&minutes[..1]).await.unwrap();
    drop(store);
    let store = Store::open(dir.path()).await.unwrap();
    assert_eq!(store.service_minutes_since(0).await.unwrap().len(), 3);
    assert_eq!(
        store.service_minutes_since(100_000).await.unwrap(),
        vec![minutes[1].clone()]
    );
    store.prune(100_000).await.unwrap();
    assert_eq!(
        store.service_minutes_since(0).await.unwrap(),
        vec![minutes[1].clone()]
    );
}
