//! The HTTP application over real loopback connections, spoken as raw HTTP/1.1 text so that
//! every header (Host included) is exactly what a browser or an attacker could send.

use lachan_server::create_token;
use lachan_store::{Role, Store};

mod common;

use common::{Auth, Reply, Server};

/// `GET path` on the console's host, with a bearer token if given.
async fn get(server: &Server, path: &str, token: Option<&str>) -> Reply {
    let auth = token.map_or(Auth::None, |t| Auth::Bearer(t.to_string()));
    server.get(path, &auth).await
}

async fn admin_token(server: &Server) -> String {
    create_token(&server.store, "test-admin", Role::Admin, None)
        .await
        .unwrap()
}

fn assert_error_body(reply: &Reply) {
    reply.assert_error_body();
}

#[tokio::test]
async fn the_api_refuses_requests_without_a_valid_token() {
    let server = Server::start().await;
    for token in [None, Some("lachan_0000"), Some("")] {
        let reply = get(&server, "/api/v1/services", token).await;
        assert_eq!(reply.status, 401, "token {token:?}");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
        assert_error_body(&reply);
    }
    let basic = server
        .send(
            "GET /api/v1/whoami HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Basic YTpi",
            b"",
        )
        .await;
    assert_eq!(basic.status, 401);
    assert!(basic.json()["error"].as_str().unwrap().contains("Bearer"));
    server.stop().await;
}

#[tokio::test]
async fn a_created_token_is_accepted_and_a_revoked_one_is_not() {
    let server = Server::start().await;
    let token = create_token(&server.store, "bo-cua-an", Role::Guardian, Some("nha-an"))
        .await
        .unwrap();
    let reply = get(&server, "/api/v1/whoami", Some(&token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let who = reply.json();
    assert_eq!(who["name"], "bo-cua-an");
    assert_eq!(who["role"], "guardian");
    assert_eq!(who["household"], "nha-an");

    let audit = server.store.audit_log(10).await.unwrap();
    assert_eq!(audit[0].action, "token created");
    assert_eq!(audit[0].object, "bo-cua-an");
    assert!(!audit[0].detail.contains(&token));

    let id = server.store.list_api_tokens().await.unwrap()[0].id;
    assert!(server.store.revoke_api_token(id).await.unwrap());
    assert_eq!(
        get(&server, "/api/v1/whoami", Some(&token)).await.status,
        401
    );
    server.stop().await;
}

#[tokio::test]
async fn token_requests_that_do_not_fit_are_refused() {
    let store = Store::open_in_memory().await.unwrap();
    for (name, role, household) in [
        ("", Role::Admin, None),
        ("guardian without household", Role::Guardian, None),
        ("admin with household", Role::Admin, Some("nha-an")),
    ] {
        let err = create_token(&store, name, role, household)
            .await
            .unwrap_err();
        assert!(
            err.to_string().starts_with("cannot create the token"),
            "{err}"
        );
    }
    assert!(store.list_api_tokens().await.unwrap().is_empty());
}

#[tokio::test]
async fn services_lists_the_catalogue() {
    let server = Server::start().await;
    let token = admin_token(&server).await;
    let reply = get(&server, "/api/v1/services", Some(&token)).await;
    assert_eq!(reply.status, 200);
    let services = reply.json();
    let services = services.as_array().unwrap();
    assert!(services.len() >= 60, "{} services", services.len());
    for service in services {
        assert!(!service["id"].as_str().unwrap().is_empty());
        assert!(!service["name"].as_str().unwrap().is_empty());
        assert!(!service["group"].as_str().unwrap().is_empty());
        assert!(!service["domains"].as_array().unwrap().is_empty());
    }
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Liên Quân Mobile"), "{names:?}");
    assert!(names.contains(&"Zalo"), "{names:?}");
    server.stop().await;
}

#[tokio::test]
async fn services_filters_by_group() {
    let server = Server::start().await;
    let token = admin_token(&server).await;
    let all = get(&server, "/api/v1/services", Some(&token)).await.json();
    let games = get(&server, "/api/v1/services?group=games", Some(&token))
        .await
        .json();
    let games = games.as_array().unwrap();
    assert!(!games.is_empty());
    assert!(games.len() < all.as_array().unwrap().len());
    assert!(games.iter().all(|s| s["group"] == "games"));
    assert!(games.iter().any(|s| s["id"] == "roblox"));

    let unknown = get(&server, "/api/v1/services?group=casino", Some(&token)).await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.json()["error"].as_str().unwrap().contains("games"));
    server.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_public_and_matches_the_methods_served() {
    let server = Server::start().await;
    let token = admin_token(&server).await;
    let reply = get(&server, "/api/v1/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/services"));
    for (path, item) in paths {
        let documented = item.as_object().unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            let head = format!(
                "{} {path} HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer {token}\r\n\
                 Content-Length: 0",
                method.to_ascii_uppercase()
            );
            let reply = server.send(&head, b"").await;
            if documented.contains_key(method) {
                // Answered by the endpoint (an empty body or a placeholder name may be refused
                // by it, but never as an unknown path or method).
                assert!(
                    reply.status != 405 && !reply.body.contains("no API endpoint"),
                    "{method} {path}: {} {}",
                    reply.status,
                    reply.body
                );
                reply.json();
            } else {
                assert_eq!(reply.status, 405, "{method} {path}: {}", reply.body);
            }
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_and_methods_get_json_errors() {
    let server = Server::start().await;
    let token = admin_token(&server).await;
    let missing = get(&server, "/api/v1/nothing-here", Some(&token)).await;
    assert_eq!(missing.status, 404);
    assert_error_body(&missing);
    let wrong_method = server
        .send(
            &format!(
                "DELETE /api/v1/services HTTP/1.1\r\nHost: localhost:8080\r\n\
                 Authorization: Bearer {token}"
            ),
            b"",
        )
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_error_body(&wrong_method);
    server.stop().await;
}

#[tokio::test]
async fn a_blocked_site_gets_the_block_page() {
    let server = Server::start().await;
    for path in ["/", "/games/slot?id=1", "/api/v1/services"] {
        let reply = server
            .send(&format!("GET {path} HTTP/1.1\r\nHost: casino.test"), b"")
            .await;
        assert_eq!(reply.status, 403);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(reply.body.contains("Tổng đài 111"));
        assert!(reply.body.contains("casino.test"));
        assert!(reply.body.contains("bố mẹ hoặc thầy cô"));
        assert!(reply.body.contains("name=\"viewport\""));
        assert!(!reply.body.contains("http://") && !reply.body.contains("https://"));
    }
    server.stop().await;
}

#[tokio::test]
async fn the_block_page_escapes_the_host() {
    let server = Server::start().await;
    let reply = server
        .send("GET / HTTP/1.1\r\nHost: <script>x</script>.test", b"")
        .await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("&lt;script&gt;x&lt;/script&gt;.test"));
    assert!(!reply.body.contains("<script>"));
    server.stop().await;
}

#[tokio::test]
async fn the_console_host_gets_the_console() {
    let server = Server::start().await;
    for host in ["localhost:8080", "127.0.0.1:8080", &server.addr.to_string()] {
        let reply = server
            .send(&format!("GET / HTTP/1.1\r\nHost: {host}"), b"")
            .await;
        assert_eq!(reply.status, 303, "{host}");
        assert_eq!(reply.header("location"), Some("/setup"), "{host}");
    }
    let setup = get(&server, "/setup", None).await;
    assert_eq!(setup.status, 200);
    assert!(setup.body.contains("href=\"/api/v1/openapi.json\""));
    let other = get(&server, "/settings", None).await;
    assert_eq!(other.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = Server::start().await;
    let token = admin_token(&server).await;
    // The length alone is refused: the body is never sent, let alone read.
    let head = format!(
        "POST /api/v1/services HTTP/1.1\r\nHost: localhost:8080\r\n\
         Authorization: Bearer {token}\r\nContent-Length: 100000"
    );
    let reply = server.send(&head, b"").await;
    assert_eq!(reply.status, 413);
    assert_error_body(&reply);
    server.stop().await;
}

#[tokio::test]
async fn repeated_bad_tokens_are_held_back() {
    let server = Server::start().await;
    let token = admin_token(&server).await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let reply = get(&server, "/api/v1/whoami", Some("lachan_guess")).await;
        statuses.push(reply.status);
        if reply.status == 429 {
            assert!(reply.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
            assert_error_body(&reply);
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses[..statuses.len() - 1].iter().all(|&s| s == 401));
    // While held back, even a valid token from that address waits.
    assert_eq!(
        get(&server, "/api/v1/whoami", Some(&token)).await.status,
        429
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_an_answer_not_a_crash() {
    let server = Server::start().await;
    for head in [
        "GARBAGE",
        "GET /\u{1}\u{2} HTTP/1.1\r\nHost: localhost:8080",
        "GET / HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: nope",
    ] {
        let reply = server.send(head, b"").await;
        assert_eq!(reply.status, 400, "{head:?}");
    }
    // The server still answers afterwards.
    assert_eq!(get(&server, "/setup", None).await.status, 200);
    server.stop().await;
}
