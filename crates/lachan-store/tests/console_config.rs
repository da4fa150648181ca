//! Profiles and devices made in the console: households, the file's names kept off-limits,
//! and a profile's deletion taking its devices, grants and alerts along.

use lachan_policy::{Category, ExtraTime, Profile, Target, YoutubeMode};
use lachan_store::{
    AlertKind, ClientRecord, NewAlert, ORIGIN_CONSOLE, ORIGIN_FILE, Store, StoreError,
};

fn client(name: &str, matchers: &[&str], profile: &str, origin: &str) -> ClientRecord {
    ClientRecord {
        name: name.into(),
        matchers: matchers.iter().map(|m| m.to_string()).collect(),
        profile: profile.into(),
        origin: origin.into(),
    }
}

fn child(name: &str) -> Profile {
    Profile {
        block: vec![Category::Adult, Category::Gambling, Category::Threat],
        safe_search: true,
        youtube: YoutubeMode::Strict,
        blocked_services: vec!["group:games".parse().unwrap()],
        age: Some(9),
        ..Profile::unfiltered(name)
    }
}

/// A store whose configuration file declares the profile "school" and the device
/// "school-lab" on it.
async fn with_file_config() -> Store {
    let store = Store::open_in_memory().await.unwrap();
    store
        .sync_file_config(
            &[],
            &[child("school")],
            &[client(
                "school-lab",
                &["10.0.0.0/24"],
                "school",
                ORIGIN_FILE,
            )],
        )
        .await
        .unwrap();
    store
}

#[tokio::test]
async fn console_profiles_carry_their_household() {
    let store = with_file_config().await;
    store
        .save_console_profile(&child("an"), Some("nha-an"))
        .await
        .unwrap();
    store
        .save_console_profile(&child("guest"), None)
        .await
        .unwrap();

    let an = store.profile_record("an").await.unwrap().unwrap();
    assert_eq!(an.profile, child("an"));
    assert_eq!(an.household.as_deref(), Some("nha-an"));
    assert_eq!(an.origin, ORIGIN_CONSOLE);
    assert_eq!(store.profile_record("nobody").await.unwrap(), None);

    // An update changes the profile and moves it to another household.
    let mut older = child("an");
    older.age = Some(10);
    older.youtube = YoutubeMode::Moderate;
    store
        .save_console_profile(&older, Some("nha-ba"))
        .await
        .unwrap();
    let an = store.profile_record("an").await.unwrap().unwrap();
    assert_eq!(an.profile, older);
    assert_eq!(an.household.as_deref(), Some("nha-ba"));

    let records = store.profile_records().await.unwrap();
    let summary: Vec<(&str, Option<&str>, &str)> = records
        .iter()
        .map(|r| {
            (
                r.profile.name.as_str(),
                r.household.as_deref(),
                r.origin.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("an", Some("nha-ba"), ORIGIN_CONSOLE),
            ("guest", None, ORIGIN_CONSOLE),
            ("school", None, ORIGIN_FILE),
        ]
    );
    // The plain listing agrees.
    let plain: Vec<Profile> = records.into_iter().map(|r| r.profile).collect();
    assert_eq!(store.profiles().await.unwrap(), plain);
}

#[tokio::test]
async fn a_console_profile_cannot_take_a_file_profiles_name() {
    let store = with_file_config().await;
    let mut taken = child("school");
    taken.safe_search = false;
    let err = store
        .save_console_profile(&taken, Some("nha-an"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::FileOwned { kind: "profile", name } if name == "school"),
        "{err:?}"
    );
    assert!(err.to_string().contains("configuration file"));
    // Nothing changed: neither the profile nor its household.
    let school = store.profile_record("school").await.unwrap().unwrap();
    assert_eq!(school.profile, child("school"));
    assert_eq!(school.household, None);
    assert_eq!(school.origin, ORIGIN_FILE);
    // Nor can the console delete it.
    assert!(!store.delete_console_profile("school").await.unwrap());
    assert!(store.profile_record("school").await.unwrap().is_some());
}

#[tokio::test]
async fn console_devices_cannot_take_a_file_devices_name() {
    let store = with_file_config().await;
    let taken = client("school-lab", &["192.168.1.5"], "school", ORIGIN_CONSOLE);
    let err = store.save_console_client(&taken).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::FileOwned { kind: "client", name } if name == "school-lab"),
        "{err:?}"
    );
    assert!(!store.delete_console_client("school-lab").await.unwrap());

    // A console device is stored as console-made whatever its record says, then updated.
    store
        .save_console_client(&client("an-tablet", &["192.168.1.21"], "an", ORIGIN_FILE))
        .await
        .unwrap();
    store
        .save_console_client(&client(
            "an-tablet",
            &["192.168.1.21", "aa:bb:cc:dd:ee:ff"],
            "an",
            ORIGIN_FILE,
        ))
        .await
        .unwrap();
    assert_eq!(
        store.clients().await.unwrap(),
        vec![
            client(
                "an-tablet",
                &["192.168.1.21", "aa:bb:cc:dd:ee:ff"],
                "an",
                ORIGIN_CONSOLE
            ),
            client("school-lab", &["10.0.0.0/24"], "school", ORIGIN_FILE),
        ]
    );
    assert!(store.delete_console_client("an-tablet").await.unwrap());
    assert!(!store.delete_console_client("an-tablet").await.unwrap());
    assert_eq!(store.clients().await.unwrap().len(), 1);
}

#[tokio::test]
async fn deleting_a_profile_deletes_its_console_devices_grants_and_alerts() {
    let store = with_file_config().await;
    store
        .save_console_profile(&child("an"), Some("nha-an"))
        .await
        .unwrap();
    store
        .save_console_profile(&child("binh"), Some("nha-an"))
        .await
        .unwrap();
    for (name, ip, profile) in [
        ("an-tablet", "192.168.1.21", "an"),
        ("an-phone", "192.168.1.22", "an"),
        ("binh-phone", "192.168.1.23", "binh"),
    ] {
        store
            .save_console_client(&client(name, &[ip], profile, ORIGIN_CONSOLE))
            .await
            .unwrap();
    }
    // The file moves its lab onto the console profile "an": the console cannot delete it.
    store
        .sync_file_config(
            &[],
            &[child("school")],
            &[client("school-lab", &["10.0.0.0/24"], "an", ORIGIN_FILE)],
        )
        .await
        .unwrap();
    let now = jiff::Timestamp::from_millisecond(1_752_944_400_000).unwrap();
    let zone = lachan_policy::Zone::default();
    for profile in ["an", "binh"] {
        let extra = ExtraTime::today(Target::All, 30, &zone, now);
        store
            .grant_extra_time(profile, &extra, "me", now.as_millisecond())
            .await
            .unwrap();
        store
            .insert_alert(&NewAlert {
                time_ms: now.as_millisecond(),
                profile: profile.into(),
                kind: AlertKind::RepeatedBlocks,
                subject: "adult".into(),
                count: 5,
                detail: String::new(),
            })
            .await
            .unwrap();
    }

    assert!(store.delete_console_profile("an").await.unwrap());
    assert!(!store.delete_console_profile("an").await.unwrap());
    assert_eq!(store.profile_record("an").await.unwrap(), None);
    let devices: Vec<(String, String)> = store
        .clients()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.profile))
        .collect();
    assert_eq!(
        devices,
        [
            ("binh-phone".to_string(), "binh".to_string()),
            ("school-lab".to_string(), "an".to_string()),
        ]
    );
    let grants = store.active_extra_time(now.as_millisecond()).await.unwrap();
    assert_eq!(
        grants.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        ["binh"]
    );
    let alerts = store.alerts(None, 10).await.unwrap();
    assert_eq!(
        alerts
            .iter()
            .map(|a| a.profile.as_str())
            .collect::<Vec<_>>(),
        ["binh"]
    );
}
