//! Upstream health: consecutive failures put an upstream at the back of the queue for a while.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// How long the first failure keeps an upstream at the back, in milliseconds; each further
/// consecutive failure doubles it, up to [`MAX_PENALTY_MS`].
const BASE_PENALTY_MS: u64 = 2_000;
/// The longest an upstream is kept at the back, in milliseconds.
const MAX_PENALTY_MS: u64 = 60_000;

/// One upstream's recent record. Times are milliseconds since the forwarder's epoch.
#[derive(Debug, Default)]
pub(crate) struct Health {
    consecutive_failures: AtomicU32,
    penalised_until_ms: AtomicU64,
}

impl Health {
    /// The upstream answered: it is healthy again.
    pub(crate) fn record_success(&self) {
        if self.consecutive_failures.load(Ordering::Relaxed) != 0 {
            self.consecutive_failures.store(0, Ordering::Relaxed);
            self.penalised_until_ms.store(0, Ordering::Relaxed);
        }
    }

    /// The upstream failed at `now_ms`: put it at the back for a while.
    pub(crate) fn record_failure(&self, now_ms: u64) {
        let failures = self
            .consecutive_failures
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        let doublings = failures.saturating_sub(1).min(5);
        let penalty = (BASE_PENALTY_MS << doublings).min(MAX_PENALTY_MS);
        self.penalised_until_ms
            .store(now_ms.saturating_add(penalty), Ordering::Relaxed);
    }

    /// True while the upstream should be tried after the healthy ones.
    pub(crate) fn is_penalised(&self, now_ms: u64) -> bool {
        now_ms < self.penalised_until_ms.load(Ordering::Relaxed)
    }
}

/// The order to try upstreams in at `now_ms`: healthy ones first, then penalised ones, each
/// group in configured order.
pub(crate) fn attempt_order<'a>(
    healths: impl Iterator<Item = &'a Health>,
    now_ms: u64,
) -> Vec<usize> {
    let penalised: Vec<bool> = healths.map(|h| h.is_penalised(now_ms)).collect();
    let healthy = penalised.iter().enumerate().filter(|(_, p)| !**p);
    let unhealthy = penalised.iter().enumerate().filter(|(_, p)| **p);
    healthy.chain(unhealthy).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_upstream_goes_last_until_its_penalty_ends() {
        let healths = [Health::default(), Health::default(), Health::default()];
        assert_eq!(attempt_order(healths.iter(), 0), vec![0, 1, 2]);
        healths[0].record_failure(1_000);
        assert_eq!(attempt_order(healths.iter(), 1_001), vec![1, 2, 0]);
        assert_eq!(
            attempt_order(healths.iter(), 1_000 + BASE_PENALTY_MS),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn consecutive_failures_back_off_up_to_the_cap() {
        let h = Health::default();
        h.record_failure(0);
        h.record_failure(0);
        assert!(h.is_penalised(2 * BASE_PENALTY_MS - 1));
        assert!(!h.is_penalised(2 * BASE_PENALTY_MS));
        for _ in 0..100 {
            h.record_failure(0);
        }
        assert!(h.is_penalised(MAX_PENALTY_MS - 1));
        assert!(!h.is_penalised(MAX_PENALTY_MS));
    }

    #[test]
    fn success_clears_the_penalty() {
        let healths = [Health::default(), Health::default()];
        healths[0].record_failure(0);
        healths[1].record_failure(0);
        healths[0].record_success();
        assert_eq!(attempt_order(healths.iter(), 1), vec![0, 1]);
        assert!(!healths[0].is_penalised(1));
        assert!(healths[1].is_penalised(1));
    }
}
