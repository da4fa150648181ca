//! The hash-chained audit log: appends chain and verify; an entry edited, removed from the
//! middle, the start or the end, or added by hand is found at its id; 200 concurrent appends
//! from four connections chain without a break; entries from before the chain are chained on
//! the first open after the upgrade; the filtered reads.

use std::path::Path;

use lachan_store::{AuditProblem, AuditProblemKind, DATABASE_FILE, Store, StoreError};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;

/// A second connection to the store's file, for what only a tamperer would do.
async fn raw(dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new().filename(dir.join(DATABASE_FILE));
    SqlitePool::connect_with(options).await.unwrap()
}

async fn exec(pool: &SqlitePool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// A store in `dir` holding entries 1 to `n`.
async fn store_with(dir: &Path, n: i64) -> Store {
    let store = Store::open(dir).await.unwrap();
    for i in 1..=n {
        let id = store
            .append_audit(
                "co-lan",
                "case read",
                &format!("case:{i}"),
                "opened the case page",
            )
            .await
            .unwrap();
        assert_eq!(id, i);
    }
    store
}

fn problem(id: i64, kind: AuditProblemKind) -> Option<AuditProblem> {
    Some(AuditProblem { id, kind })
}

#[tokio::test]
async fn an_untouched_log_verifies_and_the_last_hash_moves_with_each_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let empty = store.verify_audit().await.unwrap();
    assert!(empty.is_intact());
    assert_eq!((empty.entries, empty.last_hash), (0, None));

    let store = store_with(tmp.path(), 5).await;
    let five = store.verify_audit().await.unwrap();
    assert!(five.is_intact(), "{five:?}");
    assert_eq!(five.entries, 5);
    store
        .append_audit("admin", "user created", "user:ba", "")
        .await
        .unwrap();
    let six = store.verify_audit().await.unwrap();
    assert!(six.is_intact(), "{six:?}");
    assert_eq!(six.entries, 6);
    assert!(six.last_hash.is_some() && six.last_hash != five.last_hash);

    // Reopening changes nothing.
    drop(store);
    let reopened = Store::open(tmp.path()).await.unwrap();
    assert_eq!(reopened.verify_audit().await.unwrap(), six);
}

#[tokio::test]
async fn an_edited_entry_is_found_at_its_id() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(tmp.path(), 5).await;
    let db = raw(tmp.path()).await;
    exec(
        &db,
        "UPDATE audit_log SET detail = 'nothing happened' WHERE id = 3",
    )
    .await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(3, AuditProblemKind::Edited));
    assert_eq!(found.entries, 2, "entries 1 and 2 are intact");

    // Giving the edited entry another entry's hash does not hide it either.
    exec(
        &db,
        "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 4) WHERE id = 3",
    )
    .await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(3, AuditProblemKind::Edited));
}

#[tokio::test]
async fn an_edited_time_or_actor_is_found_too() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(tmp.path(), 4).await;
    let db = raw(tmp.path()).await;
    exec(
        &db,
        "UPDATE audit_log SET time_ms = time_ms - 3600000 WHERE id = 4",
    )
    .await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(4, AuditProblemKind::Edited));
    exec(
        &db,
        "UPDATE audit_log SET actor = 'someone-else' WHERE id = 1",
    )
    .await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(1, AuditProblemKind::Edited));
    assert_eq!((found.entries, found.last_hash), (0, None));
}

#[tokio::test]
async fn a_removed_entry_in_the_middle_or_at_the_start_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(tmp.path(), 5).await;
    let db = raw(tmp.path()).await;
    exec(&db, "DELETE FROM audit_log WHERE id = 3").await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(3, AuditProblemKind::Removed));
    assert_eq!(found.entries, 2);

    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(tmp.path(), 5).await;
    let db = raw(tmp.path()).await;
    exec(&db, "DELETE FROM audit_log WHERE id <= 2").await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(2, AuditProblemKind::Removed));
}

#[tokio::test]
async fn entries_removed_from_the_end_are_found_and_stay_found_after_new_appends() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(tmp.path(), 5).await;
    let db = raw(tmp.path()).await;
    exec(&db, "DELETE FROM audit_log WHERE id >= 4").await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(5, AuditProblemKind::TailRemoved));
    assert_eq!(found.entries, 3);

    // A new entry takes the id after the head's, so the gap shows where the removal was.
    let id = store
        .append_audit("admin", "signed in", "admin", "")
        .await
        .unwrap();
    assert_eq!(id, 6);
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(4, AuditProblemKind::Removed));

    // Emptying the log is a removal from the end too.
    exec(&db, "DELETE FROM audit_log").await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(6, AuditProblemKind::TailRemoved));
}

#[tokio::test]
async fn entries_added_by_hand_or_a_tampered_head_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(tmp.path(), 3).await;
    let db = raw(tmp.path()).await;
    exec(
        &db,
        "INSERT INTO audit_log (id, time_ms, actor, action, object, detail) \
         VALUES (4, 0, 'admin', 'case closed', 'case:9', '')",
    )
    .await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(4, AuditProblemKind::Unchained));
    assert_eq!(found.entries, 3);
    exec(&db, "DELETE FROM audit_log WHERE id = 4").await;
    assert!(store.verify_audit().await.unwrap().is_intact());

    exec(&db, "UPDATE audit_head SET entries = 2").await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(3, AuditProblemKind::HeadMismatch));

    exec(&db, "DELETE FROM audit_head").await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(3, AuditProblemKind::HeadMismatch));
    // Without its head the log cannot be extended: the error says what to do.
    let err = store
        .append_audit("admin", "signed in", "admin", "")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                table: "audit_head",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("lachan audit verify"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_appends_chain_without_a_break() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .append_audit(
                    &format!("operator-{}", i % 7),
                    "case read",
                    &format!("case:{i}"),
                    "",
                )
                .await
        });
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        ids.push(done.unwrap().unwrap());
    }
    ids.sort_unstable();
    assert_eq!(ids, (1..=200).collect::<Vec<i64>>());
    let verified = store.verify_audit().await.unwrap();
    assert!(verified.is_intact(), "{verified:?}");
    assert_eq!(verified.entries, 200);
}

#[tokio::test]
async fn entries_from_before_the_chain_are_chained_on_the_first_open() {
    let tmp = tempfile::tempdir().unwrap();
    // A database as the version before the chain left it: migrations up to 0009 and 2,345
    // entries (more than two of the pages that chaining and verification read at a time).
    let db = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(tmp.path().join(DATABASE_FILE))
            .create_if_missing(true),
    )
    .await
    .unwrap();
    sqlx::migrate!().run_to(9, &db).await.unwrap();
    exec(
        &db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2345) \
         INSERT INTO audit_log (id, time_ms, actor, action, object, detail) \
         SELECT i, 1764000000000 + i, 'cli', 'token created', 'token:' || i, '' FROM n",
    )
    .await;

    let store = Store::open(tmp.path()).await.unwrap();
    let verified = store.verify_audit().await.unwrap();
    assert!(verified.is_intact(), "{verified:?}");
    assert_eq!(verified.entries, 2345);
    let id = store
        .append_audit("admin", "signed in", "admin", "")
        .await
        .unwrap();
    assert_eq!(id, 2346);
    let verified = store.verify_audit().await.unwrap();
    assert!(verified.is_intact(), "{verified:?}");
    assert_eq!(verified.entries, 2346);
    // Opening again finds nothing left to chain.
    drop(store);
    let store = Store::open(tmp.path()).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), verified);

    // From then on the old entries are protected like the new ones.
    exec(
        &db,
        "UPDATE audit_log SET action = 'nothing' WHERE id = 2001",
    )
    .await;
    let found = store.verify_audit().await.unwrap();
    assert_eq!(found.problem, problem(2001, AuditProblemKind::Edited));
    assert_eq!(found.entries, 2000);
}

#[tokio::test]
async fn reads_filter_by_actor_and_object_prefix_newest_first() {
    let store = Store::open_in_memory().await.unwrap();
    for (actor, object) in [
        ("co-lan", "case:12"),
        ("anh-minh", "case:12/attachment:3"),
        ("co-lan", "case:123"),
        ("co-lan", "user:ba"),
    ] {
        store.append_audit(actor, "read", object, "").await.unwrap();
    }
    let objects = |entries: Vec<lachan_store::AuditEntry>| -> Vec<String> {
        entries.into_iter().map(|e| e.object).collect()
    };
    assert_eq!(
        objects(store.audit_entries_for("case:12/", 10).await.unwrap()),
        ["case:12/attachment:3"]
    );
    assert_eq!(
        objects(store.audit_entries_for("case:12", 2).await.unwrap()),
        ["case:123", "case:12/attachment:3"]
    );
    assert_eq!(
        objects(
            store
                .audit_log_filtered(Some("co-lan"), Some("case:"), 10)
                .await
                .unwrap()
        ),
        ["case:123", "case:12"]
    );
    assert_eq!(
        objects(
            store
                .audit_log_filtered(Some("co-lan"), None, 10)
                .await
                .unwrap()
        ),
        ["user:ba", "case:123", "case:12"]
    );
    // LIKE's wildcards are plain characters in a prefix.
    assert!(
        store
            .audit_entries_for("case%", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.audit_log(10).await.unwrap().len(), 4);
}
