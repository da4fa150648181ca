//! Lachan's filtering DNS resolver: listeners on UDP and TCP, client identification, the
//! decision pipeline (custom rules, lists by category, safe search, the DoH canary), answers
//! built on the spot with Extended DNS Errors, and forwarding through `lachan-upstream`.
//!
//! It must never depend on the database, HTTP or the console: what it observes leaves through
//! a [`QuerySink`], and its configuration arrives as a [`FilterConfig`].

pub mod clients;
pub mod event;
pub mod filter;
pub mod ratelimit;
pub mod resolver;
pub mod safesearch;
pub mod server;
pub mod timelimits;
pub mod wire;

pub use event::{NoSink, QueryRecord, QuerySink};
pub use filter::{
    ClientConfig, Filter, FilterConfig, FilterError, ListConfig, RuleRef, Ruling, Verdict,
};
pub use resolver::{Resolver, ResolverOptions, Transport};
pub use server::{Bound, ListenOptions, bind};
pub use timelimits::{Clock, SystemClock, TimeStatus, UsageBook, UsageSink};
