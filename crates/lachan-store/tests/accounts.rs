//! Accounts: API tokens by hash, their last use, revocation, users and the audit log.

use lachan_store::{LAST_USED_RESOLUTION_MS, Role, Store};

fn hash(byte: u8) -> [u8; 32] {
    [byte; 32]
}

#[tokio::test]
async fn a_token_is_found_by_its_hash_only() {
    let store = Store::open_in_memory().await.unwrap();
    let id = store
        .create_api_token("bo-cua-an", Role::Guardian, Some("nha-an"), hash(1))
        .await
        .unwrap();
    let token = store.api_token_by_hash(&hash(1)).await.unwrap().unwrap();
    assert_eq!(token.id, id);
    assert_eq!(token.name, "bo-cua-an");
    assert_eq!(token.role, Role::Guardian);
    assert_eq!(token.household.as_deref(), Some("nha-an"));
    assert!(token.last_used_ms.is_some());
    assert_eq!(store.api_token_by_hash(&hash(2)).await.unwrap(), None);
}

#[tokio::test]
async fn two_tokens_cannot_share_a_hash() {
    let store = Store::open_in_memory().await.unwrap();
    store
        .create_api_token("a", Role::Admin, None, hash(7))
        .await
        .unwrap();
    assert!(
        store
            .create_api_token("b", Role::Admin, None, hash(7))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn last_use_is_written_at_most_once_a_minute() {
    let store = Store::open_in_memory().await.unwrap();
    store
        .create_api_token("admin", Role::Admin, None, hash(3))
        .await
        .unwrap();
    let t0 = 1_750_000_000_000;
    let first = store.api_token_by_hash_at(&hash(3), t0).await.unwrap();
    assert_eq!(first.unwrap().last_used_ms, Some(t0));
    let soon = t0 + LAST_USED_RESOLUTION_MS - 1;
    let second = store.api_token_by_hash_at(&hash(3), soon).await.unwrap();
    assert_eq!(second.unwrap().last_used_ms, Some(t0));
    let later = t0 + LAST_USED_RESOLUTION_MS;
    let third = store.api_token_by_hash_at(&hash(3), later).await.unwrap();
    assert_eq!(third.unwrap().last_used_ms, Some(later));
    let listed = store.list_api_tokens().await.unwrap();
    assert_eq!(listed[0].last_used_ms, Some(later));
}

#[tokio::test]
async fn revoked_tokens_are_no_longer_found() {
    let store = Store::open_in_memory().await.unwrap();
    let keep = store
        .create_api_token("giu", Role::Admin, None, hash(4))
        .await
        .unwrap();
    let drop = store
        .create_api_token("bo", Role::Guardian, Some("lop-6a"), hash(5))
        .await
        .unwrap();
    assert!(store.revoke_api_token(drop).await.unwrap());
    assert!(!store.revoke_api_token(drop).await.unwrap());
    assert_eq!(store.api_token_by_hash(&hash(5)).await.unwrap(), None);
    let ids: Vec<i64> = store
        .list_api_tokens()
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, vec![keep]);
}

#[tokio::test]
async fn tokens_survive_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).await.unwrap();
        store
            .create_api_token("cli", Role::Admin, None, hash(9))
            .await
            .unwrap();
    }
    let store = Store::open(dir.path()).await.unwrap();
    let token = store.api_token_by_hash(&hash(9)).await.unwrap().unwrap();
    assert_eq!(token.role, Role::Admin);
    assert_eq!(token.household, None);
}

#[tokio::test]
async fn users_have_unique_names() {
    let store = Store::open_in_memory().await.unwrap();
    assert_eq!(store.user_count().await.unwrap(), 0);
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
    let id = store
        .create_user("co-lan", phc, Role::Guardian, Some("lop-6a"), None)
        .await
        .unwrap();
    assert!(id.is_some());
    let again = store
        .create_user("co-lan", phc, Role::Admin, None, None)
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(store.user_count().await.unwrap(), 1);
    let user = store.user_by_name("co-lan").await.unwrap().unwrap();
    assert_eq!(Some(user.id), id);
    assert_eq!(user.password_hash, phc);
    assert_eq!(user.role, Role::Guardian);
    assert_eq!(user.household.as_deref(), Some("lop-6a"));
    assert_eq!(store.user_by_name("Co-Lan").await.unwrap(), None);
}

#[tokio::test]
async fn the_audit_log_lists_newest_first() {
    let store = Store::open_in_memory().await.unwrap();
    for i in 0..5 {
        store
            .append_audit("admin", "profile changed", &format!("profile {i}"), "")
            .await
            .unwrap();
    }
    let entries = store.audit_log(3).await.unwrap();
    let objects: Vec<&str> = entries.iter().map(|e| e.object.as_str()).collect();
    assert_eq!(objects, ["profile 4", "profile 3", "profile 2"]);
    assert!(entries.iter().all(|e| e.actor == "admin" && e.time_ms > 0));
}

#[test]
fn roles_parse_from_their_names() {
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
    }
    let err = "owner".parse::<Role>().unwrap_err();
    assert!(
        err.to_string()
            .contains("use one of admin, guardian, platform"),
        "{err}"
    );
}
