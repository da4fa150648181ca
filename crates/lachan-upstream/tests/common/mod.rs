//! Helpers shared by the integration tests: DNS messages built with hickory-proto and tiny
//! upstream servers on 127.0.0.1.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hickory_proto::op::{Edns, Message, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// The id every test client query carries.
pub const CLIENT_ID: u16 = 0xbeef;

/// A query for `name`/`rtype` with id [`CLIENT_ID`], RD set and EDNS (payload 1232, DO clear).
pub fn query(name: &str, rtype: RecordType) -> Vec<u8> {
    query_with_id(name, rtype, CLIENT_ID)
}

/// Like [`query`] with a chosen id.
pub fn query_with_id(name: &str, rtype: RecordType, id: u16) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.id = id;
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(
        Name::from_ascii(name).expect("valid name"),
        rtype,
    ));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    m.set_edns(edns);
    m.to_vec().expect("serialises")
}

/// Parses wire bytes.
pub fn parse(bytes: &[u8]) -> Message {
    Message::from_vec(bytes).expect("well-formed message")
}

/// A response to `query` with the given code and no records.
pub fn empty_response(query: &Message, code: ResponseCode) -> Message {
    let mut m = Message::response(query.metadata.id, OpCode::Query);
    m.metadata.recursion_desired = query.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.metadata.response_code = code;
    m.add_queries(query.queries.clone());
    m
}

/// A NOERROR response to `query` answering each given address with `ttl`.
pub fn a_response(query: &Message, ips: &[Ipv4Addr], ttl: u32) -> Message {
    let mut m = empty_response(query, ResponseCode::NoError);
    let name = query.queries[0].name().clone();
    for ip in ips {
        m.add_answer(Record::from_rdata(name.clone(), ttl, RData::A(A(*ip))));
    }
    m
}

/// A negative response (NXDOMAIN or NODATA) carrying an SOA with the given TTL and MINIMUM.
pub fn negative_response(
    query: &Message,
    code: ResponseCode,
    soa_ttl: u32,
    minimum: u32,
) -> Message {
    let mut m = empty_response(query, code);
    let zone = Name::from_ascii("example.").expect("valid name");
    let soa = SOA::new(
        Name::from_ascii("ns.example.").expect("valid name"),
        Name::from_ascii("hostmaster.example.").expect("valid name"),
        2024010101,
        7200,
        900,
        1209600,
        minimum,
    );
    m.add_authority(Record::from_rdata(zone, soa_ttl, RData::SOA(soa)));
    m
}

/// Serialises a message.
pub fn bytes(m: &Message) -> Vec<u8> {
    m.to_vec().expect("serialises")
}

/// The A addresses in an answer.
pub fn addresses(response: &[u8]) -> Vec<Ipv4Addr> {
    parse(response)
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .collect()
}

/// The TTLs of the answer records.
pub fn answer_ttls(response: &[u8]) -> Vec<u32> {
    parse(response).answers.iter().map(|r| r.ttl).collect()
}

/// A datagram a test UDP server sends back.
pub enum Reply {
    /// Sent from the server's own socket.
    Send(Vec<u8>),
    /// Sent from another socket (another source port): a spoofing attempt.
    FromOtherPort(Vec<u8>),
}

/// How a test server answers one query.
pub type Handler = Arc<dyn Fn(&Message) -> Vec<Reply> + Send + Sync>;

/// A UDP server on 127.0.0.1 answering through `handler`, counting the queries it gets.
pub struct UdpServer {
    /// Its address.
    pub addr: SocketAddr,
    /// Queries received so far.
    pub queries: Arc<AtomicUsize>,
}

/// Starts a UDP server on a free loopback port.
pub async fn udp_server(handler: Handler) -> UdpServer {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
    serve_udp(socket, handler)
}

fn serve_udp(socket: UdpSocket, handler: Handler) -> UdpServer {
    let addr = socket.local_addr().expect("local addr");
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    tokio::spawn(async move {
        let other = UdpSocket::bind("127.0.0.1:0").await.expect("bind spoofer");
        let mut buf = vec![0; 65_535];
        while let Ok((len, from)) = socket.recv_from(&mut buf).await {
            counter.fetch_add(1, Ordering::SeqCst);
            let Ok(query) = Message::from_vec(&buf[..len]) else {
                continue;
            };
            for reply in handler(&query) {
                let _ = match reply {
                    Reply::Send(b) => socket.send_to(&b, from).await,
                    Reply::FromOtherPort(b) => other.send_to(&b, from).await,
                };
            }
        }
    });
    UdpServer { addr, queries }
}

/// A UDP and a TCP server on the same loopback port, each with its own handler; `queries`
/// counts the UDP ones, the second counter the TCP ones.
pub async fn udp_and_tcp_server(udp: Handler, tcp: Handler) -> (UdpServer, Arc<AtomicUsize>) {
    // The UDP port may be taken for TCP by someone else: try a few ports.
    for _ in 0..20 {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        let addr = socket.local_addr().expect("local addr");
        if let Ok(listener) = TcpListener::bind(addr).await {
            let tcp_count = serve_tcp(listener, tcp);
            return (serve_udp(socket, udp), tcp_count);
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

fn serve_tcp(listener: TcpListener, handler: Handler) -> Arc<AtomicUsize> {
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let handler = handler.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                while let Some(query) = read_framed(&mut stream).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    for reply in handler(&query) {
                        let (Reply::Send(b) | Reply::FromOtherPort(b)) = reply;
                        if write_framed(&mut stream, &b).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    queries
}

/// Reads one length-prefixed DNS message; `None` at end of stream or on garbage.
pub async fn read_framed<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<Message> {
    let mut len = [0; 2];
    stream.read_exact(&mut len).await.ok()?;
    let mut msg = vec![0; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut msg).await.ok()?;
    Message::from_vec(&msg).ok()
}

/// Writes one length-prefixed DNS message.
pub async fn write_framed<S: tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    msg: &[u8],
) -> std::io::Result<()> {
    let mut framed = u16::try_from(msg.len())
        .expect("short message")
        .to_be_bytes()
        .to_vec();
    framed.extend_from_slice(msg);
    stream.write_all(&framed).await?;
    stream.flush().await
}

/// A loopback port with nothing listening on it (UDP queries to it are refused).
pub async fn closed_port() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
    socket.local_addr().expect("local addr")
}

/// A handler answering every query with `ip`, TTL 300.
pub fn answers_with(ip: Ipv4Addr) -> Handler {
    Arc::new(move |q| vec![Reply::Send(bytes(&a_response(q, &[ip], 300)))])
}

/// A handler that never answers.
pub fn silent() -> Handler {
    Arc::new(|_| Vec::new())
}

/// A handler answering every query with `code` and no records.
pub fn answers_code(code: ResponseCode) -> Handler {
    Arc::new(move |q| vec![Reply::Send(bytes(&empty_response(q, code)))])
}

/// A self-signed certificate for `dns.test` with its key.
pub struct TestCert {
    /// PEM of the certificate, to trust through `extra_roots_pem`.
    pub pem: Vec<u8>,
    /// The certificate.
    pub der: CertificateDer<'static>,
    /// Its PKCS#8 private key.
    pub key: Vec<u8>,
}

/// The name in the test certificate.
pub const TEST_SERVER_NAME: &str = "dns.test";

/// Generates a self-signed certificate for [`TEST_SERVER_NAME`].
pub fn test_cert() -> TestCert {
    let certified =
        rcgen::generate_simple_self_signed(vec![TEST_SERVER_NAME.to_owned()]).expect("certificate");
    TestCert {
        pem: certified.cert.pem().into_bytes(),
        der: certified.cert.der().clone(),
        key: certified.signing_key.serialize_der(),
    }
}

/// A rustls server configuration presenting `cert` and offering `alpn`.
pub fn server_config(cert: &TestCert, alpn: &[&[u8]]) -> Arc<ServerConfig> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key.clone()));
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.der.clone()], key)
            .expect("server certificate");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}
