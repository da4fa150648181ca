//! One answered DNS query, as the resolver reports it to the query log.

use std::fmt;
use std::str::FromStr;

use std::net::IpAddr;
use std::sync::Arc;

use lachan_policy::Category;

use serde::{Deserialize, Serialize};

/// How a query was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Forwarded upstream and answered.
    Allowed,
    /// Answered from the cache.
    Cached,
    /// Blocked by a list, a custom rule or a category.
    Blocked,
    /// Rewritten to a search engine's safe-search host.
    SafeSearch,
    /// Rewritten by another rule (e.g. YouTube restriction, a custom rewrite).
    Rewritten,
    /// Refused: the client's network is not allowed, or it was rate limited.
    Refused,
    /// The upstreams failed to answer.
    Failed,
    /// Served from a stale cache entry because the upstreams failed.
    Stale,
}

impl Decision {
    /// Every decision.
    pub const ALL: &'static [Decision] = &[
        Decision::Allowed,
        Decision::Cached,
        Decision::Blocked,
        Decision::SafeSearch,
        Decision::Rewritten,
        Decision::Refused,
        Decision::Failed,
        Decision::Stale,
    ];

    /// The stable name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Cached => "cached",
            Decision::Blocked => "blocked",
            Decision::SafeSearch => "safe_search",
            Decision::Rewritten => "rewritten",
            Decision::Refused => "refused",
            Decision::Failed => "failed",
            Decision::Stale => "stale",
        }
    }

    /// Whether the query was blocked (counted in `blocked` figures and filters).
    pub fn is_blocked(self) -> bool {
        self == Decision::Blocked
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no [`Decision`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown decision '{0}'; expected one of: allowed, cached, blocked, safe_search, rewritten, refused, failed, stale"
)]
pub struct UnknownDecision(pub String);

impl FromStr for Decision {
    type Err = UnknownDecision;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decision::ALL
            .iter()
            .copied()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDecision(s.to_string()))
    }
}

/// One answered DNS query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryEvent {
    /// When it was answered, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The client's IP address; `None` when clients are anonymised.
    pub client_ip: Option<IpAddr>,
    /// The name of the configured client it came from, if identified (shared, not copied, on
    /// the answer path).
    pub client_name: Option<Arc<str>>,
    /// The profile applied.
    pub profile: Arc<str>,
    /// The queried name.
    pub name: String,
    /// The query type (1 = A, 28 = AAAA, ...).
    pub qtype: u16,
    /// How it was answered.
    pub decision: Decision,
    /// The category of the list or rule that decided, if any.
    pub category: Option<Category>,
    /// The rule that decided: "list-name:line" or a custom rule's text.
    pub rule: Option<String>,
    /// The upstream that answered, if one did.
    pub upstream: Option<Arc<str>>,
    /// How long the upstream took, in milliseconds.
    pub upstream_ms: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_round_trip_through_their_names() {
        for &d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>().unwrap(), d);
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{d}\""));
        }
        let err = "Blocked!".parse::<Decision>().unwrap_err();
        assert!(err.to_string().contains("unknown decision 'Blocked!'"));
        assert!(Decision::Blocked.is_blocked());
        assert!(!Decision::SafeSearch.is_blocked());
    }
}
