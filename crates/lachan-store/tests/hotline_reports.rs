//! Hotline reports: every field a channel records comes back as filed; the store refuses what
//! does not fit; a sender's retries (same token and idempotency key) file one report, even when
//! hundreds of requests race on a file database; the queue holds a hotline's new reports,
//! oldest first.

mod hotline_support;

use std::collections::HashSet;

use hotline_support::{HOUR, T0, bullying, platform_report};
use lachan_hotline::{Channel, Subtype};
use lachan_policy::Category;
use lachan_store::hotline::{ContentHash, HashKind, HotlineError, Identity, NewReport, limits};
use lachan_store::{ReportStatus, Store, StoreError};

#[tokio::test]
async fn a_report_keeps_every_field_it_was_filed_with() {
    let store = Store::open_in_memory().await.unwrap();
    let filed = bullying(T0, Channel::Phone);
    let done = store.file_report(&filed).await.unwrap();
    assert!(done.created);
    assert_eq!(done.received_ms, T0);
    let report = store.report(done.id).await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::New);
    assert_eq!(report.case_id, None);
    assert_eq!(report.filed, filed);

    let hashed = platform_report(T0, 7, "a-1");
    let done = store.file_report(&hashed).await.unwrap();
    let back = store.report(done.id).await.unwrap().unwrap().filed;
    assert_eq!(
        back.hashes[0].value,
        "ab".repeat(32),
        "hex is stored in lower case"
    );
    assert_eq!(back.urls, hashed.urls);
    assert_eq!(back.idempotency_key.as_deref(), Some("a-1"));

    let json = serde_json::to_value(store.report(done.id).await.unwrap().unwrap()).unwrap();
    assert_eq!(json["source"], "platform");
    assert_eq!(json["subtype"], "csam");
    assert_eq!(json["hashes"][0]["kind"], "sha256");
}

#[tokio::test]
async fn redacted_reports_lose_only_the_identity_fields() {
    let store = Store::open_in_memory().await.unwrap();
    let id = store
        .file_report(&bullying(T0, Channel::Zalo))
        .await
        .unwrap()
        .id;
    let full = store.report(id).await.unwrap().unwrap();
    assert!(!full.filed.identity.is_empty());
    let redacted = full.clone().redacted();
    assert_eq!(redacted.filed.identity, Identity::default());
    assert_eq!(redacted.filed.description, full.filed.description);
    let json = serde_json::to_string(&redacted).unwrap();
    assert!(
        !json.contains("Nguyễn Thu Hà") && !json.contains("0912"),
        "{json}"
    );
}

#[tokio::test]
async fn reports_that_do_not_fit_are_refused() {
    let store = Store::open_in_memory().await.unwrap();
    let refused = |result: Result<_, StoreError>| match result {
        Err(StoreError::Hotline(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    };

    let mut long = bullying(T0, Channel::WebForm);
    long.description = Some("ă".repeat(limits::MAX_DESCRIPTION_CHARS + 1));
    let err = refused(store.file_report(&long).await);
    assert_eq!(
        err,
        HotlineError::TooLong {
            field: "description",
            max: limits::MAX_DESCRIPTION_CHARS
        }
    );
    long.description = Some("ă".repeat(limits::MAX_DESCRIPTION_CHARS));
    store.file_report(&long).await.unwrap();

    let mut many = bullying(T0, Channel::WebForm);
    many.urls = (0..=limits::MAX_URLS)
        .map(|i| format!("https://example.vn/{i}"))
        .collect();
    assert!(matches!(
        refused(store.file_report(&many).await),
        HotlineError::TooMany { field: "URLs", .. }
    ));

    let mut mismatch = bullying(T0, Channel::WebForm);
    mismatch.subtype = Some(Subtype::Csam);
    let err = refused(store.file_report(&mismatch).await);
    assert!(err.to_string().contains("sexual_minors"), "{err}");
    mismatch.subtype = Some(Subtype::Other);
    store.file_report(&mismatch).await.unwrap();

    let mut nowhere = bullying(T0, Channel::WebForm);
    nowhere.province = Some("sai-gon".into());
    assert_eq!(
        refused(store.file_report(&nowhere).await),
        HotlineError::UnknownProvince("sai-gon".into())
    );
    nowhere.province = Some("unknown".into());
    store.file_report(&nowhere).await.unwrap();

    let mut bad_hash = platform_report(T0, 7, "h");
    bad_hash.hashes = vec![ContentHash {
        kind: HashKind::Md5,
        value: "ab".repeat(32),
    }];
    let err = refused(store.file_report(&bad_hash).await);
    assert!(err.to_string().contains("32 hexadecimal digits"), "{err}");

    assert_eq!(store.reports(100).await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_report() {
    let store = Store::open_in_memory().await.unwrap();
    let first = store
        .file_report(&platform_report(T0, 7, "upload-9"))
        .await
        .unwrap();
    let retry = store
        .file_report(&platform_report(T0 + 5_000, 7, "upload-9"))
        .await
        .unwrap();
    assert_eq!(
        (retry.id, retry.created, retry.received_ms),
        (first.id, false, T0)
    );

    // Keys are per sender: another token, or no token, files a report of its own.
    let other = store
        .file_report(&platform_report(T0, 8, "upload-9"))
        .await
        .unwrap();
    assert!(other.created && other.id != first.id);
    let mut detection = platform_report(T0, 7, "conversation:ab12");
    detection.token_id = None;
    detection.source = Channel::GroomingAlert;
    let once = store.file_report(&detection).await.unwrap();
    let twice = store.file_report(&detection).await.unwrap();
    assert!(once.created && !twice.created && once.id == twice.id);

    // Without a key, every filing is a report.
    let a = store
        .file_report(&bullying(T0, Channel::Phone))
        .await
        .unwrap();
    let b = store
        .file_report(&bullying(T0, Channel::Phone))
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(store.reports(100).await.unwrap().len(), 5);
}

/// 500 concurrent filings by two platforms, each key sent twice or three times: one report per
/// (platform, key), and every answer for a key names that report.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_file_each_report_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let keys = 200;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..500_i64 {
        let store = store.clone();
        let token = 1 + i % 2;
        let key = format!("k{}", (i / 2) % keys);
        tasks.spawn(async move {
            let filed = store
                .file_report(&platform_report(T0 + i, token, &key))
                .await
                .unwrap();
            (token, key, filed)
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    assert_eq!(answers.len(), 500);

    let stored = store.reports(10_000).await.unwrap();
    assert_eq!(
        stored.len(),
        2 * keys as usize,
        "one report per platform and key"
    );
    let created = answers.iter().filter(|(_, _, f)| f.created).count();
    assert_eq!(
        created,
        stored.len(),
        "exactly one filing of each key created it"
    );
    for (token, key, filed) in &answers {
        let report = stored.iter().find(|r| r.id == filed.id).unwrap();
        assert_eq!(report.filed.token_id, Some(*token));
        assert_eq!(report.filed.idempotency_key.as_deref(), Some(key.as_str()));
        assert_eq!(report.filed.created_ms, filed.received_ms);
    }
    let ids: HashSet<i64> = answers.iter().map(|(_, _, f)| f.id).collect();
    assert_eq!(ids.len(), stored.len());
}

#[tokio::test]
async fn the_queue_holds_new_reports_of_one_hotline_oldest_first() {
    let store = Store::open_in_memory().await.unwrap();
    let late = store
        .file_report(&bullying(T0 + 2 * HOUR, Channel::Phone))
        .await
        .unwrap()
        .id;
    let early = store
        .file_report(&bullying(T0, Channel::WebForm))
        .await
        .unwrap()
        .id;
    let elsewhere = NewReport {
        hotline: "da-nang".into(),
        ..bullying(T0, Channel::Phone)
    };
    store.file_report(&elsewhere).await.unwrap();
    let image = NewReport::new(
        T0 + HOUR,
        "111",
        Channel::ImageMatch,
        Category::SexualMinors,
    );
    let matched = store.file_report(&image).await.unwrap().id;

    let queue: Vec<i64> = store
        .queue("111", 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(queue, [early, matched, late]);
    assert_eq!(store.queue("111", 2).await.unwrap().len(), 2);
    assert_eq!(store.queue("da-nang", 10).await.unwrap().len(), 1);
    assert!(store.queue("hue", 10).await.unwrap().is_empty());
}
