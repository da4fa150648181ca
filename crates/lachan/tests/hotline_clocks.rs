//! The hotline's background work end to end, on a clock the test moves: an emergency case whose
//! 12-hour clock runs out is escalated once to the hotline's supervisors (console notification)
//! and to the configured webhook (JSON without personal data, retried after a failure); a due
//! follow-up reminds the case's operator; a complaint left untriaged for a quarter of its 48-hour
//! clock is flagged to supervisors once; closed cases lose their personal data after
//! `[hotline] anonymise_after_days`, unless under legal hold.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::SignedDuration;
use lachan::user::{NewUser, create};
use lachan_dns::Clock;
use lachan_hotline::{CaseStatus, Channel, ClockBook, CloseReason, Risk};
use lachan_policy::Category;
use lachan_store::hotline::{CaseFilter, Identity, NewCase, StatusChange};
use lachan_store::{AuditNote, NewReport, Role, Store};
use serde_json::Value;
use support::{ManualClock, System};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const CHILD_NAME: &str = "Nguyễn Thị Hoa";
const CHILD_CONTACT: &str = "0912 345 678";
const REPORTER_CONTACT: &str = "me.hoa@example.vn";
const TITLE: &str = "Bị đe doạ tung ảnh";
const PASSWORD: &str = "mật-khẩu-đủ-dài";
const HOUR: SignedDuration = SignedDuration::from_hours(1);

/// A request the loopback webhook received, and the status it answered.
#[derive(Debug)]
struct Hit {
    head: String,
    body: Value,
    status: u16,
}

/// An HTTP server on loopback that answers 503 to the first `failures` requests and 204 to the
/// others, passing each request on; it stops after 16 requests or two idle minutes.
async fn webhook(failures: usize) -> (String, mpsc::UnboundedReceiver<Hit>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hotline", listener.local_addr().unwrap());
    let (hits, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for n in 0..16 {
            let accepted = tokio::time::timeout(Duration::from_secs(120), listener.accept()).await;
            let Ok(Ok((mut conn, _))) = accepted else {
                return;
            };
            let request = tokio::time::timeout(Duration::from_secs(5), read_request(&mut conn));
            let Ok(Some((head, body))) = request.await else {
                continue;
            };
            let status = if n < failures { 503 } else { 204 };
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = conn.write_all(answer.as_bytes()).await;
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let _ = hits.send(Hit { head, body, status });
        }
    });
    (url, received)
}

/// Reads one request with a `Content-Length` body (at most 64 KiB): its head and body.
async fn read_request(conn: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() <= 65_536 {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + length.min(65_536);
            while buf.len() < total {
                let n = conn.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((head, buf[end + 4..total].to_vec()));
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    None
}

/// The next webhook request, waiting at most 10 s (the worker posts within its pass).
async fn next_hit(hits: &mut mpsc::UnboundedReceiver<Hit>) -> Hit {
    tokio::time::timeout(Duration::from_secs(10), hits.recv())
        .await
        .expect("the webhook is called")
        .expect("the webhook runs")
}

fn now_ms(clock: &ManualClock) -> i64 {
    clock.now().as_millisecond()
}

/// Makes console account `name` with `role` in hotline 111, as `lachan user create` does.
async fn account(store: &Store, name: &str, role: Role) {
    let user = NewUser {
        username: name.into(),
        role,
        household: None,
        hotline: Some("111".into()),
    };
    create(store, &user, "mật-khẩu-đủ-dài", "111")
        .await
        .unwrap();
}

/// Files a phone report about a child, typed in by operator `lan`, and opens a case of `risk`
/// from it, assigned to `lan`; returns the case's id.
async fn phone_case(store: &Store, clock: &ManualClock, risk: Risk) -> i64 {
    let mut report = NewReport::new(now_ms(clock), "111", Channel::Phone, Category::Sexting);
    report.description = Some(format!("{CHILD_NAME} bị đe doạ tung ảnh"));
    report.identity = Identity {
        reporter_name: Some("Mẹ của Hoa".into()),
        reporter_contact: Some(REPORTER_CONTACT.into()),
        child_name: Some(CHILD_NAME.into()),
        child_contact: Some(CHILD_CONTACT.into()),
    };
    report.operator = Some("lan".into());
    let filed = store.file_report(&report).await.unwrap();
    let case = NewCase {
        hotline: "111".into(),
        actor: "lan".into(),
        report_ids: vec![filed.id],
        risk,
        assignee: Some("lan".into()),
        title: TITLE.into(),
        now_ms: now_ms(clock),
    };
    store
        .open_case(&case, ClockBook::builtin(), &by_test())
        .await
        .unwrap()
}

/// The audit note of a change the test makes in the store directly.
fn by_test() -> AuditNote {
    AuditNote::new("test", "test change", "")
}

/// A console session over the JSON API (cookie and CSRF token), on loopback.
struct Session {
    addr: String,
    cookie: String,
    csrf: String,
}

/// Sends a raw HTTP/1.1 request to `addr`: (status, head, body).
async fn exchange(addr: &str, request: String) -> (u16, String, String) {
    let talk = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        String::from_utf8(raw).unwrap()
    };
    let reply = tokio::time::timeout(Duration::from_secs(30), talk)
        .await
        .expect("the console answers");
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

impl Session {
    /// Signs `username` in (`POST /api/v1/session`).
    async fn sign_in(system: &System, username: &str) -> Session {
        let addr = system.web.trim_start_matches("http://").to_string();
        let body = serde_json::json!({"username": username, "password": PASSWORD}).to_string();
        let request = format!(
            "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let (status, head, body) = exchange(&addr, request).await;
        assert_eq!(status, 200, "{head}\n{body}");
        let cookie = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .and_then(|(_, value)| value.trim().split(';').next())
            .expect("a session cookie")
            .to_string();
        let answer: Value = serde_json::from_str(&body).unwrap();
        Session {
            addr,
            cookie,
            csrf: answer["csrf"].as_str().unwrap().to_string(),
        }
    }

    /// `METHOD path` with a JSON body: (status, answer as JSON, or null when empty).
    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} /api/v1{path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\
             X-CSRF-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            self.addr,
            self.cookie,
            self.csrf,
            body.len()
        );
        let (status, _, body) = exchange(&self.addr, request).await;
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
        };
        (status, json)
    }

    /// `GET path`, which must answer 200.
    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// `POST path`, which must answer 201; the new row's id.
    async fn create(&self, path: &str, body: Value) -> i64 {
        let (status, answer) = self.call("POST", path, Some(&body)).await;
        assert_eq!(status, 201, "POST {path}: {answer}");
        answer["id"].as_i64().unwrap()
    }
}

/// The notifications `session` sees, as `(kind, case_id, action_id)`.
async fn notices(session: &Session) -> Vec<(String, i64, Option<i64>)> {
    let list = session.get("/hotline/notifications").await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_string(),
                n["case_id"].as_i64().unwrap(),
                n["action_id"].as_i64(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_emergency_clock_escalates_once_and_a_follow_up_reminds() {
    let (url, mut hits) = webhook(1).await;
    let clock = ManualClock::at("2026-03-02T01:00:00Z");
    let system = System::start(&format!("[hotline]\nwebhook = \"{url}\"\n"), clock.clone()).await;
    let store = system.store().await;
    account(&store, "lan", Role::Operator).await;
    account(&store, "minh", Role::Supervisor).await;
    let lan = Session::sign_in(&system, "lan").await;
    let minh = Session::sign_in(&system, "minh").await;

    // Operator Lan types in a call and opens an emergency case from it (assigned to herself).
    let report = lan
        .create(
            "/hotline/reports",
            serde_json::json!({
                "channel": "phone",
                "category": "sextortion",
                "subtype": "sexual_extortion",
                "age_band": "age_14_15",
                "gender": "girl",
                "province": "ha-noi",
                "description": format!("{CHILD_NAME} bị đe doạ tung ảnh"),
                "reporter_name": "Mẹ của Hoa",
                "reporter_contact": REPORTER_CONTACT,
                "child_name": CHILD_NAME,
                "child_contact": CHILD_CONTACT,
            }),
        )
        .await;
    let opened_ms = now_ms(&clock);
    let case = lan
        .create(
            "/hotline/cases",
            serde_json::json!({"report_ids": [report], "risk": "emergency", "title": TITLE}),
        )
        .await;
    let path = format!("/hotline/cases/{case}");
    assert_eq!(lan.get(&path).await["case"]["assignee"], "lan");

    // Within the 12 hours, nothing happens.
    clock.advance(SignedDuration::from_hours(11));
    system.hotline_pass().await;
    assert!(notices(&minh).await.is_empty());

    // Past them, the supervisors are told; the webhook's first answer is a failure.
    clock.advance(HOUR + SignedDuration::from_mins(1));
    system.hotline_pass().await;
    assert_eq!(
        notices(&minh).await,
        [("clock_overdue".to_string(), case, None)]
    );
    let told = &minh.get("/hotline/notifications").await[0];
    assert_eq!(told["text_key"], lachan::hotline::CLOCK_OVERDUE_KEY);
    assert_eq!(told["audience"]["kind"], "supervisors");
    let first = next_hit(&mut hits).await;
    assert_eq!(first.status, 503);
    assert!(
        first.head.starts_with("POST /hotline HTTP/1.1"),
        "{}",
        first.head
    );
    assert!(
        first
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{}",
        first.head
    );

    // The next pass posts it again, and it is taken; the event says nothing about anyone.
    system.hotline_pass().await;
    let second = next_hit(&mut hits).await;
    assert_eq!(second.status, 204);
    assert_eq!(second.body, first.body);
    let event = &second.body;
    let keys: BTreeSet<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["event", "hotline", "case_id", "clock", "due_ms", "risk"])
    );
    assert_eq!(event["event"], "clock_overdue");
    assert_eq!(event["hotline"], "111");
    assert_eq!(event["case_id"], case);
    assert_eq!(event["clock"], "emergency_intervention");
    assert_eq!(event["due_ms"], opened_ms + 12 * 3_600_000);
    assert_eq!(event["risk"], "emergency");
    let text = event.to_string();
    for personal in [CHILD_NAME, CHILD_CONTACT, REPORTER_CONTACT, TITLE, "lan"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }

    // Escalated once: later passes neither notify nor post again.
    let escalated_at = now_ms(&clock);
    clock.advance(HOUR);
    system.hotline_pass().await;
    system.hotline_pass().await;
    assert_eq!(notices(&minh).await.len(), 1);
    assert!(hits.try_recv().is_err(), "one event, posted until taken");
    let clocks = minh.get(&path).await["clocks"].clone();
    let clocks = clocks.as_array().unwrap();
    let emergency = clocks
        .iter()
        .find(|c| c["rule"] == "emergency_intervention")
        .unwrap();
    assert_eq!(emergency["escalated_ms"], escalated_at);
    assert_eq!(emergency["status"], "overdue");
    let complaint = clocks.iter().find(|c| c["rule"] == "complaint").unwrap();
    assert_eq!(
        complaint["escalated_ms"],
        Value::Null,
        "48 hours: not overdue"
    );
    // The operator is not a supervisor: the escalation is not hers.
    assert!(notices(&lan).await.is_empty());

    // A follow-up due in an hour reminds its operator once, when due.
    let due = clock.now() + HOUR;
    let follow_up = lan
        .create(
            &format!("{path}/actions"),
            serde_json::json!({
                "kind": "follow_up",
                "note": "Gọi lại cho mẹ của Hoa",
                "due": due.to_string(),
            }),
        )
        .await;
    system.hotline_pass().await;
    assert!(notices(&lan).await.is_empty());
    clock.advance(HOUR * 2);
    system.hotline_pass().await;
    system.hotline_pass().await;
    assert_eq!(
        notices(&lan).await,
        [("follow_up_due".to_string(), case, Some(follow_up))]
    );
    let reminded = &lan.get("/hotline/notifications").await[0];
    assert_eq!(reminded["text_key"], lachan::hotline::FOLLOW_UP_DUE_KEY);
    let actions = store.actions_of_case(case).await.unwrap();
    let action = actions.iter().find(|a| a.id == follow_up).unwrap();
    assert_eq!(action.due_ms, Some(due.as_millisecond()));
    assert_eq!(action.reminded_ms, Some(now_ms(&clock)));
    assert!(
        !notices(&minh).await.iter().any(|n| n.0 == "follow_up_due"),
        "the reminder is the operator's"
    );
    assert!(hits.try_recv().is_err(), "reminders are not posted");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_waiting_untriaged_is_flagged_to_supervisors_once() {
    let (url, mut hits) = webhook(0).await;
    let clock = ManualClock::at("2026-03-02T01:00:00Z");
    let system = System::start(&format!("[hotline]\nwebhook = \"{url}\"\n"), clock.clone()).await;
    let store = system.store().await;
    account(&store, "lan", Role::Operator).await;
    let lan = Session::sign_in(&system, "lan").await;
    let call = lan
        .create(
            "/hotline/reports",
            serde_json::json!({
                "channel": "zalo",
                "category": "bullying",
                "subtype": "harassment",
                "description": "Bạn cùng lớp chế ảnh và chửi bới trong nhóm Zalo",
                "child_name": CHILD_NAME,
                "reporter_contact": REPORTER_CONTACT,
            }),
        )
        .await;
    let received_ms = now_ms(&clock);
    // A platform's report is not a complaint of a person: it is not flagged.
    let platform = NewReport::new(received_ms, "111", Channel::Platform, Category::Adult);
    store.file_report(&platform).await.unwrap();

    clock.advance(SignedDuration::from_hours(11));
    system.hotline_pass().await;
    assert!(
        store
            .queue_notices("111", false, 10)
            .await
            .unwrap()
            .is_empty()
    );

    clock.advance(HOUR + SignedDuration::from_mins(1));
    system.hotline_pass().await;
    system.hotline_pass().await;
    let flagged = store.queue_notices("111", false, 10).await.unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0].report_id, call);
    assert_eq!(flagged[0].text_key, lachan::hotline::QUEUE_WAITING_KEY);
    let case_notices = store.notifications("111", "minh", true, false, 10).await;
    assert!(
        case_notices.unwrap().is_empty(),
        "listed apart from case notices"
    );
    let event = next_hit(&mut hits).await.body;
    assert_eq!(
        event,
        serde_json::json!({
            "event": "report_waiting",
            "hotline": "111",
            "report_id": call,
            "channel": "zalo",
            "received_ms": received_ms,
        })
    );
    clock.advance(HOUR);
    system.hotline_pass().await;
    assert_eq!(
        store.queue_notices("111", false, 10).await.unwrap().len(),
        1
    );
    assert!(hits.try_recv().is_err(), "flagged once");

    // Once triaged, it no longer waits.
    lan.create(
        "/hotline/cases",
        serde_json::json!({"report_ids": [call], "risk": "medium", "title": "Bị bắt nạt"}),
    )
    .await;
    assert!(
        store
            .queue_notices("111", false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    system.stop().await;
}

/// Closes case `case` as resolved.
async fn close(store: &Store, clock: &ManualClock, case: i64) {
    let change = StatusChange {
        to: CaseStatus::Closed,
        close_reason: Some(CloseReason::Resolved),
        note: String::new(),
        may_reopen: false,
    };
    store
        .set_case_status(case, "minh", &change, now_ms(clock), &by_test())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_cases_are_anonymised_after_the_configured_days_unless_held() {
    let clock = ManualClock::at("2026-03-02T01:00:00Z");
    let system = System::start("[hotline]\nanonymise_after_days = 30\n", clock.clone()).await;
    let store = system.store().await;
    account(&store, "lan", Role::Operator).await;
    account(&store, "minh", Role::Supervisor).await;
    let forgotten = phone_case(&store, &clock, Risk::Medium).await;
    let held = phone_case(&store, &clock, Risk::Medium).await;
    let open = phone_case(&store, &clock, Risk::Low).await;
    close(&store, &clock, forgotten).await;
    close(&store, &clock, held).await;
    store
        .set_legal_hold(
            held,
            "minh",
            true,
            "Công an yêu cầu giữ hồ sơ",
            now_ms(&clock),
            &by_test(),
        )
        .await
        .unwrap();

    // Within the 30 days nothing is erased.
    clock.advance(SignedDuration::from_hours(29 * 24));
    system.hotline_pass().await;
    for case in [forgotten, held, open] {
        assert_eq!(store.case(case).await.unwrap().unwrap().anonymised_ms, None);
    }

    // Past them (and a day after the last run), the closed case without hold is anonymised.
    clock.advance(SignedDuration::from_hours(2 * 24));
    system.hotline_pass().await;
    let gone = store.case(forgotten).await.unwrap().unwrap();
    assert_eq!(gone.anonymised_ms, Some(now_ms(&clock)));
    let report = &store.reports_of_case(forgotten).await.unwrap()[0];
    assert_eq!(report.filed.identity, Identity::default());
    assert_eq!(report.filed.description, None);
    assert_eq!(report.filed.source, Channel::Phone, "statistics stay");
    assert_eq!(report.filed.category, Category::Sexting);

    for kept in [held, open] {
        assert_eq!(store.case(kept).await.unwrap().unwrap().anonymised_ms, None);
        let report = &store.reports_of_case(kept).await.unwrap()[0];
        assert_eq!(
            report.filed.identity.child_name.as_deref(),
            Some(CHILD_NAME)
        );
    }
    let held_case = store.case(held).await.unwrap().unwrap();
    assert!(held_case.legal_hold);
    let audit = store.audit_log(20).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "cases anonymised")
        .expect("the anonymisation is in the audit log");
    assert_eq!(entry.actor, "hotline retention");
    assert!(entry.detail.starts_with("1 cases"), "{}", entry.detail);

    // Lifting the hold lets the next daily run anonymise it.
    store
        .set_legal_hold(held, "minh", false, "", now_ms(&clock), &by_test())
        .await
        .unwrap();
    clock.advance(SignedDuration::from_hours(25));
    system.hotline_pass().await;
    assert!(
        store
            .case(held)
            .await
            .unwrap()
            .unwrap()
            .anonymised_ms
            .is_some()
    );
    assert_eq!(store.case(open).await.unwrap().unwrap().anonymised_ms, None);
    let cases = store
        .cases(&CaseFilter {
            hotline: "111".into(),
            assignee: None,
            status: None,
            open_only: false,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(cases.len(), 3, "anonymised cases still count");
    system.stop().await;
}
