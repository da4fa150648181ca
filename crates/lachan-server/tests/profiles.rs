//! Profiles, devices, pauses and extra time through the JSON API: what is refused and why, and
//! what a change does.

mod common;

use common::{Auth, Server};
use lachan_policy::Profile;
use lachan_server::create_token;
use lachan_store::Role;
use serde_json::{Value, json};

/// 2026-03-14 10:00 in Ho Chi Minh City.
const NOW: &str = "2026-03-14T03:00:00Z";

async fn admin(server: &Server) -> Auth {
    Auth::Bearer(
        create_token(&server.store, "admin", Role::Admin, None)
            .await
            .unwrap(),
    )
}

/// Sends a request that must be refused with `status`, and returns the error text.
async fn refused(
    server: &Server,
    auth: &Auth,
    method: &str,
    path: &str,
    body: Value,
    status: u16,
) -> String {
    let reply = server.call(method, path, auth, Some(&body), &[]).await;
    assert_eq!(
        reply.status, status,
        "{method} {path} {body}: {}",
        reply.body
    );
    reply.assert_error_body();
    reply.json()["error"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn profile_input_is_checked_with_errors_that_say_what_to_write() {
    let server = Server::start().await;
    let admin = admin(&server).await;
    let cases = [
        (json!({"name": ""}), "1 to 64 characters"),
        (json!({"name": "An", "block": ["porn"]}), "adult"),
        (
            json!({"name": "An", "youtube": "max"}),
            "off, moderate or strict",
        ),
        (json!({"name": "An", "time_zone": "Mars/Olympus"}), "IANA"),
        (
            json!({"name": "An", "blocked_services": ["service:nope"]}),
            "catalogue",
        ),
        (json!({"name": "An", "blocked_services": ["all"]}), "pause"),
        (
            json!({"name": "An", "schedules": [{"target": "all", "blocked": "Mon-Fri 25:00-06:00"}]}),
            "25:00",
        ),
        (
            json!({"name": "An", "schedules": [{"target": "group:casino", "blocked": "daily 21:00-07:00"}]}),
            "group:NAME",
        ),
        (
            json!({"name": "An", "budgets": [{"target": "group:games", "minutes_per_day": 2000}]}),
            "1440",
        ),
        (json!({"name": "An", "deny": ["two words"]}), "one domain"),
        (json!({"name": "An", "blok": ["adult"]}), "blok"),
        (json!({"name": "An", "age": 300}), "age"),
    ];
    for (body, says) in cases {
        let error = refused(
            &server,
            &admin,
            "POST",
            "/api/v1/profiles",
            body.clone(),
            400,
        )
        .await;
        assert!(error.contains(says), "{body}: {error}");
    }
    assert!(server.store.profile_records().await.unwrap().is_empty());

    // A valid profile, then the same name again.
    let good = json!({
        "name": "Lớp 6A",
        "household": "thcs-chu-van-an",
        "block": ["adult", "gambling", "adult"],
        "youtube": "strict",
        "deny": ["tiktok.com\n! a comment\n||example.test^"],
        "blocked_services": ["group:dating", "service:roblox"],
        "time_zone": "Asia/Bangkok",
        "schedules": [{"target": "all", "blocked": "T2-T6 7h-11h30, Sat 22:00-06:00"}],
        "budgets": [{"target": "group:games", "minutes_per_day": 45, "each_service": true}]
    });
    let made = server.post_json("/api/v1/profiles", &admin, &good).await;
    made.assert_status(201);
    let view = made.json();
    assert_eq!(view["block"], json!(["adult", "gambling"]));
    assert_eq!(view["deny"], json!(["tiktok.com", "||example.test^"]));
    assert_eq!(view["schedules"][0]["time_zone"], "Asia/Bangkok");
    assert_eq!(
        view["schedules"][0]["blocked"],
        "Mon-Fri 07:00-11:30, Sat 22:00-06:00"
    );
    assert_eq!(view["editable"], true);
    assert_eq!(view["household"], "thcs-chu-van-an");
    let error = refused(&server, &admin, "POST", "/api/v1/profiles", good, 409).await;
    assert!(error.contains("already exists"), "{error}");
    let error = refused(
        &server,
        &admin,
        "PUT",
        "/api/v1/profiles/L%E1%BB%9Bp%206A",
        json!({"name": "Lớp 6B"}),
        400,
    )
    .await;
    assert!(error.contains("renamed"), "{error}");
    server.stop().await;
}

#[tokio::test]
async fn children_under_18_get_the_decree_147_budgets() {
    let server = Server::start().await;
    let admin = admin(&server).await;
    let made = server
        .post_json(
            "/api/v1/profiles",
            &admin,
            &json!({"name": "An", "age": 12}),
        )
        .await;
    made.assert_status(201);
    let view = made.json();
    assert_eq!(view["budgets"], json!([]));
    assert_eq!(
        view["effective_budgets"],
        json!([
            {"target": "group:games", "minutes_per_day": 60, "each_service": true},
            {"target": "group:games", "minutes_per_day": 180, "each_service": false}
        ])
    );
    server.stop().await;
}

#[tokio::test]
async fn profiles_of_the_configuration_file_are_read_only() {
    let server = Server::start().await;
    let admin = admin(&server).await;
    server
        .store
        .sync_file_config(&[], &[Profile::default_child()], &[])
        .await
        .unwrap();
    let child = server.get("/api/v1/profiles/child", &admin).await;
    assert_eq!(child.status, 200, "{}", child.body);
    assert_eq!(child.json()["origin"], "file");
    assert_eq!(child.json()["editable"], false);
    for (method, path, body) in [
        ("PUT", "/api/v1/profiles/child", json!({"name": "child"})),
        ("DELETE", "/api/v1/profiles/child", json!({})),
        ("POST", "/api/v1/profiles/child/pause", json!({})),
    ] {
        let error = refused(&server, &admin, method, path, body, 409).await;
        assert!(error.contains("configuration file"), "{error}");
    }
    // A guardian does not even see it (it belongs to no household).
    let guardian = Auth::Bearer(
        create_token(&server.store, "bo", Role::Guardian, Some("nha-an"))
            .await
            .unwrap(),
    );
    assert_eq!(
        server.get("/api/v1/profiles/child", &guardian).await.status,
        404
    );
    server.stop().await;
}

#[tokio::test]
async fn devices_take_ips_networks_and_macs_each_once() {
    let (server, _gateway) = Server::start_at(NOW).await;
    let admin = admin(&server).await;
    for name in ["An", "Bình"] {
        let made = server
            .post_json("/api/v1/profiles", &admin, &json!({"name": name}))
            .await;
        assert_eq!(made.status, 201);
    }
    let made = server
        .post_json(
            "/api/v1/devices",
            &admin,
            &json!({"name": "Máy tính của An",
                         "matchers": ["192.168.1.10, AA-BB-CC-DD-EE-FF", "10.0.5.7/16"],
                         "profile": "An"}),
        )
        .await;
    made.assert_status(201);
    assert_eq!(
        made.json()["matchers"],
        json!(["192.168.1.10", "aa:bb:cc:dd:ee:ff", "10.0.0.0/16"])
    );
    let cases = [
        (
            json!({"name": "x", "matchers": ["laptop"], "profile": "An"}),
            400,
            "MAC address",
        ),
        (
            json!({"name": "x", "matchers": [], "profile": "An"}),
            400,
            "at least one",
        ),
        (
            json!({"name": "x", "matchers": ["192.168.1.99"], "profile": "Nobody"}),
            404,
            "profile 'Nobody'",
        ),
        (
            json!({"name": "x", "matchers": ["aa:bb:cc:dd:ee:ff"], "profile": "Bình"}),
            409,
            "already used",
        ),
        (
            json!({"name": "Máy tính của An", "matchers": ["192.168.1.99"], "profile": "Bình"}),
            409,
            "already exists",
        ),
    ];
    for (body, status, says) in cases {
        let error = refused(
            &server,
            &admin,
            "POST",
            "/api/v1/devices",
            body.clone(),
            status,
        )
        .await;
        assert!(error.contains(says), "{body}: {error}");
    }
    // Moving the device to another profile, then deleting that profile takes it along.
    let path = "/api/v1/devices/M%C3%A1y%20t%C3%ADnh%20c%E1%BB%A7a%20An";
    let body = json!({"name": "Máy tính của An", "matchers": ["192.168.1.10"], "profile": "Bình"});
    let moved = server.call("PUT", path, &admin, Some(&body), &[]).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.json()["profile"], "Bình");
    let deleted = server
        .call("DELETE", "/api/v1/profiles/B%C3%ACnh", &admin, None, &[])
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(server.store.clients().await.unwrap().is_empty());
    assert_eq!(server.get(path, &admin).await.status, 404);
    let audit = server.store.audit_log(1).await.unwrap();
    assert!(
        audit[0].detail.contains("Máy tính của An"),
        "{}",
        audit[0].detail
    );
    server.stop().await;
}

#[tokio::test]
async fn pauses_and_extra_time_follow_the_profiles_clock_and_zone() {
    let (server, gateway) = Server::start_at(NOW).await;
    let admin = admin(&server).await;
    let made = server
        .post_json("/api/v1/profiles", &admin, &json!({"name": "An"}))
        .await;
    assert_eq!(made.status, 201);
    let pause = "/api/v1/profiles/An/pause";
    for (body, pause_json) in [
        (
            json!({"until": "21:30"}),
            json!({"until": "2026-03-14T14:30:00Z"}),
        ),
        (
            json!({"until": "2026-03-15T07:00"}),
            json!({"until": "2026-03-15T00:00:00Z"}),
        ),
        (
            json!({"minutes": 45}),
            json!({"until": "2026-03-14T03:45:00Z"}),
        ),
        (json!({}), json!("until_turned_off")),
    ] {
        let reply = server.post_json(pause, &admin, &body).await;
        assert_eq!(reply.status, 200, "{body}: {}", reply.body);
        assert_eq!(reply.json()["pause"], pause_json, "{body}");
    }
    for (body, says) in [
        (json!({"minutes": 0}), "past"),
        (json!({"until": "2026-03-13T07:00"}), "past"),
        (json!({"until": "soon"}), "not a time"),
        (json!({"minutes": 5, "until": "21:30"}), "not both"),
        (json!({"minutes": 60 * 24 * 40}), "30 days"),
    ] {
        let error = refused(&server, &admin, "POST", pause, body.clone(), 400).await;
        assert!(error.contains(says), "{body}: {error}");
    }
    let resumed = server.call("DELETE", pause, &admin, None, &[]).await;
    assert_eq!(resumed.status, 200);
    assert!(resumed.json().get("pause").is_none(), "{}", resumed.body);

    let extra = "/api/v1/profiles/An/extra-time";
    for (body, says) in [
        (
            json!({"target": "group:casino", "minutes": 30}),
            "group:NAME",
        ),
        (
            json!({"target": "service:nope", "minutes": 30}),
            "catalogue",
        ),
        (json!({"target": "group:games", "minutes": 0}), "1 to 720"),
    ] {
        let error = refused(&server, &admin, "POST", extra, body.clone(), 400).await;
        assert!(error.contains(says), "{body}: {error}");
    }
    assert!(gateway.extra().is_empty());
    let granted = server
        .post_json(
            extra,
            &admin,
            &json!({"target": "group:games", "minutes": 30}),
        )
        .await;
    granted.assert_status(201);
    let granted = granted.json();
    assert_eq!(granted["target"], "group:games");
    assert_eq!(granted["expires_at"], "2026-03-14T17:00:00Z");
    let stored = server.store.active_extra_time(0).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(gateway.extra(), stored);

    let day = server
        .get("/api/v1/profiles/An/activity?day=2026-03-10", &admin)
        .await;
    assert_eq!(day.status, 200, "{}", day.body);
    let day = day.json();
    assert_eq!(day["start"], "2026-03-09T17:00:00Z");
    assert_eq!(day["summary"]["per_hour"].as_array().unwrap().len(), 24);
    let bad = server
        .get("/api/v1/profiles/An/activity?day=10/03/2026", &admin)
        .await;
    assert_eq!(bad.status, 400);
    let week = server
        .get("/api/v1/profiles/An/week?end=2026-03-10", &admin)
        .await
        .json();
    let days: Vec<&str> = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(days.first(), Some(&"2026-03-04"));
    assert_eq!(days.last(), Some(&"2026-03-10"));
    server.stop().await;
}
