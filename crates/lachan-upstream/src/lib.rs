//! Lachan's upstream side: forwarding DNS queries to upstream resolvers and caching answers.
//!
//! - [`Forwarder`] sends a client's query to plain DNS (UDP, TCP on truncation), DNS-over-TLS or
//!   DNS-over-HTTPS upstreams, with anti-spoofing checks, failover and health tracking.
//! - [`Cache`] keeps answers as wire bytes with their TTL positions, so that a hit is a copy
//!   and a few patched bytes (RFC 2308 negative caching, RFC 8767 serve-stale).
//!
//! This crate is a plain DNS client: it must never depend on filtering, profiles, storage or
//! HTTP servers. The filtering resolver (`lachan-dns`) decides what to forward and calls it.

mod cache;
mod coalesce;
mod error;
mod forwarder;
mod health;
mod spec;
mod tls;
mod transport;
mod wire;

pub use cache::{Cache, CacheKey, CacheOptions};
pub use error::{Failure, FailureReason, ForwardError, UpstreamError};
pub use forwarder::{Forwarded, Forwarder, ForwarderOptions};
pub use spec::{SpecError, UpstreamSpec, upstreams_from_resolv_conf};
