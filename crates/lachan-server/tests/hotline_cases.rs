//! Cases over real loopback HTTP: the workflow refuses moves it does not have (and operators
//! cannot reopen), legal clocks show on the case and move with time and actions, referrals
//! and takedown requests need the right authority, attachments round-trip while the database
//! file never holds their plaintext, an image from an abuse hash bank is refused and reported
//! with hashes only, and statistics export as CSV and XLSX.

mod common;
mod hotline_support;

use std::io::Read;

use common::{Auth, Reply};
use hotline_support::Hotline;
use lachan_image::{DecodeLimits, hash_bytes};
use lachan_store::{BankCategory, NewBankHash};
use serde_json::{Value, json};

const HOUR: i64 = 3600;

fn assert_error(reply: &Reply, status: u16, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.assert_error_body();
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains(says), "{error}");
}

/// The clocks of `case` as `who` sees them, by rule name: (status, action id).
async fn clocks(hotline: &Hotline, who: &Auth, case: i64) -> Vec<(String, String)> {
    let view = hotline
        .get(&format!("/api/v1/hotline/cases/{case}"), who)
        .await
        .json();
    view["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn the_workflow_refuses_moves_it_does_not_have_and_only_supervisors_reopen() {
    let hotline = Hotline::start().await;
    let (_, case) = hotline.case_of_a("medium").await;
    let status = format!("/api/v1/hotline/cases/{case}/status");
    let op = &hotline.op_a;
    let put = |body: Value, who: &Auth| {
        let path = status.clone();
        let who = who.clone();
        let hotline = &hotline;
        async move { hotline.send("PUT", &path, &who, &body).await }
    };
    assert_error(
        &put(json!({"status": "new"}), op).await,
        409,
        "from triaged it can move to: in_intervention, referred, follow_up, closed",
    );
    assert_error(
        &put(json!({"status": "closed"}), op).await,
        400,
        "close reason",
    );
    assert_error(
        &put(
            json!({"status": "referred", "close_reason": "resolved"}),
            op,
        )
        .await,
        400,
        "only goes with a move to closed",
    );
    assert_error(
        &put(json!({"status": "escalated"}), op).await,
        400,
        "in_intervention",
    );
    put(
        json!({"status": "in_intervention", "note": "đã gọi lại"}),
        op,
    )
    .await
    .assert_status(204);
    put(json!({"status": "closed", "close_reason": "resolved"}), op)
        .await
        .assert_status(204);
    // A closed case takes no more changes, and only a supervisor reopens it, with a reason.
    let risk = hotline
        .send(
            "PUT",
            &format!("/api/v1/hotline/cases/{case}/risk"),
            op,
            &json!({"risk": "high"}),
        )
        .await;
    assert_error(&risk, 409, "closed");
    assert_error(
        &put(json!({"status": "triaged", "note": "mẹ gọi lại"}), op).await,
        403,
        "only a supervisor can reopen",
    );
    let sup = &hotline.supervisor;
    assert_error(
        &put(json!({"status": "triaged"}), sup).await,
        400,
        "needs a reason",
    );
    put(json!({"status": "triaged", "note": "mẹ gọi lại"}), sup)
        .await
        .assert_status(204);
    let view = hotline
        .get(&format!("/api/v1/hotline/cases/{case}"), op)
        .await
        .json();
    assert_eq!(view["case"]["status"], "triaged");
    let moves: Vec<(&str, &str)> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| {
            (
                e["from_value"].as_str().unwrap(),
                e["to_value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("triaged", "in_intervention"),
            ("in_intervention", "closed"),
            ("closed", "triaged")
        ]
    );
    // An operator is not offered the reopen; the supervisor is.
    assert_eq!(
        view["targets"],
        json!(["in_intervention", "referred", "follow_up", "closed"])
    );
    // Triaging a report twice, or nothing, is refused.
    let report = view["reports"][0]["id"].as_i64().unwrap();
    let again = hotline
        .send(
            "POST",
            "/api/v1/hotline/cases",
            op,
            &json!({"report_ids": [report], "risk": "low", "title": "lần hai"}),
        )
        .await;
    assert_eq!(again.status, 404, "{}", again.body);
    let again = hotline
        .send(
            "POST",
            "/api/v1/hotline/cases",
            sup,
            &json!({"report_ids": [report], "risk": "low", "title": "lần hai"}),
        )
        .await;
    assert_error(&again, 409, &format!("already part of case {case}"));
    let none = hotline
        .send(
            "POST",
            "/api/v1/hotline/cases",
            op,
            &json!({"report_ids": [], "risk": "low", "title": "trống"}),
        )
        .await;
    assert_error(&none, 400, "at least one report");
    hotline.stop().await;
}

#[tokio::test]
async fn clocks_show_on_the_case_and_move_with_time_and_actions() {
    let hotline = Hotline::start().await;
    let op = &hotline.op_a;
    // A phone report opened as an emergency: the complaint clock (48 h from the call) and the
    // emergency clock (12 h) run.
    let (_, case) = hotline.case_of_a("emergency").await;
    assert_eq!(
        clocks(&hotline, op, case).await,
        owned(&[
            ("emergency_intervention", "running"),
            ("complaint", "running")
        ])
    );
    let view = hotline
        .get(&format!("/api/v1/hotline/cases/{case}"), op)
        .await
        .json();
    let emergency = &view["clocks"][0];
    assert_eq!(emergency["hours"], 12);
    assert_eq!(
        emergency["due_ms"].as_i64().unwrap() - emergency["started_ms"].as_i64().unwrap(),
        12 * HOUR * 1000
    );
    assert!(!emergency["basis"].as_str().unwrap().is_empty());
    assert_eq!(emergency["left_ms"], 12 * HOUR * 1000);
    // The case list shows the unmet clocks too.
    let listed = hotline.get("/api/v1/hotline/cases", op).await.json();
    assert_eq!(listed[0]["clocks"].as_array().unwrap().len(), 2);

    hotline.gateway.advance(10 * HOUR);
    assert_eq!(
        clocks(&hotline, op, case).await,
        owned(&[
            ("emergency_intervention", "due_soon"),
            ("complaint", "running")
        ])
    );
    hotline.gateway.advance(3 * HOUR);
    assert_eq!(
        clocks(&hotline, op, case).await[0],
        ("emergency_intervention".into(), "overdue".into())
    );
    // The intervention comes late: the clock is met late; the first action meets the
    // complaint clock.
    let actions = format!("/api/v1/hotline/cases/{case}/actions");
    hotline
        .send(
            "POST",
            &actions,
            op,
            &json!({"kind": "emergency_intervention", "note": "báo công an phường"}),
        )
        .await
        .assert_status(201);
    assert_eq!(
        clocks(&hotline, op, case).await,
        owned(&[
            ("emergency_intervention", "met_late"),
            ("complaint", "met_in_time")
        ])
    );

    // A takedown request needs a platform authority and starts its own 24-hour clock.
    let authorities = hotline.get("/api/v1/authorities", op).await.json();
    let of_kind = |kind: &str| {
        authorities
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == kind)
            .map(|a| a["id"].as_i64().unwrap())
    };
    let (platform, police) = match (of_kind("platform"), of_kind("police_cyber")) {
        (Some(p), Some(c)) => (p, c),
        _ => {
            let mut ids = Vec::new();
            for (kind, name) in [("platform", "Roblox"), ("police_cyber", "A05")] {
                let made = hotline
                    .send(
                        "POST",
                        "/api/v1/authorities",
                        &hotline.admin,
                        &json!({"kind": kind, "name_vi": name, "name_en": name}),
                    )
                    .await;
                made.assert_status(201);
                ids.push(made.json()["id"].as_i64().unwrap());
            }
            (ids[0], ids[1])
        }
    };
    let wrong = hotline
        .send(
            "POST",
            &actions,
            op,
            &json!({"kind": "takedown_request", "authority_id": police}),
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let wrong = hotline
        .send(
            "POST",
            &actions,
            op,
            &json!({"kind": "referral", "authority_id": platform}),
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let follow = hotline
        .send("POST", &actions, op, &json!({"kind": "follow_up"}))
        .await;
    assert_error(&follow, 400, "needs the time it is due");
    hotline
        .send(
            "POST",
            &actions,
            op,
            &json!({"kind": "follow_up", "due": "2026-03-16T09:00"}),
        )
        .await
        .assert_status(201);
    hotline
        .send(
            "POST",
            &actions,
            op,
            &json!({"kind": "referral", "authority_id": police}),
        )
        .await
        .assert_status(201);
    let takedown = hotline
        .send(
            "POST",
            &actions,
            op,
            &json!({"kind": "takedown_request", "authority_id": platform}),
        )
        .await;
    takedown.assert_status(201);
    let takedown = takedown.json()["id"].as_i64().unwrap();
    assert_eq!(
        clocks(&hotline, op, case).await[2],
        ("takedown".into(), "running".into())
    );
    hotline.gateway.advance(5 * HOUR);
    hotline
        .send(
            "PUT",
            &format!("{actions}/{takedown}"),
            op,
            &json!({"outcome": "done"}),
        )
        .await
        .assert_status(204);
    assert_eq!(
        clocks(&hotline, op, case).await[2],
        ("takedown".into(), "met_in_time".into())
    );
    let missing = hotline
        .send(
            "PUT",
            &format!("{actions}/{}", takedown + 100),
            op,
            &json!({"outcome": "done"}),
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let view = hotline
        .get(&format!("/api/v1/hotline/cases/{case}"), op)
        .await
        .json();
    let referral = view["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "referral")
        .unwrap();
    assert_eq!(referral["authority"]["id"], police);
    assert_eq!(referral["outcome"], "pending");
    hotline.stop().await;
}

/// `POST` of `bytes` as the raw body of an attachment named `name`, as `who`.
async fn upload(hotline: &Hotline, who: &Auth, case: i64, name: &str, bytes: &[u8]) -> Reply {
    let Auth::Cookie {
        session,
        csrf: Some(csrf),
    } = who
    else {
        panic!("a session is needed");
    };
    let head = format!(
        "POST /api/v1/hotline/cases/{case}/attachments?filename={name} HTTP/1.1\r\nHost: \
         localhost:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\
         Cookie: lachan_session={session}\r\nX-CSRF-Token: {csrf}",
        bytes.len()
    );
    hotline.server.send(&head, bytes).await
}

/// Every byte of the database files (the main file and its write-ahead log).
fn database_bytes(hotline: &Hotline) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["lachan.db", "lachan.db-wal"] {
        if let Ok(mut file) = std::fs::File::open(hotline.data.path().join(name)) {
            file.read_to_end(&mut all).unwrap();
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn attachments_round_trip_encrypted_at_rest() {
    let hotline = Hotline::start().await;
    let (_, case) = hotline.case_of_a("medium").await;
    let letter = "Kính gửi Tổng đài 111: con tôi bị bạn cùng lớp chụp ảnh và đăng lên nhóm chat \
                  để chế giễu suốt hai tuần. Mã tham chiếu riêng: LACHAN-PLAINTEXT-7731."
        .repeat(8);
    let made = upload(
        &hotline,
        &hotline.op_a,
        case,
        "thu%20phu%20huynh.txt",
        letter.as_bytes(),
    )
    .await;
    made.assert_status(201);
    let meta = made.json();
    assert_eq!(meta["media_type"], "text/plain");
    assert_eq!(meta["filename"], "thu phu huynh.txt");
    assert_eq!(meta["size"], letter.len());
    let id = meta["id"].as_i64().unwrap();

    let path = format!("/api/v1/hotline/cases/{case}/attachments/{id}");
    let got = hotline.get(&path, &hotline.op_a).await;
    got.assert_status(200);
    assert_eq!(got.body, letter);
    assert_eq!(
        got.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        got.header("content-disposition").unwrap().starts_with(
            "attachment; filename=\"thu_phu_huynh.txt\"; filename*=UTF-8''thu%20phu%20huynh.txt"
        ),
        "{:?}",
        got.header("content-disposition")
    );
    // The database holds ciphertext only: no run of the letter is in its files.
    let stored = database_bytes(&hotline);
    assert!(stored.len() > 10_000);
    assert!(!contains(&stored, b"LACHAN-PLAINTEXT-7731"));
    assert!(!contains(&stored, "chế giễu".as_bytes()));
    // Another operator cannot read it; the supervisor can; each read is audited.
    assert_eq!(hotline.get(&path, &hotline.op_b).await.status, 404);
    hotline
        .get(&path, &hotline.supervisor)
        .await
        .assert_status(200);
    let audit = hotline
        .audit_of(&format!("case:{case}/attachment:{id}"))
        .await;
    let seen: Vec<(&str, &str)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("attachment add", "tu-van-a"),
            ("attachment read", "tu-van-a"),
            ("attachment read", "giam-sat")
        ]
    );
    // The hash-chained log outlives anonymisation: it keeps no file name, which may name a child.
    for entry in &audit {
        assert!(!entry.detail.contains("phu huynh"), "{}", entry.detail);
        assert!(entry.detail.contains("text/plain"), "{}", entry.detail);
    }
    // Files that are not documents or images are refused, as are files over the limit.
    let exe = upload(
        &hotline,
        &hotline.op_a,
        case,
        "a.exe",
        b"MZ\x90\x00\x03\x00\x00",
    )
    .await;
    assert_error(&exe, 400, "cannot be attached");
    let big = vec![b'a'; (10 << 20) + 1];
    let too_big = upload(&hotline, &hotline.op_a, case, "big.txt", &big).await;
    assert_error(&too_big, 400, "at most 10485760 bytes");
    hotline.stop().await;
}

#[tokio::test]
async fn an_image_from_an_abuse_bank_is_refused_never_stored_and_reported_with_hashes() {
    let hotline = Hotline::start().await;
    let (_, case) = hotline.case_of_a("high").await;
    let image = |relative: &str| {
        let path = format!(
            "{}/../../../shared/data/pdq/images/{relative}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let banked = image("reg-test-input/dih/bridge-1-original.jpg");
    let store = &hotline.server.store;
    let bank = store
        .open_image_bank("ncmec", BankCategory::SexualMinors, Some("test"), 0)
        .await
        .unwrap();
    let hash = hash_bytes(&banked, &DecodeLimits::default()).unwrap();
    store
        .add_image_bank_hashes(
            bank.id,
            &[NewBankHash {
                hash: hash.hashes.original.to_bytes(),
                label: Some("case 4411".into()),
            }],
        )
        .await
        .unwrap();
    store.finish_image_bank_import(bank.id, 0).await.unwrap();

    let rotated = image("reg-test-input/dih/bridge-2-rotate-90.jpg");
    let refused = upload(&hotline, &hotline.op_a, case, "anh.jpg", &rotated).await;
    assert_error(&refused, 400, "matches a hash bank of known abuse imagery");
    let view = hotline
        .get(&format!("/api/v1/hotline/cases/{case}"), &hotline.op_a)
        .await
        .json();
    assert_eq!(view["attachments"], json!([]));
    // The report holds hashes, never the image; it waits in the hotline's queue.
    let queue = hotline
        .get("/api/v1/hotline/reports", &hotline.supervisor)
        .await
        .json();
    let report = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "image_match")
        .expect("an image_match report");
    assert_eq!(report["hotline"], "111");
    assert_eq!(report["category"], "sexual_minors");
    assert_eq!(report["image_match"]["bank"], "ncmec");
    let kinds: Vec<&str> = report["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["pdq", "sha256"]);
    assert_eq!(report["reporter"], "tu-van-a");
    let refusals = hotline.audit_of(&format!("case:{case}/attachment")).await;
    assert_eq!(refusals.len(), 1);
    assert!(
        refusals[0].detail.contains("report"),
        "{}",
        refusals[0].detail
    );
    // An image that matches nothing is kept.
    let other = image("misc-images/small.jpg");
    let kept = upload(&hotline, &hotline.op_a, case, "anh-khac.jpg", &other).await;
    kept.assert_status(201);
    assert_eq!(kept.json()["media_type"], "image/jpeg");
    hotline.stop().await;
}

#[tokio::test]
async fn statistics_count_and_export_as_csv_and_xlsx() {
    let hotline = Hotline::start().await;
    let (_, case) = hotline.case_of_a("emergency").await;
    hotline
        .send(
            "POST",
            &format!("/api/v1/hotline/cases/{case}/actions"),
            &hotline.op_a,
            &json!({"kind": "counselling"}),
        )
        .await
        .assert_status(201);
    hotline
        .send(
            "POST",
            "/api/v1/hotline/contacts",
            &hotline.op_b,
            &json!({"channel": "phone", "topic": "information"}),
        )
        .await
        .assert_status(201);
    let bad = hotline
        .send(
            "POST",
            "/api/v1/hotline/contacts",
            &hotline.op_b,
            &json!({"channel": "phone", "topic": "weather"}),
        )
        .await;
    assert_error(&bad, 400, "adult_caller");
    let range = "from=2026-03-14&to=2026-03-14";
    let stats = hotline
        .get(&format!("/api/v1/hotline/stats?{range}"), &hotline.op_a)
        .await;
    stats.assert_status(200);
    let stats = stats.json();
    let day = &stats["stats"]["buckets"][0];
    assert_eq!(day["label"], "2026-03-14");
    assert_eq!(
        (
            &day["reports"],
            &day["other_contacts"],
            &day["cases_opened"]
        ),
        (&json!(1), &json!(1), &json!(1))
    );
    let csv = hotline
        .get(
            &format!("/api/v1/hotline/stats.csv?{range}"),
            &hotline.supervisor,
        )
        .await;
    csv.assert_status(200);
    assert_eq!(
        csv.header("content-disposition"),
        Some(
            "attachment; filename=\"hotline-111-2026-03-14-2026-03-14-day-summary.csv\"; \
             filename*=UTF-8''hotline-111-2026-03-14-2026-03-14-day-summary.csv"
        )
    );
    let text = csv.body.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("day,contacts,reports,other contacts")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("2026-03-14,2,1,1,50.0%,1,1,0"),
        "{text}"
    );
    let by_province = hotline
        .get(
            &format!("/api/v1/hotline/stats.csv?{range}&table=province"),
            &hotline.supervisor,
        )
        .await;
    assert!(
        by_province.body.contains("ha-noi,1,100.0%"),
        "{}",
        by_province.body
    );
    let unknown = hotline
        .get(
            &format!("/api/v1/hotline/stats.csv?{range}&table=colour"),
            &hotline.supervisor,
        )
        .await;
    assert_error(&unknown, 400, "no statistics table");
    let (head, xlsx) = hotline
        .get_bytes(
            &format!("/api/v1/hotline/stats.xlsx?{range}"),
            &hotline.supervisor,
        )
        .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains(
            "content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        "{head}"
    );
    assert!(head.contains("-day.xlsx"), "{head}");
    let book = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheets = book
        .file_names()
        .filter(|name| {
            name.as_ref()
                .is_ok_and(|n| n.starts_with("xl/worksheets/sheet"))
        })
        .count();
    assert_eq!(sheets, 8, "the summary, six breakdowns and the clocks");
    let swapped = hotline
        .get(
            "/api/v1/hotline/stats?from=2026-03-15&to=2026-03-14",
            &hotline.op_a,
        )
        .await;
    assert_error(&swapped, 400, "after the end date");
    hotline.stop().await;
}
