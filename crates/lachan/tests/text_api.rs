//! The text-safety API in the whole system (`lachan serve` in-process, a file database, a
//! clock the test moves): a platform token made by `lachan token create --role platform`
//! reaches the text endpoints only; a real grooming conversation of the development set,
//! pushed message by message, gives the engine's alert even across a restart; 50 messages
//! pushed at once are all counted; after the expiry a conversation starts afresh and its
//! state is pruned.

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use lachan_server::conversation_key;
use lachan_store::{ConversationOwner, Store};
use lachan_text::classify::{Classifier, Policy};
use lachan_text::conversation::{Analyser, AnalyserConfig, Conversation, Message, Role};
use lachan_text::normalize::Normalized;
use serde_json::{Value, json};
use support::{ManualClock, System, shared};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_lachan");

/// Guard against a hung exchange, far above any real answer time.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// `lachan token create --role platform --name NAME` on the system's configuration and data.
fn platform_token(dir: &Path, name: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "token", "create", "--role", "platform", "--name", name, "--config",
        ])
        .arg(dir.join("lachan.toml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("LACHAN_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("lachan_"), "{token}");
    token
}

/// `METHOD path` to the console of `system` with the bearer `token` and a JSON body:
/// (status, body as JSON, or null when empty).
async fn call(
    system: &System,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let addr = system.web.trim_start_matches("http://").to_string();
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        String::from_utf8(raw).unwrap()
    };
    let reply = tokio::time::timeout(HANG_GUARD, exchange).await.unwrap();
    let status = reply.split(' ').nth(1).unwrap().parse().unwrap();
    let (_, body) = reply.split_once("\r\n\r\n").unwrap();
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    };
    (status, json)
}

/// `POST /api/v1/conversations/{id}/messages`: the report.
async fn push(system: &System, token: &str, id: &str, message: &Value) -> Value {
    let path = format!("/api/v1/conversations/{id}/messages");
    let (status, body) = call(system, "POST", &path, token, Some(message)).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A message of the development set's speaker `from` (A: the adult, B: the child).
fn said(from: &str, text: &str) -> Value {
    let role = if from == "B" { "child" } else { "adult" };
    json!({"sender": format!("user-{from}"), "role": role, "text": text})
}

/// `value` as JSON text read back, as a client reads the server's answer.
fn as_received<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

/// The development set's grooming conversations.
fn grooming_conversations() -> Vec<Value> {
    let text = std::fs::read_to_string(shared("text/dev/conversations.jsonl")).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|c| c["label"] == "grooming")
        .collect()
}

/// What the engine, run here, reports for each message of `conversation` (with the message's
/// verdict), as the API answers it.
fn engine_reports(conversation: &Value) -> Vec<Value> {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut state = Conversation::new();
    conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let (from, text) = (m["from"].as_str().unwrap(), m["text"].as_str().unwrap());
            let sender = format!("user-{from}");
            let role = if from == "B" {
                Role::Child
            } else {
                Role::Adult
            };
            let message = Message {
                sender: &sender,
                role: Some(role),
                age: None,
                text,
            };
            let mut report = as_received(&state.push(&analyser, &message));
            let verdict =
                Classifier::builtin().check(&Normalized::new(text).unwrap(), &Policy::default());
            report["verdict"] = as_received(&verdict);
            report
        })
        .collect()
}

/// The id of the token named `name`, read from the system's database.
async fn token_id(dir: &Path, name: &str) -> i64 {
    let store = Store::open(&dir.join("data")).await.unwrap();
    store
        .list_api_tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grooming_conversation_alerts_across_a_restart_and_expires() {
    let clock = ManualClock::at("2026-11-27T03:00:00Z");
    let system = System::start("", clock.clone()).await;
    let token = platform_token(system.dir.path(), "game-chat");

    // The platform token reaches the text endpoints, and nothing else.
    let (status, body) = call(&system, "GET", "/api/v1/profiles", &token, None).await;
    assert_eq!(status, 403, "{body}");
    let text = "Em lớp mấy rồi? Tối nay bố mẹ em có nhà không";
    let (status, verdict) = call(
        &system,
        "POST",
        "/api/v1/text/check",
        &token,
        Some(&json!({"text": text})),
    )
    .await;
    assert_eq!(status, 200, "{verdict}");
    let expected = Classifier::builtin().check(&Normalized::new(text).unwrap(), &Policy::default());
    assert_eq!(verdict, as_received(&expected));

    // A grooming conversation on which the engine alerts; the system is restarted just before
    // the alerting message, so the alert needs the stages stored before the restart.
    let (groomed, expected, alert_at) = grooming_conversations()
        .into_iter()
        .find_map(|c| {
            let reports = engine_reports(&c);
            let at = reports.iter().position(|r| !r["alert"].is_null())?;
            let earlier_stages = reports[..at]
                .iter()
                .any(|r| !r["stages"].as_array().unwrap().is_empty());
            earlier_stages.then_some((c, reports, at))
        })
        .expect("a grooming conversation the engine alerts on after earlier stages");
    let messages = groomed["messages"].as_array().unwrap();
    let say = |i: usize| {
        said(
            messages[i]["from"].as_str().unwrap(),
            messages[i]["text"].as_str().unwrap(),
        )
    };
    for (i, report) in expected.iter().enumerate().take(alert_at) {
        assert_eq!(
            push(&system, &token, "room-1", &say(i)).await,
            *report,
            "message {i}"
        );
    }
    push(&system, &token, "room-2", &said("A", "chào em")).await;
    let system = system.restart(clock.clone()).await;
    for (i, report) in expected.iter().enumerate().skip(alert_at) {
        assert_eq!(
            push(&system, &token, "room-1", &say(i)).await,
            *report,
            "message {i}"
        );
    }
    let alert = &expected[alert_at]["alert"];
    assert!(alert["risk"].as_f64().unwrap() >= 0.6, "{alert}");
    assert!(!alert["stages"].as_array().unwrap().is_empty(), "{alert}");

    // A week after its last message, a conversation starts afresh, and the idle one is pruned
    // when the expiry runs (at start, then hourly).
    clock.advance(SignedDuration::from_hours(168));
    let fresh = push(&system, &token, "room-1", &said("A", "chào em")).await;
    assert_eq!(fresh["index"], 0, "{fresh}");
    let dir = system.dir.path().to_path_buf();
    let owner = ConversationOwner::Token(token_id(&dir, "game-chat").await);
    let system = system.restart(clock.clone()).await;
    let store = Store::open(&dir.join("data")).await.unwrap();
    let room_2 = conversation_key("room-2").unwrap();
    let mut pruned = false;
    for _ in 0..200 {
        if store
            .conversation_state(owner, &room_2, 0)
            .await
            .unwrap()
            .is_none()
        {
            pruned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(pruned, "the expired conversation is pruned");
    assert!(
        store
            .conversation_state(owner, &conversation_key("room-1").unwrap(), 0)
            .await
            .unwrap()
            .is_some()
    );
    drop(store);
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_messages_pushed_at_once_are_all_counted() {
    let clock = ManualClock::at("2026-11-27T03:00:00Z");
    let system = Arc::new(System::start("", clock).await);
    let token = platform_token(system.dir.path(), "school-app");
    let text = std::fs::read_to_string(shared("text/dev/messages.jsonl")).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for line in text.lines().take(50) {
        let message: Value = serde_json::from_str(line).unwrap();
        let (system, token) = (system.clone(), token.clone());
        tasks.spawn(async move {
            let body = said("A", message["text"].as_str().unwrap());
            push(&system, &token, "busy", &body).await["index"]
                .as_u64()
                .unwrap()
        });
    }
    let mut indices = Vec::new();
    while let Some(index) = tasks.join_next().await {
        indices.push(index.unwrap());
    }
    indices.sort_unstable();
    assert_eq!(indices, (0..50).collect::<Vec<u64>>());
    Arc::into_inner(system).unwrap().stop().await;
}
