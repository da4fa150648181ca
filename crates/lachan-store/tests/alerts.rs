//! Alerts: recorded, listed newest first for some or all profiles, and marked read.

use lachan_store::{AlertKind, NewAlert, Store};

const T0: i64 = 1_752_944_400_000;

fn alert(minute: i64, profile: &str, kind: AlertKind, subject: &str, count: u32) -> NewAlert {
    NewAlert {
        time_ms: T0 + minute * 60_000,
        profile: profile.into(),
        kind,
        subject: subject.into(),
        count,
        detail: format!("{count} lần lúc phút {minute}"),
    }
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[tokio::test]
async fn alerts_are_filtered_by_profiles_newest_first() {
    let store = Store::open_in_memory().await.unwrap();
    let recorded = [
        alert(1, "an", AlertKind::RepeatedBlocks, "adult", 5),
        alert(2, "binh", AlertKind::RepeatedBlocks, "gambling", 7),
        alert(3, "lop-6a", AlertKind::BudgetUsedUp, "group:games", 60),
        alert(4, "an", AlertKind::BudgetUsedUp, "service:roblox", 45),
        alert(5, "binh", AlertKind::RepeatedBlocks, "threat", 3),
    ];
    let mut ids = Vec::new();
    for a in &recorded {
        ids.push(store.insert_alert(a).await.unwrap());
    }

    let subjects = |alerts: &[lachan_store::Alert]| {
        alerts.iter().map(|a| a.subject.clone()).collect::<Vec<_>>()
    };
    let all = store.alerts(None, 100).await.unwrap();
    assert_eq!(
        subjects(&all),
        [
            "threat",
            "service:roblox",
            "group:games",
            "gambling",
            "adult"
        ]
    );
    let household = store
        .alerts(Some(&owned(&["an", "binh"])), 100)
        .await
        .unwrap();
    assert_eq!(
        subjects(&household),
        ["threat", "service:roblox", "gambling", "adult"]
    );
    let an = store.alerts(Some(&owned(&["an"])), 1).await.unwrap();
    assert_eq!(subjects(&an), ["service:roblox"]);
    assert!(store.alerts(Some(&[]), 100).await.unwrap().is_empty());
    assert!(
        store
            .alerts(Some(&owned(&["nobody"])), 100)
            .await
            .unwrap()
            .is_empty()
    );

    // Every field comes back as recorded, unread.
    let first = store.alert_by_id(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.id, ids[0]);
    assert_eq!(first.time_ms, recorded[0].time_ms);
    assert_eq!(first.profile, "an");
    assert_eq!(first.kind, AlertKind::RepeatedBlocks);
    assert_eq!(first.count, 5);
    assert_eq!(first.detail, "5 lần lúc phút 1");
    assert!(!first.read);
    assert_eq!(store.alert_by_id(ids[4] + 1).await.unwrap(), None);
}

#[tokio::test]
async fn an_alert_is_marked_read() {
    let store = Store::open_in_memory().await.unwrap();
    let id = store
        .insert_alert(&alert(0, "an", AlertKind::BudgetUsedUp, "group:games", 60))
        .await
        .unwrap();
    let other = store
        .insert_alert(&alert(1, "an", AlertKind::RepeatedBlocks, "adult", 4))
        .await
        .unwrap();
    assert!(store.mark_alert_read(id).await.unwrap());
    assert!(store.mark_alert_read(id).await.unwrap());
    assert!(!store.mark_alert_read(other + 1).await.unwrap());
    assert!(store.alert_by_id(id).await.unwrap().unwrap().read);
    assert!(!store.alert_by_id(other).await.unwrap().unwrap().read);
}

#[tokio::test]
async fn alerts_older_than_the_retention_are_pruned() {
    let store = Store::open_in_memory().await.unwrap();
    for minute in 0..4 {
        store
            .insert_alert(&alert(minute, "an", AlertKind::RepeatedBlocks, "adult", 3))
            .await
            .unwrap();
    }
    store.prune(T0 + 2 * 60_000).await.unwrap();
    let left: Vec<i64> = store
        .alerts(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|a| a.time_ms)
        .collect();
    assert_eq!(left, [T0 + 3 * 60_000, T0 + 2 * 60_000]);
}

#[test]
fn alert_kinds_parse_from_their_names() {
    for kind in AlertKind::ALL {
        assert_eq!(kind.as_str().parse::<AlertKind>().unwrap(), *kind);
        let json = serde_json::to_string(kind).unwrap();
        assert_eq!(json, format!("\"{kind}\""));
    }
    let err = "blocked".parse::<AlertKind>().unwrap_err();
    assert!(err.to_string().contains("repeated_blocks"));
}
