//! The answer cache: upstream responses kept as wire bytes with the positions of their TTLs,
//! so that a hit is one copy plus a few patched bytes.
//!
//! Lifetimes follow RFC 1035 (minimum answer TTL), RFC 2308 (negative answers live for
//! `min(SOA TTL, SOA MINIMUM)`) and RFC 8767 (expired answers may be served stale with TTL 30).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, Name, RecordType};

use crate::wire::{self, Section};

/// TTL given to records served stale (RFC 8767 §4).
const STALE_TTL: u32 = 30;

/// Cache sizing and TTL policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOptions {
    /// Maximum number of cached answers (default 20,000). 0 disables caching.
    pub capacity: usize,
    /// Lower bound applied to every TTL, in seconds (default 0).
    pub min_ttl: u32,
    /// Upper bound for positive answers, in seconds (default 86,400).
    pub max_ttl: u32,
    /// Upper bound for negative answers (NXDOMAIN, NODATA), in seconds (default 3,600).
    pub negative_max_ttl: u32,
    /// How long past expiry an answer may still be served stale (default 1 day, RFC 8767).
    pub stale_for: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            capacity: 20_000,
            min_ttl: 0,
            max_ttl: 86_400,
            negative_max_ttl: 3_600,
            stale_for: Duration::from_secs(86_400),
        }
    }
}

/// What a cached answer is filed under: the question (name lowercased) and the DO bit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Lowercased wire-format name, including the final zero byte.
    name: Box<[u8]>,
    qtype: u16,
    qclass: u16,
    dnssec_ok: bool,
}

impl CacheKey {
    /// Builds a key from a parsed question.
    pub fn new(name: &Name, qtype: RecordType, qclass: DNSClass, dnssec_ok: bool) -> CacheKey {
        let mut wire_name = Vec::with_capacity(name.len() + 2);
        for label in name.iter() {
            // Labels of a valid `Name` are at most 63 bytes long.
            wire_name.push(u8::try_from(label.len()).unwrap_or(u8::MAX));
            wire_name.extend(label.iter().map(u8::to_ascii_lowercase));
        }
        wire_name.push(0);
        CacheKey {
            name: wire_name.into_boxed_slice(),
            qtype: qtype.into(),
            qclass: qclass.into(),
            dnssec_ok,
        }
    }

    /// Builds a key from a query's wire bytes; `None` if it does not hold exactly one
    /// well-formed question.
    pub fn from_query(query: &[u8]) -> Option<CacheKey> {
        let q = wire::question(query)?;
        let dnssec_ok = wire::query_edns(query, q.end).is_some_and(|e| e.dnssec_ok);
        Some(CacheKey::from_question(&q, dnssec_ok))
    }

    pub(crate) fn from_question(q: &wire::Question<'_>, dnssec_ok: bool) -> CacheKey {
        CacheKey {
            name: q.name.to_ascii_lowercase().into_boxed_slice(),
            qtype: q.qtype,
            qclass: q.qclass,
            dnssec_ok,
        }
    }

    /// The query type this key is for.
    pub fn qtype(&self) -> RecordType {
        RecordType::from(self.qtype)
    }

    /// True if the key is for answers that include DNSSEC records (the query had DO set).
    pub fn dnssec_ok(&self) -> bool {
        self.dnssec_ok
    }

    fn matches(&self, q: &wire::Question<'_>) -> bool {
        self.qtype == q.qtype && self.qclass == q.qclass && q.name.eq_ignore_ascii_case(&self.name)
    }
}

/// One cached answer.
#[derive(Debug)]
struct Entry {
    /// The response, id zeroed, TTLs already clamped.
    wire: Box<[u8]>,
    /// Offsets of the TTL fields to patch on the way out.
    ttl_offsets: Box<[u16]>,
    /// When it was stored.
    stored_at: Instant,
    /// Seconds it stays fresh.
    ttl: u32,
}

impl Entry {
    /// Seconds since it was stored.
    fn age(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.stored_at).as_secs()
    }

    /// A copy with `id` and every TTL rewritten by `ttl_of(stored TTL)`.
    fn render(&self, id: u16, ttl_of: impl Fn(u32) -> u32) -> Vec<u8> {
        let mut out = self.wire.to_vec();
        wire::set_id(&mut out, id);
        for &offset in self.ttl_offsets.iter() {
            let offset = usize::from(offset);
            if let Some(stored) = wire::read_u32(&out, offset) {
                wire::write_u32(&mut out, offset, ttl_of(stored));
            }
        }
        out
    }
}

/// A bounded, concurrent cache of upstream answers (S3-FIFO eviction via `quick_cache`).
pub struct Cache {
    entries: Option<quick_cache::sync::Cache<CacheKey, Arc<Entry>>>,
    opts: CacheOptions,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("len", &self.len())
            .field("opts", &self.opts)
            .finish()
    }
}

impl Cache {
    /// Creates an empty cache.
    pub fn new(opts: CacheOptions) -> Cache {
        let entries = (opts.capacity > 0).then(|| quick_cache::sync::Cache::new(opts.capacity));
        Cache { entries, opts }
    }

    /// Stores an upstream response for `key`. Only NOERROR and NXDOMAIN answers to the key's
    /// question are kept; truncated, failed, malformed and zero-TTL responses are ignored, and
    /// so are negative answers without an SOA record (RFC 2308 §5).
    pub fn insert(&self, key: CacheKey, response: &[u8], now: Instant) {
        let Some(entries) = &self.entries else {
            return;
        };
        // Keep hickory-proto's re-encoding, never the upstream's own bytes: a compression
        // pointer into the id or a TTL (legal, but odd) would be corrupted when those are
        // patched on every hit.
        let Some(reencoded) = Message::from_vec(response)
            .ok()
            .and_then(|m| m.to_vec().ok())
        else {
            return;
        };
        let response = reencoded.as_slice();
        let Some(walked) = wire::walk(response) else {
            return;
        };
        if walked.end > usize::from(u16::MAX) || !key.matches(&walked.question) {
            return;
        }
        let Some(ttl) = self.lifetime(response, &walked) else {
            return;
        };
        let mut stored = response[..walked.end].to_vec();
        wire::set_id(&mut stored, 0);
        let mut ttl_offsets = Vec::with_capacity(walked.records.len());
        for record in walked.records.iter().filter(|r| r.has_ttl()) {
            let original = wire::read_u32(&stored, record.ttl_offset).unwrap_or(0);
            let clamped = original.max(self.opts.min_ttl).min(ttl);
            wire::write_u32(&mut stored, record.ttl_offset, clamped);
            // walked.end fits in u16, so every offset inside it does too.
            if let Ok(offset) = u16::try_from(record.ttl_offset) {
                ttl_offsets.push(offset);
            }
        }
        let entry = Entry {
            wire: stored.into_boxed_slice(),
            ttl_offsets: ttl_offsets.into_boxed_slice(),
            stored_at: now,
            ttl,
        };
        entries.insert(key, Arc::new(entry));
    }

    /// How long a response may be cached, in seconds; `None` if it must not be.
    fn lifetime(&self, msg: &[u8], walked: &wire::Walked<'_>) -> Option<u32> {
        let h = walked.header;
        if !h.is_response || h.opcode != 0 || h.truncated {
            return None;
        }
        if h.rcode != wire::RCODE_NOERROR && h.rcode != wire::RCODE_NXDOMAIN {
            return None;
        }
        // A non-zero upper rcode byte in OPT is an extended error (e.g. BADVERS).
        if let Some(opt) = walked.opt()
            && msg.get(opt.ttl_offset).is_some_and(|&b| b != 0)
        {
            return None;
        }
        let answer_ttl = walked
            .records
            .iter()
            .filter(|r| r.section == Section::Answer && r.has_ttl())
            .filter_map(|r| wire::read_u32(msg, r.ttl_offset))
            .min();
        let negative_ttl = walked
            .records
            .iter()
            .find(|r| r.section == Section::Authority && r.is_soa())
            .and_then(|soa| {
                let ttl = wire::read_u32(msg, soa.ttl_offset)?;
                Some(ttl.min(wire::soa_minimum(msg, &soa.rdata)?))
            })
            .map(|t| t.max(self.opts.min_ttl).min(self.opts.negative_max_ttl));
        let positive_ttl = answer_ttl.map(|t| t.max(self.opts.min_ttl).min(self.opts.max_ttl));
        let ttl = match (positive_ttl, negative_ttl) {
            // NXDOMAIN or NODATA (possibly after a CNAME chain): RFC 2308 needs the SOA.
            (_, None) if h.rcode == wire::RCODE_NXDOMAIN => return None,
            (None, None) => return None,
            (Some(p), None) => p,
            (None, Some(n)) => n,
            (Some(p), Some(n)) => p.min(n),
        };
        (ttl > 0).then_some(ttl)
    }

    /// A fresh answer for `key`, with id `query_id` and every TTL decreased by its age.
    pub fn get(&self, key: &CacheKey, query_id: u16, now: Instant) -> Option<Vec<u8>> {
        let entry = self.lookup(key, now)?;
        let age = entry.age(now);
        if age >= u64::from(entry.ttl) {
            return None;
        }
        // age < ttl <= u32::MAX, so it fits.
        let age = u32::try_from(age).unwrap_or(u32::MAX);
        Some(entry.render(query_id, |stored| stored.saturating_sub(age)))
    }

    /// An expired answer for `key` that is still within `stale_for`, with id `query_id` and
    /// every TTL set to 30 s (RFC 8767). `None` while the answer is fresh: use [`Cache::get`].
    pub fn get_stale(&self, key: &CacheKey, query_id: u16, now: Instant) -> Option<Vec<u8>> {
        let entry = self.lookup(key, now)?;
        if entry.age(now) < u64::from(entry.ttl) {
            return None;
        }
        Some(entry.render(query_id, |_| STALE_TTL))
    }

    /// The entry for `key`, dropping it if it is past its stale window.
    fn lookup(&self, key: &CacheKey, now: Instant) -> Option<Arc<Entry>> {
        let entries = self.entries.as_ref()?;
        let entry = entries.get(key)?;
        let usable_for =
            Duration::from_secs(u64::from(entry.ttl)).saturating_add(self.opts.stale_for);
        if now.saturating_duration_since(entry.stored_at) >= usable_for {
            entries.remove_if(key, |v| Arc::ptr_eq(v, &entry));
            return None;
        }
        Some(entry)
    }

    /// Number of cached answers (fresh or stale).
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |e| e.len())
    }

    /// True if nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
