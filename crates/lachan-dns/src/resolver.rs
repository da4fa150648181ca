//! One query from packet to answer: network and rate checks, parsing, the filter's decision,
//! then an answer built locally (blocks, rewrites, safe search) or obtained from the cache or
//! an upstream.
//!
//! [`Resolver::prepare`] answers everything it can without waiting (blocked and cached names),
//! so listeners only spawn a task for queries that need an upstream.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Instant, SystemTime};

use hickory_proto::op::Message;
use hickory_proto::rr::RData;
use ipnet::IpNet;
use lachan_policy::{BlockAnswer, BlockReason, Category, Decision, Service, ServiceCatalog};
use lachan_rules::Rewrite;
use lachan_upstream::{Cache, CacheKey, Forwarder};

use crate::clients::canonical;
use crate::event::{QueryRecord, QuerySink};
use crate::filter::{Filter, Ruling, Verdict};
use crate::ratelimit::RateLimiter;
use crate::wire::{self, AnswerBuilder, Query, Record, ede, rcode, rtype};

/// Answer-path settings.
#[derive(Debug, Clone)]
pub struct ResolverOptions {
    /// Source networks allowed to query; everything else is refused.
    pub allow_networks: Vec<IpNet>,
    /// Queries per second per client address; 0 turns limiting off.
    pub rate_limit: u32,
    /// TTL of blocked answers (short, so unblocking takes effect quickly).
    pub blocked_ttl: u32,
    /// TTL of answers from `$dnsrewrite` rules.
    pub rewrite_ttl: u32,
}

impl Default for ResolverOptions {
    fn default() -> Self {
        ResolverOptions {
            allow_networks: default_allow_networks(),
            rate_limit: 300,
            blocked_ttl: 10,
            rewrite_ttl: 300,
        }
    }
}

/// Loopback and the private ranges: a home or school network, never the open Internet.
pub fn default_allow_networks() -> Vec<IpNet> {
    [
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ]
    .iter()
    .filter_map(|n| n.parse().ok())
    .collect()
}

/// How the query arrived (UDP answers must fit the client's buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Datagram: answers larger than the client's buffer are truncated.
    Udp,
    /// Stream: any size up to 65,535 bytes.
    Tcp,
}

/// Counters of what the resolver refused or dropped.
#[derive(Debug, Default)]
pub struct Counters {
    /// Queries from outside the allowed networks.
    pub not_allowed: AtomicU64,
    /// Queries refused by the rate limit.
    pub rate_limited: AtomicU64,
    /// Packets dropped or answered FORMERR/NOTIMP.
    pub malformed: AtomicU64,
    /// Queries answered SERVFAIL because too many were waiting for upstreams.
    pub overloaded: AtomicU64,
}

/// A query that needs an upstream, carried from [`Resolver::prepare`] to [`Resolver::finish`].
pub struct Pending {
    packet: Vec<u8>,
    query: Query,
    ruling: Ruling,
    client_ip: IpAddr,
    transport: Transport,
    time: SystemTime,
}

/// The result of [`Resolver::prepare`].
pub enum Step {
    /// Answered (or dropped, when `None`) without waiting.
    Done(Option<Vec<u8>>),
    /// Needs an upstream: pass to [`Resolver::finish`].
    Upstream(Box<Pending>),
}

/// The resolver shared by all listeners.
pub struct Resolver {
    filter: Arc<Filter>,
    forwarder: Arc<Forwarder>,
    cache: Cache,
    limiter: RateLimiter,
    options: ResolverOptions,
    sink: Arc<dyn QuerySink>,
    /// What was refused or dropped.
    pub counters: Counters,
}

impl Resolver {
    /// A resolver answering with `filter`, forwarding through `forwarder`, caching in `cache`
    /// and reporting every query to `sink`.
    pub fn new(
        filter: Arc<Filter>,
        forwarder: Arc<Forwarder>,
        cache: Cache,
        options: ResolverOptions,
        sink: Arc<dyn QuerySink>,
    ) -> Resolver {
        Resolver {
            filter,
            forwarder,
            cache,
            limiter: RateLimiter::new(options.rate_limit),
            options,
            sink,
            counters: Counters::default(),
        }
    }

    /// The filter (for reloads).
    pub fn filter(&self) -> &Arc<Filter> {
        &self.filter
    }

    /// Answers one packet completely (TCP connections and tests use this).
    pub async fn handle(
        &self,
        packet: &[u8],
        source: IpAddr,
        transport: Transport,
    ) -> Option<Vec<u8>> {
        match self.prepare(packet, source, transport) {
            Step::Done(answer) => answer,
            Step::Upstream(pending) => Some(self.finish(*pending).await),
        }
    }

    /// Everything that can be answered without waiting: refusals, malformed packets, blocks,
    /// rewrites and cache hits.
    pub fn prepare(&self, packet: &[u8], source: IpAddr, transport: Transport) -> Step {
        let source = canonical(source);
        if !self
            .options
            .allow_networks
            .iter()
            .any(|n| n.contains(&source))
        {
            self.counters.not_allowed.fetch_add(1, Ordering::Relaxed);
            return Step::Done(wire::parse_query(packet).ok().map(|q| {
                AnswerBuilder::new(&q)
                    .rcode(rcode::REFUSED)
                    .ede(
                        ede::PROHIBITED,
                        "Lachan: this network may not use this resolver",
                    )
                    .build()
            }));
        }
        let query = match wire::parse_query(packet) {
            Ok(q) => q,
            Err(err) => {
                self.counters.malformed.fetch_add(1, Ordering::Relaxed);
                return Step::Done(err.rcode().map(|code| error_answer(packet, code)));
            }
        };
        let time = SystemTime::try_from(self.filter.now()).unwrap_or_else(|_| SystemTime::now());
        let now = Instant::now();
        if !self.limiter.allow(source, now) {
            self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            let ruling = self.filter.decide(source, &query.name, query.qtype);
            self.emit(&query, &ruling, source, time, Decision::Refused, None);
            return Step::Done(Some(
                AnswerBuilder::new(&query).rcode(rcode::REFUSED).build(),
            ));
        }
        let ruling = self.filter.decide(source, &query.name, query.qtype);
        let local = match &ruling.verdict {
            Verdict::Canary => Some((
                AnswerBuilder::new(&query)
                    .rcode(rcode::NXDOMAIN)
                    .authoritative()
                    .build(),
                Decision::Rewritten,
            )),
            Verdict::Block { category, .. } => {
                let text = block_text(*category);
                Some((
                    self.block_answer(&query, ruling.block_answer, text),
                    Decision::Blocked,
                ))
            }
            Verdict::BlockService { service } => Some((
                self.block_answer(&query, ruling.block_answer, service_block_text(service)),
                Decision::Blocked,
            )),
            Verdict::BlockTime { reason } => {
                let text = format!("Lachan: {}", reason.text_en());
                Some((
                    self.block_answer(&query, ruling.block_answer, &text),
                    Decision::Blocked,
                ))
            }
            Verdict::Rewrite { rewrite, .. } => match rewrite {
                Rewrite::Cname(_) => None,
                other => Some((self.rewrite_answer(&query, other), Decision::Rewritten)),
            },
            Verdict::SafeSearch { .. } => None,
            Verdict::Forward { .. } => CacheKey::from_query(packet)
                .and_then(|key| self.cache.get(&key, query.id, now))
                .map(|answer| (answer, Decision::Cached)),
        };
        match local {
            Some((answer, outcome)) => {
                self.emit(&query, &ruling, source, time, outcome, None);
                Step::Done(Some(fit(answer, &query, transport)))
            }
            None => Step::Upstream(Box::new(Pending {
                packet: packet.to_vec(),
                query,
                ruling,
                client_ip: source,
                transport,
                time,
            })),
        }
    }

    /// Answers SERVFAIL to a query that would need an upstream while too many are waiting (it
    /// uses no budget time: nothing was answered).
    pub fn overloaded(&self, pending: Pending) -> Vec<u8> {
        self.counters.overloaded.fetch_add(1, Ordering::Relaxed);
        AnswerBuilder::new(&pending.query)
            .rcode(rcode::SERVFAIL)
            .ede(
                ede::OTHER,
                "Lachan: too many queries waiting for upstream resolvers",
            )
            .build()
    }

    /// Resolves a query that needs an upstream (forwarding, safe search, CNAME rewrites).
    pub async fn finish(&self, pending: Pending) -> Vec<u8> {
        let Pending {
            packet,
            query,
            ruling,
            client_ip,
            transport,
            time,
        } = pending;
        let target = match &ruling.verdict {
            Verdict::SafeSearch { target, .. } => Some(target.to_string()),
            Verdict::Rewrite {
                rewrite: Rewrite::Cname(target),
                ..
            } => Some(target.to_string()),
            _ => None,
        };
        let (answer, outcome, upstream) = match target {
            Some(target) => {
                let outcome = match ruling.verdict {
                    Verdict::SafeSearch { .. } => Decision::SafeSearch,
                    _ => Decision::Rewritten,
                };
                (self.cname_answer(&query, &target).await, outcome, None)
            }
            None => self.forward(&packet, &query).await,
        };
        self.emit(&query, &ruling, client_ip, time, outcome, upstream);
        fit(answer, &query, transport)
    }

    async fn forward(
        &self,
        packet: &[u8],
        query: &Query,
    ) -> (Vec<u8>, Decision, Option<(Arc<str>, std::time::Duration)>) {
        let key = CacheKey::from_query(packet);
        match self.forwarder.forward(packet).await {
            Ok(forwarded) => {
                if let Some(key) = key {
                    self.cache.insert(key, &forwarded.response, Instant::now());
                }
                (
                    forwarded.response,
                    Decision::Allowed,
                    Some((forwarded.upstream, forwarded.rtt)),
                )
            }
            Err(err) => {
                tracing::debug!(name = %query.name, "every upstream failed: {err}");
                let stale = key.and_then(|k| self.cache.get_stale(&k, query.id, Instant::now()));
                match stale {
                    Some(answer) => (answer, Decision::Stale, None),
                    None => (
                        AnswerBuilder::new(query)
                            .rcode(rcode::SERVFAIL)
                            .ede(ede::NETWORK_ERROR, "Lachan: no upstream resolver answered")
                            .build(),
                        Decision::Failed,
                        None,
                    ),
                }
            }
        }
    }

    /// A CNAME to `target` followed by the target's addresses (resolved through the cache and
    /// the upstreams), as safe search and CNAME rewrites answer.
    async fn cname_answer(&self, query: &Query, target: &str) -> Vec<u8> {
        let mut builder = AnswerBuilder::new(query)
            .ttl(self.options.rewrite_ttl)
            .record(Record::Cname {
                target: target.to_string(),
            });
        if query.qtype == rtype::A || query.qtype == rtype::AAAA {
            for ip in self.resolve_addresses(target, query.qtype).await {
                builder = builder.record(Record::Address {
                    owner: Some(target.to_string()),
                    ip,
                });
            }
        }
        builder.build()
    }

    async fn resolve_addresses(&self, name: &str, qtype: u16) -> Vec<IpAddr> {
        let mut packet = Vec::with_capacity(64);
        packet.extend_from_slice(&[0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        wire::write_name(&mut packet, name);
        packet.extend_from_slice(&qtype.to_be_bytes());
        packet.extend_from_slice(&1u16.to_be_bytes());
        let now = Instant::now();
        let key = CacheKey::from_query(&packet);
        let cached = key.as_ref().and_then(|k| self.cache.get(k, 0, now));
        let answer = match cached {
            Some(answer) => answer,
            None => match self.forwarder.forward(&packet).await {
                Ok(f) => {
                    if let Some(key) = key {
                        self.cache.insert(key, &f.response, now);
                    }
                    f.response
                }
                Err(err) => {
                    tracing::debug!(%name, "could not resolve rewrite target: {err}");
                    match key.and_then(|k| self.cache.get_stale(&k, 0, now)) {
                        Some(stale) => stale,
                        None => return Vec::new(),
                    }
                }
            },
        };
        let Ok(message) = Message::from_vec(&answer) else {
            return Vec::new();
        };
        message
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::A(a) if qtype == rtype::A => Some(IpAddr::V4(a.0)),
                RData::AAAA(a) if qtype == rtype::AAAA => Some(IpAddr::V6(a.0)),
                _ => None,
            })
            .collect()
    }

    fn block_answer(&self, query: &Query, mode: BlockAnswer, text: &str) -> Vec<u8> {
        let builder = AnswerBuilder::new(query)
            .ttl(self.options.blocked_ttl)
            .ede(ede::FILTERED, text);
        let builder = match mode {
            BlockAnswer::NxDomain => builder.rcode(rcode::NXDOMAIN),
            BlockAnswer::Refused => builder.rcode(rcode::REFUSED),
            _ => {
                let ip = match query.qtype {
                    rtype::A => mode.ipv4().map(IpAddr::V4),
                    rtype::AAAA => mode.ipv6().map(IpAddr::V6),
                    _ => None,
                };
                match ip {
                    Some(ip) => builder.record(Record::Address { owner: None, ip }),
                    None => builder,
                }
            }
        };
        builder.build()
    }

    fn rewrite_answer(&self, query: &Query, rewrite: &Rewrite) -> Vec<u8> {
        let builder = AnswerBuilder::new(query).ttl(self.options.rewrite_ttl);
        let builder = match rewrite {
            Rewrite::NxDomain => builder.rcode(rcode::NXDOMAIN),
            Rewrite::Refused => builder.rcode(rcode::REFUSED),
            Rewrite::A(ip) if query.qtype == rtype::A => builder.record(Record::Address {
                owner: None,
                ip: IpAddr::V4(*ip),
            }),
            Rewrite::Aaaa(ip) if query.qtype == rtype::AAAA => builder.record(Record::Address {
                owner: None,
                ip: IpAddr::V6(*ip),
            }),
            _ => builder,
        };
        builder.build()
    }

    fn emit(
        &self,
        query: &Query,
        ruling: &Ruling,
        client_ip: IpAddr,
        time: SystemTime,
        outcome: Decision,
        upstream: Option<(Arc<str>, std::time::Duration)>,
    ) {
        if matches!(
            outcome,
            Decision::Allowed | Decision::Cached | Decision::Stale | Decision::SafeSearch
        ) {
            self.filter.note_use(ruling);
        }
        let (category, rule) = match &ruling.verdict {
            Verdict::Block { category, rule } => (*category, Some(rule.to_string())),
            Verdict::BlockService { service } => (None, Some(format!("service: {}", service.name))),
            Verdict::BlockTime { reason } => {
                let category = matches!(reason, BlockReason::BudgetExhausted { .. })
                    .then_some(Category::ExcessiveUse);
                (category, Some(format!("time: {}", reason.text_en())))
            }
            Verdict::Rewrite { rule, .. } => (None, Some(rule.to_string())),
            Verdict::Forward {
                allowed_by: Some(rule),
            } => (None, Some(rule.to_string())),
            Verdict::SafeSearch { engine, .. } => {
                (None, Some(format!("safe search: {}", engine.as_str())))
            }
            _ => (None, None),
        };
        self.sink.record(QueryRecord {
            time,
            client_ip,
            client_name: ruling.client.clone(),
            profile: ruling.profile.clone(),
            name: query.name.clone(),
            qtype: query.qtype,
            outcome,
            category,
            rule,
            upstream: upstream.as_ref().map(|(u, _)| u.clone()),
            upstream_rtt: upstream.map(|(_, rtt)| rtt),
            time_block: match &ruling.verdict {
                Verdict::BlockTime { reason } => Some(reason.clone()),
                _ => None,
            },
        });
    }
}

/// The Extended DNS Error text of a blocked service: "Lachan: blocked service (ID)", made once
/// per service of the built-in catalogue (ids are ASCII, so `dig` shows them as written).
fn service_block_text(service: &Service) -> &'static str {
    static TEXTS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
        ServiceCatalog::builtin()
            .all()
            .iter()
            .map(|s| (s.id.as_str(), format!("Lachan: blocked service ({})", s.id)))
            .collect()
    });
    TEXTS
        .get(service.id.as_str())
        .map_or("Lachan: blocked service", String::as_str)
}

/// The Extended DNS Error text of a block: "Lachan: blocked (CATEGORY)", made once per category.
fn block_text(category: Option<Category>) -> &'static str {
    static TEXTS: LazyLock<Vec<String>> = LazyLock::new(|| {
        Category::ALL
            .iter()
            .map(|c| format!("Lachan: blocked ({c})"))
            .collect()
    });
    match category.and_then(|c| Category::ALL.iter().position(|x| *x == c)) {
        Some(i) => &TEXTS[i],
        None => "Lachan: blocked (custom rule)",
    }
}

fn fit(answer: Vec<u8>, query: &Query, transport: Transport) -> Vec<u8> {
    let limit = match transport {
        Transport::Udp => query.udp_limit(),
        Transport::Tcp => usize::from(u16::MAX),
    };
    wire::fit_for_client(answer, query, limit)
}

/// FORMERR or NOTIMP for a packet whose question could not be used: the header (id, opcode)
/// echoed with no question.
fn error_answer(packet: &[u8], code: u8) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    out[..2].copy_from_slice(&packet[..2]);
    out[2] = 0x80 | (packet[2] & 0x79);
    out[3] = 0x80 | code;
    out
}
