//! The text-safety API's conversation state: per owner, expiring, capped, applied one update
//! at a time, forgotten with its token or user; and platform tokens, which migration 0008 made
//! possible without losing the tokens made before it.

use std::sync::Arc;

use lachan_store::{ConversationLimits, ConversationOwner, ConversationUpdate, Role, Store};
use sqlx::Row;
use sqlx::sqlite::SqliteConnectOptions;

const HOUR_MS: i64 = 3_600_000;
const T0: i64 = 1_780_000_000_000;

const LIMITS: ConversationLimits = ConversationLimits {
    expire_after_ms: 168 * HOUR_MS,
    max_per_owner: 3,
};

fn conversation(byte: u8) -> [u8; 32] {
    [byte; 32]
}

/// Appends `message` to a state that is a list of numbers as text; answers the state before.
async fn push(
    store: &Store,
    owner: ConversationOwner,
    id: u8,
    now_ms: i64,
    message: u32,
) -> ConversationUpdate<Option<String>> {
    store
        .update_conversation(owner, &conversation(id), now_ms, LIMITS, |before| {
            let after = match before {
                Some(before) => format!("{before},{message}"),
                None => message.to_string(),
            };
            (after, before.map(str::to_string))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn owners_see_only_their_own_conversations() {
    let store = Store::open_in_memory().await.unwrap();
    let (game, chat) = (ConversationOwner::Token(1), ConversationOwner::Token(2));
    assert_eq!(
        push(&store, game, 7, T0, 1).await,
        ConversationUpdate::Saved(None)
    );
    assert_eq!(
        push(&store, game, 7, T0 + 1, 2).await,
        ConversationUpdate::Saved(Some("1".into()))
    );
    // The same id under another owner is another conversation.
    assert_eq!(
        push(&store, chat, 7, T0 + 2, 9).await,
        ConversationUpdate::Saved(None)
    );
    assert_eq!(
        push(&store, ConversationOwner::User(1), 7, T0 + 3, 5).await,
        ConversationUpdate::Saved(None)
    );
    assert_eq!(
        push(&store, game, 7, T0 + 4, 3).await,
        ConversationUpdate::Saved(Some("1,2".into()))
    );
}

#[tokio::test]
async fn a_conversation_expires_after_its_last_message_and_is_pruned() {
    let store = Store::open_in_memory().await.unwrap();
    let owner = ConversationOwner::Token(1);
    push(&store, owner, 1, T0, 1).await;
    // Each message keeps it alive for another full period.
    let later = T0 + LIMITS.expire_after_ms - 1;
    assert_eq!(
        push(&store, owner, 1, later, 2).await,
        ConversationUpdate::Saved(Some("1".into()))
    );
    let expired = later + LIMITS.expire_after_ms;
    assert_eq!(
        store
            .live_conversations(owner, expired - LIMITS.expire_after_ms)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        push(&store, owner, 1, expired, 3).await,
        ConversationUpdate::Saved(None)
    );

    push(&store, owner, 2, T0, 1).await;
    assert_eq!(store.prune_conversations(T0).await.unwrap(), 1);
    assert_eq!(store.prune_conversations(T0).await.unwrap(), 0);
    assert_eq!(store.live_conversations(owner, 0).await.unwrap(), 1);
}

#[tokio::test]
async fn the_number_of_live_conversations_is_capped_per_owner() {
    let store = Store::open_in_memory().await.unwrap();
    let owner = ConversationOwner::Token(1);
    for id in 0..3 {
        push(&store, owner, id, T0, 1).await;
    }
    assert_eq!(
        push(&store, owner, 3, T0, 1).await,
        ConversationUpdate::Full { max_per_owner: 3 }
    );
    // Existing conversations go on, and other owners are not affected.
    assert!(matches!(
        push(&store, owner, 0, T0, 2).await,
        ConversationUpdate::Saved(Some(_))
    ));
    assert!(matches!(
        push(&store, ConversationOwner::Token(2), 3, T0, 1).await,
        ConversationUpdate::Saved(None)
    ));
    // A forgotten or expired conversation frees its place.
    assert!(
        store
            .forget_conversation(owner, &conversation(1), T0, LIMITS.expire_after_ms)
            .await
            .unwrap()
    );
    assert!(
        !store
            .forget_conversation(owner, &conversation(1), T0, LIMITS.expire_after_ms)
            .await
            .unwrap()
    );
    assert_eq!(
        push(&store, owner, 3, T0, 1).await,
        ConversationUpdate::Saved(None)
    );
    let much_later = T0 + LIMITS.expire_after_ms;
    assert_eq!(
        push(&store, owner, 4, much_later, 1).await,
        ConversationUpdate::Saved(None)
    );
}

#[tokio::test]
async fn concurrent_updates_of_one_conversation_are_all_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(tmp.path()).await.unwrap());
    let owner = ConversationOwner::Token(1);
    let mut tasks = tokio::task::JoinSet::new();
    for message in 0..50u32 {
        let store = store.clone();
        tasks.spawn(async move { push(&store, owner, 1, T0, message).await });
    }
    while let Some(done) = tasks.join_next().await {
        assert!(matches!(done.unwrap(), ConversationUpdate::Saved(_)));
    }
    let ConversationUpdate::Saved(Some(all)) = push(&store, owner, 1, T0, 50).await else {
        panic!("the conversation is stored");
    };
    let mut seen: Vec<u32> = all.split(',').map(|n| n.parse().unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
}

#[tokio::test]
async fn revoking_a_token_or_deleting_a_user_forgets_their_conversations() {
    let store = Store::open_in_memory().await.unwrap();
    let token = store
        .create_api_token("game", Role::Platform, None, [9; 32])
        .await
        .unwrap();
    let user = store
        .create_user("admin", "$argon2id$fake", Role::Admin, None, None)
        .await
        .unwrap()
        .unwrap();
    for owner in [
        ConversationOwner::Token(token),
        ConversationOwner::User(user),
    ] {
        push(&store, owner, 1, T0, 1).await;
        assert_eq!(store.live_conversations(owner, 0).await.unwrap(), 1);
    }
    assert!(store.revoke_api_token(token).await.unwrap());
    assert!(store.delete_user(user).await.unwrap());
    for owner in [
        ConversationOwner::Token(token),
        ConversationOwner::User(user),
    ] {
        assert_eq!(store.live_conversations(owner, 0).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn platform_is_a_token_role_and_never_a_user_s() {
    let store = Store::open_in_memory().await.unwrap();
    let id = store
        .create_api_token("school-chat", Role::Platform, None, [1; 32])
        .await
        .unwrap();
    let token = store.api_token_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!((token.id, token.role), (id, Role::Platform));
    let err = store
        .create_user("robot", "$argon2id$fake", Role::Platform, None, None)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("'platform' is for API tokens"), "{text}");
    assert!(text.contains("admin or guardian"), "{text}");
    assert_eq!(store.user_count().await.unwrap(), 0);
    assert_eq!("platform".parse::<Role>(), Ok(Role::Platform));
    let unknown = "robot".parse::<Role>().unwrap_err().to_string();
    assert!(unknown.contains("admin, guardian, platform"), "{unknown}");
}

#[tokio::test]
async fn migration_0008_keeps_the_tokens_made_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(lachan_store::DATABASE_FILE);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    // The schema as it was before 0008, with two tokens and a gap in their ids.
    let mut before = sqlx::migrate!();
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    for (id, name, role, household, hash) in [
        (3, "home-assistant", "admin", None, [3u8; 32]),
        (7, "bo-cua-an", "guardian", Some("nha-an"), [7u8; 32]),
    ] {
        sqlx::query(
            "INSERT INTO api_tokens (id, name, role, household, token_hash, created_ms, \
             last_used_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(name)
        .bind(role)
        .bind(household)
        .bind(&hash[..])
        .bind(T0)
        .bind(T0 + id)
        .execute(&pool)
        .await
        .unwrap();
    }
    let refused = sqlx::query(
        "INSERT INTO api_tokens (name, role, token_hash, created_ms) VALUES ('x', 'platform', x'00', 0)",
    )
    .execute(&pool)
    .await;
    assert!(refused.is_err(), "before 0008 the CHECK refuses platform");
    pool.close().await;

    let store = Store::open(tmp.path()).await.unwrap();
    let tokens = store.list_api_tokens().await.unwrap();
    let kept: Vec<_> = tokens
        .iter()
        .map(|t| {
            (
                t.id,
                t.name.as_str(),
                t.role,
                t.household.as_deref(),
                t.last_used_ms,
            )
        })
        .collect();
    assert_eq!(
        kept,
        vec![
            (3, "home-assistant", Role::Admin, None, Some(T0 + 3)),
            (7, "bo-cua-an", Role::Guardian, Some("nha-an"), Some(T0 + 7)),
        ]
    );
    assert_eq!(
        store.api_token_by_hash(&[7; 32]).await.unwrap().unwrap().id,
        7
    );
    let platform = store
        .create_api_token("game", Role::Platform, None, [8; 32])
        .await
        .unwrap();
    assert_eq!(platform, 8, "ids go on after the highest kept one");
    drop(store);

    // The rebuilt table still refuses roles it does not know, and hashes stay unique.
    let pool = sqlx::SqlitePool::connect_with(SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    for (role, hash) in [("robot", vec![1u8]), ("admin", vec![7u8; 32])] {
        let refused = sqlx::query(
            "INSERT INTO api_tokens (name, role, token_hash, created_ms) VALUES ('x', ?, ?, 0)",
        )
        .bind(role)
        .bind(hash)
        .execute(&pool)
        .await;
        assert!(refused.is_err(), "{role}");
    }
    let indexes: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'text_conversations' \
         ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get("name"))
    .collect();
    assert!(
        indexes.contains(&"text_conversations_last".to_string()),
        "{indexes:?}"
    );
    pool.close().await;
}
