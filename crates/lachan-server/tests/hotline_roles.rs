//! Who reaches what of the hotline, over real loopback HTTP: checked mechanically over every
//! operation of the OpenAPI document for platform tokens, guardians and operators; an operator
//! cannot read another operator's case, its reports or its attachments (404, as if absent);
//! identity fields follow the case's assignment; an administrator without a hotline edits
//! authorities but reads no case; a supervisor of another hotline sees nothing of this one;
//! every read of a case is in the audit log, naming the reader; an anonymous form post files a
//! report and reads nothing.

mod common;
mod hotline_support;

use common::Auth;
use hotline_support::{CHILD, Hotline};
use lachan_server::ops::{self, PublicReportError, ReportInput};
use serde_json::{Value, json};

/// Every operation of the served OpenAPI document: (method, path with ids filled in, access).
async fn operations(hotline: &Hotline, case: i64) -> Vec<(String, String, String)> {
    let doc = hotline
        .get("/api/v1/openapi.json", &Auth::None)
        .await
        .json();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let path = path
            .replace("{name}", "An")
            .replace("{id}", &case.to_string())
            .replace("{action}", "1")
            .replace("{attachment}", "1");
        for (method, operation) in item.as_object().unwrap() {
            let access = operation["x-lachan-access"]
                .as_str()
                .unwrap_or("public")
                .to_string();
            out.push((method.to_ascii_uppercase(), path.clone(), access));
        }
    }
    out
}

#[tokio::test]
async fn each_role_gets_403_outside_its_endpoints_checked_over_the_whole_document() {
    let hotline = Hotline::start().await;
    let (_, case) = hotline.case_of_a("high").await;
    let before = hotline.server.store.audit_log(10_000).await.unwrap().len();
    let mut checked = 0;
    for (method, path, access) in operations(&hotline, case).await {
        // (who, the levels that let them through)
        let callers: [(&Auth, &[&str]); 3] = [
            (&hotline.platform, &["public", "platform"]),
            (&hotline.guardian, &["public", "people", "family"]),
            (&hotline.op_a, &["public", "people", "hotline"]),
        ];
        for (who, allowed) in callers {
            if allowed.contains(&access.as_str()) {
                continue;
            }
            let reply = hotline
                .server
                .call(&method, &path, who, Some(&json!({})), &[])
                .await;
            assert_eq!(
                reply.status, 403,
                "{method} {path} ({access}): {}",
                reply.body
            );
            reply.assert_error_body();
            checked += 1;
        }
    }
    assert!(checked >= 70, "{checked}");
    // Every GET of the hotline, the cases, the authorities and the statistics is refused to
    // the platform token: it files reports and reads nothing.
    for path in [
        "/api/v1/hotline/reports",
        "/api/v1/hotline/cases",
        &format!("/api/v1/hotline/cases/{case}"),
        "/api/v1/authorities",
        "/api/v1/hotline/stats",
        "/api/v1/hotline/stats.csv",
        "/api/v1/hotline/stats.xlsx",
    ] {
        let reply = hotline.get(path, &hotline.platform).await;
        assert_eq!(reply.status, 403, "{path}");
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("reads nothing else"), "{error}");
    }
    let filed = hotline
        .send(
            "POST",
            "/api/v1/reports",
            &hotline.platform,
            &json!({"platform": "Zalo", "content_type": "image", "category": "sexual_minors",
                    "url": "https://zalo.me/g/abc123"}),
        )
        .await;
    filed.assert_status(201);
    // Refused requests read nothing: the audit log gained only the platform's report.
    let after = hotline.server.store.audit_log(10_000).await.unwrap();
    assert_eq!(after.len(), before + 1);
    assert_eq!(after[0].action, "report filed");
    assert_eq!(after[0].actor, "token:zalo-app");
    hotline.stop().await;
}

#[tokio::test]
async fn an_operator_cannot_read_another_operators_case_nor_its_reports_or_attachments() {
    let hotline = Hotline::start().await;
    let (report, case) = hotline.case_of_a("medium").await;
    let upload = hotline
        .server
        .call(
            "POST",
            &format!("/api/v1/hotline/cases/{case}/attachments?filename=thu.txt"),
            &hotline.op_a,
            None,
            &["Content-Type: application/octet-stream"],
        )
        .await;
    // An empty upload is refused; send a real one.
    assert_eq!(upload.status, 400, "{}", upload.body);
    let attachment = upload_text(&hotline, &hotline.op_a, case, "Thư của cô giáo chủ nhiệm.").await;

    let case_path = format!("/api/v1/hotline/cases/{case}");
    let missing = format!("/api/v1/hotline/cases/{}", case + 1000);
    let b = &hotline.op_b;
    for path in [
        case_path.clone(),
        format!("/api/v1/hotline/reports/{report}"),
        format!("{case_path}/attachments/{attachment}"),
        missing.clone(),
    ] {
        let reply = hotline.get(&path, b).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
    }
    // The answer for another's case is the answer for a case that does not exist.
    let theirs = hotline.get(&case_path, b).await.json()["error"].clone();
    let absent = hotline.get(&missing, b).await.json()["error"].clone();
    assert_eq!(
        theirs.as_str().unwrap().replace(&case.to_string(), "N"),
        absent
            .as_str()
            .unwrap()
            .replace(&(case + 1000).to_string(), "N")
    );
    for (method, path, body) in [
        (
            "PUT",
            format!("{case_path}/status"),
            json!({"status": "referred"}),
        ),
        ("PUT", format!("{case_path}/risk"), json!({"risk": "low"})),
        (
            "POST",
            format!("{case_path}/actions"),
            json!({"kind": "counselling"}),
        ),
        (
            "POST",
            format!("{case_path}/reports"),
            json!({"report_ids": [report]}),
        ),
    ] {
        let reply = hotline.send(method, &path, b, &body).await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
    }
    let listed = hotline.get("/api/v1/hotline/cases", b).await.json();
    assert_eq!(listed, json!([]));
    let asked = hotline
        .get("/api/v1/hotline/cases?assignee=tu-van-a", b)
        .await
        .json();
    assert_eq!(asked, json!([]));
    // Nothing B tried is in the audit log as a read.
    let reads = hotline.audit_of(&format!("case:{case}")).await;
    assert!(reads.iter().all(|e| e.actor != "tu-van-b"), "{reads:?}");

    // The supervisor of the hotline reads it; the supervisor of another hotline does not.
    hotline
        .get(&case_path, &hotline.supervisor)
        .await
        .assert_status(200);
    let other = &hotline.other_supervisor;
    assert_eq!(hotline.get(&case_path, other).await.status, 404);
    assert_eq!(
        hotline
            .get(&format!("/api/v1/hotline/reports/{report}"), other)
            .await
            .status,
        404
    );
    assert_eq!(
        hotline.get("/api/v1/hotline/cases", other).await.json(),
        json!([])
    );
    hotline.stop().await;
}

/// Uploads `text` to `case` as `who`; returns the attachment's id.
async fn upload_text(hotline: &Hotline, who: &Auth, case: i64, text: &str) -> i64 {
    let head = format!(
        "POST /api/v1/hotline/cases/{case}/attachments?filename=thu.txt HTTP/1.1\r\nHost: \
         localhost:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: {}{}",
        text.len(),
        auth_headers(who)
    );
    let reply = hotline.server.send(&head, text.as_bytes()).await;
    reply.assert_status(201);
    reply.json()["id"].as_i64().unwrap()
}

/// The header lines of a session with its CSRF token.
fn auth_headers(who: &Auth) -> String {
    match who {
        Auth::Cookie {
            session,
            csrf: Some(csrf),
        } => format!("\r\nCookie: lachan_session={session}\r\nX-CSRF-Token: {csrf}"),
        Auth::Bearer(token) => format!("\r\nAuthorization: Bearer {token}"),
        other => panic!("no credentials in {other:?}"),
    }
}

#[tokio::test]
async fn identity_fields_are_shown_only_to_the_assigned_operator_and_supervisors() {
    let hotline = Hotline::start().await;
    let report = hotline.phone_report(&hotline.op_a).await;
    let report_path = format!("/api/v1/hotline/reports/{report}");
    // In the queue, operators see the report without who is in it; the supervisor sees all.
    for who in [&hotline.op_a, &hotline.op_b] {
        let queue = hotline.get("/api/v1/hotline/reports", who).await.json();
        assert_eq!(queue[0]["id"], report);
        assert_eq!(queue[0]["identity"]["child_name"], Value::Null);
        assert_eq!(queue[0]["identity_shown"], false);
        let one = hotline.get(&report_path, who).await.json();
        assert_eq!(one["identity"]["child_name"], Value::Null, "{one}");
        assert_eq!(one["identity"]["reporter_contact"], Value::Null, "{one}");
        assert!(!one["description"].as_str().unwrap().is_empty(), "{one}");
    }
    let full = hotline.get(&report_path, &hotline.supervisor).await.json();
    assert_eq!(full["identity"]["child_name"], CHILD);

    let case = hotline.open_case(&hotline.op_a, &[report], "high").await;
    let case_path = format!("/api/v1/hotline/cases/{case}");
    let view = hotline.get(&case_path, &hotline.op_a).await.json();
    assert_eq!(view["identity_shown"], true);
    assert_eq!(view["case"]["assignee"], "tu-van-a");
    assert_eq!(view["reports"][0]["identity"]["child_name"], CHILD);
    assert_eq!(
        hotline.get(&report_path, &hotline.op_a).await.json()["identity"]["child_name"],
        CHILD
    );
    // Operators may not hand cases over; the supervisor reassigns it to B.
    let to_b = json!({"assignee": "tu-van-b"});
    let refused = hotline
        .send(
            "PUT",
            &format!("{case_path}/assignee"),
            &hotline.op_a,
            &to_b,
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let not_staff = hotline
        .send(
            "PUT",
            &format!("{case_path}/assignee"),
            &hotline.supervisor,
            &json!({"assignee": "giam-sat-222"}),
        )
        .await;
    assert_eq!(not_staff.status, 400, "{}", not_staff.body);
    hotline
        .send(
            "PUT",
            &format!("{case_path}/assignee"),
            &hotline.supervisor,
            &to_b,
        )
        .await
        .assert_status(204);
    // A no longer sees the case nor its report; B sees both in full.
    assert_eq!(hotline.get(&case_path, &hotline.op_a).await.status, 404);
    assert_eq!(hotline.get(&report_path, &hotline.op_a).await.status, 404);
    let view = hotline.get(&case_path, &hotline.op_b).await.json();
    assert_eq!(view["reports"][0]["identity"]["child_name"], CHILD);
    assert_eq!(
        view["reports"][0]["identity"]["reporter_name"],
        "Trần Thị Mai"
    );
    hotline.stop().await;
}

#[tokio::test]
async fn every_read_of_a_case_is_in_the_audit_log_naming_the_reader() {
    let hotline = Hotline::start().await;
    let (report, case) = hotline.case_of_a("low").await;
    let path = format!("/api/v1/hotline/cases/{case}");
    for _ in 0..3 {
        hotline.get(&path, &hotline.op_a).await.assert_status(200);
    }
    for _ in 0..2 {
        hotline
            .get(&path, &hotline.supervisor)
            .await
            .assert_status(200);
    }
    let entries = hotline.audit_of(&format!("case:{case}")).await;
    let reads: Vec<&str> = entries
        .iter()
        .filter(|e| e.action == "case read")
        .map(|e| e.actor.as_str())
        .collect();
    assert_eq!(
        reads,
        ["tu-van-a", "tu-van-a", "tu-van-a", "giam-sat", "giam-sat"]
    );
    assert!(entries.iter().any(|e| e.action == "case open"));
    // Reads of the report are audited too, and every change of the case.
    hotline
        .get(
            &format!("/api/v1/hotline/reports/{report}"),
            &hotline.supervisor,
        )
        .await
        .assert_status(200);
    let report_reads = hotline.audit_of(&format!("report:{report}")).await;
    assert!(
        report_reads
            .iter()
            .any(|e| e.action == "report read" && e.actor == "giam-sat"),
        "{report_reads:?}"
    );
    hotline
        .send(
            "PUT",
            &format!("{path}/risk"),
            &hotline.op_a,
            &json!({"risk": "high", "note": "trẻ sợ hãi"}),
        )
        .await
        .assert_status(204);
    let changes = hotline.audit_of(&format!("case:{case}")).await;
    let risk = changes.iter().find(|e| e.action == "case risk").unwrap();
    assert_eq!(
        (risk.actor.as_str(), risk.detail.as_str()),
        ("tu-van-a", "low → high")
    );
    // The chain of the log holds.
    assert!(
        hotline
            .server
            .store
            .verify_audit()
            .await
            .unwrap()
            .is_intact()
    );
    hotline.stop().await;
}

#[tokio::test]
async fn an_administrator_without_a_hotline_edits_authorities_but_reads_no_case() {
    let hotline = Hotline::start().await;
    let (report, case) = hotline.case_of_a("high").await;
    let admin = &hotline.admin;
    for path in [
        format!("/api/v1/hotline/cases/{case}"),
        format!("/api/v1/hotline/reports/{report}"),
        "/api/v1/hotline/cases".to_string(),
        "/api/v1/hotline/reports".to_string(),
    ] {
        let reply = hotline.get(&path, admin).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("supervise no hotline"), "{error}");
    }
    // Authorities: administrators edit them, the hotline's staff read them.
    let police = json!({"kind": "police_cyber", "name_vi": "Phòng An ninh mạng, Công an tỉnh",
                        "name_en": "Provincial cyber-security police", "contact": "069 123 456"});
    let made = hotline
        .send("POST", "/api/v1/authorities", admin, &police)
        .await;
    made.assert_status(201);
    let id = made.json()["id"].as_i64().unwrap();
    let refused = hotline
        .send("POST", "/api/v1/authorities", &hotline.supervisor, &police)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let listed = hotline
        .get("/api/v1/authorities", &hotline.op_a)
        .await
        .json();
    assert!(listed.as_array().unwrap().iter().any(|a| a["id"] == id));
    let gone = hotline
        .server
        .call(
            "DELETE",
            &format!("/api/v1/authorities/{id}"),
            admin,
            None,
            &[],
        )
        .await;
    gone.assert_status(200);
    assert_eq!(gone.json()["active"], false);
    let listed = hotline
        .get("/api/v1/authorities", &hotline.op_a)
        .await
        .json();
    assert!(!listed.as_array().unwrap().iter().any(|a| a["id"] == id));
    let all = hotline
        .get("/api/v1/authorities?inactive=true", &hotline.op_a)
        .await
        .json();
    assert!(all.as_array().unwrap().iter().any(|a| a["id"] == id));
    let audit = hotline.audit_of(&format!("authority:{id}")).await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["authority created", "authority deactivated"]);
    // Statistics are the hotline's too: an administrator who supervises none gets none.
    assert_eq!(
        hotline.get("/api/v1/hotline/stats", admin).await.status,
        403
    );
    hotline.stop().await;
}

#[tokio::test]
async fn an_anonymous_form_post_files_a_report_and_reads_nothing() {
    let hotline = Hotline::start().await;
    let input = ReportInput {
        category: "bullying".into(),
        subtype: Some("humiliating_content".into()),
        description: Some("Bạn cùng lớp đăng ảnh chế giễu em lên nhóm Facebook.".into()),
        reporter_name: Some("Không muốn nêu tên".into()),
        reporter_contact: Some("0987 654 321".into()),
        anonymous: true,
        ..ReportInput::default()
    };
    let ip = "198.51.100.23".parse().unwrap();
    let filed = ops::file_public_report(&hotline.state, ip, &input)
        .await
        .unwrap();
    // What the poster gets back is the report's number and nothing of the hotline.
    let answer = serde_json::to_value(filed).unwrap();
    let mut keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "received_ms", "status"]);
    // The anonymous reporter's name and contact were not kept.
    let stored = hotline
        .server
        .store
        .report(filed.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.filed.identity.is_empty(),
        "{:?}",
        stored.filed.identity
    );
    assert_eq!(stored.filed.source.as_str(), "web_form");
    assert_eq!(stored.filed.hotline, "111");
    let audit = hotline.audit_of(&format!("report:{}", filed.id)).await;
    assert_eq!(audit[0].actor, "web_form");
    // Without a session or token, nothing of the hotline answers.
    for path in [
        "/api/v1/hotline/reports".to_string(),
        format!("/api/v1/hotline/reports/{}", filed.id),
        "/api/v1/hotline/cases".to_string(),
        "/api/v1/hotline/stats".to_string(),
        "/api/v1/authorities".to_string(),
    ] {
        assert_eq!(hotline.get(&path, &Auth::None).await.status, 401, "{path}");
    }
    // Five posts an hour from one address; the sixth waits; another address may post.
    for _ in 0..4 {
        ops::file_public_report(&hotline.state, ip, &input)
            .await
            .unwrap();
    }
    let refused = ops::file_public_report(&hotline.state, ip, &input).await;
    match refused {
        Err(PublicReportError::TooMany { retry_after_secs }) => {
            assert!((1..=720).contains(&retry_after_secs), "{retry_after_secs}");
        }
        other => panic!("{other:?}"),
    }
    let other = "198.51.100.24".parse().unwrap();
    assert!(
        ops::file_public_report(&hotline.state, other, &input)
            .await
            .is_ok()
    );
    // An invalid post says what to write and does not count against the address.
    let empty = ReportInput {
        category: "bullying".into(),
        ..ReportInput::default()
    };
    let err = ops::file_public_report(&hotline.state, other, &empty)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("write a description"), "{err}");
    hotline.stop().await;
}

#[tokio::test]
async fn family_endpoints_refuse_the_hotline_and_the_hotline_refuses_families() {
    let hotline = Hotline::start().await;
    let reply = hotline.get("/api/v1/profiles", &hotline.op_a).await;
    assert_eq!(reply.status, 403);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("guardians"), "{error}");
    let reply = hotline
        .get("/api/v1/hotline/cases", &hotline.guardian)
        .await;
    assert_eq!(reply.status, 403);
    // People reach their own account's endpoints whatever their role.
    let me = hotline.get("/api/v1/whoami", &hotline.op_a).await.json();
    assert_eq!(me["role"], "operator");
    assert_eq!(me["hotline"], "111");
    hotline.stop().await;
}
