//! The web console over real loopback HTTP: first run, signing in, what each user sees, the
//! language switch, CSRF protection of forms, and the activity charts.

mod common;

use std::sync::{Arc, Mutex};

use common::{Auth, PASSWORD, Server};
use jiff::Timestamp;
use lachan_policy::{BudgetUse, ExtraTime, ServiceGroup, Target, Zone};
use lachan_server::{BoxFuture, Gateway, LiveProfile};
use lachan_store::{Decision, QueryEvent, Role, WriterOptions};

/// The guardian `me-an` of the household `nha-an`, the profile `Bé An` there and `Bé Bình` in
/// the household `nha-binh`.
async fn two_households(server: &Server) {
    server
        .add_user("me-an", Role::Guardian, Some("nha-an"))
        .await;
    server.add_profile("Bé An", Some("nha-an")).await;
    server.add_profile("Bé Bình", Some("nha-binh")).await;
}

#[tokio::test]
async fn the_first_run_asks_for_an_administrator_then_signs_them_in() {
    let server = Server::start().await;
    for path in ["/", "/login", "/devices"] {
        let reply = server.page(path, "").await;
        assert_eq!(reply.status, 303, "{path}");
        assert_eq!(reply.header("location"), Some("/setup"), "{path}");
    }
    let setup = server.page("/setup", "").await;
    assert_eq!(setup.status, 200);
    assert!(setup.body.contains("<html lang=\"vi\">"));
    assert!(setup.body.contains("Chào mừng đến với Lachan"));
    assert!(setup.body.contains("action=\"/setup\""));
    assert!(
        !setup.body.contains("class=\"nav\""),
        "no navigation before sign-in"
    );

    let mismatch = server
        .post_form(
            "/setup",
            "",
            &[
                ("username", "me"),
                ("password", PASSWORD),
                ("password2", "other-password"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body.contains("Hai mật khẩu không giống nhau"));
    assert_eq!(server.store.user_count().await.unwrap(), 0);

    let made = server
        .post_form(
            "/setup",
            "",
            &[
                ("username", "me"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let session = made.cookies().remove("lachan_session").unwrap();
    let home = server
        .follow(&made, &format!("lachan_session={session}"))
        .await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Chào mừng!"),
        "the welcome flash is shown"
    );
    assert!(home.body.contains("Chưa có hồ sơ nào"));
    assert!(
        home.cookies()
            .get("lachan_flash")
            .is_some_and(String::is_empty),
        "a shown flash is removed"
    );
    // Setup is over: the page sends people to sign in.
    let again = server.page("/setup", "").await;
    assert_eq!(again.header("location"), Some("/login"));
    server.stop().await;
}

#[tokio::test]
async fn a_guardian_sees_only_their_households_profiles() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    two_households(&server).await;
    server
        .add_device("Máy tính bảng của An", "192.168.1.23", "Bé An")
        .await;

    let wrong = server
        .post_form(
            "/login",
            "",
            &[("username", "me-an"), ("password", "not-the-password")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Sai tên đăng nhập hoặc mật khẩu"));
    assert!(
        wrong.body.contains("value=\"me-an\""),
        "the username is kept"
    );

    let guardian = server.sign_in("me-an").await;
    let home = server.page("/", &guardian).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Bé An"));
    assert!(home.body.contains("Máy tính bảng của An"));
    assert!(
        !home.body.contains("Bé Bình"),
        "another household's profile leaked"
    );
    assert!(home.body.contains("11 tuổi"));
    // Guardians have no users or audit pages.
    assert!(!home.body.contains("href=\"/users\""));
    assert_eq!(
        server.page("/audit", &guardian).await.header("location"),
        Some("/")
    );
    // Nor can they open another household's profile by name.
    let other = server
        .page("/profiles/edit?name=B%C3%A9%20B%C3%ACnh", &guardian)
        .await;
    assert_eq!(other.status, 303);
    assert_eq!(other.header("location"), Some("/"));

    let admin = server.sign_in("admin").await;
    let home = server.page("/", &admin).await;
    assert!(home.body.contains("Bé An") && home.body.contains("Bé Bình"));
    assert!(home.body.contains("href=\"/users\""));
    server.stop().await;
}

#[tokio::test]
async fn too_many_wrong_passwords_are_refused_with_a_wait() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    let mut refused = None;
    for _ in 0..12 {
        let reply = server
            .post_form(
                "/login",
                "",
                &[("username", "admin"), ("password", "wrong-password")],
            )
            .await;
        if reply.status == 429 {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status, 401);
    }
    let refused = refused.expect("sign-ins are throttled after repeated failures");
    assert!(
        refused.body.contains("Có quá nhiều lần đăng nhập sai"),
        "{}",
        refused.body
    );
    assert!(refused.header("retry-after").is_some());
    server.stop().await;
}

#[tokio::test]
async fn the_english_switch_changes_the_texts_and_is_remembered() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    let vi = server.page("/login", "").await;
    assert!(vi.body.contains("<h1>Đăng nhập</h1>"));
    assert!(vi.body.contains("href=\"/login?lang=en\""));

    let en = server.page("/login?lang=en", "").await;
    assert_eq!(en.status, 200);
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("<h1>Sign in</h1>"));
    assert!(!en.body.contains("Đăng nhập"));
    assert!(en.body.contains("href=\"/login?lang=vi\""));
    assert_eq!(en.cookies().get("lang").map(String::as_str), Some("en"));

    let remembered = server.page("/login", "lang=en").await;
    assert!(remembered.body.contains("<h1>Sign in</h1>"));

    let session = server.sign_in("admin").await;
    let home = server.page("/", &format!("{session}; lang=en")).await;
    assert!(home.body.contains("No profiles yet"));
    assert!(home.body.contains(">Activity</a>"));
    server.stop().await;
}

#[tokio::test]
async fn form_posts_need_the_sessions_csrf_token() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    server.add_profile("Bé An", None).await;
    let session = server.sign_in("admin").await;
    let home = server.page("/", &session).await;
    let csrf = home.csrf();

    let forged = server
        .post_form(
            "/pause",
            &session,
            &[("profile", "Bé An"), ("length", "off")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(
        forged.body.contains("Yêu cầu bị từ chối"),
        "{}",
        forged.body
    );
    let wrong = server
        .post_form(
            "/pause",
            &session,
            &[("csrf", "0000"), ("profile", "Bé An"), ("length", "off")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    let stored = server.store.profile_record("Bé An").await.unwrap().unwrap();
    assert_eq!(stored.profile.pause, None, "a refused post changed nothing");

    let paused = server
        .post_form(
            "/pause",
            &session,
            &[("csrf", &csrf), ("profile", "Bé An"), ("length", "off")],
        )
        .await;
    assert_eq!(paused.status, 303);
    assert_eq!(paused.header("location"), Some("/"));
    let stored = server.store.profile_record("Bé An").await.unwrap().unwrap();
    assert!(stored.profile.pause.is_some());
    let home = server.follow(&paused, &session).await;
    assert!(home.body.contains("Đã tạm dừng internet cho Bé An"));
    assert!(home.body.contains("action=\"/resume\""));

    // Without a session, a post goes to the sign-in page and changes nothing.
    let anonymous = server
        .post_form("/resume", "", &[("csrf", &csrf), ("profile", "Bé An")])
        .await;
    assert_eq!(anonymous.status, 303);
    assert_eq!(anonymous.header("location"), Some("/login"));
    server.stop().await;
}

#[tokio::test]
async fn a_profile_is_created_from_the_form_with_its_time_rules() {
    let server = Server::start().await;
    server
        .add_user("me-an", Role::Guardian, Some("nha-an"))
        .await;
    let session = server.sign_in("me-an").await;
    let form = server.page("/profiles/new", &session).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Nghị định 147/2024"));
    assert!(form.body.contains(">cờ bạc, cá độ<") || form.body.contains(">Cờ bạc, cá độ<"));
    assert!(form.body.contains("value=\"service:lien_quan\""));
    let csrf = form.csrf();
    let saved = server
        .post_form(
            "/profiles/new",
            &session,
            &[
                ("csrf", &csrf),
                ("name", "Bé An"),
                ("age", "11"),
                ("block", "adult"),
                ("block", "gambling"),
                ("safe_search", "on"),
                ("youtube", "strict"),
                ("blocked_services", "service:tiktok"),
                ("bedtime", "on"),
                ("schedule_target_0", "group:games"),
                ("schedule_blocked_0", "Mon-Fri 07:00-11:30"),
                ("budget_target_0", "group:games"),
                ("budget_minutes_0", "45"),
                ("budget_target_1", "all"),
                ("budget_minutes_1", ""),
                ("allow", "wikipedia.org\n"),
                ("deny", ""),
                ("time_zone", "Asia/Ho_Chi_Minh"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let record = server.store.profile_record("Bé An").await.unwrap().unwrap();
    assert_eq!(record.household.as_deref(), Some("nha-an"));
    let p = record.profile;
    assert_eq!(p.age, Some(11));
    assert_eq!(p.block.len(), 2);
    assert!(p.safe_search);
    assert_eq!(p.schedules.len(), 2, "bedtime and the games schedule");
    assert_eq!(p.budgets.len(), 1);
    assert_eq!(p.budgets[0].minutes_per_day, 45);
    assert_eq!(p.allow, ["wikipedia.org"]);

    // A bad schedule is explained on the page, with what was typed kept.
    let bad = server
        .post_form(
            "/profiles/edit",
            &session,
            &[
                ("csrf", &csrf),
                ("name", "Bé An"),
                ("schedule_target_0", "all"),
                ("schedule_blocked_0", "Mon-Fri 25:00-06:00"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("flash-error"));
    assert!(bad.body.contains("Mon-Fri 25:00-06:00"));
    server.stop().await;
}

#[tokio::test]
async fn the_activity_page_draws_its_charts_as_inline_svg() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    server.add_profile("Bé An", None).await;
    let session = server.sign_in("admin").await;
    let page = server
        .page("/activity?profile=B%C3%A9%20An", &session)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let charts = page.body.matches("<figure class=\"chart\"").count();
    assert_eq!(charts, 2, "the day and the week charts");
    assert_eq!(
        page.body
            .matches("<svg width=\"480\" height=\"320\"")
            .count(),
        2
    );
    for text in [
        "Truy vấn theo giờ",
        "Bảy ngày",
        ">\nT2\n</text>",
        ">\n21h\n</text>",
    ] {
        assert!(page.body.contains(text), "{text} missing");
    }
    let en = server
        .page("/activity?profile=B%C3%A9%20An&lang=en", &session)
        .await;
    assert!(en.body.contains(">\nMon\n</text>"));
    let bad_day = server
        .page("/activity?profile=B%C3%A9%20An&day=yesterday", &session)
        .await;
    assert_eq!(bad_day.status, 400);
    assert!(bad_day.body.contains("flash-error"));
    server.stop().await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_the_stylesheet_is_served() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    let login = server.page("/login", "").await;
    let csp = login.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let css = server.page("/static/console.css", "").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains("@media"));
    let missing = server.page("/settings", "").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<h1>Không tìm thấy trang này</h1>"));
    let missing = server.page("/settings?lang=en", "").await;
    assert!(missing.body.contains("<h1>Page not found</h1>"));
    let api = server.page("/api/v1/nothing", "").await;
    assert_eq!(api.status, 404);
    assert!(
        api.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    server.stop().await;
}

/// A DNS side that reports a fixed use of the games budget and records grants of extra time.
#[derive(Default)]
struct RecordingGateway {
    grants: Mutex<Vec<(String, ExtraTime)>>,
}

impl Gateway for RecordingGateway {
    fn apply(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn live(&self, profile: &str) -> Option<LiveProfile> {
        let now = self.now();
        let extra: u32 = self
            .grants
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == profile)
            .map(|(_, e)| e.minutes)
            .sum();
        Some(LiveProfile {
            blocked: None,
            budgets: vec![BudgetUse {
                target: Target::Group(ServiceGroup::Games),
                used: 60,
                allowance: 60 + extra,
            }],
            resets_at: Zone::default().next_midnight(now),
        })
    }

    fn grant_extra(&self, profile: &str, extra: ExtraTime) {
        self.grants
            .lock()
            .unwrap()
            .push((profile.to_string(), extra));
    }

    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[tokio::test]
async fn the_dashboard_shows_time_used_and_grants_thirty_minutes_more() {
    let gateway = Arc::new(RecordingGateway::default());
    let server = Server::start_with(Some(gateway.clone())).await;
    server
        .add_user("me-an", Role::Guardian, Some("nha-an"))
        .await;
    server.add_profile("Bé An", Some("nha-an")).await;
    let session = server.sign_in("me-an").await;
    let home = server.page("/", &session).await;
    assert!(home.body.contains("60 / 60 phút"), "{}", home.body);
    assert!(home.body.contains("Đã hết giờ hôm nay"));
    assert!(
        home.body.contains("src=\"/static/live.js"),
        "the live view refreshes itself"
    );
    assert!(home.body.contains("data-live"));
    let granted = server
        .post_form(
            "/extra",
            &session,
            &[
                ("csrf", &home.csrf()),
                ("profile", "Bé An"),
                ("target", "group:games"),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(granted.status, 303);
    {
        let grants = gateway.grants.lock().unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].0, "Bé An");
        assert_eq!(grants[0].1.target, Target::Group(ServiceGroup::Games));
        assert_eq!(grants[0].1.minutes, 30);
    }
    let home = server.follow(&granted, &session).await;
    assert!(
        home.body
            .contains("Đã cho thêm 30 phút hôm nay cho Trò chơi")
    );
    assert!(home.body.contains("60 / 90 phút"));
    assert!(home.body.contains("Còn 30 phút"));
    server.stop().await;
}

#[tokio::test]
async fn a_new_device_seen_is_named_and_assigned_in_one_click() {
    let server = Server::start().await;
    server.add_user("admin", Role::Admin, None).await;
    server.add_profile("Bé An", None).await;
    let (sender, task) = server.store.query_log_writer(WriterOptions::default());
    sender.send(QueryEvent {
        time_ms: Timestamp::now().as_millisecond(),
        client_ip: Some("192.168.1.77".parse().unwrap()),
        client_name: None,
        profile: Arc::from("default"),
        name: "www.roblox.com".into(),
        qtype: 1,
        decision: Decision::Allowed,
        category: None,
        rule: None,
        upstream: None,
        upstream_ms: None,
    });
    drop(sender);
    task.join().await;
    let session = server.sign_in("admin").await;
    let devices = server.page("/devices", &session).await;
    let one_click = "name=\"matchers\" value=\"192.168.1.77\"";
    assert!(devices.body.contains(one_click), "{}", devices.body);
    let named = server
        .post_form(
            "/devices",
            &session,
            &[
                ("csrf", &devices.csrf()),
                ("matchers", "192.168.1.77"),
                ("name", "Điện thoại của An"),
                ("profile", "Bé An"),
            ],
        )
        .await;
    assert_eq!(named.status, 303);
    assert_eq!(named.header("location"), Some("/devices"));
    let clients = server.store.clients().await.unwrap();
    assert!(clients.iter().any(|c| c.name == "Điện thoại của An"
        && c.profile == "Bé An"
        && c.matchers == ["192.168.1.77"]));
    let devices = server.follow(&named, &session).await;
    assert!(
        devices
            .body
            .contains("Đã thêm thiết bị Điện thoại của An vào hồ sơ Bé An")
    );
    assert!(devices.body.contains("<strong>Điện thoại của An</strong>"));
    assert!(
        !devices.body.contains(one_click),
        "a named address is no longer a new device"
    );

    // A bad address is explained, not stored.
    let bad = server
        .post_form(
            "/devices",
            &session,
            &[
                ("csrf", &devices.csrf()),
                ("matchers", "192.168.1.300"),
                ("name", "Máy lạ"),
                ("profile", "Bé An"),
            ],
        )
        .await;
    let page = server.follow(&bad, &session).await;
    assert!(page.body.contains("flash-error"), "{}", page.body);
    assert!(page.body.contains("192.168.1.300"));
    assert_eq!(server.store.clients().await.unwrap().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_new_api_token_is_shown_once() {
    let server = Server::start().await;
    server
        .add_user("me-an", Role::Guardian, Some("nha-an"))
        .await;
    let session = server.sign_in("me-an").await;
    let page = server.page("/tokens", &session).await;
    assert!(
        !page.body.contains("name=\"role\""),
        "guardians make guardian tokens only"
    );
    let made = server
        .post_form(
            "/tokens",
            &session,
            &[("csrf", &page.csrf()), ("name", "home-assistant")],
        )
        .await;
    assert_eq!(made.status, 200);
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let marker = "<code class=\"secret\">";
    let at = made.body.find(marker).expect("the token is shown") + marker.len();
    let token = &made.body[at..at + made.body[at..].find('<').unwrap()];
    assert!(token.starts_with(lachan_server::TOKEN_PREFIX), "{token}");
    // The token works on the API, and the list no longer shows it.
    let reply = server
        .get("/api/v1/whoami", &Auth::Bearer(token.to_string()))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let list = server.page("/tokens", &session).await;
    assert!(list.body.contains("home-assistant"));
    assert!(!list.body.contains(token));
    server.stop().await;
}

#[tokio::test]
async fn a_guardian_cannot_change_another_households_profiles_through_the_console() {
    let server = Server::start().await;
    two_households(&server).await;
    server
        .add_device("Laptop của Bình", "192.168.1.31", "Bé Bình")
        .await;
    let before = (
        server.store.profile_records().await.unwrap(),
        server.store.clients().await.unwrap(),
    );
    let session = server.sign_in("me-an").await;
    let csrf = server.page("/", &session).await.csrf();
    let attempts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/pause", vec![("profile", "Bé Bình"), ("length", "off")]),
        ("/resume", vec![("profile", "Bé Bình")]),
        (
            "/extra",
            vec![("profile", "Bé Bình"), ("target", "all"), ("minutes", "30")],
        ),
        ("/profiles/edit", vec![("name", "Bé Bình"), ("age", "3")]),
        (
            "/profiles/delete",
            vec![("name", "Bé Bình"), ("confirm", "yes")],
        ),
        (
            "/devices",
            vec![
                ("name", "Máy lạ"),
                ("matchers", "192.168.1.99"),
                ("profile", "Bé Bình"),
            ],
        ),
        (
            "/devices/assign",
            vec![("name", "Laptop của Bình"), ("profile", "Bé An")],
        ),
        ("/devices/delete", vec![("name", "Laptop của Bình")]),
    ];
    for (path, mut fields) in attempts {
        fields.push(("csrf", &csrf));
        let reply = server.post_form(path, &session, &fields).await;
        assert!(
            reply.status == 303 || reply.status == 400,
            "{path}: {}",
            reply.status
        );
        let shown = match reply.status {
            303 => server.follow(&reply, &session).await,
            _ => reply,
        };
        assert!(shown.body.contains("flash-error"), "{path} did not fail");
        assert!(
            !shown.body.contains("Laptop của Bình"),
            "{path} showed another household's device"
        );
    }
    let after = (
        server.store.profile_records().await.unwrap(),
        server.store.clients().await.unwrap(),
    );
    assert_eq!(before, after, "nothing of the other household changed");
    // Asking for the other profile's activity shows the guardian's own instead.
    let activity = server
        .page("/activity?profile=B%C3%A9%20B%C3%ACnh", &session)
        .await;
    assert_eq!(activity.status, 200);
    assert!(!activity.body.contains("Bé Bình"));
    assert!(activity.body.contains("Bé An"));
    server.stop().await;
}
