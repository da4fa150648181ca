//! Roles, sessions and their defences over real loopback HTTP: a guardian reaches only their
//! own household (by session and by token), cookie requests need their CSRF token, setup runs
//! once, wrong passwords slow sign-ins, every change is audited, and nobody unauthenticated
//! gets in.

mod common;

use std::net::IpAddr;

use common::{Auth, Reply, Server};
use lachan_server::create_token;
use lachan_store::{AlertKind, NewAlert, Role};
use serde_json::{Value, json};

/// The fake clock's start: 2026-03-14 10:00 in Ho Chi Minh City.
const NOW: &str = "2026-03-14T03:00:00Z";

const ADMIN_PASSWORD: &str = "mật khẩu quản trị 2026";
const GUARDIAN_PASSWORD: &str = "bố của An rất yêu An";

/// A username and password as the setup and sign-in endpoints take them.
fn credentials(username: &str, password: &str) -> Value {
    json!({"username": username, "password": password})
}

/// Asks the API to make the first administrator, `username`.
async fn setup(server: &Server, username: &str, password: &str) -> Reply {
    let body = credentials(username, password);
    server.post_json("/api/v1/setup", &Auth::None, &body).await
}

/// Makes the first administrator through the API and returns their session.
async fn set_up(server: &Server) -> Auth {
    let reply = setup(server, "admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    Auth::session(&reply)
}

/// Signs `username` in and returns the reply.
async fn sign_in(server: &Server, from: IpAddr, username: &str, password: &str) -> Reply {
    server
        .call_from(
            from,
            "POST",
            "/api/v1/session",
            &Auth::None,
            Some(&credentials(username, password)),
            &[],
        )
        .await
}

fn profile(name: &str, household: Option<&str>) -> Value {
    json!({
        "name": name,
        "household": household,
        "age": 11,
        "block": ["adult", "gambling"],
        "blocked_services": ["group:dating"],
        "schedules": [{"target": "all", "blocked": "Mon-Fri 21:30-06:30"}],
        "budgets": [{"target": "group:games", "minutes_per_day": 60}]
    })
}

/// Two households, each with a profile, a device, an alert and a guardian; returns the
/// administrator's session and the guardian of "nha-an"'s session and token.
struct Homes {
    admin: Auth,
    an_session: Auth,
    an_token: Auth,
}

async fn two_households(server: &Server) -> Homes {
    let admin = set_up(server).await;
    for (name, household, device, ip) in [
        ("An", "nha-an", "may-tinh-an", "192.168.1.10"),
        ("Bình", "nha-binh", "dien-thoai-binh", "192.168.1.20"),
    ] {
        let made = server
            .post_json("/api/v1/profiles", &admin, &profile(name, Some(household)))
            .await;
        made.assert_status(201);
        let made = server
            .post_json(
                "/api/v1/devices",
                &admin,
                &json!({"name": device, "matchers": [ip], "profile": name}),
            )
            .await;
        made.assert_status(201);
        server
            .store
            .insert_alert(&NewAlert {
                time_ms: 1_773_457_200_000,
                profile: name.to_string(),
                kind: AlertKind::RepeatedBlocks,
                subject: "adult".to_string(),
                count: 12,
                detail: "12 blocked attempts".to_string(),
            })
            .await
            .unwrap();
    }
    let made = server
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"username": "bo-an", "password": GUARDIAN_PASSWORD,
                         "role": "guardian", "household": "nha-an"}),
        )
        .await;
    made.assert_status(201);
    let signed_in = sign_in(
        server,
        "127.0.0.1".parse().unwrap(),
        "bo-an",
        GUARDIAN_PASSWORD,
    )
    .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let token = create_token(&server.store, "bo-an-app", Role::Guardian, Some("nha-an"))
        .await
        .unwrap();
    Homes {
        admin,
        an_session: Auth::session(&signed_in),
        an_token: Auth::Bearer(token),
    }
}

/// Everything a guardian could change, as the store holds it.
async fn snapshot(server: &Server) -> String {
    let profiles = server.store.profile_records().await.unwrap();
    let clients = server.store.clients().await.unwrap();
    let alerts = server.store.alerts(None, 100).await.unwrap();
    let extra = server.store.active_extra_time(0).await.unwrap();
    format!("{profiles:?}\n{clients:?}\n{alerts:?}\n{extra:?}")
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_guardian_cannot_reach_another_households_profiles_or_devices() {
    let (server, gateway) = Server::start_at(NOW).await;
    let homes = two_households(&server).await;

    let all = server.get("/api/v1/profiles", &homes.admin).await.json();
    assert_eq!(names(&all, "name"), ["An", "Bình"]);

    for who in [&homes.an_session, &homes.an_token] {
        let before = snapshot(&server).await;
        let audit_before = server.store.audit_log(1000).await.unwrap().len();
        let applied_before = gateway.applied();

        // Lists hold only their own household.
        let profiles = server.get("/api/v1/profiles", who).await;
        assert_eq!(profiles.status, 200, "{}", profiles.body);
        assert_eq!(names(&profiles.json(), "name"), ["An"]);
        let devices = server.get("/api/v1/devices", who).await.json();
        assert_eq!(names(&devices, "name"), ["may-tinh-an"]);
        let alerts = server.get("/api/v1/alerts", who).await.json();
        assert_eq!(names(&alerts, "profile"), ["An"]);

        // Every way at the other household's things is "not found".
        let binh = "/api/v1/profiles/B%C3%ACnh";
        let other_device = "/api/v1/devices/dien-thoai-binh";
        let other_alert = server.store.alerts(None, 10).await.unwrap();
        let other_alert = other_alert.iter().find(|a| a.profile == "Bình").unwrap().id;
        let attempts: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", binh.to_string(), None),
            ("PUT", binh.to_string(), Some(profile("Bình", None))),
            ("DELETE", binh.to_string(), None),
            ("POST", format!("{binh}/pause"), Some(json!({}))),
            ("DELETE", format!("{binh}/pause"), None),
            (
                "POST",
                format!("{binh}/extra-time"),
                Some(json!({"target": "all", "minutes": 30})),
            ),
            ("GET", format!("{binh}/live"), None),
            ("GET", format!("{binh}/activity"), None),
            ("GET", format!("{binh}/week"), None),
            ("GET", other_device.to_string(), None),
            (
                "PUT",
                other_device.to_string(),
                Some(
                    json!({"name": "dien-thoai-binh", "matchers": ["192.168.1.21"], "profile": "An"}),
                ),
            ),
            ("DELETE", other_device.to_string(), None),
            (
                "POST",
                "/api/v1/devices".to_string(),
                Some(json!({"name": "moi", "matchers": ["192.168.1.30"], "profile": "Bình"})),
            ),
            (
                "PUT",
                "/api/v1/devices/may-tinh-an".to_string(),
                Some(
                    json!({"name": "may-tinh-an", "matchers": ["192.168.1.10"], "profile": "Bình"}),
                ),
            ),
            ("POST", format!("/api/v1/alerts/{other_alert}/read"), None),
        ];
        for (method, path, body) in &attempts {
            let reply = server.call(method, path, who, body.as_ref(), &[]).await;
            assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
            reply.assert_error_body();
            assert!(!reply.body.contains("nha-binh"), "{}", reply.body);
        }
        // Making a profile in another household, or an admin token, is refused outright.
        let reply = server
            .post_json("/api/v1/profiles", who, &profile("Cường", Some("nha-binh")))
            .await;
        reply.assert_status(403);
        let reply = server
            .post_json(
                "/api/v1/tokens",
                who,
                &json!({"name": "x", "role": "admin"}),
            )
            .await;
        reply.assert_status(403);
        for path in ["/api/v1/users", "/api/v1/audit"] {
            assert_eq!(server.get(path, who).await.status, 403, "{path}");
        }

        assert_eq!(snapshot(&server).await, before, "the store changed");
        assert_eq!(
            server.store.audit_log(1000).await.unwrap().len(),
            audit_before
        );
        assert_eq!(gateway.applied(), applied_before);
        assert!(gateway.extra().is_empty());
    }

    // Their own household they do manage, and a profile they make lands in it.
    let reply = server
        .post_json("/api/v1/profiles", &homes.an_token, &profile("Em An", None))
        .await;
    reply.assert_status(201);
    assert_eq!(reply.json()["household"], "nha-an");
    let reply = server
        .post_json(
            "/api/v1/profiles/An/extra-time",
            &homes.an_session,
            &json!({"target": "group:games", "minutes": 30}),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(gateway.extra().len(), 1);
    assert_eq!(gateway.extra()[0].0, "An");
    let live = server
        .get("/api/v1/profiles/An/live", &homes.an_session)
        .await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert_eq!(live.json()["running"], false);
    let day = server
        .get("/api/v1/profiles/An/activity", &homes.an_token)
        .await;
    assert_eq!(day.status, 200, "{}", day.body);
    assert_eq!(day.json()["date"], "2026-03-14");
    let week = server
        .get("/api/v1/profiles/An/week", &homes.an_token)
        .await;
    assert_eq!(week.status, 200, "{}", week.body);
    assert_eq!(week.json()["days"].as_array().unwrap().len(), 7);
    server.stop().await;
}

#[tokio::test]
async fn cookie_requests_without_the_csrf_token_or_from_another_site_are_refused() {
    let server = Server::start().await;
    let admin = set_up(&server).await;
    let body = profile("An", None);
    let Auth::Cookie { session, .. } = admin.clone() else {
        panic!("set-up signs in with a cookie")
    };
    let wrong = Auth::Cookie {
        session,
        csrf: Some("0".repeat(64)),
    };
    let refused = [
        (admin.without_csrf(), vec![]),
        (wrong, vec![]),
        (admin.clone(), vec!["Origin: http://evil.test"]),
        (admin.clone(), vec!["Origin: null"]),
        (admin.clone(), vec!["Sec-Fetch-Site: cross-site"]),
    ];
    for (auth, extra) in &refused {
        let reply = server
            .call("POST", "/api/v1/profiles", auth, Some(&body), extra)
            .await;
        assert_eq!(reply.status, 403, "{extra:?}: {}", reply.body);
        reply.assert_error_body();
        let reply = server
            .call("DELETE", "/api/v1/session", auth, None, extra)
            .await;
        assert_eq!(reply.status, 403, "{extra:?}: {}", reply.body);
    }
    assert!(server.store.profile_records().await.unwrap().is_empty());
    // Reading needs no token; the session is still alive.
    assert_eq!(
        server
            .get("/api/v1/profiles", &admin.without_csrf())
            .await
            .status,
        200
    );

    // With the token, from the console's own origin, it works.
    let reply = server
        .call(
            "POST",
            "/api/v1/profiles",
            &admin,
            Some(&body),
            &[
                "Origin: http://localhost:8080",
                "Sec-Fetch-Site: same-origin",
            ],
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    // A bearer token needs none.
    let token = create_token(&server.store, "app", Role::Admin, None)
        .await
        .unwrap();
    let reply = server
        .post_json(
            "/api/v1/profiles",
            &Auth::Bearer(token),
            &profile("Bình", None),
        )
        .await;
    reply.assert_status(201);
    // Sign-in forms from another site are refused too.
    let reply = server
        .call(
            "POST",
            "/api/v1/session",
            &Auth::None,
            Some(&credentials("admin", ADMIN_PASSWORD)),
            &["Origin: http://evil.test"],
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    server.stop().await;
}

#[tokio::test]
async fn setup_makes_the_first_administrator_once() {
    let server = Server::start().await;
    let status = server.get("/api/v1/setup", &Auth::None).await;
    assert_eq!(status.json()["needed"], true);
    let short = setup(&server, "admin", "short").await;
    assert_eq!(short.status, 400);
    assert!(
        short.json()["error"].as_str().unwrap().contains("10"),
        "{}",
        short.body
    );

    let reply = setup(&server, "admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let cookie = reply.header("set-cookie").unwrap();
    for part in ["lachan_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let who = server
        .get("/api/v1/whoami", &Auth::session(&reply))
        .await
        .json();
    assert_eq!(who["name"], "admin");
    assert_eq!(who["role"], "admin");
    assert_eq!(who["via"], "session");

    let again = setup(&server, "intruder", "another long password").await;
    assert_eq!(again.status, 409, "{}", again.body);
    again.assert_error_body();
    assert!(again.session_cookie().is_none());
    assert_eq!(
        server.get("/api/v1/setup", &Auth::None).await.json()["needed"],
        false
    );
    assert_eq!(server.store.user_count().await.unwrap(), 1);
    let audit = server.store.audit_log(10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "first administrator created" && e.object == "admin")
    );
    server.stop().await;
}

#[tokio::test]
async fn ten_wrong_passwords_slow_sign_ins() {
    let (server, gateway) = Server::start_at(NOW).await;
    set_up(&server).await;
    let home: IpAddr = "127.0.0.1".parse().unwrap();
    let elsewhere: IpAddr = "127.0.0.2".parse().unwrap();

    let mut statuses = Vec::new();
    let mut waits = Vec::new();
    for n in 0..10 {
        let reply = sign_in(&server, home, "admin", &format!("wrong password {n}")).await;
        statuses.push(reply.status);
        reply.assert_error_body();
        assert!(reply.session_cookie().is_none());
        if reply.status == 429 {
            waits.push(reply.header("retry-after").unwrap().parse::<u64>().unwrap());
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    assert!(waits.iter().all(|&w| w >= 1), "{waits:?}");

    // While held back, even the right password waits, from here or elsewhere for this user.
    let right = sign_in(&server, home, "admin", ADMIN_PASSWORD).await;
    assert_eq!(right.status, 429, "{}", right.body);
    assert!(right.session_cookie().is_none());
    let other_address = sign_in(&server, elsewhere, "admin", ADMIN_PASSWORD).await;
    assert_eq!(other_address.status, 429);
    // Another username from another address is not held back.
    assert_eq!(
        sign_in(&server, elsewhere, "nobody", "wrong password")
            .await
            .status,
        401
    );

    // Once the wait is over, the right password signs in.
    gateway.advance(i64::try_from(waits[0]).unwrap());
    let reply = sign_in(&server, home, "admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.session_cookie().is_some());
    assert_eq!(waits, [2, 2, 2, 2, 2]);
    // The address's next failure doubles its wait, for any username.
    let reply = sign_in(&server, home, "admin", "wrong again").await;
    assert_eq!(reply.status, 401);
    let reply = sign_in(&server, home, "someone", "a password").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("4"));
    server.stop().await;
}

/// One change made through the API, and what it must leave behind.
struct Step {
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    status: u16,
    action: &'static str,
    /// Whether DNS must be told.
    applies: bool,
}

#[tokio::test]
async fn every_change_lands_in_the_audit_log() {
    let (server, gateway) = Server::start_at(NOW).await;
    let admin = set_up(&server).await;
    let mut expected: Vec<(&str, &str)> = vec![("admin", "first administrator created")];

    let steps = [
        Step {
            method: "POST",
            path: "/api/v1/profiles",
            body: Some(profile("An", Some("nha-an"))),
            status: 201,
            action: "profile created",
            applies: true,
        },
        Step {
            method: "PUT",
            path: "/api/v1/profiles/An",
            body: Some(json!({"name": "An", "household": "nha-an", "age": 12})),
            status: 200,
            action: "profile updated",
            applies: true,
        },
        Step {
            method: "POST",
            path: "/api/v1/profiles/An/pause",
            body: Some(json!({"minutes": 30})),
            status: 200,
            action: "pause set",
            applies: true,
        },
        Step {
            method: "DELETE",
            path: "/api/v1/profiles/An/pause",
            body: None,
            status: 200,
            action: "pause lifted",
            applies: true,
        },
        Step {
            method: "POST",
            path: "/api/v1/profiles/An/extra-time",
            body: Some(json!({"target": "service:roblox", "minutes": 15})),
            status: 201,
            action: "extra time granted",
            applies: false,
        },
        Step {
            method: "POST",
            path: "/api/v1/devices",
            body: Some(
                json!({"name": "may-tinh-an", "matchers": ["192.168.1.10, aa:bb:cc:dd:ee:ff"], "profile": "An"}),
            ),
            status: 201,
            action: "device created",
            applies: true,
        },
        Step {
            method: "PUT",
            path: "/api/v1/devices/may-tinh-an",
            body: Some(
                json!({"name": "may-tinh-an", "matchers": ["192.168.1.11"], "profile": "An"}),
            ),
            status: 200,
            action: "device updated",
            applies: true,
        },
        Step {
            method: "POST",
            path: "/api/v1/users",
            body: Some(
                json!({"username": "me-an", "password": GUARDIAN_PASSWORD, "role": "guardian", "household": "nha-an"}),
            ),
            status: 201,
            action: "user created",
            applies: false,
        },
        Step {
            method: "POST",
            path: "/api/v1/tokens",
            body: Some(json!({"name": "dien-thoai", "role": "guardian", "household": "nha-an"})),
            status: 201,
            action: "token created",
            applies: false,
        },
        Step {
            method: "DELETE",
            path: "/api/v1/devices/may-tinh-an",
            body: None,
            status: 204,
            action: "device deleted",
            applies: true,
        },
    ];
    for step in &steps {
        let applied = gateway.applied();
        let reply = server
            .call(step.method, step.path, &admin, step.body.as_ref(), &[])
            .await;
        assert_eq!(
            reply.status, step.status,
            "{} {}: {}",
            step.method, step.path, reply.body
        );
        expected.push(("admin", step.action));
        assert_eq!(
            gateway.applied() > applied,
            step.applies,
            "{} {} applied to DNS",
            step.method,
            step.path
        );
    }
    let token_id = server.store.list_api_tokens().await.unwrap()[0].id;
    let user_id = server
        .store
        .user_by_name("me-an")
        .await
        .unwrap()
        .unwrap()
        .id;
    let alert = server
        .store
        .insert_alert(&NewAlert {
            time_ms: 1_773_457_200_000,
            profile: "An".into(),
            kind: AlertKind::BudgetUsedUp,
            subject: "group:games".into(),
            count: 60,
            detail: "60 minutes".into(),
        })
        .await
        .unwrap();
    for (method, path, status, action) in [
        (
            "DELETE",
            format!("/api/v1/tokens/{token_id}"),
            204,
            "token revoked",
        ),
        (
            "DELETE",
            format!("/api/v1/users/{user_id}"),
            204,
            "user deleted",
        ),
        (
            "POST",
            format!("/api/v1/alerts/{alert}/read"),
            204,
            "alert read",
        ),
        (
            "DELETE",
            "/api/v1/profiles/An".to_string(),
            204,
            "profile deleted",
        ),
        ("DELETE", "/api/v1/session".to_string(), 204, "signed out"),
    ] {
        let reply = server.call(method, &path, &admin, None, &[]).await;
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
        expected.push(("admin", action));
    }

    let audit = server.store.audit_log(100).await.unwrap();
    let got: Vec<(&str, &str)> = audit
        .iter()
        .rev()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(got, expected);
    let updated = audit
        .iter()
        .find(|e| e.action == "profile updated")
        .unwrap();
    assert!(updated.detail.contains("age 11 → 12"), "{}", updated.detail);
    assert!(
        audit.iter().all(|e| !e.detail.contains("lachan_")),
        "a token leaked"
    );
    // The signed-out session no longer works.
    assert_eq!(server.get("/api/v1/whoami", &admin).await.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn unauthenticated_requests_get_401() {
    let server = Server::start().await;
    set_up(&server).await;
    let doc = server.get("/api/v1/openapi.json", &Auth::None).await.json();
    let stale = Auth::Cookie {
        session: "ab".repeat(32),
        csrf: Some("cd".repeat(32)),
    };
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let path = path
            .replace("{name}", "An")
            .replace("{id}", "1")
            .replace("{action}", "1")
            .replace("{attachment}", "1");
        for (method, operation) in item.as_object().unwrap() {
            if operation["security"]
                .as_array()
                .is_some_and(|s| s.is_empty())
            {
                continue;
            }
            for auth in [&Auth::None, &stale] {
                let method = method.to_ascii_uppercase();
                let reply = server
                    .call(&method, &path, auth, Some(&json!({})), &[])
                    .await;
                assert_eq!(reply.status, 401, "{method} {path}: {}", reply.body);
                assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
                reply.assert_error_body();
                checked += 1;
            }
        }
    }
    assert!(checked >= 50, "{checked}");
    server.stop().await;
}
