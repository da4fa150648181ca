//! The `lachan` binary end to end: `serve` with a configuration file, a URL list downloaded
//! from a loopback HTTP server (and kept when a later download fails), answers over UDP,
//! a graceful SIGTERM that loses no logged query, then `querylog` and `check domain`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod support;

use support::{first_address, free_port, shared, upstream};

const BIN: &str = env!("CARGO_BIN_EXE_lachan");

/// An HTTP server on loopback serving `body` at any path, or 500 while `failing` is set.
fn list_server(body: &'static str, failing: Arc<AtomicBool>, lifetime: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + lifetime;
        while Instant::now() < end {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let mut request = [0u8; 2048];
            let _ = stream.read(&mut request);
            let reply = if failing.load(Ordering::SeqCst) {
                "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\nconnection: close\r\n\r\noops!".to_string()
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    addr
}

/// Runs `lachan ARGS --data-dir DATA --config CONFIG` to completion.
fn lachan(args: &[&str], data: &Path, config: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

/// One HTTP/1.1 GET over a plain socket: (status, body).
fn http_get(addr: SocketAddr, path: &str, host: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn ask(server: SocketAddr, name: &str) -> hickory_proto::op::Message {
    support::ask_from(server, std::net::Ipv4Addr::LOCALHOST.into(), name)
}

/// Starts `lachan serve` and waits for its banner.
fn serve(config: &Path, data: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .env("LACHAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    for _ in 0..20 {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        banner.push_str(&line);
        if line.contains("Stop:") {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(banner.contains("DNS:"), "banner: {banner}");
    (child, banner)
}

fn stop(mut child: Child) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "serve exited with {status}");
            return;
        }
        assert!(
            Instant::now() < end,
            "serve did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_download_shutdown_querylog_and_check() {
    let tmp = std::env::temp_dir().join(format!("lachan-serve-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let data = tmp.join("data");
    let failing = Arc::new(AtomicBool::new(false));
    let http = list_server(
        "# test list\n||casino-online.test^\n",
        failing.clone(),
        Duration::from_secs(120),
    );
    let upstream = upstream(Duration::from_secs(120));
    let port = free_port();
    let config = tmp.join("lachan.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[dns]
listen = ["127.0.0.1:{port}"]
upstreams = ["{upstream}"]
[[lists]]
name = "gambling-url"
source = "http://{http}/gambling.txt"
category = "gambling"
[[lists]]
name = "hagezi-nsfw"
source = "{nsfw}"
category = "adult"
subdomains = true
[[profiles]]
name = "child"
block = ["adult", "gambling"]
[http]
listen = "127.0.0.1:0"
"#,
            nsfw = shared("blocklists/hagezi/wildcard/nsfw-onlydomains.txt").display()
        ),
    )
    .unwrap();
    let server: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    let token = lachan(
        &["token", "create", "--role", "admin", "--name", "test"],
        &data,
        &config,
    );
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("lachan_"), "{token}");

    let (child, banner) = serve(&config, &data);
    assert!(banner.contains(&format!("127.0.0.1:{port}")), "{banner}");
    let web: SocketAddr = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("Web:  http://"))
        .and_then(|rest| rest.split('/').next())
        .expect("the banner names the console")
        .parse()
        .unwrap();
    let (status, body) = http_get(web, "/api/v1/services", &web.to_string(), Some(&token));
    assert_eq!(status, 200, "{body}");
    let services: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert!(services.len() >= 60 && services.iter().any(|s| s["id"] == "zalo"));
    let (status, _) = http_get(web, "/api/v1/services", &web.to_string(), None);
    assert_eq!(status, 401);
    let (status, page) = http_get(web, "/", "casino-online.test", None);
    assert_eq!(status, 403);
    assert!(page.contains("111") && page.contains("casino-online.test"));
    assert!(
        page.contains("Lý do: <strong>trang thuộc nhóm cờ bạc, cá độ</strong>"),
        "{page}"
    );
    assert_eq!(
        first_address(&ask(server, "www.casino-online.test.")).as_deref(),
        Some("0.0.0.0")
    );
    assert_eq!(
        first_address(&ask(server, "homework.example.")).as_deref(),
        Some("192.0.2.1")
    );
    let nsfw_name =
        std::fs::read_to_string(shared("blocklists/hagezi/wildcard/nsfw-onlydomains.txt"))
            .unwrap()
            .lines()
            .find(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap()
            .trim()
            .to_string();
    assert_eq!(
        first_address(&ask(server, &format!("sub.{nsfw_name}."))).as_deref(),
        Some("0.0.0.0")
    );

    // Reload without a restart: the profile gains a deny rule, and the list's next download
    // fails, so its last good copy must stay in force.
    assert_eq!(
        first_address(&ask(server, "game-portal.test.")).as_deref(),
        Some("192.0.2.1")
    );
    failing.store(true, Ordering::SeqCst);
    let edited = std::fs::read_to_string(&config).unwrap().replace(
        "block = [\"adult\", \"gambling\"]",
        "block = [\"adult\", \"gambling\"]\ndeny = [\"||game-portal.test^\"]",
    );
    std::fs::write(&config, edited).unwrap();
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while first_address(&ask(server, "game-portal.test.")).as_deref() != Some("0.0.0.0") {
        assert!(
            Instant::now() < deadline,
            "the new deny rule never took effect"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        first_address(&ask(server, "casino-online.test.")).as_deref(),
        Some("0.0.0.0")
    );
    stop(child);

    // Nothing acknowledged is lost: every query answered is in the log after SIGTERM.
    let log = lachan(&["querylog", "--json", "--limit", "100"], &data, &config);
    assert!(
        log.status.success(),
        "{}",
        String::from_utf8_lossy(&log.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&log.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |name: &str, decision: &str| {
        lines
            .iter()
            .filter(|e| e["name"] == name && e["decision"] == decision)
            .count()
    };
    assert_eq!(count("homework.example", "allowed"), 1, "{lines:?}");
    assert_eq!(count("www.casino-online.test", "blocked"), 1);
    assert_eq!(count("casino-online.test", "blocked"), 1);
    assert_eq!(count("game-portal.test", "blocked"), 1);
    assert!(count("game-portal.test", "allowed") >= 1);

    let check = lachan(
        &["check", "domain", "www.casino-online.test", "--json"],
        &data,
        &config,
    );
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(v["decision"], "blocked");
    assert_eq!(v["category"], "gambling");
    assert_eq!(v["profile"], "child");
    assert_eq!(v["rule"]["list"], "gambling-url");
    assert_eq!(v["rule"]["line"], 2);
    assert_eq!(v["rule"]["text"], "||casino-online.test^");

    let human = lachan(&["check", "domain", "example.org"], &data, &config);
    assert!(String::from_utf8_lossy(&human.stdout).contains("example.org: ALLOWED"));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_broken_configuration_is_explained() {
    let tmp = std::env::temp_dir().join(format!("lachan-badconf-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let config = tmp.join("bad.toml");
    std::fs::write(&config, "[dns]\nlisten = [\"not an address\"]\n").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(tmp.join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("listen"), "{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn the_first_administrator_can_come_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let (dns_port, web_port) = (free_port(), free_port());
    let config = tmp.path().join("lachan.toml");
    std::fs::write(
        &config,
        format!(
            "lists = []\n[dns]\nlisten = [\"127.0.0.1:{dns_port}\"]\nupstreams = [\"127.0.0.1:9\"]\n\
             [http]\nlisten = \"127.0.0.1:{web_port}\"\n"
        ),
    )
    .unwrap();
    let start = |password: &str| {
        Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(tmp.path().join("data"))
            .env("LACHAN_LOG", "warn")
            .env("LACHAN_ADMIN_PASSWORD", password)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    // Too short: refused before anything is created.
    let out = start("short").wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("LACHAN_ADMIN_PASSWORD is too short"), "{err}");

    let mut child = start("a long enough password");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    for _ in 0..25 {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 || line.contains("Admin:") {
            banner.push_str(&line);
            break;
        }
        banner.push_str(&line);
    }
    assert!(
        banner.contains("account 'admin' created from LACHAN_ADMIN_PASSWORD"),
        "{banner}"
    );
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));

    // The account signs in over the API.
    let body = r#"{"username":"admin","password":"a long enough password"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", web_port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1:{web_port}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply
            .to_ascii_lowercase()
            .contains("set-cookie: lachan_session="),
        "{reply}"
    );
    stop(child);
}
