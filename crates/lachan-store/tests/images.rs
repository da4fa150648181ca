//! Image hash banks and reports: banks made once per name and category, hashes added in
//! batches with duplicates left alone, read back page by page exactly once, removed with their
//! hashes; the generation that tells servers to reload moves only when an import finishes or a
//! bank goes; reports keep hashes and references and have no column for content.

use lachan_policy::Category;
use lachan_store::{
    BankCategory, Channel, ImageMatchDetails, NewBankHash, NewReport, ReportStatus, Store,
    StoreError,
};
use sqlx::Row;

const T0: i64 = 1_780_000_000_000;

/// A distinct hash for `n`.
fn hash(n: u32) -> [u8; 32] {
    let mut h = [0u8; 32];
    h[..4].copy_from_slice(&n.to_be_bytes());
    h[31] = 0xa5;
    h
}

fn new(n: u32, label: Option<&str>) -> NewBankHash {
    NewBankHash {
        hash: hash(n),
        label: label.map(str::to_string),
    }
}

#[tokio::test]
async fn a_bank_is_made_once_and_keeps_its_category() {
    let store = Store::open_in_memory().await.unwrap();
    let bank = store
        .open_image_bank(
            "ncmec-2026",
            BankCategory::SexualMinors,
            Some("NCMEC export"),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        (bank.name.as_str(), bank.category, bank.hashes),
        ("ncmec-2026", BankCategory::SexualMinors, 0)
    );
    assert_eq!(bank.source.as_deref(), Some("NCMEC export"));
    // Opening again gives the same bank; a new note replaces the old, none keeps it.
    let again = store
        .open_image_bank("ncmec-2026", BankCategory::SexualMinors, None, T0 + 5)
        .await
        .unwrap();
    assert_eq!((again.id, again.created_ms), (bank.id, T0));
    assert_eq!(again.source.as_deref(), Some("NCMEC export"));

    let err = store
        .open_image_bank("ncmec-2026", BankCategory::Custom, None, T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BankCategoryConflict { .. }));
    let text = err.to_string();
    assert!(
        text.contains("holds sexual_minors hashes, not custom"),
        "{text}"
    );
    assert!(
        text.contains("lachan image bank remove ncmec-2026"),
        "{text}"
    );

    for bad in ["", "a b", "ngân-hàng", "x/y", &"a".repeat(65)] {
        let err = store
            .open_image_bank(bad, BankCategory::Custom, None, T0)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("is not a bank name"),
            "{bad}: {err}"
        );
    }
    assert_eq!(store.image_banks().await.unwrap().len(), 1);
}

#[tokio::test]
async fn hashes_are_added_once_per_bank_and_read_back_page_by_page() {
    let store = Store::open_in_memory().await.unwrap();
    let csam = store
        .open_image_bank("csam", BankCategory::SexualMinors, None, T0)
        .await
        .unwrap();
    let own = store
        .open_image_bank("own", BankCategory::Custom, None, T0)
        .await
        .unwrap();
    // 2500 hashes span three INSERT statements; 100 of them are repeated inside the batch.
    let mut batch: Vec<NewBankHash> = (0..2500).map(|n| new(n, None)).collect();
    batch.extend((0..100).map(|n| new(n, Some("again"))));
    assert_eq!(
        store.add_image_bank_hashes(csam.id, &batch).await.unwrap(),
        2500
    );
    // A later batch with known hashes adds only the new ones; first labels stay.
    let later = [new(7, Some("case 7")), new(9000, Some("case 9000"))];
    assert_eq!(
        store.add_image_bank_hashes(csam.id, &later).await.unwrap(),
        1
    );
    // The same hash in another bank is another entry.
    assert_eq!(
        store
            .add_image_bank_hashes(own.id, &[new(7, Some("ours"))])
            .await
            .unwrap(),
        1
    );
    let banks = store.image_banks().await.unwrap();
    let counts: Vec<_> = banks.iter().map(|b| (b.name.as_str(), b.hashes)).collect();
    assert_eq!(counts, [("csam", 2501), ("own", 1)]);

    // Pages of 1000 read every hash exactly once, in increasing id.
    let mut seen = Vec::new();
    let mut after = 0;
    for _ in 0..10 {
        let page = store.image_bank_hashes(None, after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        seen.extend(page);
    }
    assert_eq!(seen.len(), 2502);
    assert!(seen.windows(2).all(|w| w[0].id < w[1].id));
    let only_own = store
        .image_bank_hashes(Some(&[own.id]), 0, 1000)
        .await
        .unwrap();
    assert_eq!(only_own.len(), 1);
    assert_eq!((only_own[0].bank_id, only_own[0].hash), (own.id, hash(7)));
    assert!(
        store
            .image_bank_hashes(Some(&[]), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Labels are read for the rows that have one.
    let ids: Vec<i64> = seen
        .iter()
        .filter(|h| h.bank_id == csam.id)
        .map(|h| h.id)
        .collect();
    let labels = store.image_bank_labels(&ids).await.unwrap();
    assert_eq!(labels.len(), 1, "{labels:?}");
    assert_eq!(labels.values().next().unwrap(), "case 9000");
    let own_label = store.image_bank_labels(&[only_own[0].id]).await.unwrap();
    assert_eq!(own_label[&only_own[0].id], "ours");
}

#[tokio::test]
async fn the_generation_moves_when_an_import_finishes_or_a_bank_goes() {
    let store = Store::open_in_memory().await.unwrap();
    let start = store.image_bank_generation().await.unwrap();
    let bank = store
        .open_image_bank("terror", BankCategory::Terror, None, T0)
        .await
        .unwrap();
    store
        .add_image_bank_hashes(bank.id, &[new(1, None), new(2, None)])
        .await
        .unwrap();
    assert_eq!(store.image_bank_generation().await.unwrap(), start);
    store
        .finish_image_bank_import(bank.id, T0 + 1000)
        .await
        .unwrap();
    assert_eq!(store.image_bank_generation().await.unwrap(), start + 1);
    assert_eq!(
        store
            .image_bank("terror")
            .await
            .unwrap()
            .unwrap()
            .updated_ms,
        T0 + 1000
    );

    assert_eq!(store.remove_image_bank("terror").await.unwrap(), Some(2));
    assert_eq!(store.image_bank_generation().await.unwrap(), start + 2);
    assert_eq!(store.remove_image_bank("terror").await.unwrap(), None);
    assert_eq!(store.image_bank_generation().await.unwrap(), start + 2);
    assert!(store.image_bank("terror").await.unwrap().is_none());
    assert!(
        store
            .image_bank_hashes(None, 0, 10)
            .await
            .unwrap()
            .is_empty(),
        "the hashes went with the bank"
    );
}

#[tokio::test]
async fn a_large_import_in_batches_is_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let bank = store
        .open_image_bank("big", BankCategory::SexualMinors, None, T0)
        .await
        .unwrap();
    let mut added = 0;
    for start in (0..200_000u32).step_by(20_000) {
        let batch: Vec<NewBankHash> = (start..start + 20_000).map(|n| new(n, None)).collect();
        added += store.add_image_bank_hashes(bank.id, &batch).await.unwrap();
    }
    assert_eq!(added, 200_000);
    store.finish_image_bank_import(bank.id, T0).await.unwrap();
    assert_eq!(
        store.image_bank("big").await.unwrap().unwrap().hashes,
        200_000
    );
}

fn image_report(reference: &str) -> NewReport {
    NewReport {
        reporter: Some("token:game-app".into()),
        token_id: Some(4),
        platform_reference: Some(reference.into()),
        pdq: Some("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22".into()),
        sha256: Some("ab".repeat(32)),
        image_match: Some(ImageMatchDetails {
            bank: "ncmec".into(),
            bank_label: Some("case 17".into()),
            distance: 4,
            transform: "rotate90".into(),
        }),
        ..NewReport::new(T0, "111", Channel::ImageMatch, Category::SexualMinors)
    }
}

#[tokio::test]
async fn reports_keep_hashes_and_references_only() {
    let store = Store::open_in_memory().await.unwrap();
    let first = store
        .file_report(&image_report("upload-1"))
        .await
        .unwrap()
        .id;
    let mut later = image_report("upload-2");
    later.created_ms = T0 + 1;
    later.image_match = None;
    let second = store.file_report(&later).await.unwrap().id;

    let report = store.report(first).await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::New);
    assert_eq!(report.filed, image_report("upload-1"));
    let listed = store.reports(10).await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|r| r.id).collect();
    assert_eq!(ids, [second, first], "newest first");
    assert_eq!(listed[0].filed.image_match, None);
    assert!(store.report(second + 1).await.unwrap().is_none());

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["status"], "new");
    assert_eq!(json["source"], "image_match");
    assert_eq!(json["category"], "sexual_minors");
    assert_eq!(json["image_match"]["transform"], "rotate90");
}

#[tokio::test]
async fn no_image_table_has_a_column_for_content() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Store::open(tmp.path()).await.unwrap());
    let path = tmp.path().join(lachan_store::DATABASE_FILE);
    let pool =
        sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
    for (table, blobs) in [
        ("reports", &[][..]),
        ("image_banks", &[][..]),
        ("image_bank_hashes", &["hash"][..]),
    ] {
        let columns = sqlx::query("SELECT name, type FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(!columns.is_empty(), "{table}");
        let found: Vec<String> = columns
            .iter()
            .filter(|c| c.get::<String, _>("type") == "BLOB")
            .map(|c| c.get("name"))
            .collect();
        assert_eq!(found, blobs, "{table}: BLOB columns");
    }
    pool.close().await;
}
