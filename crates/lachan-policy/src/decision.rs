//! How a DNS query was answered: what the resolver reports and the query log stores.

named_enum!(
    /// How a query was answered.
    Decision, "decision", {
        /// Forwarded upstream and answered.
        Allowed => "allowed",
        /// Answered from the cache.
        Cached => "cached",
        /// Blocked by a list or a custom rule.
        Blocked => "blocked",
        /// Rewritten to a search engine's or YouTube's restricted host.
        SafeSearch => "safe_search",
        /// Answered by a `$dnsrewrite` rule or the browsers' DoH canary.
        Rewritten => "rewritten",
        /// Refused: the client was rate limited.
        Refused => "refused",
        /// Every upstream failed and nothing was cached.
        Failed => "failed",
        /// Every upstream failed; an expired cached answer was served (RFC 8767).
        Stale => "stale",
    }
);

impl Decision {
    /// Whether the query was blocked (counted in `blocked` figures and filters).
    pub fn is_blocked(self) -> bool {
        self == Decision::Blocked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_only_blocks_count_as_blocked() {
        for &d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>().unwrap(), d);
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        }
        assert_eq!(Decision::ALL.iter().filter(|d| d.is_blocked()).count(), 1);
        assert!(
            "blocked_maybe"
                .parse::<Decision>()
                .unwrap_err()
                .to_string()
                .contains("unknown decision")
        );
    }
}
