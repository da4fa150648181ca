//! Forwarding over DNS-over-TLS to an in-test rustls server with a self-signed certificate.

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use hickory_proto::rr::RecordType;
use lachan_upstream::{FailureReason, Forwarder, ForwarderOptions, UpstreamSpec};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const GOOD: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 53);

/// A DoT server answering every query with [`GOOD`]; it closes each connection after one
/// answer if `one_answer_per_connection`. Returns its address and a count of connections.
async fn dot_server(
    cert: &TestCert,
    one_answer_per_connection: bool,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = TlsAcceptor::from(server_config(cert, &[]));
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                while let Some(query) = read_framed(&mut tls).await {
                    let answer = bytes(&a_response(&query, &[GOOD], 300));
                    if write_framed(&mut tls, &answer).await.is_err() || one_answer_per_connection {
                        return;
                    }
                }
            });
        }
    });
    (addr, connections)
}

fn dot_forwarder(addr: SocketAddr, trusted: Option<&TestCert>) -> Forwarder {
    let spec = UpstreamSpec::Tls {
        addr,
        server_name: TEST_SERVER_NAME.to_owned(),
    };
    let opts = ForwarderOptions {
        extra_roots_pem: trusted.map(|c| c.pem.clone()),
        ..ForwarderOptions::default()
    };
    Forwarder::new(vec![spec], opts).expect("forwarder")
}

#[tokio::test]
async fn forwards_over_tls_reusing_one_connection() {
    let cert = test_cert();
    let (addr, connections) = dot_server(&cert, false).await;
    let fwd = dot_forwarder(addr, Some(&cert));
    for name in ["a.example.", "b.example.", "c.example."] {
        let got = fwd
            .forward(&query(name, RecordType::A))
            .await
            .expect("answer");
        assert_eq!(parse(&got.response).metadata.id, CLIENT_ID);
        assert_eq!(addresses(&got.response), vec![GOOD]);
        assert_eq!(
            &*got.upstream,
            format!("tls://{addr}?name={TEST_SERVER_NAME}")
        );
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn reconnects_when_the_server_closed_the_connection() {
    let cert = test_cert();
    let (addr, connections) = dot_server(&cert, true).await;
    let fwd = dot_forwarder(addr, Some(&cert));
    for name in ["a.example.", "b.example.", "c.example."] {
        let got = fwd
            .forward(&query(name, RecordType::A))
            .await
            .expect("answer");
        assert_eq!(addresses(&got.response), vec![GOOD]);
    }
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn untrusted_certificate_is_refused() {
    let cert = test_cert();
    let (addr, _) = dot_server(&cert, false).await;
    let fwd = dot_forwarder(addr, None);
    let err = fwd
        .forward(&query("a.example.", RecordType::A))
        .await
        .expect_err("must fail");
    assert!(
        matches!(err.failures()[0].reason, FailureReason::Tls(_)),
        "{err}"
    );
}

#[tokio::test]
async fn wrong_server_name_is_refused() {
    let cert = test_cert();
    let (addr, _) = dot_server(&cert, false).await;
    let spec = UpstreamSpec::Tls {
        addr,
        server_name: "other.test".to_owned(),
    };
    let opts = ForwarderOptions {
        extra_roots_pem: Some(cert.pem.clone()),
        ..ForwarderOptions::default()
    };
    let fwd = Forwarder::new(vec![spec], opts).expect("forwarder");
    let err = fwd
        .forward(&query("a.example.", RecordType::A))
        .await
        .expect_err("must fail");
    assert!(
        matches!(err.failures()[0].reason, FailureReason::Tls(_)),
        "{err}"
    );
}
