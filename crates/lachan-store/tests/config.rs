//! Lists, profiles and clients: the file sync, console rows, and list refresh status.

use lachan_policy::{BlockAnswer, Category, Profile, YoutubeMode};
use lachan_store::{
    ClientRecord, ListRecord, ListRefresh, ListStatus, ORIGIN_CONSOLE, ORIGIN_FILE, Store,
    StoreError,
};

fn list(name: &str, category: Category, origin: &str) -> ListRecord {
    ListRecord {
        name: name.into(),
        source: format!("/etc/lachan/lists/{name}.txt"),
        category,
        subdomains: true,
        enabled: true,
        origin: origin.into(),
    }
}

fn client(name: &str, matchers: &[&str], profile: &str, origin: &str) -> ClientRecord {
    ClientRecord {
        name: name.into(),
        matchers: matchers.iter().map(|m| m.to_string()).collect(),
        profile: profile.into(),
        origin: origin.into(),
    }
}

fn school_profile() -> Profile {
    Profile {
        name: "Lớp 6A".into(),
        block: vec![Category::Adult, Category::Gambling, Category::Violence],
        safe_search: true,
        youtube: YoutubeMode::Strict,
        allow: vec!["@@||vnexpress.net^".into()],
        deny: vec!["||tiktok.com^".into(), "facebook.com".into()],
        block_answer: Some(BlockAnswer::Address("10.0.0.1".parse().unwrap())),
        blocked_services: vec![
            "service:tiktok".parse().unwrap(),
            "group:games".parse().unwrap(),
        ],
        age: Some(11),
        time_zone: "Asia/Ho_Chi_Minh".parse().unwrap(),
        schedules: vec![lachan_policy::Schedule::bedtime(Default::default())],
        budgets: lachan_policy::decree_147_defaults(),
        pause: Some(lachan_policy::Pause::UntilTurnedOff),
    }
}

#[tokio::test]
async fn file_sync_upserts_deletes_and_never_touches_console_rows() {
    let store = Store::open_in_memory().await.unwrap();
    // Made in the console before the file is read.
    let console_list = list("parents-extra", Category::Gambling, ORIGIN_CONSOLE);
    let console_profile = Profile::unfiltered("guest");
    let console_client = client(
        "grandma-tv",
        &["aa:bb:cc:dd:ee:ff"],
        "guest",
        ORIGIN_CONSOLE,
    );
    store.upsert_list(&console_list).await.unwrap();
    store
        .upsert_profile(&console_profile, ORIGIN_CONSOLE)
        .await
        .unwrap();
    store.upsert_client(&console_client).await.unwrap();

    // First file: two lists, two profiles, two clients. Origins given are ignored.
    let adult = list("hostsvn-adult", Category::Adult, ORIGIN_CONSOLE);
    let ads = list("hostsvn-ads", Category::Ads, ORIGIN_FILE);
    let tablet = client("an-tablet", &["192.168.1.21"], "child", ORIGIN_FILE);
    let class = client(
        "lop-6a",
        &["10.0.6.0/24", "fd00:6a::/64"],
        "Lớp 6A",
        ORIGIN_FILE,
    );
    store
        .sync_file_config(
            &[adult.clone(), ads.clone()],
            &[Profile::default_child(), school_profile()],
            &[tablet.clone(), class.clone()],
        )
        .await
        .unwrap();

    let as_file = |l: &ListRecord| ListRecord {
        origin: ORIGIN_FILE.into(),
        ..l.clone()
    };
    assert_eq!(
        store.lists().await.unwrap(),
        vec![as_file(&ads), as_file(&adult), console_list.clone()]
    );
    assert_eq!(
        store.profiles().await.unwrap(),
        // Byte order: upper case sorts before lower case.
        vec![
            school_profile(),
            Profile::default_child(),
            console_profile.clone()
        ]
    );
    assert_eq!(
        store.clients().await.unwrap(),
        vec![tablet.clone(), console_client.clone(), class.clone()]
    );

    // Second file: the ads list changes, the adult list and the school go away.
    let ads_off = ListRecord {
        enabled: false,
        source: "https://example.org/ads.txt".into(),
        ..ads.clone()
    };
    let mut child = Profile::default_child();
    child.block.push(Category::Ads);
    child.youtube = YoutubeMode::Off;
    child.block_answer = Some(BlockAnswer::NxDomain);
    let tablet_moved = client(
        "an-tablet",
        &["192.168.1.30", "11:22:33:44:55:66"],
        "child",
        ORIGIN_FILE,
    );
    store
        .sync_file_config(
            std::slice::from_ref(&ads_off),
            std::slice::from_ref(&child),
            std::slice::from_ref(&tablet_moved),
        )
        .await
        .unwrap();

    assert_eq!(store.lists().await.unwrap(), vec![ads_off, console_list]);
    assert_eq!(
        store.profiles().await.unwrap(),
        vec![child, console_profile]
    );
    assert_eq!(
        store.clients().await.unwrap(),
        vec![tablet_moved, console_client.clone()]
    );

    // An empty file removes every file row and still keeps the console's.
    store.sync_file_config(&[], &[], &[]).await.unwrap();
    assert_eq!(store.lists().await.unwrap().len(), 1);
    assert_eq!(store.profiles().await.unwrap().len(), 1);
    assert_eq!(store.clients().await.unwrap(), vec![console_client]);
}

#[tokio::test]
async fn a_file_name_taken_by_the_console_fails_the_whole_sync() {
    let store = Store::open_in_memory().await.unwrap();
    store
        .upsert_client(&client(
            "an-tablet",
            &["192.168.1.21"],
            "guest",
            ORIGIN_CONSOLE,
        ))
        .await
        .unwrap();
    let err = store
        .sync_file_config(
            &[list("hostsvn-adult", Category::Adult, ORIGIN_FILE)],
            &[Profile::default_child()],
            &[client("an-tablet", &["192.168.1.50"], "child", ORIGIN_FILE)],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::OriginConflict { kind: "client", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("rename one of them"));
    // Nothing of the failed sync was kept.
    assert!(store.lists().await.unwrap().is_empty());
    assert!(store.profiles().await.unwrap().is_empty());
    assert_eq!(store.clients().await.unwrap()[0].profile, "guest");

    // The console cannot take over a file row either.
    store
        .sync_file_config(
            &[list("hostsvn-adult", Category::Adult, ORIGIN_FILE)],
            &[],
            &[],
        )
        .await
        .unwrap();
    let err = store
        .upsert_list(&list("hostsvn-adult", Category::Ads, ORIGIN_CONSOLE))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::OriginConflict { kind: "list", .. }),
        "{err}"
    );
    assert_eq!(store.lists().await.unwrap()[0].category, Category::Adult);
}

#[tokio::test]
async fn duplicate_names_and_unknown_origins_are_refused() {
    let store = Store::open_in_memory().await.unwrap();
    let err = store
        .sync_file_config(
            &[],
            &[Profile::default_child(), Profile::unfiltered("child")],
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "profile 'child' is declared twice in the configuration file; give each a unique name"
    );
    let err = store
        .upsert_list(&list("x", Category::Ads, "api"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::InvalidOrigin(ref o) if o == "api"),
        "{err}"
    );
}

#[tokio::test]
async fn list_status_keeps_the_last_success_through_failures() {
    let store = Store::open_in_memory().await.unwrap();
    let lists = [
        list("hostsvn-adult", Category::Adult, ORIGIN_FILE),
        list("hostsvn-gambling", Category::Gambling, ORIGIN_FILE),
    ];
    store.sync_file_config(&lists, &[], &[]).await.unwrap();

    let loaded = ListRefresh::Loaded {
        time_ms: 1_753_000_000_000,
        rules: 1895,
        invalid: 3,
    };
    store
        .record_list_refresh("hostsvn-adult", &loaded)
        .await
        .unwrap();
    let failed = ListRefresh::Failed {
        time_ms: 1_753_000_600_000,
        error: "HTTP 503 from raw.githubusercontent.com".into(),
    };
    store
        .record_list_refresh("hostsvn-adult", &failed)
        .await
        .unwrap();

    let status = store.list_status().await.unwrap();
    assert_eq!(
        status,
        vec![
            ListStatus {
                name: "hostsvn-adult".into(),
                enabled: true,
                last_attempt_ms: Some(1_753_000_600_000),
                last_success_ms: Some(1_753_000_000_000),
                rules: Some(1895),
                invalid: Some(3),
                error: Some("HTTP 503 from raw.githubusercontent.com".into()),
            },
            ListStatus {
                name: "hostsvn-gambling".into(),
                enabled: true,
                last_attempt_ms: None,
                last_success_ms: None,
                rules: None,
                invalid: None,
                error: None,
            },
        ]
    );

    // A success clears the error.
    store
        .record_list_refresh("hostsvn-adult", &loaded)
        .await
        .unwrap();
    assert_eq!(store.list_status().await.unwrap()[0].error, None);

    let err = store
        .record_list_refresh("nowhere", &failed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownList(ref n) if n == "nowhere"),
        "{err}"
    );
}

#[tokio::test]
async fn a_removed_list_takes_its_status_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let adult = [list("hostsvn-adult", Category::Adult, ORIGIN_FILE)];
    store.sync_file_config(&adult, &[], &[]).await.unwrap();
    let loaded = ListRefresh::Loaded {
        time_ms: 1_753_000_000_000,
        rules: 22_622,
        invalid: 0,
    };
    store
        .record_list_refresh("hostsvn-adult", &loaded)
        .await
        .unwrap();

    store.sync_file_config(&[], &[], &[]).await.unwrap();
    store.sync_file_config(&adult, &[], &[]).await.unwrap();
    // The foreign key's cascade removed the old status with the list.
    assert_eq!(store.list_status().await.unwrap()[0].last_success_ms, None);
}
