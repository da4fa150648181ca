//! One answered DNS query, as the resolver reports it to the query log.

use std::net::IpAddr;
use std::sync::Arc;

use lachan_policy::{Category, Decision};

use serde::{Deserialize, Serialize};

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
