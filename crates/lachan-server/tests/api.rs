//! The HTTP application over real loopback connections, spoken as raw HTTP/1.1 text so that
//! every header (Host included) is exactly what a browser or an attacker could send.

use std::net::SocketAddr;
use std::time::Duration;

use lachan_policy::ServiceCatalog;
use lachan_server::{AppState, DEFAULT_CONSOLE_HOSTS, create_token, router, serve};
use lachan_store::{Role, Store};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Guard against a hung test, far above any real answer time.
const HANG_GUARD: Duration = Duration::from_secs(30);

struct Server {
    addr: SocketAddr,
    store: Store,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start() -> Server {
        let store = Store::open_in_memory().await.unwrap();
        let hosts = DEFAULT_CONSOLE_HOSTS.iter().map(|h| h.to_string());
        let state = AppState::new(store.clone(), ServiceCatalog::builtin(), hosts);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(serve(listener, router(state), shutdown.clone()));
        Server {
            addr,
            store,
            shutdown,
            task,
        }
    }

    /// Sends `head` (request line and headers, without the final blank line) and `body`.
    async fn send(&self, head: &str, body: &[u8]) -> Reply {
        let exchange = async {
            let mut stream = TcpStream::connect(self.addr).await.unwrap();
            let mut request = format!("{head}\r\nConnection: close\r\n\r\n").into_bytes();
            request.extend_from_slice(body);
            stream.write_all(&request).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            Reply::parse(&raw)
        };
        tokio::time::timeout(HANG_GUARD, exchange).await.unwrap()
    }

    /// `GET path` on the console's host, with a bearer token if given.
    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let auth = token.map_or(String::new(), |t| format!("\r\nAuthorization: Bearer {t}"));
        self.send(
            &format!("GET {path} HTTP/1.1\r\nHost: localhost:8080{auth}"),
            b"",
        )
        .await
    }

    async fn admin_token(&self) -> String {
        create_token(&self.store, "test-admin", Role::Admin, None)
            .await
            .unwrap()
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(HANG_GUARD, self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        assert_eq!(self.header("content-type"), Some("application/json"));
        serde_json::from_str(&self.body).unwrap()
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..data.len() {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// Checks a JSON error body: both fields present and non-empty.
fn assert_error_body(reply: &Reply) {
    let body = reply.json();
    assert!(
        !body["error"].as_str().unwrap().is_empty(),
        "{}",
        reply.body
    );
    assert!(!body["hint"].as_str().unwrap().is_empty(), "{}", reply.body);
}

#[tokio::test]
async fn the_api_refuses_requests_without_a_valid_token() {
    let server = Server::start().await;
    for token in [None, Some("lachan_0000"), Some("")] {
        let reply = server.get("/api/v1/services", token).await;
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
    let reply = server.get("/api/v1/whoami", Some(&token)).await;
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
    assert_eq!(server.get("/api/v1/whoami", Some(&token)).await.status, 401);
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
    let token = server.admin_token().await;
    let reply = server.get("/api/v1/services", Some(&token)).await;
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
    let token = server.admin_token().await;
    let all = server.get("/api/v1/services", Some(&token)).await.json();
    let games = server
        .get("/api/v1/services?group=games", Some(&token))
        .await
        .json();
    let games = games.as_array().unwrap();
    assert!(!games.is_empty());
    assert!(games.len() < all.as_array().unwrap().len());
    assert!(games.iter().all(|s| s["group"] == "games"));
    assert!(games.iter().any(|s| s["id"] == "roblox"));

    let unknown = server
        .get("/api/v1/services?group=casino", Some(&token))
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.json()["hint"].as_str().unwrap().contains("games"));
    server.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_public_and_matches_the_methods_served() {
    let server = Server::start().await;
    let token = server.admin_token().await;
    let reply = server.get("/api/v1/openapi.json", None).await;
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
            let expected = if documented.contains_key(method) {
                200
            } else {
                405
            };
            assert_eq!(reply.status, expected, "{method} {path}: {}", reply.body);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_and_methods_get_json_errors() {
    let server = Server::start().await;
    let token = server.admin_token().await;
    let missing = server.get("/api/v1/nothing-here", Some(&token)).await;
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
async fn the_console_host_gets_the_placeholder() {
    let server = Server::start().await;
    for host in ["localhost:8080", "127.0.0.1:8080", &server.addr.to_string()] {
        let reply = server
            .send(&format!("GET / HTTP/1.1\r\nHost: {host}"), b"")
            .await;
        assert_eq!(reply.status, 200, "{host}");
        assert!(reply.body.contains("/api/v1/openapi.json"));
        assert!(reply.body.contains("bản phát hành tới"));
    }
    let other = server.get("/settings", None).await;
    assert_eq!(other.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = Server::start().await;
    let token = server.admin_token().await;
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
    let token = server.admin_token().await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let reply = server.get("/api/v1/whoami", Some("lachan_guess")).await;
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
    assert_eq!(server.get("/api/v1/whoami", Some(&token)).await.status, 429);
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
    assert_eq!(server.get("/", None).await.status, 200);
    server.stop().await;
}
