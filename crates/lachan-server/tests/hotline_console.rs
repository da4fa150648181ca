//! The hotline's console pages over real loopback HTTP: the public report form (no account,
//! same-origin check, honeypot, per-address limit with a 429 page, served on a blocked site's
//! name too), and the operators' pages following the hotline's scope — an operator logs a call,
//! triages it into a case, works on it and uploads an attachment; another operator, a parent and
//! an administrator without a hotline are kept out; the supervisor is told of complaints waiting
//! long, reads the statistics and reassigns the case; every read of the case is audited. A
//! guardian gives and withdraws the consent that a child's repeated adult or gambling attempts
//! are reported to the hotline.

mod common;
mod hotline_support;

use common::{Reply, Server};
use hotline_support::{CHILD, Hotline};
use lachan_server::HotlineOptions;
use lachan_store::Channel;

/// `text` encoded for a form body.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// `POST /report` with `fields`, `Host: host` and the extra header lines `extra`.
async fn post_report(server: &Server, host: &str, fields: &[(&str, &str)], extra: &str) -> Reply {
    let body: Vec<String> = fields
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect();
    let body = body.join("&");
    let head = format!(
        "POST /report HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}{extra}",
        body.len()
    );
    server.send(&head, body.as_bytes()).await
}

/// A report of sextortion as the public form sends it.
const SEXTORTION: [(&str, &str); 8] = [
    ("subtype", "sexual_extortion"),
    ("age_band", "age_14_15"),
    ("gender", "girl"),
    ("province", "ha-noi"),
    ("platform", "Facebook"),
    ("description", "Một tài khoản lạ doạ tung ảnh của em tôi."),
    ("urls", "https://www.facebook.com/tai.khoan.la\r\n"),
    ("website", ""),
];

/// The report number a thank-you redirect names.
fn reference(reply: &Reply) -> i64 {
    assert_eq!(reply.status, 303, "{}", reply.body);
    let to = reply.header("location").unwrap();
    to.strip_prefix("/report/thanks?ref=")
        .unwrap_or_else(|| panic!("{to}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_public_form_files_reports_and_guards_itself() {
    let options = HotlineOptions {
        form_per_hour: 2,
        ..HotlineOptions::default()
    };
    let hotline = Hotline::start_with(options).await;
    let server = &hotline.server;
    let store = &server.store;
    let host = "localhost:8080";

    let form = server.page("/report", "").await;
    assert_eq!(form.status, 200, "no account needed: {}", form.body);
    assert!(form.body.contains("tel:111"), "the hotline's number");
    assert!(!form.body.contains("type=\"file\""), "never an upload");
    assert!(form.body.contains("Hà Nội") && form.body.contains("Bị doạ tung ảnh"));
    let login = server.page("/login", "").await;
    assert!(
        login.body.contains("href=\"/report\""),
        "the sign-in page links to it"
    );

    // Another site's page cannot post it.
    let forged = post_report(server, host, &SEXTORTION, "\r\nOrigin: http://evil.example").await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    // A bot that fills the hidden field is thanked, and nothing is filed.
    let mut bot = SEXTORTION;
    bot[7] = ("website", "https://spam.example");
    let thanked = post_report(server, host, &bot, "").await;
    reference(&thanked);
    assert!(store.queue("111", 10).await.unwrap().is_empty());
    // An empty report says what is missing, and does not count against the address.
    let empty = post_report(server, host, &[("subtype", "harassment")], "").await;
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(empty.body.contains("flash-error"), "{}", empty.body);

    let same_origin = format!("\r\nOrigin: http://{host}");
    let id = reference(&post_report(server, host, &SEXTORTION, &same_origin).await);
    let report = store.report(id).await.unwrap().unwrap();
    assert_eq!(report.filed.source, Channel::WebForm);
    assert_eq!(report.filed.category.as_str(), "sextortion");
    assert_eq!(report.filed.province.as_deref(), Some("ha-noi"));
    assert_eq!(report.filed.urls, ["https://www.facebook.com/tai.khoan.la"]);
    assert!(report.filed.anonymous, "no name and no contact");
    let thanks = server.page(&format!("/report/thanks?ref={id}"), "").await;
    assert!(thanks.body.contains(&format!("#{id}")), "{}", thanks.body);

    // The form is served on a blocked site's name too (the block page links to it).
    let blocked = server
        .send("GET /report HTTP/1.1\r\nHost: www.blocked-site.test", b"")
        .await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    let elsewhere = server
        .send("GET /profiles HTTP/1.1\r\nHost: www.blocked-site.test", b"")
        .await;
    assert_eq!(elsewhere.status, 403, "the rest is the block page");
    let named = "\r\nOrigin: http://www.blocked-site.test";
    reference(&post_report(server, "www.blocked-site.test", &SEXTORTION, named).await);

    // The address has used its two posts of the hour.
    let limited = post_report(server, host, &SEXTORTION, "").await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
    assert!(
        limited.body.contains("tel:111"),
        "call instead: {}",
        limited.body
    );
    assert_eq!(store.queue("111", 10).await.unwrap().len(), 2);
    hotline.stop().await;
}

/// The `id` at the end of a redirect to `prefix{id}`.
fn redirected_id(reply: &Reply, prefix: &str) -> i64 {
    assert_eq!(reply.status, 303, "{}", reply.body);
    let to = reply.header("location").unwrap();
    to.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{to}"))
        .parse()
        .unwrap()
}

/// A `multipart/form-data` body with the fields `csrf` and `file` (named `name`).
fn multipart(csrf: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "lachan-test-boundary-7e3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn operators_work_their_cases_and_others_are_kept_out() {
    let hotline = Hotline::start().await;
    let server = &hotline.server;
    let op_a = server.sign_in("tu-van-a").await;

    // Operator A logs a phone call.
    let intake = server.page("/hotline/reports/new", &op_a).await;
    assert_eq!(intake.status, 200, "{}", intake.body);
    let csrf = intake.csrf();
    let filed = server
        .post_form(
            "/hotline/reports/new",
            &op_a,
            &[
                ("csrf", &csrf),
                ("channel", "phone"),
                ("subtype", "online_grooming"),
                ("age_band", "age_11_13"),
                ("description", "Người lạ trên Roblox rủ gặp mặt."),
                ("child_name", CHILD),
            ],
        )
        .await;
    let report = redirected_id(&filed, "/hotline/reports/");
    let page = server.follow(&filed, &op_a).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Người lạ làm quen, dụ dỗ trẻ trên mạng"));

    // Had it waited long, the supervisors would be told on their home page.
    let notice = server
        .store
        .mark_report_waiting(report, 1, "hotline-notice-queue-waiting")
        .await
        .unwrap()
        .expect("a queue notice");
    let supervisor = server.sign_in("giam-sat").await;
    let home = server.page("/hotline", &supervisor).await;
    assert!(home.body.contains("Chờ lâu"), "{}", home.body);
    assert!(home.body.contains("một báo cáo đã chờ phân loại quá lâu"));
    assert!(
        home.body
            .contains(&format!("href=\"/hotline/reports/{report}\""))
    );
    let id = notice.to_string();
    let read = server
        .post_form(
            "/hotline/notifications/read",
            &supervisor,
            &[("csrf", &home.csrf()), ("id", &id)],
        )
        .await;
    assert_eq!(read.header("location"), Some("/hotline"));
    let home = server.follow(&read, &supervisor).await;
    assert!(!home.body.contains(&format!("name=\"id\" value=\"{id}\"")));
    assert!(
        !server
            .page("/hotline", &op_a)
            .await
            .body
            .contains("Chờ lâu")
    );

    // A form without the session's token is refused.
    let forged = server
        .post_form(
            &format!("/hotline/reports/{report}/case"),
            &op_a,
            &[("risk", "high"), ("title", "x")],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Triage into a case of high risk: it is A's.
    let opened = server
        .post_form(
            &format!("/hotline/reports/{report}/case"),
            &op_a,
            &[
                ("csrf", &csrf),
                ("risk", "high"),
                ("title", "Dụ dỗ trên Roblox"),
            ],
        )
        .await;
    let case = redirected_id(&opened, "/hotline/cases/");
    let case_path = format!("/hotline/cases/{case}");
    let page = server.follow(&opened, &op_a).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(CHILD),
        "the case's operator sees the child's name"
    );
    assert!(
        page.body.contains("data-clock=\"complaint\""),
        "the complaint clock"
    );
    assert!(page.body.contains("Đã mở ca"), "the flash message");
    let home = server.page("/hotline", &op_a).await;
    assert!(home.body.contains(&case_path), "A's case is listed");

    // An attachment is sealed and comes back as it was sent.
    let text = "Thư của nhà trường về vụ việc.\n".as_bytes();
    let (kind, body) = multipart(&csrf, "thu.txt", text);
    let head = format!(
        "POST {case_path}/attachments HTTP/1.1\r\nHost: localhost:8080\r\nCookie: {op_a}\r\n\
         Content-Type: {kind}\r\nContent-Length: {}",
        body.len()
    );
    let uploaded = server.send(&head, &body).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let page = server.follow(&uploaded, &op_a).await;
    assert!(page.body.contains("thu.txt"), "{}", page.body);
    let marker = format!("href=\"{case_path}/attachments/");
    let at = page.body.find(&marker).unwrap() + "href=\"".len();
    let link = &page.body[at..at + page.body[at..].find('"').unwrap()];
    let download = server.page(link, &op_a).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body.as_bytes(), text);
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.contains("thu.txt"))
    );

    // Operator B, a parent and an administrator without a hotline do not see it.
    let op_b = server.sign_in("tu-van-b").await;
    let refused = server.page(&case_path, &op_b).await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.header("location"), Some("/hotline"));
    assert!(
        !server
            .page("/hotline", &op_b)
            .await
            .body
            .contains(&case_path)
    );
    for outsider in ["bo-an", "admin"] {
        let cookies = server.sign_in(outsider).await;
        for path in [
            case_path.as_str(),
            "/hotline",
            "/hotline/reports/new",
            "/hotline/stats",
        ] {
            let reply = server.page(path, &cookies).await;
            assert_eq!(reply.status, 303, "{outsider} {path}");
            assert_eq!(reply.header("location"), Some("/"), "{outsider} {path}");
        }
    }
    // The supervisor reads the statistics, and may give the case to operator B.
    let stats = server.page("/hotline/stats", &supervisor).await;
    assert_eq!(stats.status, 200, "{}", stats.body);
    assert!(
        stats.body.contains("data-stat=\"reports\""),
        "{}",
        stats.body
    );
    let page = server.page(&case_path, &supervisor).await;
    assert!(
        page.body.contains("<option value=\"tu-van-b\""),
        "{}",
        page.body
    );
    let assigned = server
        .post_form(
            &format!("{case_path}/assignee"),
            &supervisor,
            &[("csrf", &page.csrf()), ("assignee", "tu-van-b")],
        )
        .await;
    assert_eq!(assigned.header("location"), Some(case_path.as_str()));
    assert_eq!(server.page(&case_path, &op_b).await.status, 200);

    // Every read of the case is in the audit log, with who read it.
    let reads: Vec<String> = hotline
        .audit_of(&format!("case:{case}"))
        .await
        .into_iter()
        .filter(|e| e.action == "case read")
        .map(|e| e.actor)
        .collect();
    for reader in ["tu-van-a", "giam-sat", "tu-van-b"] {
        assert!(reads.iter().any(|r| r == reader), "{reader}: {reads:?}");
    }
    hotline.stop().await;
}

#[tokio::test]
async fn a_guardian_consents_to_hotline_reports_on_the_profile_page() {
    let hotline = Hotline::start().await;
    let server = &hotline.server;
    let guardian = server.sign_in("bo-an").await;
    let page = server.page("/profiles/edit?name=An", &guardian).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"hotline-opt-in\""), "{}", page.body);
    assert!(!page.body.contains("name=\"on\" value=\"1\" checked"));
    let fields = [
        ("csrf", page.csrf()),
        ("name", "An".into()),
        ("on", "1".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let agreed = server
        .post_form("/profiles/hotline", &guardian, &fields)
        .await;
    assert_eq!(agreed.header("location"), Some("/profiles/edit?name=An"));
    let consent = server.store.hotline_opt_in("An").await.unwrap().unwrap();
    assert_eq!(
        (consent.hotline.as_str(), consent.opted_by.as_str()),
        ("111", "bo-an")
    );
    let page = server.follow(&agreed, &guardian).await;
    assert!(
        page.body.contains("name=\"on\" value=\"1\" checked"),
        "{}",
        page.body
    );
    assert!(page.body.contains("bo-an đồng ý lúc"), "{}", page.body);

    // Unticked, the consent is withdrawn.
    let withdrawn = server
        .post_form("/profiles/hotline", &guardian, &fields[..2])
        .await;
    assert_eq!(withdrawn.status, 303);
    assert!(server.store.hotline_opt_in("An").await.unwrap().is_none());
    hotline.stop().await;
}
