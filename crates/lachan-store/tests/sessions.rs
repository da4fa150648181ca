//! Console users and their sessions: expiry, sliding past each use, last-seen updates,
//! sign-out, and deletion with the user.

use std::time::Duration;

use lachan_store::{LAST_USED_RESOLUTION_MS, Role, Store};

const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const NEW_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2huZXc";
const T0: i64 = 1_752_944_400_000;
const HOUR: i64 = 3_600_000;

fn hash(byte: u8) -> [u8; 32] {
    [byte; 32]
}

async fn user(store: &Store, name: &str, role: Role, household: Option<&str>) -> i64 {
    store
        .create_user(name, PHC, role, household, None)
        .await
        .unwrap()
        .expect("a new username")
}

/// A second connection to the database file, to look at what the store wrote.
async fn side_connection(dir: &std::path::Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(lachan_store::DATABASE_FILE))
        .busy_timeout(Duration::from_secs(5));
    sqlx::SqlitePool::connect_with(options).await.unwrap()
}

/// The stored last use and expiry of a session.
async fn last_seen(side: &sqlx::SqlitePool, token_hash: &[u8; 32]) -> (i64, i64) {
    sqlx::query_as("SELECT last_seen_ms, expires_ms FROM sessions WHERE token_hash = ?")
        .bind(&token_hash[..])
        .fetch_one(side)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_is_found_until_it_expires() {
    let store = Store::open_in_memory().await.unwrap();
    let id = user(&store, "me-cua-an", Role::Guardian, Some("nha-an")).await;
    store
        .create_session(&hash(1), id, "csrf-one", T0, T0 + 12 * HOUR)
        .await
        .unwrap();

    // Found in the same minute it was made (so not slid).
    let (found, info) = store
        .session_by_hash(&hash(1), T0 + 1_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.username, "me-cua-an");
    assert_eq!(found.role, Role::Guardian);
    assert_eq!(found.household.as_deref(), Some("nha-an"));
    assert_eq!(info.csrf, "csrf-one");
    assert_eq!(info.expires_ms, T0 + 12 * HOUR);
    assert_eq!(store.session_by_hash(&hash(2), T0).await.unwrap(), None);

    // Not used again, it is over at its expiry; one millisecond before, it was still in.
    store
        .create_session(&hash(3), id, "csrf-three", T0, T0 + 12 * HOUR)
        .await
        .unwrap();
    let last = T0 + 12 * HOUR - 1;
    assert!(
        store
            .session_by_hash(&hash(3), last)
            .await
            .unwrap()
            .is_some()
    );
    let at_expiry = T0 + 12 * HOUR;
    assert_eq!(
        store.session_by_hash(&hash(1), at_expiry).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_session_slides_twelve_hours_past_its_last_use() {
    let store = Store::open_in_memory().await.unwrap();
    let id = user(&store, "admin", Role::Admin, None).await;
    store
        .create_session(&hash(1), id, "c", T0, T0 + 12 * HOUR)
        .await
        .unwrap();
    let expiry = |found: Option<(lachan_store::User, lachan_store::SessionInfo)>| {
        found.expect("the session is alive").1.expires_ms
    };
    // Used an hour in: it now ends 12 hours after that use.
    let used = T0 + HOUR;
    let found = store.session_by_hash(&hash(1), used).await.unwrap();
    assert_eq!(expiry(found), used + 12 * HOUR);
    // Used again within the minute: nothing is written, the expiry stays.
    let again = used + LAST_USED_RESOLUTION_MS - 1;
    let found = store.session_by_hash(&hash(1), again).await.unwrap();
    assert_eq!(expiry(found), used + 12 * HOUR);
    // Past the original 12 hours it lives on, and slides again.
    let late = T0 + 12 * HOUR + 30 * 60_000;
    let found = store.session_by_hash(&hash(1), late).await.unwrap();
    assert_eq!(expiry(found), late + 12 * HOUR);
    // Left alone for 12 hours after that, it is over and can be cleaned up.
    let over = late + 12 * HOUR;
    assert_eq!(store.session_by_hash(&hash(1), over).await.unwrap(), None);
    assert_eq!(store.delete_expired_sessions(over).await.unwrap(), 1);
}

#[tokio::test]
async fn expired_sessions_are_deleted_and_others_kept() {
    let store = Store::open_in_memory().await.unwrap();
    let id = user(&store, "admin", Role::Admin, None).await;
    for (byte, expires) in [(1, T0 + HOUR), (2, T0 + 2 * HOUR), (3, T0 + 3 * HOUR)] {
        store
            .create_session(&hash(byte), id, "c", T0, expires)
            .await
            .unwrap();
    }
    assert_eq!(store.delete_expired_sessions(T0).await.unwrap(), 0);
    assert_eq!(
        store.delete_expired_sessions(T0 + 2 * HOUR).await.unwrap(),
        2
    );
    assert_eq!(store.session_by_hash(&hash(1), T0).await.unwrap(), None);
    assert_eq!(store.session_by_hash(&hash(2), T0).await.unwrap(), None);
    assert!(store.session_by_hash(&hash(3), T0).await.unwrap().is_some());
}

#[tokio::test]
async fn last_seen_and_expiry_are_written_at_most_once_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let side = side_connection(dir.path()).await;
    let id = user(&store, "admin", Role::Admin, None).await;
    store
        .create_session(&hash(4), id, "c", T0, T0 + 12 * HOUR)
        .await
        .unwrap();
    assert_eq!(last_seen(&side, &hash(4)).await, (T0, T0 + 12 * HOUR));

    let soon = T0 + LAST_USED_RESOLUTION_MS - 1;
    store
        .session_by_hash(&hash(4), soon)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last_seen(&side, &hash(4)).await, (T0, T0 + 12 * HOUR));
    let later = T0 + LAST_USED_RESOLUTION_MS;
    store
        .session_by_hash(&hash(4), later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last_seen(&side, &hash(4)).await, (later, later + 12 * HOUR));
}

#[tokio::test]
async fn sessions_end_on_sign_out_and_with_their_user() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let side = side_connection(dir.path()).await;
    let lan = user(&store, "co-lan", Role::Guardian, Some("lop-6a")).await;
    let admin = user(&store, "admin", Role::Admin, None).await;
    for byte in 1..=3 {
        store
            .create_session(&hash(byte), lan, "c", T0, T0 + HOUR)
            .await
            .unwrap();
    }
    store
        .create_session(&hash(9), admin, "c", T0, T0 + HOUR)
        .await
        .unwrap();

    // Sign-out ends one session.
    assert!(store.delete_session(&hash(1)).await.unwrap());
    assert!(!store.delete_session(&hash(1)).await.unwrap());
    assert_eq!(store.session_by_hash(&hash(1), T0).await.unwrap(), None);

    // Deleting the user ends the rest (the foreign key cascades), and only theirs.
    assert!(store.delete_user(lan).await.unwrap());
    assert!(!store.delete_user(lan).await.unwrap());
    assert_eq!(store.session_by_hash(&hash(2), T0).await.unwrap(), None);
    let rows: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM sessions")
        .fetch_all(&side)
        .await
        .unwrap();
    assert_eq!(rows, vec![admin]);
    assert!(store.session_by_hash(&hash(9), T0).await.unwrap().is_some());

    // A session for a user that does not exist is refused.
    assert!(
        store
            .create_session(&hash(5), lan, "c", T0, T0 + HOUR)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn all_sessions_of_a_user_can_be_ended() {
    let store = Store::open_in_memory().await.unwrap();
    let lan = user(&store, "co-lan", Role::Guardian, Some("lop-6a")).await;
    let admin = user(&store, "admin", Role::Admin, None).await;
    for byte in 1..=3 {
        store
            .create_session(&hash(byte), lan, "c", T0, T0 + HOUR)
            .await
            .unwrap();
    }
    store
        .create_session(&hash(9), admin, "c", T0, T0 + HOUR)
        .await
        .unwrap();
    assert_eq!(store.delete_user_sessions(lan).await.unwrap(), 3);
    assert_eq!(store.delete_user_sessions(lan).await.unwrap(), 0);
    assert!(store.session_by_hash(&hash(9), T0).await.unwrap().is_some());
    // The user stays.
    assert!(store.user_by_id(lan).await.unwrap().is_some());
}

#[tokio::test]
async fn users_are_listed_found_by_id_and_given_new_passwords() {
    let store = Store::open_in_memory().await.unwrap();
    let lan = user(&store, "co-lan", Role::Guardian, Some("lop-6a")).await;
    let admin = user(&store, "admin", Role::Admin, None).await;
    let names: Vec<String> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["admin", "co-lan"]);

    let found = store.user_by_id(lan).await.unwrap().unwrap();
    assert_eq!(found, store.user_by_name("co-lan").await.unwrap().unwrap());
    assert_eq!(found.password_hash, PHC);
    assert_eq!(store.user_by_id(admin + 100).await.unwrap(), None);

    assert!(store.set_user_password(lan, NEW_PHC).await.unwrap());
    assert!(!store.set_user_password(admin + 100, NEW_PHC).await.unwrap());
    let changed = store.user_by_id(lan).await.unwrap().unwrap();
    assert_eq!(changed.password_hash, NEW_PHC);
    assert_eq!(changed.role, Role::Guardian);
    let other = store.user_by_id(admin).await.unwrap().unwrap();
    assert_eq!(other.password_hash, PHC);
}
