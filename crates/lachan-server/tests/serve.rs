//! The connection limits of `serve_with` over real loopback connections: slow headers, idle
//! connections, the connection cap, the client's address and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use lachan_server::{ServeOptions, serve_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Guard against a hung test, far above any real answer time.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// Longer than any test runs: a limit that must not be the one that acts.
const NEVER: Duration = Duration::from_secs(600);

/// How long a client waits to see that nothing is answered while the server is full. A
/// correct server never answers then, so this cannot make the test fail spuriously.
const QUIET_SPELL: Duration = Duration::from_millis(500);

struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(router: Router, options: ServeOptions) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(serve_with(listener, router, shutdown.clone(), options));
        Server {
            addr,
            shutdown,
            task,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(HANG_GUARD, self.task)
            .await
            .expect("serve returns after shutdown")
            .unwrap()
            .unwrap();
    }
}

/// Answers `GET /` with the client's address as the server saw it.
fn echo_peer() -> Router {
    Router::new().route(
        "/",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
    )
}

fn options(
    max_connections: usize,
    header_timeout: Duration,
    idle_timeout: Duration,
) -> ServeOptions {
    ServeOptions {
        max_connections,
        header_timeout,
        idle_timeout,
    }
}

const GET_AND_CLOSE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/// Reads until the server closes the connection (cleanly or by reset), within the guard.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection");
    if let Err(error) = read {
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    }
    raw
}

fn body(raw: &[u8]) -> &str {
    let text = std::str::from_utf8(raw).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 "), "{text}");
    text.split_once("\r\n\r\n").unwrap().1
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    let server = Server::start(echo_peer(), ServeOptions::default()).await;
    let mut client = server.connect().await;
    client.write_all(GET_AND_CLOSE).await.unwrap();
    let raw = read_until_closed(&mut client).await;
    assert_eq!(body(&raw), client.local_addr().unwrap().to_string());
    server.stop().await;
}

#[tokio::test]
async fn partial_request_line_is_closed_after_the_header_timeout() {
    let server = Server::start(echo_peer(), options(8, Duration::from_millis(300), NEVER)).await;
    let mut slow = server.connect().await;
    slow.write_all(b"GET / HT").await.unwrap();
    let raw = read_until_closed(&mut slow).await;
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.starts_with("HTTP/1.1 2"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn kept_alive_connection_is_closed_when_silent() {
    let server = Server::start(echo_peer(), options(8, NEVER, Duration::from_millis(300))).await;
    let mut client = server.connect().await;
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let raw = read_until_closed(&mut client).await;
    assert_eq!(body(&raw), client.local_addr().unwrap().to_string());
    server.stop().await;
}

#[tokio::test]
async fn full_server_waits_for_a_free_slot() {
    let server = Server::start(echo_peer(), options(2, NEVER, NEVER)).await;
    let first = server.connect().await;
    let _second = server.connect().await;
    let mut third = server.connect().await;
    third.write_all(GET_AND_CLOSE).await.unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(QUIET_SPELL, third.read(&mut byte)).await;
    assert!(early.is_err(), "answered while two connections were open");
    drop(first);
    let raw = read_until_closed(&mut third).await;
    assert_eq!(body(&raw), third.local_addr().unwrap().to_string());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let router = Router::new().route(
        "/",
        get({
            let (started, release) = (started.clone(), release.clone());
            move || async move {
                started.notify_one();
                release.notified().await;
                "finished"
            }
        }),
    );
    let server = Server::start(router, ServeOptions::default()).await;
    let mut idle = server.connect().await;
    let mut busy = server.connect().await;
    busy.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    tokio::time::timeout(HANG_GUARD, started.notified())
        .await
        .unwrap();

    server.shutdown.cancel();
    assert!(read_until_closed(&mut idle).await.is_empty());
    assert!(
        !server.task.is_finished(),
        "returned with a request in flight"
    );
    // A connection the kernel queued before the listener closed is reset, never served.
    if let Ok(mut late) = TcpStream::connect(server.addr).await {
        let _ = late.write_all(GET_AND_CLOSE).await;
        assert!(
            read_until_closed(&mut late).await.is_empty(),
            "served after shutdown"
        );
    }

    release.notify_one();
    let raw = read_until_closed(&mut busy).await;
    assert_eq!(body(&raw), "finished");
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(text.contains("connection: close"), "{text}");
    server.stop().await;
}
