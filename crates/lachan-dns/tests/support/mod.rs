//! Test support: an upstream DNS server on loopback and a DNS client over UDP and TCP.

#![allow(dead_code, missing_docs)]

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use lachan_dns::{FilterConfig, ListenOptions, NoSink, Resolver, ResolverOptions};
use lachan_upstream::{Cache, CacheOptions, Forwarder, ForwarderOptions, UpstreamSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio_util::sync::CancellationToken;

/// The address every name resolves to at the test upstream.
pub const UPSTREAM_V4: [u8; 4] = [192, 0, 2, 99];

/// A test upstream on 127.0.0.1 answering every A query with 192.0.2.99 (TTL 300), AAAA with
/// 2001:db8::99, `big.test` with 80 addresses (too big for UDP), `short.test` with TTL 1.
pub struct Upstream {
    pub addr: SocketAddr,
    pub queries: Arc<AtomicUsize>,
    pub silent: Arc<AtomicBool>,
    stop: CancellationToken,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn answer(query: &Message) -> Message {
    let mut m = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
    m.metadata.recursion_desired = query.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    let Some(q) = query.queries.first() else {
        m.metadata.response_code = ResponseCode::FormErr;
        return m;
    };
    m.add_query(q.clone());
    let name = q.name().to_ascii();
    let ttl = if name.starts_with("short.") { 1 } else { 300 };
    if name.starts_with("nxdomain.") {
        m.metadata.response_code = ResponseCode::NXDomain;
        return m;
    }
    let count = if name.starts_with("big.") { 80 } else { 1 };
    for i in 0..count {
        let data = match q.query_type() {
            RecordType::A if count > 1 => RData::A(A::new(10, 0, 0, i as u8)),
            RecordType::A if name == "forcesafesearch.google.com." => {
                RData::A(A::new(216, 239, 38, 120))
            }
            RecordType::A => RData::A(A::from(std::net::Ipv4Addr::from(UPSTREAM_V4))),
            RecordType::AAAA => RData::AAAA(AAAA::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x99)),
            _ => continue,
        };
        m.add_answer(Record::from_rdata(q.name().clone(), ttl, data));
    }
    m
}

/// A UDP socket and a TCP listener on the same loopback port. The port the system picks for
/// UDP may be in use for TCP (another test's outgoing connection), so up to 20 ports are tried.
async fn bind_udp_and_tcp() -> (UdpSocket, TcpListener) {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        if let Ok(tcp) = TcpListener::bind(udp.local_addr().unwrap()).await {
            return (udp, tcp);
        }
    }
    panic!("no loopback port was free for both UDP and TCP in 20 tries");
}

impl Upstream {
    pub async fn start() -> Upstream {
        let (udp, tcp) = bind_udp_and_tcp().await;
        let udp = Arc::new(udp);
        let addr = udp.local_addr().unwrap();
        let queries = Arc::new(AtomicUsize::new(0));
        let silent = Arc::new(AtomicBool::new(false));
        let stop = CancellationToken::new();
        {
            let (queries, silent, stop) = (queries.clone(), silent.clone(), stop.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    let (len, peer) = tokio::select! {
                        _ = stop.cancelled() => return,
                        r = udp.recv_from(&mut buf) => match r { Ok(r) => r, Err(_) => continue },
                    };
                    queries.fetch_add(1, Ordering::SeqCst);
                    if silent.load(Ordering::SeqCst) {
                        continue;
                    }
                    let Ok(q) = Message::from_vec(&buf[..len]) else {
                        continue;
                    };
                    let mut bytes = answer(&q).to_vec().unwrap();
                    if bytes.len() > 512 {
                        let mut cut = answer(&q);
                        cut.answers.clear();
                        cut.metadata.truncation = true;
                        bytes = cut.to_vec().unwrap();
                    }
                    let _ = udp.send_to(&bytes, peer).await;
                }
            });
        }
        {
            let (queries, stop) = (queries.clone(), stop.clone());
            tokio::spawn(async move {
                loop {
                    let (mut stream, _) = tokio::select! {
                        _ = stop.cancelled() => return,
                        r = tcp.accept() => match r { Ok(r) => r, Err(_) => continue },
                    };
                    let queries = queries.clone();
                    tokio::spawn(async move {
                        let mut len = [0u8; 2];
                        while stream.read_exact(&mut len).await.is_ok() {
                            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
                            if stream.read_exact(&mut buf).await.is_err() {
                                return;
                            }
                            queries.fetch_add(1, Ordering::SeqCst);
                            let Ok(q) = Message::from_vec(&buf) else {
                                return;
                            };
                            let bytes = answer(&q).to_vec().unwrap();
                            let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
                            framed.extend_from_slice(&bytes);
                            if stream.write_all(&framed).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            });
        }
        Upstream {
            addr,
            queries,
            silent,
            stop,
        }
    }
}

/// A running Lachan resolver on 127.0.0.1 with a random port.
pub struct Gateway {
    pub addr: SocketAddr,
    pub resolver: Arc<Resolver>,
    stop: CancellationToken,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub async fn gateway(
    config: FilterConfig,
    upstreams: Vec<SocketAddr>,
    options: ResolverOptions,
) -> Gateway {
    let listen = ListenOptions {
        udp_workers: 2,
        ..ListenOptions::default()
    };
    gateway_with(config, upstreams, options, listen).await
}

pub async fn gateway_with(
    config: FilterConfig,
    upstreams: Vec<SocketAddr>,
    options: ResolverOptions,
    listen: ListenOptions,
) -> Gateway {
    gateway_clocked(
        config,
        upstreams,
        options,
        listen,
        Arc::new(lachan_dns::SystemClock),
    )
    .await
}

/// A clock the test moves by hand.
pub struct ManualClock(pub std::sync::Mutex<jiff::Timestamp>);

impl ManualClock {
    pub fn at(rfc3339: &str) -> Arc<ManualClock> {
        Arc::new(ManualClock(std::sync::Mutex::new(rfc3339.parse().unwrap())))
    }

    pub fn set(&self, rfc3339: &str) {
        *self.0.lock().unwrap() = rfc3339.parse().unwrap();
    }
}

impl lachan_dns::Clock for ManualClock {
    fn now(&self) -> jiff::Timestamp {
        *self.0.lock().unwrap()
    }
}

pub async fn gateway_clocked(
    config: FilterConfig,
    upstreams: Vec<SocketAddr>,
    options: ResolverOptions,
    listen: ListenOptions,
    clock: Arc<dyn lachan_dns::Clock>,
) -> Gateway {
    let (filter, reports) =
        lachan_dns::Filter::with_clock(&config, clock).expect("valid filter config");
    for r in &reports {
        assert!(
            r.report.io_error.is_none(),
            "list {} unreadable: {:?}",
            r.name,
            r.report.io_error
        );
    }
    let forwarder = Forwarder::new(
        upstreams.into_iter().map(UpstreamSpec::Udp).collect(),
        ForwarderOptions {
            timeout: Duration::from_millis(400),
            extra_roots_pem: None,
        },
    )
    .unwrap();
    let cache = Cache::new(CacheOptions::default());
    let resolver = Arc::new(Resolver::new(
        Arc::new(filter),
        Arc::new(forwarder),
        cache,
        options,
        Arc::new(NoSink),
    ));
    let bound = lachan_dns::bind(&["127.0.0.1:0".parse().unwrap()], listen).unwrap();
    let addr = bound.local_addrs()[0];
    let stop = CancellationToken::new();
    let mut tasks = bound.serve(resolver.clone(), stop.clone());
    tokio::spawn(async move { while tasks.join_next().await.is_some() {} });
    Gateway {
        addr,
        resolver,
        stop,
    }
}

pub fn query(name: &str, rtype: RecordType, edns: bool) -> Vec<u8> {
    let mut m = Message::new(rand_id(), MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    if edns {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        m.set_edns(e);
    }
    m.to_vec().unwrap()
}

fn rand_id() -> u16 {
    use std::time::{SystemTime, UNIX_EPOCH};
    (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        & 0xffff) as u16
}

/// Sends `packet` over UDP from `source` and waits up to 2 s for the answer.
pub async fn udp(server: SocketAddr, source: IpAddr, packet: &[u8]) -> Option<Message> {
    let socket = UdpSocket::bind(SocketAddr::new(source, 0)).await.unwrap();
    socket.send_to(packet, server).await.unwrap();
    let mut buf = vec![0u8; 65535];
    let len = tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(Message::from_vec(&buf[..len]).expect("the answer parses"))
}

/// Asks `gw` for the A records of `name` over UDP from 127.0.0.`source` (with EDNS when `edns`,
/// so block reasons come back as Extended DNS Errors).
pub async fn ask(gw: &Gateway, source: u8, name: &str, edns: bool) -> Message {
    udp(
        gw.addr,
        localhost(source),
        &query(name, RecordType::A, edns),
    )
    .await
    .expect("the gateway answers")
}

/// Sends `packet` over TCP and reads one answer.
pub async fn tcp(server: SocketAddr, packet: &[u8]) -> Message {
    let mut stream = TcpStream::connect(server).await.unwrap();
    let mut framed = (packet.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(packet);
    stream.write_all(&framed).await.unwrap();
    let mut len = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(3), stream.read_exact(&mut len))
        .await
        .unwrap()
        .unwrap();
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut buf).await.unwrap();
    Message::from_vec(&buf).unwrap()
}

pub fn localhost(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// The text of the Extended DNS Error in an answer, if any.
pub fn ede_text(m: &Message) -> Option<String> {
    use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
    match m.edns.as_ref()?.option(EdnsCode::Unknown(15))? {
        EdnsOption::Unknown(15, data) if data.len() >= 2 => {
            Some(String::from_utf8_lossy(&data[2..]).into_owned())
        }
        _ => None,
    }
}

pub fn addresses(m: &Message) -> Vec<IpAddr> {
    m.answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect()
}

pub fn cname(m: &Message) -> Option<String> {
    m.answers.iter().find_map(|r| match &r.data {
        RData::CNAME(c) => Some(c.0.to_ascii()),
        _ => None,
    })
}
