//! The text-safety API over real loopback HTTP: who may call it (platform tokens reach nothing
//! else, guardians cannot use it), its answers against the engine's on the development set,
//! conversations kept per platform, in order under concurrency, expiring and capped, and bad
//! input refused with clear errors.

mod common;

use std::sync::Arc;

use common::{Auth, FakeGateway, Reply, Server};
use lachan_server::{TextOptions, conversation_key, create_token};
use lachan_store::{ConversationOwner, Role};
use lachan_text::classify::{Classifier, Policy};
use lachan_text::conversation::{
    Analyser, AnalyserConfig, Conversation, Message, Role as SpeakerRole,
};
use lachan_text::normalize::Normalized;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The fake clock's start: 2026-03-14 10:00 in Ho Chi Minh City.
const NOW: &str = "2026-03-14T03:00:00Z";

const HOUR: i64 = 3600;

/// The records of a file of the development set.
fn dev(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/../../../shared/data/text/dev/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A new token of `role` (a household for guardians), as a bearer credential.
async fn token(server: &Server, name: &str, role: Role) -> (i64, Auth) {
    let household = (role == Role::Guardian).then_some("nha-an");
    let text = create_token(&server.store, name, role, household)
        .await
        .unwrap();
    let id = server
        .store
        .list_api_tokens()
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    (id, Auth::Bearer(text))
}

/// A user of `role` signed in through the API: the session with its CSRF header.
async fn session(server: &Server, name: &str, role: Role) -> Auth {
    let household = (role == Role::Guardian).then_some("nha-an");
    server.add_user(name, role, household).await;
    let reply = server
        .post_json(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": name, "password": common::PASSWORD}),
        )
        .await;
    reply.assert_status(200);
    Auth::session(&reply)
}

/// `value` as JSON text read back, as a client reads the server's answer (an `f32` score is
/// written in its shortest form).
fn as_received<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

/// The engine's own verdict on `text` under `policy`, as JSON.
fn engine_verdict(text: &str, policy: &Policy) -> Value {
    let normalized = Normalized::new(text).unwrap();
    as_received(&Classifier::builtin().check(&normalized, policy))
}

async fn check(server: &Server, auth: &Auth, body: &Value) -> Reply {
    server.post_json("/api/v1/text/check", auth, body).await
}

/// `POST /api/v1/conversations/{id}/messages` with `body`.
async fn push(server: &Server, auth: &Auth, id: &str, body: &Value) -> Reply {
    let path = format!("/api/v1/conversations/{id}/messages");
    server.post_json(&path, auth, body).await
}

/// A message of `sender` (A: the adult, B: the child, as in the development set).
fn said(sender: &str, text: &str) -> Value {
    let role = if sender == "B" { "child" } else { "adult" };
    json!({"sender": format!("player-{sender}"), "role": role, "text": text})
}

/// What the store keeps of live conversation `id` of `owner`.
async fn stored_state(server: &Server, owner: ConversationOwner, id: &str) -> Option<String> {
    let key = conversation_key(id).unwrap();
    assert_eq!(key, <[u8; 32]>::from(Sha256::digest(id.as_bytes())));
    server
        .store
        .conversation_state(owner, &key, 0)
        .await
        .unwrap()
}

/// A body that every text endpoint accepts, for `path`.
fn text_body(path: &str) -> Value {
    if path.ends_with("/messages") {
        said("A", "chào em")
    } else {
        json!({"text": "chào em"})
    }
}

/// What a caller can see of the console's data, to show that nothing changed.
async fn snapshot(server: &Server) -> String {
    let store = &server.store;
    format!(
        "{:?}|{:?}|{:?}|{:?}|{}",
        store.profile_records().await.unwrap(),
        store.clients().await.unwrap(),
        store.list_api_tokens().await.unwrap().len(),
        store.list_users().await.unwrap(),
        store.audit_log(1000).await.unwrap().len(),
    )
}

#[tokio::test]
async fn a_platform_token_reaches_the_text_endpoints_only() {
    let server = Server::start().await;
    let admin = session(&server, "admin", Role::Admin).await;
    server.add_profile("An", Some("nha-an")).await;
    server.add_device("may-tinh-an", "192.168.1.10", "An").await;
    let (_, platform) = token(&server, "game", Role::Platform).await;
    let doc = server.get("/api/v1/openapi.json", &Auth::None).await.json();
    // The conversation the DELETE endpoint forgets.
    for auth in [&platform, &admin] {
        push(&server, auth, "room-1", &said("A", "chào em"))
            .await
            .assert_status(200);
    }
    let before = snapshot(&server).await;
    let (mut refused, mut served) = (0, 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = if path.starts_with("/api/v1/conversations/") {
            path.replace("{id}", "room-1")
        } else {
            path.replace("{name}", "An")
                .replace("{id}", "1")
                .replace("{action}", "1")
                .replace("{attachment}", "1")
        };
        for (method, operation) in item.as_object().unwrap() {
            let method = method.to_ascii_uppercase();
            match operation["x-lachan-access"].as_str() {
                Some("people" | "family" | "hotline") => {
                    let reply = server
                        .call(&method, &concrete, &platform, Some(&json!({})), &[])
                        .await;
                    assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
                    reply.assert_error_body();
                    let error = reply.json()["error"].as_str().unwrap().to_string();
                    assert!(error.contains("content-safety endpoints only"), "{error}");
                    refused += 1;
                }
                // The image endpoint takes an image, not JSON: tests/images.rs calls it; report
                // filing is tested in tests/hotline_intake.rs.
                Some("platform")
                    if path.starts_with("/api/v1/images/") || path == "/api/v1/reports" => {}
                Some("platform") => {
                    for auth in [&platform, &admin] {
                        let body = text_body(path);
                        let reply = server
                            .call(&method, &concrete, auth, Some(&body), &[])
                            .await;
                        assert!(
                            [200, 204].contains(&reply.status),
                            "{method} {path}: {} {}",
                            reply.status,
                            reply.body
                        );
                    }
                    served += 1;
                }
                Some(other) => panic!("{method} {path}: unknown access {other}"),
                None => assert_eq!(operation["security"], json!([]), "{method} {path}"),
            }
        }
    }
    assert!(refused >= 29, "{refused}");
    assert_eq!(served, 3);
    assert_eq!(
        snapshot(&server).await,
        before,
        "a refused call changed something"
    );

    // The console is for people too.
    for path in ["/", "/tokens", "/users", "/devices", "/activity", "/alerts"] {
        let reply = server.get(path, &platform).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        reply.assert_error_body();
    }
    server.stop().await;
}

#[tokio::test]
async fn guardians_cannot_use_the_text_endpoints_and_administrators_can() {
    let server = Server::start().await;
    let (_, guardian_token) = token(&server, "bo-an", Role::Guardian).await;
    let guardian = session(&server, "me-an", Role::Guardian).await;
    let (_, admin_token) = token(&server, "admin-cli", Role::Admin).await;
    let admin = session(&server, "admin", Role::Admin).await;
    let endpoints = [
        ("POST", "/api/v1/text/check"),
        ("POST", "/api/v1/conversations/room-1/messages"),
        ("DELETE", "/api/v1/conversations/room-1"),
    ];
    for auth in [&guardian_token, &guardian] {
        for (method, path) in endpoints {
            let reply = server
                .call(method, path, auth, Some(&text_body(path)), &[])
                .await;
            assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
            let body = reply.json();
            let error = body["error"].as_str().unwrap();
            assert!(
                error.contains("for platforms and administrators"),
                "{error}"
            );
            assert!(
                body["hint"].as_str().unwrap().contains("--role platform"),
                "{body}"
            );
        }
    }
    for auth in [&admin_token, &admin] {
        for (method, path) in endpoints {
            let reply = server
                .call(method, path, auth, Some(&text_body(path)), &[])
                .await;
            assert!(
                [200, 204].contains(&reply.status),
                "{method} {path}: {}",
                reply.body
            );
        }
    }
    // A cookie request still needs its CSRF header.
    let reply = check(&server, &admin.without_csrf(), &json!({"text": "chào"})).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    server.stop().await;
}

#[tokio::test]
async fn check_answers_the_engine_s_verdict_on_the_development_messages() {
    let server = Server::start().await;
    let (_, platform) = token(&server, "school-chat", Role::Platform).await;
    let (mut harmful, mut flagged, mut benign, mut passed) = (0, 0, 0, 0);
    for message in dev("messages.jsonl") {
        let text = message["text"].as_str().unwrap();
        let reply = check(&server, &platform, &json!({"text": text})).await;
        reply.assert_status(200);
        let verdict = reply.json();
        assert_eq!(verdict, engine_verdict(text, &Policy::default()), "{text}");
        // Evidence points at what the user wrote, by character.
        let chars: Vec<char> = text.chars().collect();
        for category in verdict["categories"].as_array().unwrap() {
            for evidence in category["evidence"].as_array().unwrap() {
                let start = evidence["start"].as_u64().unwrap() as usize;
                let end = evidence["end"].as_u64().unwrap() as usize;
                let written: String = chars[start..end].iter().collect();
                assert_eq!(written, evidence["text"].as_str().unwrap(), "{text}");
            }
        }
        let allowed = verdict["action"] == "allow";
        if message["labels"].as_array().unwrap().is_empty() {
            benign += 1;
            passed += usize::from(allowed);
        } else {
            harmful += 1;
            flagged += usize::from(!allowed);
        }
    }
    assert_eq!((harmful, benign), (120, 80));
    assert!(
        flagged * 10 >= harmful * 7,
        "{flagged} of {harmful} harmful flagged"
    );
    assert!(
        passed * 10 >= benign * 9,
        "{passed} of {benign} benign allowed"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_request_s_policy_changes_the_action() {
    let server = Server::start().await;
    let (_, platform) = token(&server, "game", Role::Platform).await;
    // A gambling advert of the development set that shows gambling and nothing else.
    let messages = dev("messages.jsonl");
    let text = messages
        .iter()
        .filter(|m| m["labels"] == json!(["gambling"]))
        .map(|m| m["text"].as_str().unwrap())
        .find(|text| {
            let verdict = engine_verdict(text, &Policy::default());
            verdict["action"] == "block"
                && verdict["categories"].as_array().unwrap().len() == 1
                && verdict["categories"][0]["category"] == "gambling"
        })
        .expect("a gambling advert blocked on gambling alone");
    let lenient = json!({"thresholds": {"gambling": {"review": 1.0, "block": null}}});
    let reply = check(
        &server,
        &platform,
        &json!({"text": text, "policy": lenient}),
    )
    .await;
    let verdict = reply.json();
    assert_eq!(verdict["action"], "allow", "{verdict}");
    assert_eq!(verdict["risk_group"], Value::Null);
    let policy: Policy = serde_json::from_value(lenient).unwrap();
    assert_eq!(verdict, engine_verdict(text, &policy));
    // Categories the request does not name keep the server's thresholds.
    let other = json!({"thresholds": {"drugs": {"review": 0.1, "block": 0.2}}});
    let reply = check(&server, &platform, &json!({"text": text, "policy": other})).await;
    assert_eq!(reply.json()["action"], "block");
    server.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let server = Server::start().await;
    let (platform_id, platform) = token(&server, "game", Role::Platform).await;
    let Auth::Bearer(bearer) = &platform else {
        unreachable!()
    };
    let raw = |path: &str, body: &[u8]| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer {bearer}\r\n\
             Content-Type: application/json\r\nContent-Length: {}",
            body.len()
        )
    };
    // Not JSON, not UTF-8, not the shape.
    for body in [
        &b"{\"text\": "[..],
        b"{\"text\": \"ch\xe0o\"}",
        b"{\"txt\": \"x\"}",
        b"{\"text\": 5}",
    ] {
        let reply = server.send(&raw("/api/v1/text/check", body), body).await;
        assert_eq!(
            reply.status,
            400,
            "{:?}: {}",
            String::from_utf8_lossy(body),
            reply.body
        );
        reply.assert_error_body();
    }
    // A text over the engine's limit, in a body under the server's.
    let long = "Chào em, ".repeat(2000);
    assert!(long.len() > lachan_text::normalize::MAX_TEXT_BYTES && long.len() < 60_000);
    let reply = check(&server, &platform, &json!({"text": long})).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("over the limit of 16384 bytes"), "{error}");
    let reply = push(&server, &platform, "room-1", &said("A", &long)).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    // A body over 64 KiB sent without a length is cut and refused too.
    let huge = json!({"text": "a".repeat(70_000)}).to_string();
    let chunked = format!(
        "POST /api/v1/text/check HTTP/1.1\r\nHost: localhost:8080\r\n\
         Authorization: Bearer {bearer}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked"
    );
    let body = format!("{:x}\r\n{huge}\r\n0\r\n\r\n", huge.len());
    let reply = server.send(&chunked, body.as_bytes()).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    reply.assert_error_body();
    // Policies that do not fit.
    for (policy, says) in [
        (
            json!({"thresholds": {"ads": {"review": 0.5}}}),
            "'ads' is not a category a text can show",
        ),
        (
            json!({"thresholds": {"scam": {"review": -0.1}}}),
            "review threshold of scam is -0.1",
        ),
        (
            json!({"thresholds": {"porn": {"review": 0.5}}}),
            "unknown variant",
        ),
    ] {
        let reply = check(&server, &platform, &json!({"text": "x", "policy": policy})).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(says), "{error}");
    }
    // Conversation ids, senders, roles and ages that do not fit.
    let long_id = "r".repeat(129);
    for id in ["a%20b", "ph%C3%B2ng", long_id.as_str(), "a%2Fb"] {
        let reply = push(&server, &platform, id, &said("A", "chào")).await;
        assert_eq!(reply.status, 400, "{id}: {}", reply.body);
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("1 to 128 characters"), "{error}");
    }
    let long_sender = "s".repeat(257);
    for body in [
        json!({"sender": "", "text": "chào"}),
        json!({"sender": long_sender, "text": "chào"}),
        json!({"sender": "a", "role": "teacher", "text": "chào"}),
        json!({"sender": "a", "age": 300, "text": "chào"}),
        json!({"sender": "a"}),
        json!({"sender": "a", "text": "chào", "room": 5}),
    ] {
        let reply = push(&server, &platform, "room-1", &body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        reply.assert_error_body();
    }
    // Nothing was started by the refused pushes.
    assert_eq!(
        server
            .store
            .live_conversations(ConversationOwner::Token(platform_id), 0)
            .await
            .unwrap(),
        0
    );
    server.stop().await;
}

/// The first grooming conversation of the development set on which the engine, run here,
/// raises an alert; with its messages.
fn alerting_grooming_conversation() -> Value {
    let analyser = Analyser::new(AnalyserConfig::default());
    dev("conversations.jsonl")
        .into_iter()
        .filter(|c| c["label"] == "grooming")
        .find(|c| {
            let mut conversation = Conversation::new();
            c["messages"].as_array().unwrap().iter().any(|m| {
                let from = m["from"].as_str().unwrap();
                let message = Message {
                    sender: from,
                    role: Some(if from == "B" {
                        SpeakerRole::Child
                    } else {
                        SpeakerRole::Adult
                    }),
                    age: None,
                    text: m["text"].as_str().unwrap(),
                };
                conversation.push(&analyser, &message).alert.is_some()
            })
        })
        .expect("a grooming conversation the engine alerts on")
}

#[tokio::test]
async fn a_grooming_conversation_alerts_and_stays_with_its_platform() {
    let server = Server::start().await;
    let (game_id, game) = token(&server, "game", Role::Platform).await;
    let (chat_id, chat) = token(&server, "chat", Role::Platform).await;
    let groomed = alerting_grooming_conversation();
    let messages = groomed["messages"].as_array().unwrap();
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut local = Conversation::new();
    let mut alerts = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let (from, text) = (m["from"].as_str().unwrap(), m["text"].as_str().unwrap());
        let reply = push(&server, &game, "room-1", &said(from, text)).await;
        reply.assert_status(200);
        let answer = reply.json();
        // The engine's own report on the same message, and the message's verdict.
        let sender = format!("player-{from}");
        let role = if from == "B" {
            SpeakerRole::Child
        } else {
            SpeakerRole::Adult
        };
        let message = Message {
            sender: &sender,
            role: Some(role),
            age: None,
            text,
        };
        let mut expected = as_received(&local.push(&analyser, &message));
        expected["verdict"] = engine_verdict(text, &Policy::default());
        assert_eq!(answer, expected, "message {i}");
        assert_eq!(answer["index"], i);
        if !answer["alert"].is_null() {
            alerts.push(answer["alert"].clone());
        }
    }
    let first = alerts.first().expect("an alert");
    assert!(first["risk"].as_f64().unwrap() >= 0.6, "{first}");
    assert!(!first["stages"].as_array().unwrap().is_empty(), "{first}");
    assert!(first["summary_vi"].as_str().unwrap().len() > 10, "{first}");

    // The store keeps stage indices and sender hashes, never a text or a sender id.
    let state = stored_state(&server, ConversationOwner::Token(game_id), "room-1")
        .await
        .expect("the conversation is kept");
    for m in messages {
        let text = m["text"].as_str().unwrap();
        for word in text.split_whitespace().filter(|w| w.chars().count() >= 5) {
            assert!(!state.contains(word), "the state holds {word:?}: {state}");
        }
    }
    assert!(!state.contains("player-"), "{state}");

    // Another platform's "room-1" is another conversation, and it cannot forget the first.
    let reply = push(&server, &chat, "room-1", &said("A", "chào bạn")).await;
    assert_eq!(reply.json()["index"], 0);
    assert_eq!(
        server
            .call("DELETE", "/api/v1/conversations/room-1", &chat, None, &[])
            .await
            .status,
        204
    );
    let again = server
        .call("DELETE", "/api/v1/conversations/room-1", &chat, None, &[])
        .await;
    assert_eq!(again.status, 404, "{}", again.body);
    again.assert_error_body();
    assert!(
        stored_state(&server, ConversationOwner::Token(chat_id), "room-1")
            .await
            .is_none()
    );
    let reply = push(&server, &game, "room-1", &said("B", "dạ")).await;
    assert_eq!(reply.json()["index"], messages.len());

    // Revoking the token forgets its conversations.
    assert!(server.store.revoke_api_token(game_id).await.unwrap());
    assert_eq!(
        server
            .store
            .live_conversations(ConversationOwner::Token(game_id), 0)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        push(&server, &game, "room-1", &said("A", "chào"))
            .await
            .status,
        401
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_pushes_to_one_conversation_are_all_counted() {
    let server = Arc::new(Server::start().await);
    let (_, platform) = token(&server, "game", Role::Platform).await;
    let messages = dev("messages.jsonl");
    let mut tasks = tokio::task::JoinSet::new();
    for m in messages.iter().take(50) {
        let (server, platform) = (server.clone(), platform.clone());
        let text = m["text"].as_str().unwrap().to_string();
        tasks.spawn(async move {
            let reply = push(&server, &platform, "busy-room", &said("A", &text)).await;
            reply.assert_status(200);
            reply.json()["index"].as_u64().unwrap()
        });
    }
    let mut indices = Vec::new();
    while let Some(index) = tasks.join_next().await {
        indices.push(index.unwrap());
    }
    indices.sort_unstable();
    assert_eq!(indices, (0..50).collect::<Vec<u64>>());
    Arc::into_inner(server).unwrap().stop().await;
}

#[tokio::test]
async fn a_conversation_expires_after_its_last_message() {
    let gateway = FakeGateway::at(NOW);
    let options = TextOptions {
        conversation_hours: 168,
        ..TextOptions::default()
    };
    let server = Server::start_with_text(Some(gateway.clone()), options).await;
    let (_, platform) = token(&server, "game", Role::Platform).await;
    let index = |reply: Reply| reply.json()["index"].as_u64().unwrap();
    assert_eq!(
        index(push(&server, &platform, "r", &said("A", "chào em")).await),
        0
    );
    gateway.advance(167 * HOUR);
    assert_eq!(
        index(push(&server, &platform, "r", &said("B", "dạ")).await),
        1
    );
    // 167 hours after the last message it is still there; 168 hours after, it is gone.
    gateway.advance(167 * HOUR);
    assert_eq!(
        index(push(&server, &platform, "r", &said("A", "em ơi")).await),
        2
    );
    gateway.advance(168 * HOUR);
    assert_eq!(
        index(push(&server, &platform, "r", &said("A", "em ơi")).await),
        0
    );
    // An expired conversation cannot be forgotten: it is already.
    gateway.advance(168 * HOUR);
    let reply = server
        .call("DELETE", "/api/v1/conversations/r", &platform, None, &[])
        .await;
    assert_eq!(reply.status, 404, "{}", reply.body);
    server.stop().await;
}

#[tokio::test]
async fn the_live_conversations_of_a_platform_are_capped() {
    let options = TextOptions {
        max_conversations: 2,
        ..TextOptions::default()
    };
    let server = Server::start_with_text(None, options).await;
    let (_, game) = token(&server, "game", Role::Platform).await;
    let (_, chat) = token(&server, "chat", Role::Platform).await;
    for id in ["a", "b"] {
        push(&server, &game, id, &said("A", "chào"))
            .await
            .assert_status(200);
    }
    let refused = push(&server, &game, "c", &said("A", "chào")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let body = refused.json();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("2 live conversations"),
        "{body}"
    );
    assert!(
        body["hint"]
            .as_str()
            .unwrap()
            .contains("DELETE /api/v1/conversations/"),
        "{body}"
    );
    // Going on with a kept conversation, and other platforms, are not limited by it.
    push(&server, &game, "a", &said("B", "dạ"))
        .await
        .assert_status(200);
    push(&server, &chat, "c", &said("A", "chào"))
        .await
        .assert_status(200);
    let forgotten = server
        .call("DELETE", "/api/v1/conversations/b", &game, None, &[])
        .await;
    assert_eq!(forgotten.status, 204);
    push(&server, &game, "c", &said("A", "chào"))
        .await
        .assert_status(200);
    server.stop().await;
}

#[tokio::test]
async fn platform_is_a_role_for_tokens_and_not_for_people() {
    let server = Server::start().await;
    let admin = session(&server, "admin", Role::Admin).await;
    let reply = server
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"username": "robot", "password": common::PASSWORD, "role": "platform"}),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("'platform' is for API tokens"), "{error}");
    assert_eq!(server.store.list_users().await.unwrap().len(), 1);

    // Through the API and through the console's form, an administrator makes platform tokens;
    // a platform token takes no household.
    let made = server
        .post_json(
            "/api/v1/tokens",
            &admin,
            &json!({"name": "game", "role": "platform"}),
        )
        .await;
    made.assert_status(201);
    assert_eq!(made.json()["role"], "platform");
    let with_household = server
        .post_json(
            "/api/v1/tokens",
            &admin,
            &json!({"name": "x", "role": "platform", "household": "nha-an"}),
        )
        .await;
    assert_eq!(with_household.status, 400, "{}", with_household.body);
    let cookies = server.sign_in("admin").await;
    let page = server.page("/tokens", &cookies).await;
    assert!(
        page.body.contains("<option value=\"platform\">"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let shown = server
        .post_form(
            "/tokens",
            &cookies,
            &[
                ("csrf", &csrf),
                ("name", "school-chat"),
                ("role", "platform"),
            ],
        )
        .await;
    shown.assert_status(200);
    let roles: Vec<(String, Role)> = server
        .store
        .list_api_tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.role))
        .collect();
    assert!(
        roles.contains(&("school-chat".to_string(), Role::Platform)),
        "{roles:?}"
    );
    assert!(
        shown.body.contains("Nền tảng (chỉ API an toàn văn bản)"),
        "{}",
        shown.body
    );

    // Guardians cannot make one.
    let guardian = session(&server, "bo-an", Role::Guardian).await;
    let reply = server
        .post_json(
            "/api/v1/tokens",
            &guardian,
            &json!({"name": "g", "role": "platform"}),
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    server.stop().await;
}
