//! Forwarding over DNS-over-HTTPS to an in-test hyper server (HTTP/2 and HTTP/1.1) with a
//! self-signed certificate.

mod common;

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use common::*;
use hickory_proto::op::Message;
use hickory_proto::rr::RecordType;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use lachan_upstream::{FailureReason, Forwarder, ForwarderOptions, UpstreamSpec};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const GOOD: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 43);

/// Answers `POST /dns-query` with an A record; anything else gets 404 or 415.
async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, body: Vec<u8>| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response.headers_mut().insert(
            CONTENT_TYPE,
            "application/dns-message".parse().expect("header"),
        );
        Ok(response)
    };
    if request.method() != Method::POST || request.uri().path() != "/dns-query" {
        return reply(StatusCode::NOT_FOUND, Vec::new());
    }
    let is_dns = request
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v == "application/dns-message");
    let Ok(body) = request.into_body().collect().await else {
        return reply(StatusCode::BAD_REQUEST, Vec::new());
    };
    match Message::from_vec(&body.to_bytes()) {
        Ok(query) if is_dns => reply(StatusCode::OK, bytes(&a_response(&query, &[GOOD], 300))),
        _ => reply(StatusCode::UNSUPPORTED_MEDIA_TYPE, Vec::new()),
    }
}

/// A DoH server speaking HTTP/2 if `h2`, else HTTP/1.1. Returns its address and a count of
/// TLS connections.
async fn doh_server(cert: &TestCert, h2: bool) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let alpn: &[&[u8]] = if h2 { &[b"h2"] } else { &[b"http/1.1"] };
    let acceptor = TlsAcceptor::from(server_config(cert, alpn));
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let io = TokioIo::new(tls);
                let _ = if h2 {
                    hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service_fn(handle))
                        .await
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service_fn(handle))
                        .await
                };
            });
        }
    });
    (addr, connections)
}

fn doh_forwarder(addr: SocketAddr, path: &str, cert: &TestCert) -> Forwarder {
    let spec = UpstreamSpec::Https {
        url: format!("https://{TEST_SERVER_NAME}:{}{path}", addr.port()),
        addr: Some(addr),
    };
    let opts = ForwarderOptions {
        extra_roots_pem: Some(cert.pem.clone()),
        ..ForwarderOptions::default()
    };
    Forwarder::new(vec![spec], opts).expect("forwarder")
}

async fn forwards_reusing_one_connection(h2: bool) {
    let cert = test_cert();
    let (addr, connections) = doh_server(&cert, h2).await;
    let fwd = doh_forwarder(addr, "/dns-query", &cert);
    for name in ["a.example.", "b.example.", "c.example."] {
        let got = fwd
            .forward(&query(name, RecordType::A))
            .await
            .expect("answer");
        assert_eq!(parse(&got.response).metadata.id, CLIENT_ID);
        assert_eq!(addresses(&got.response), vec![GOOD]);
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn forwards_over_http2() {
    forwards_reusing_one_connection(true).await;
}

#[tokio::test]
async fn forwards_over_http1() {
    forwards_reusing_one_connection(false).await;
}

#[tokio::test]
async fn concurrent_queries_share_the_http2_connection() {
    let cert = test_cert();
    let (addr, connections) = doh_server(&cert, true).await;
    let fwd = doh_forwarder(addr, "/dns-query", &cert);
    // Open the connection first, then run different names side by side on it.
    fwd.forward(&query("warm.example.", RecordType::A))
        .await
        .expect("answer");
    let queries = ["a.example.", "b.example.", "c.example."].map(|name| query(name, RecordType::A));
    let (a, b, c) = tokio::join!(
        fwd.forward(&queries[0]),
        fwd.forward(&queries[1]),
        fwd.forward(&queries[2]),
    );
    for got in [a, b, c] {
        assert_eq!(addresses(&got.expect("answer").response), vec![GOOD]);
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn http_error_status_is_a_failure() {
    let cert = test_cert();
    let (addr, _) = doh_server(&cert, true).await;
    let fwd = doh_forwarder(addr, "/wrong-path", &cert);
    let err = fwd
        .forward(&query("a.example.", RecordType::A))
        .await
        .expect_err("must fail");
    assert_eq!(
        err.failures()[0].reason,
        FailureReason::Http("status 404 Not Found".to_owned())
    );
}

#[tokio::test]
async fn untrusted_certificate_is_refused() {
    let cert = test_cert();
    let (addr, _) = doh_server(&cert, true).await;
    let spec = UpstreamSpec::Https {
        url: format!("https://{TEST_SERVER_NAME}:{}/dns-query", addr.port()),
        addr: Some(addr),
    };
    let fwd = Forwarder::new(vec![spec], ForwarderOptions::default()).expect("forwarder");
    let err = fwd
        .forward(&query("a.example.", RecordType::A))
        .await
        .expect_err("must fail");
    assert!(
        matches!(err.failures()[0].reason, FailureReason::Tls(_)),
        "{err}"
    );
}
