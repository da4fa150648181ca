//! Upgrading a database made before the hotline (schema 0010) rebuilds `users` for the new
//! roles: every user and every session survives, the sessions still reference their users
//! (deleting a user still deletes them), and the foreign-key check stays clean.

use std::str::FromStr;

use lachan_store::{DATABASE_FILE, Role, Store};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// A user as compared: id, username, role, household, hotline.
type UserRow<'a> = (i64, &'a str, Role, Option<&'a str>, Option<&'a str>);

const T0: i64 = 1_779_814_800_000;
const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/// A database at schema version 10 with two users and three sessions, as a deployment made
/// before the hotline has it.
async fn database_before_the_hotline(dir: &std::path::Path) {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{}", dir.join(DATABASE_FILE).display()))
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate!("./migrations")
        .run_to(10, &pool)
        .await
        .unwrap();
    for (id, name, role, household) in [
        (1, "admin", "admin", None),
        (2, "co-lan", "guardian", Some("lop-6a")),
    ] {
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, household, created_ms) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(name)
        .bind(PHC)
        .bind(role)
        .bind(household)
        .bind(T0)
        .execute(&pool)
        .await
        .unwrap();
    }
    for (hash, user) in [(1_u8, 1), (2, 2), (3, 2)] {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms, \
             last_seen_ms) VALUES (?, ?, 'csrf', ?, ?, ?)",
        )
        .bind(&[hash; 32][..])
        .bind(user)
        .bind(T0)
        .bind(T0 + 86_400_000)
        .bind(T0)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn users_and_sessions_survive_the_rebuild_of_users() {
    let dir = tempfile::tempdir().unwrap();
    database_before_the_hotline(dir.path()).await;
    let store = Store::open(dir.path()).await.unwrap();

    let users = store.list_users().await.unwrap();
    let listed: Vec<UserRow> = users
        .iter()
        .map(|u| {
            (
                u.id,
                u.username.as_str(),
                u.role,
                u.household.as_deref(),
                u.hotline.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (1, "admin", Role::Admin, None, None),
            (2, "co-lan", Role::Guardian, Some("lop-6a"), None),
        ]
    );
    assert_eq!(users[0].password_hash, PHC);
    for hash in [1_u8, 2, 3] {
        let (user, _) = store
            .session_by_hash(&[hash; 32], T0 + 1)
            .await
            .unwrap()
            .expect("the session survived the upgrade");
        assert_eq!(user.id, if hash == 1 { 1 } else { 2 });
    }

    let options = SqliteConnectOptions::new()
        .filename(dir.path().join(DATABASE_FILE))
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let problems = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        problems.is_empty(),
        "{} foreign key problems",
        problems.len()
    );
    let parents: Vec<String> =
        sqlx::query("SELECT \"table\" FROM pragma_foreign_key_list('sessions')")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(
        parents,
        ["users"],
        "sessions still reference the rebuilt table"
    );
    let temp: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_temp_master")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(temp, 0);
    pool.close().await;

    // The foreign key still acts: a deleted user's sessions go with them.
    assert!(store.delete_user(2).await.unwrap());
    assert!(
        store
            .session_by_hash(&[2; 32], T0 + 1)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session_by_hash(&[1; 32], T0 + 1)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn hotline_staff_need_their_hotline() {
    let store = Store::open_in_memory().await.unwrap();
    for role in [Role::Operator, Role::Supervisor] {
        let err = store
            .create_user("tvv", PHC, role, None, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("hotline"), "{err}");
        assert!(role.is_person() && role.is_hotline_staff());
    }
    let id = store
        .create_user("tvv-lan", PHC, Role::Operator, None, Some("111"))
        .await
        .unwrap()
        .unwrap();
    let user = store.user_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (user.role, user.hotline.as_deref()),
        (Role::Operator, Some("111"))
    );
    let admin = store
        .create_user("admin", PHC, Role::Admin, None, Some("111"))
        .await
        .unwrap()
        .unwrap();
    let admin = store.user_by_id(admin).await.unwrap().unwrap();
    assert_eq!(
        admin.hotline.as_deref(),
        Some("111"),
        "an admin may supervise a hotline"
    );
    assert_eq!("supervisor".parse::<Role>().unwrap(), Role::Supervisor);
    assert!(!Role::Guardian.is_hotline_staff());
}
