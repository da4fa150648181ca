//! Forwarding over plain DNS (UDP, TCP on truncation) to in-test upstreams on 127.0.0.1.

mod common;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RecordType};
use lachan_upstream::{FailureReason, ForwardError, Forwarder, ForwarderOptions, UpstreamSpec};

const GOOD: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const FORGED: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);

/// A forwarder with a short per-attempt timeout so that silent upstreams fail fast.
fn forwarder(addrs: &[std::net::SocketAddr]) -> Forwarder {
    let specs = addrs.iter().map(|a| UpstreamSpec::Udp(*a)).collect();
    let opts = ForwarderOptions {
        timeout: Duration::from_millis(300),
        ..ForwarderOptions::default()
    };
    Forwarder::new(specs, opts).expect("forwarder")
}

#[tokio::test]
async fn forwards_over_udp_and_restores_the_client_id() {
    let server = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[server.addr]);
    let got = fwd
        .forward(&query("Example.COM.", RecordType::A))
        .await
        .expect("answer");
    let msg = parse(&got.response);
    assert_eq!(msg.metadata.id, CLIENT_ID);
    assert_eq!(
        msg.queries[0].name(),
        &Name::from_ascii("Example.COM.").expect("name")
    );
    assert_eq!(addresses(&got.response), vec![GOOD]);
    assert_eq!(&*got.upstream, server.addr.to_string());
    assert_eq!(server.queries.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn upstream_sees_a_fresh_id_per_query() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let handler: Handler = Arc::new(move |q| {
        record.lock().expect("lock").push(q.metadata.id);
        vec![Reply::Send(bytes(&a_response(q, &[GOOD], 60)))]
    });
    let server = udp_server(handler).await;
    let fwd = forwarder(&[server.addr]);
    for _ in 0..8 {
        fwd.forward(&query("example.com.", RecordType::A))
            .await
            .expect("answer");
    }
    let mut ids = seen.lock().expect("lock").clone();
    assert_eq!(ids.len(), 8);
    ids.sort_unstable();
    ids.dedup();
    assert!(ids.len() > 1, "upstream ids are not random: {ids:?}");
}

#[tokio::test]
async fn truncated_udp_answer_is_retried_over_tcp() {
    let truncated: Handler = Arc::new(|q| {
        let mut m = empty_response(q, ResponseCode::NoError);
        m.metadata.truncation = true;
        vec![Reply::Send(bytes(&m))]
    });
    let many: Vec<Ipv4Addr> = (1..=40).map(|i| Ipv4Addr::new(192, 0, 2, i)).collect();
    let full = many.clone();
    let over_tcp: Handler = Arc::new(move |q| vec![Reply::Send(bytes(&a_response(q, &full, 300)))]);
    let (server, tcp_queries) = udp_and_tcp_server(truncated, over_tcp).await;
    let fwd = forwarder(&[server.addr]);
    let got = fwd
        .forward(&query("big.example.", RecordType::A))
        .await
        .expect("answer");
    assert_eq!(addresses(&got.response), many);
    assert!(!parse(&got.response).metadata.truncation);
    assert_eq!(server.queries.load(Ordering::SeqCst), 1);
    assert_eq!(tcp_queries.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn fails_over_from_a_closed_port() {
    let dead = closed_port().await;
    let good = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[dead, good.addr]);
    let got = fwd
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect("answer");
    assert_eq!(addresses(&got.response), vec![GOOD]);
    assert_eq!(&*got.upstream, good.addr.to_string());
}

#[tokio::test]
async fn fails_over_from_a_silent_upstream() {
    let quiet = udp_server(silent()).await;
    let good = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[quiet.addr, good.addr]);
    let got = fwd
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect("answer");
    assert_eq!(addresses(&got.response), vec![GOOD]);
    assert_eq!(quiet.queries.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn fails_over_from_servfail_and_refused() {
    for code in [ResponseCode::ServFail, ResponseCode::Refused] {
        let failing = udp_server(answers_code(code)).await;
        let good = udp_server(answers_with(GOOD)).await;
        let fwd = forwarder(&[failing.addr, good.addr]);
        let got = fwd
            .forward(&query("example.com.", RecordType::A))
            .await
            .expect("answer");
        assert_eq!(addresses(&got.response), vec![GOOD], "after {code}");
        assert_eq!(failing.queries.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn nxdomain_is_an_answer_not_a_failure() {
    let nx = udp_server(Arc::new(|q| {
        vec![Reply::Send(bytes(&negative_response(
            q,
            ResponseCode::NXDomain,
            600,
            300,
        )))]
    }))
    .await;
    let good = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[nx.addr, good.addr]);
    let got = fwd
        .forward(&query("nope.example.", RecordType::A))
        .await
        .expect("answer");
    assert_eq!(
        parse(&got.response).metadata.response_code,
        ResponseCode::NXDomain
    );
    assert_eq!(good.queries.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn all_failing_reports_every_upstream() {
    let dead = closed_port().await;
    let failing = udp_server(answers_code(ResponseCode::ServFail)).await;
    let fwd = forwarder(&[dead, failing.addr]);
    let err = fwd
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect_err("must fail");
    let ForwardError::AllFailed(failures) = &err else {
        panic!("unexpected error {err}");
    };
    assert_eq!(failures.len(), 2);
    assert_eq!(&*failures[0].upstream, dead.to_string());
    assert!(
        matches!(failures[0].reason, FailureReason::Network(_)),
        "{err}"
    );
    assert_eq!(&*failures[1].upstream, failing.addr.to_string());
    assert_eq!(
        failures[1].reason,
        FailureReason::Rcode(ResponseCode::ServFail)
    );
    let text = err.to_string();
    assert!(
        text.contains(&dead.to_string()) && text.contains("SERVFAIL"),
        "{text}"
    );
}

#[tokio::test]
async fn silent_only_upstream_times_out() {
    let quiet = udp_server(silent()).await;
    let fwd = forwarder(&[quiet.addr]);
    let err = fwd
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect_err("must fail");
    assert_eq!(err.failures()[0].reason, FailureReason::Timeout);
}

#[tokio::test]
async fn spoofed_replies_are_ignored() {
    let handler: Handler = Arc::new(|q| {
        let forged = a_response(q, &[FORGED], 86_400);
        let mut wrong_id = forged.clone();
        wrong_id.metadata.id = q.metadata.id.wrapping_add(1);
        let mut wrong_question = forged.clone();
        wrong_question.queries[0].set_name(Name::from_ascii("other.example.").expect("name"));
        vec![
            Reply::Send(bytes(&wrong_id)),
            Reply::Send(bytes(&wrong_question)),
            Reply::FromOtherPort(bytes(&forged)),
            Reply::Send(bytes(&a_response(q, &[GOOD], 300))),
        ]
    });
    let server = udp_server(handler).await;
    let fwd = forwarder(&[server.addr]);
    let got = fwd
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect("answer");
    assert_eq!(addresses(&got.response), vec![GOOD]);
    assert_eq!(parse(&got.response).metadata.id, CLIENT_ID);
}

#[tokio::test]
async fn malformed_answer_fails_over() {
    let garbage: Handler = Arc::new(|q| {
        // Right id and question, then a header promising an answer that is not there.
        let mut b = bytes(&empty_response(q, ResponseCode::NoError));
        b[7] = 1;
        vec![Reply::Send(b)]
    });
    let broken = udp_server(garbage).await;
    let good = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[broken.addr, good.addr]);
    let got = fwd
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect("answer");
    assert_eq!(addresses(&got.response), vec![GOOD]);
    let only_broken = forwarder(&[broken.addr]);
    let err = only_broken
        .forward(&query("example.com.", RecordType::A))
        .await
        .expect_err("must fail");
    assert!(
        matches!(err.failures()[0].reason, FailureReason::Malformed(_)),
        "{err}"
    );
}

#[tokio::test]
async fn bad_client_queries_are_refused_without_asking_upstream() {
    let server = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[server.addr]);
    assert!(matches!(
        fwd.forward(&[0; 5]).await,
        Err(ForwardError::BadQuery(_))
    ));
    let mut response = query("example.com.", RecordType::A);
    response[2] |= 0x80;
    assert!(matches!(
        fwd.forward(&response).await,
        Err(ForwardError::BadQuery(_))
    ));
    let mut two_questions = query("example.com.", RecordType::A);
    two_questions[5] = 2;
    assert!(matches!(
        fwd.forward(&two_questions).await,
        Err(ForwardError::BadQuery(_))
    ));
    assert_eq!(server.queries.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn concurrent_identical_queries_share_one_upstream_exchange() {
    let server = udp_server(answers_with(GOOD)).await;
    let fwd = forwarder(&[server.addr]);
    let (q1, q2, q3) = (
        query_with_id("example.com.", RecordType::A, 1),
        query_with_id("EXAMPLE.com.", RecordType::A, 2),
        query_with_id("example.com.", RecordType::A, 3),
    );
    let other = query_with_id("example.org.", RecordType::A, 4);
    let (a1, a2, a3, a4) = tokio::join!(
        fwd.forward(&q1),
        fwd.forward(&q2),
        fwd.forward(&q3),
        fwd.forward(&other)
    );
    for (answer, id, name) in [
        (a1, 1, "example.com."),
        (a2, 2, "EXAMPLE.com."),
        (a3, 3, "example.com."),
        (a4, 4, "example.org."),
    ] {
        let answer = parse(&answer.expect("answer").response);
        assert_eq!(answer.metadata.id, id);
        assert_eq!(
            answer.queries[0].name().to_ascii(),
            name,
            "each client gets its own spelling"
        );
        assert_eq!(answer.answers.len(), 1);
    }
    assert_eq!(server.queries.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_forwarder_serves_many_tasks() {
    let server = udp_server(answers_with(GOOD)).await;
    let fwd = Arc::new(forwarder(&[server.addr]));
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..16u16 {
        let fwd = fwd.clone();
        tasks.spawn(async move {
            let q = query_with_id(&format!("host{id}.example."), RecordType::A, id);
            (id, fwd.forward(&q).await)
        });
    }
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        let (id, answer) = done.expect("task finished");
        assert_eq!(parse(&answer.expect("answer").response).metadata.id, id);
        answered += 1;
    }
    assert_eq!(answered, 16);
    assert_eq!(server.queries.load(Ordering::SeqCst), 16);
}

#[test]
fn construction_errors() {
    assert!(Forwarder::new(Vec::new(), ForwarderOptions::default()).is_err());
    let zero = ForwarderOptions {
        timeout: Duration::ZERO,
        ..ForwarderOptions::default()
    };
    let spec = UpstreamSpec::Udp("127.0.0.1:53".parse().expect("addr"));
    assert!(Forwarder::new(vec![spec], zero).is_err());
}
