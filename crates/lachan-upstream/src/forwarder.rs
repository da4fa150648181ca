//! The forwarder: sends a client's query to the upstreams in order of health and returns the
//! first usable answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};

use crate::coalesce::{Inflight, Outcome, Role};
use crate::health::{Health, attempt_order};
use crate::spec::HttpsUrl;
use crate::transport::doh::DohUpstream;
use crate::transport::dot::DotUpstream;
use crate::transport::{Expect, stream, udp};
use crate::{
    CacheKey, Failure, FailureReason, ForwardError, UpstreamError, UpstreamSpec, tls, wire,
};

/// UDP receive buffer when the client advertised less (or no EDNS): room for any sane answer.
const MIN_UDP_BUFFER: usize = 4_096;

/// How the forwarder behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwarderOptions {
    /// Time allowed for one attempt at one upstream (default 2 s); a UDP answer that is
    /// truncated gets a second, TCP, attempt of the same length.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM) for tls:// and https:// upstreams, on top of the
    /// Mozilla roots: for private resolvers and tests.
    pub extra_roots_pem: Option<Vec<u8>>,
}

impl Default for ForwarderOptions {
    fn default() -> Self {
        ForwarderOptions {
            timeout: Duration::from_secs(2),
            extra_roots_pem: None,
        }
    }
}

/// An upstream's answer to a forwarded query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// The answer's wire bytes, carrying the client's id.
    pub response: Vec<u8>,
    /// The display name of the upstream that answered.
    pub upstream: Arc<str>,
    /// How long that upstream took.
    pub rtt: Duration,
}

/// How one upstream is reached.
enum Transport {
    Udp(std::net::SocketAddr),
    Tls(DotUpstream),
    Https(Box<DohUpstream>),
}

/// One configured upstream.
struct Upstream {
    name: Arc<str>,
    transport: Transport,
    health: Health,
}

/// Forwards queries to upstream resolvers with failover. Cheap to share in an `Arc`.
pub struct Forwarder {
    upstreams: Vec<Upstream>,
    timeout: Duration,
    /// Origin of the millisecond clock used for health penalties.
    epoch: Instant,
    inflight: Inflight,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.upstreams.iter().map(|u| &*u.name).collect();
        f.debug_struct("Forwarder")
            .field("upstreams", &names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Forwarder {
    /// Sets up the upstreams, tried in the given order while healthy. An https:// upstream
    /// without an address has its host resolved now, with the system resolver.
    pub fn new(
        specs: Vec<UpstreamSpec>,
        opts: ForwarderOptions,
    ) -> Result<Forwarder, UpstreamError> {
        if specs.is_empty() {
            return Err(UpstreamError::NoUpstreams);
        }
        if opts.timeout.is_zero() {
            return Err(UpstreamError::ZeroTimeout);
        }
        let roots = opts.extra_roots_pem.as_deref();
        let mut dot_config = None;
        let mut doh_config = None;
        let mut upstreams = Vec::with_capacity(specs.len());
        for spec in specs {
            let transport = match &spec {
                UpstreamSpec::Udp(addr) => Transport::Udp(*addr),
                UpstreamSpec::Tls { addr, server_name } => {
                    let config = built_once(&mut dot_config, || tls::client_config(roots, &[]))?;
                    Transport::Tls(DotUpstream::new(*addr, server_name, config)?)
                }
                UpstreamSpec::Https { url, addr } => {
                    let url = HttpsUrl::parse(url)?;
                    let addr = match addr {
                        Some(addr) => *addr,
                        None => url.resolve()?,
                    };
                    let config = built_once(&mut doh_config, || {
                        tls::client_config(roots, &[b"h2", b"http/1.1"])
                    })?;
                    Transport::Https(Box::new(DohUpstream::new(&url, addr, config)?))
                }
            };
            upstreams.push(Upstream {
                name: Arc::from(spec.to_string()),
                transport,
                health: Health::default(),
            });
        }
        Ok(Forwarder {
            upstreams,
            timeout: opts.timeout,
            epoch: Instant::now(),
            inflight: Inflight::default(),
        })
    }

    /// Forwards one query (the client's wire bytes) and returns the first usable answer, with
    /// the client's id restored. Identical queries in flight at the same time share one
    /// upstream exchange.
    pub async fn forward(&self, query: &[u8]) -> Result<Forwarded, ForwardError> {
        let header = wire::Header::parse(query)
            .ok_or(ForwardError::BadQuery("shorter than a DNS header"))?;
        if header.is_response || header.opcode != 0 {
            return Err(ForwardError::BadQuery("not a standard query"));
        }
        let question = wire::question(query).ok_or(ForwardError::BadQuery(
            "not exactly one well-formed question",
        ))?;
        let edns = wire::query_edns(query, question.end);
        let key = CacheKey::from_question(&question, edns.is_some_and(|e| e.dnssec_ok));
        let buffer = edns
            .map_or(0, |e| usize::from(e.payload))
            .max(MIN_UDP_BUFFER);
        let outcome = match self.inflight.join(key) {
            Role::Leader(guard) => {
                let outcome = self.forward_in_order(query, &question, buffer).await;
                guard.finish(&outcome);
                outcome
            }
            Role::Follower(waiting) => match waiting.await {
                Ok(outcome) => outcome,
                Err(_) => self.forward_in_order(query, &question, buffer).await,
            },
        };
        outcome.map(|mut forwarded| {
            wire::set_id(&mut forwarded.response, header.id);
            wire::restore_question_case(&mut forwarded.response, question.name);
            forwarded
        })
    }

    /// Milliseconds since the forwarder was built, the clock of health penalties.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Tries each upstream, healthy ones first, until one answers usably.
    async fn forward_in_order(
        &self,
        query: &[u8],
        question: &wire::Question<'_>,
        buffer: usize,
    ) -> Outcome {
        let order = attempt_order(self.upstreams.iter().map(|u| &u.health), self.now_ms());
        let mut failures = Vec::new();
        for index in order {
            let Some(upstream) = self.upstreams.get(index) else {
                continue;
            };
            let started = Instant::now();
            match self.attempt(upstream, query, question, buffer).await {
                Ok(response) => {
                    upstream.health.record_success();
                    return Ok(Forwarded {
                        response,
                        upstream: upstream.name.clone(),
                        rtt: started.elapsed(),
                    });
                }
                Err(reason) => {
                    if reason.is_upstream_fault() {
                        upstream.health.record_failure(self.now_ms());
                    }
                    tracing::debug!(upstream = %upstream.name, %reason, "upstream attempt failed");
                    failures.push(Failure {
                        upstream: upstream.name.clone(),
                        reason,
                    });
                }
            }
        }
        Err(ForwardError::AllFailed(failures))
    }

    /// One attempt at one upstream, under a fresh random id.
    async fn attempt(
        &self,
        upstream: &Upstream,
        query: &[u8],
        question: &wire::Question<'_>,
        buffer: usize,
    ) -> Result<Vec<u8>, FailureReason> {
        let id: u16 = rand::random();
        let mut outgoing = query.to_vec();
        wire::set_id(&mut outgoing, id);
        let expect = Expect {
            id,
            question: *question,
        };
        let deadline = tokio::time::Instant::now() + self.timeout;
        let reply = match &upstream.transport {
            Transport::Udp(addr) => {
                let reply = udp::exchange(*addr, &outgoing, &expect, buffer, deadline).await?;
                if wire::Header::parse(&reply).is_some_and(|h| h.truncated) {
                    let deadline = tokio::time::Instant::now() + self.timeout;
                    stream::tcp_exchange(*addr, &outgoing, &expect, deadline).await?
                } else {
                    reply
                }
            }
            Transport::Tls(dot) => dot.exchange(&outgoing, &expect, deadline).await?,
            Transport::Https(doh) => doh.exchange(outgoing, &expect, deadline).await?,
        };
        check_answer(&reply)
    }
}

/// The value in `slot`, built on first use.
fn built_once<T: Clone>(
    slot: &mut Option<T>,
    build: impl FnOnce() -> Result<T, UpstreamError>,
) -> Result<T, UpstreamError> {
    if let Some(value) = slot {
        return Ok(value.clone());
    }
    let value = build()?;
    *slot = Some(value.clone());
    Ok(value)
}

/// Rejects answers that do not parse, and SERVFAIL / REFUSED (another upstream may do better).
/// Returns the answer re-encoded by hickory-proto: an upstream may point a compression pointer
/// into the header or a TTL, which Lachan later rewrites (the client's id, aged TTLs); in the
/// re-encoding, pointers only ever target names.
fn check_answer(reply: &[u8]) -> Result<Vec<u8>, FailureReason> {
    let message = Message::from_vec(reply).map_err(|e| FailureReason::Malformed(e.to_string()))?;
    match message.metadata.response_code {
        code @ (ResponseCode::ServFail | ResponseCode::Refused) => Err(FailureReason::Rcode(code)),
        _ => message
            .to_vec()
            .map_err(|e| FailureReason::Malformed(e.to_string())),
    }
}
