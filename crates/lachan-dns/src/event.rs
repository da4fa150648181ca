//! What the resolver reports about each query, for the query log and usage counters. The
//! resolver knows nothing of storage: the binary connects a [`QuerySink`] to the store.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lachan_policy::{BlockReason, Category, Decision};

/// One answered query.
#[derive(Debug, Clone)]
pub struct QueryRecord {
    /// When it arrived, by the filter's clock (so tests that move the clock see it move).
    pub time: SystemTime,
    /// The source address.
    pub client_ip: IpAddr,
    /// The configured client, if recognised.
    pub client_name: Option<Arc<str>>,
    /// The profile applied.
    pub profile: Arc<str>,
    /// The question name.
    pub name: String,
    /// The question type.
    pub qtype: u16,
    /// How it was answered.
    pub outcome: Decision,
    /// The category of the list that blocked it.
    pub category: Option<Category>,
    /// The rule that decided, as `list:line` or `custom: rule`.
    pub rule: Option<String>,
    /// Why time rules blocked it (a pause, a schedule, a used-up budget), if they did.
    pub time_block: Option<BlockReason>,
    /// The upstream that answered.
    pub upstream: Option<Arc<str>>,
    /// How long the upstream took.
    pub upstream_rtt: Option<Duration>,
}

/// Receives query records. `record` runs on the answer path: it must not block.
pub trait QuerySink: Send + Sync {
    /// Takes one record.
    fn record(&self, record: QueryRecord);
}

/// A sink that drops everything (query log disabled).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSink;

impl QuerySink for NoSink {
    fn record(&self, _record: QueryRecord) {}
}
