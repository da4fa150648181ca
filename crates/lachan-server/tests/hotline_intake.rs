//! Intake over real loopback HTTP: platform reports are idempotent (a retry with the same
//! `Idempotency-Key`, or reference, answers 200 with the same id) and validated with messages
//! that say what to write; operators' reports need their channel; a grooming alert of the
//! text-safety API files one report per conversation, without any message's text; repeated
//! adult or gambling blocks are reported only for children whose guardian consented.

mod common;
mod hotline_support;

use common::Reply;
use hotline_support::{Hotline, phone_report};
use lachan_server::ops;
use lachan_store::{AlertKind, NewAlert};
use lachan_text::conversation::{Analyser, AnalyserConfig, Conversation, Message, Role};
use serde_json::{Value, json};

fn assert_error(reply: &Reply, status: u16, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.assert_error_body();
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains(says), "{error}");
}

/// `POST /api/v1/reports` as the platform, with `key` as `Idempotency-Key` if given.
async fn platform_report(hotline: &Hotline, body: &Value, key: Option<&str>) -> Reply {
    let header = key.map(|k| format!("Idempotency-Key: {k}"));
    let extra: Vec<&str> = header.iter().map(String::as_str).collect();
    hotline
        .server
        .call(
            "POST",
            "/api/v1/reports",
            &hotline.platform,
            Some(body),
            &extra,
        )
        .await
}

fn takedown_report() -> Value {
    json!({
        "urls": ["https://zalo.me/g/abc123", "https://zalo.me/g/abc123"],
        "platform": "Zalo",
        "content_type": "image",
        "category": "sexual_minors",
        "subtype": "csam",
        "hashes": [{"kind": "sha256", "value": "AB".repeat(32)}],
        "accounts": ["zalo:0900000000"],
        "description": "Ảnh tự chụp của một học sinh bị phát tán trong nhóm.",
        "age_band": "age_14_15"
    })
}

#[tokio::test]
async fn platform_reports_are_idempotent_and_land_in_the_queue() {
    let hotline = Hotline::start().await;
    let first = platform_report(&hotline, &takedown_report(), Some("9b1f-uuid-1")).await;
    first.assert_status(201);
    let first = first.json();
    assert_eq!(first["status"], "new");
    let retry = platform_report(&hotline, &takedown_report(), Some("9b1f-uuid-1")).await;
    retry.assert_status(200);
    assert_eq!(retry.json(), first);
    let other = platform_report(&hotline, &takedown_report(), Some("9b1f-uuid-2")).await;
    other.assert_status(201);
    assert_ne!(other.json()["id"], first["id"]);
    // Without the header, the platform's reference is the key.
    let mut referenced = takedown_report();
    referenced["reference"] = json!("zalo-case-77");
    let a = platform_report(&hotline, &referenced, None).await;
    a.assert_status(201);
    let b = platform_report(&hotline, &referenced, None).await;
    b.assert_status(200);
    assert_eq!(a.json()["id"], b.json()["id"]);

    let queue = hotline
        .get("/api/v1/hotline/reports", &hotline.supervisor)
        .await
        .json();
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 3);
    let filed = &queue[0];
    assert_eq!(filed["id"], first["id"]);
    assert_eq!(filed["source"], "platform");
    assert_eq!(filed["reporter"], "token:zalo-app");
    assert_eq!(filed["urls"], json!(["https://zalo.me/g/abc123"]));
    assert_eq!(filed["hashes"][0]["value"], "ab".repeat(32));
    assert_eq!(filed["idempotency_key"], "9b1f-uuid-1");
    // A triaged report answers its status to a retry.
    let id = first["id"].as_i64().unwrap();
    hotline.open_case(&hotline.op_a, &[id], "high").await;
    let retry = platform_report(&hotline, &takedown_report(), Some("9b1f-uuid-1")).await;
    retry.assert_status(200);
    assert_eq!(retry.json()["status"], "triaged");
    hotline.stop().await;
}

#[tokio::test]
async fn invalid_reports_are_refused_with_what_to_write() {
    let hotline = Hotline::start().await;
    let with = |field: &str, value: Value| {
        let mut body = takedown_report();
        body[field] = value;
        body
    };
    let cases = [
        (
            with("urls", json!(["zalo.me/g/abc"])),
            "starting with http:// or https://",
        ),
        (
            with("url", json!("javascript:alert(1)")),
            "http:// or https://",
        ),
        (
            with(
                "urls",
                json!(
                    (0..21)
                        .map(|i| format!("https://e.vn/{i}"))
                        .collect::<Vec<_>>()
                ),
            ),
            "at most 20",
        ),
        (
            with("hashes", json!([{"kind": "md5", "value": "abc"}])),
            "32 hexadecimal digits",
        ),
        (
            with("hashes", json!([{"kind": "crc32", "value": "abcd"}])),
            "pdq, sha256, md5",
        ),
        (with("category", json!("weather")), "not a category"),
        (
            with("subtype", json!("gambling")),
            "belongs to the category gambling",
        ),
        (with("age_band", json!("teen")), "age_11_13"),
        (with("description", json!("x".repeat(4001))), "at most 4000"),
        (with("platform", json!("")), "the platform is empty"),
        (
            json!({"platform": "Zalo", "content_type": "chat", "category": "grooming"}),
            "give its URL",
        ),
    ];
    for (body, says) in cases {
        let reply = platform_report(&hotline, &body, None).await;
        assert_error(&reply, 400, says);
    }
    let unknown = platform_report(&hotline, &with("colour", json!("red")), None).await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    let bad_key = platform_report(&hotline, &takedown_report(), Some(&"k".repeat(201))).await;
    assert_error(&bad_key, 400, "Idempotency-Key");
    // Operators type in the channel of the contact.
    let mut by_phone = phone_report();
    by_phone["channel"] = json!("platform");
    let reply = hotline
        .send("POST", "/api/v1/hotline/reports", &hotline.op_a, &by_phone)
        .await;
    assert_error(&reply, 400, "phone, zalo or email");
    by_phone["channel"] = json!("zalo");
    by_phone["province"] = json!("sai-gon");
    let reply = hotline
        .send("POST", "/api/v1/hotline/reports", &hotline.op_a, &by_phone)
        .await;
    assert_error(&reply, 400, "not a province");
    // Nothing was filed.
    let queue = hotline
        .get("/api/v1/hotline/reports", &hotline.supervisor)
        .await
        .json();
    assert_eq!(queue, json!([]));
    hotline.stop().await;
}

/// A grooming conversation of the development set on which the engine raises an alert.
fn alerting_conversation() -> Vec<(String, String)> {
    let path = format!(
        "{}/../../../shared/data/text/dev/conversations.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let analyser = Analyser::new(AnalyserConfig::default());
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|c| c["label"] == "grooming")
        .map(|c| {
            c["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["from"].as_str().unwrap().to_string(),
                        m["text"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .find(|messages| {
            let mut conversation = Conversation::new();
            messages.iter().any(|(from, text)| {
                let message = Message {
                    sender: from,
                    role: Some(if from == "B" {
                        Role::Child
                    } else {
                        Role::Adult
                    }),
                    age: None,
                    text,
                };
                conversation.push(&analyser, &message).alert.is_some()
            })
        })
        .expect("a grooming conversation the engine alerts on")
}

#[tokio::test]
async fn a_grooming_alert_files_one_report_per_conversation_without_text() {
    let hotline = Hotline::start().await;
    let messages = alerting_conversation();
    let mut alerts = 0;
    for room in ["room-1", "room-2"] {
        // Twice through room-1: alerts again and again, one report still.
        let rounds = if room == "room-1" { 2 } else { 1 };
        for _ in 0..rounds {
            for (from, text) in &messages {
                let role = if from == "B" { "child" } else { "adult" };
                let reply = hotline
                    .server
                    .post_json(
                        &format!("/api/v1/conversations/{room}/messages"),
                        &hotline.platform,
                        &json!({"sender": format!("player-{from}"), "role": role, "text": text}),
                    )
                    .await;
                reply.assert_status(200);
                if !reply.json()["alert"].is_null() {
                    alerts += 1;
                }
            }
        }
    }
    assert!(alerts >= 3, "{alerts}");
    let queue = hotline
        .get("/api/v1/hotline/reports", &hotline.supervisor)
        .await
        .json();
    let reports: Vec<&Value> = queue
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "grooming_alert")
        .collect();
    assert_eq!(reports.len(), 2, "one per conversation: {queue}");
    let key = |room: &str| {
        let hash = lachan_server::conversation_key(room).unwrap();
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("conversation:{hex}")
    };
    assert_eq!(reports[0]["idempotency_key"], key("room-1"));
    assert_eq!(reports[1]["idempotency_key"], key("room-2"));
    for report in reports {
        assert_eq!(report["category"], "grooming");
        assert_eq!(report["subtype"], "online_grooming");
        assert_eq!(report["reporter"], "token:zalo-app");
        let description = report["description"].as_str().unwrap();
        assert!(description.contains("risk"), "{description}");
        assert!(description.contains("stages"), "{description}");
        // No message's text: no word of five letters or more of the conversation.
        for (_, text) in &messages {
            for word in text.split_whitespace().filter(|w| w.chars().count() >= 5) {
                assert!(!description.contains(word), "{word} in {description}");
            }
        }
    }
    hotline.stop().await;
}

fn repeated(profile: &str, subject: &str, time_ms: i64) -> NewAlert {
    NewAlert {
        time_ms,
        profile: profile.to_string(),
        kind: AlertKind::RepeatedBlocks,
        subject: subject.to_string(),
        count: 12,
        detail: "12 lần truy cập bị chặn: casino-vn.example, ...".to_string(),
    }
}

#[tokio::test]
async fn repeated_blocks_are_reported_only_with_a_guardians_consent() {
    let hotline = Hotline::start().await;
    let store = &hotline.server.store;
    let t0 = 1_773_457_200_000;
    // Without consent nothing is filed.
    let none = ops::file_dns_alert(store, &repeated("An", "gambling", t0))
        .await
        .unwrap();
    assert!(none.is_none());
    // Only a guardian of the child's household or an administrator consents.
    let path = "/api/v1/profiles/An/hotline-opt-in";
    let on = json!({"on": true});
    assert_eq!(
        hotline.send("PUT", path, &hotline.op_a, &on).await.status,
        403
    );
    let consent = hotline.send("PUT", path, &hotline.guardian, &on).await;
    consent.assert_status(200);
    let consent = consent.json();
    assert_eq!(
        (&consent["on"], &consent["hotline"], &consent["opted_by"]),
        (&json!(true), &json!("111"), &json!("bo-an"))
    );
    let missing = hotline
        .send(
            "PUT",
            "/api/v1/profiles/Binh/hotline-opt-in",
            &hotline.guardian,
            &on,
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let audit = hotline.audit_of("An").await;
    assert_eq!(audit.last().unwrap().action, "hotline opt-in");

    // Repeated gambling attempts: one report a day per category; threats and budgets never.
    let first = ops::file_dns_alert(store, &repeated("An", "gambling", t0))
        .await
        .unwrap()
        .unwrap();
    assert!(first.created);
    let again = ops::file_dns_alert(store, &repeated("An", "gambling", t0 + 600_000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.created), (first.id, false));
    let adult = ops::file_dns_alert(store, &repeated("An", "adult", t0))
        .await
        .unwrap()
        .unwrap();
    assert!(adult.created);
    let next_day = ops::file_dns_alert(store, &repeated("An", "gambling", t0 + 86_400_000))
        .await
        .unwrap()
        .unwrap();
    assert!(next_day.created);
    assert!(
        ops::file_dns_alert(store, &repeated("An", "threat", t0))
            .await
            .unwrap()
            .is_none()
    );
    let mut budget = repeated("An", "group:games", t0);
    budget.kind = AlertKind::BudgetUsedUp;
    assert!(ops::file_dns_alert(store, &budget).await.unwrap().is_none());

    // The report names the child only in the identity fields, and never the names tried.
    let report = hotline
        .get(
            &format!("/api/v1/hotline/reports/{}", first.id),
            &hotline.supervisor,
        )
        .await
        .json();
    assert_eq!(report["source"], "dns_alert");
    assert_eq!(report["subtype"], "gambling");
    assert_eq!(report["identity"]["child_name"], "An");
    let description = report["description"].as_str().unwrap();
    assert!(!description.contains("casino"), "{description}");
    assert!(!description.contains("An"), "{description}");
    let queued = hotline
        .get(
            &format!("/api/v1/hotline/reports/{}", first.id),
            &hotline.op_a,
        )
        .await
        .json();
    assert_eq!(queued["identity"]["child_name"], Value::Null);
    let key = queued["idempotency_key"].as_str().unwrap();
    assert!(
        key.starts_with("dns_alert:") && !key.contains(":An:"),
        "the key must not name the child: {key}"
    );

    // Withdrawn consent files nothing more.
    let off = hotline
        .send("PUT", path, &hotline.guardian, &json!({"on": false}))
        .await;
    assert_eq!(off.json()["on"], false);
    let later = ops::file_dns_alert(store, &repeated("An", "adult", t0 + 3 * 86_400_000))
        .await
        .unwrap();
    assert!(later.is_none());
    let read = hotline.get(path, &hotline.guardian).await.json();
    assert_eq!(read["on"], false);
    hotline.stop().await;
}
