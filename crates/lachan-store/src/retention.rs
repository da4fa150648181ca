//! Periodic pruning of the query log and usage counters.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::Store;

/// Prunes rows older than `retention` now and then every `every` (at least one second), until
/// the returned task is aborted. Failures are logged and retried at the next round.
pub fn spawn_retention(store: Store, retention: Duration, every: Duration) -> JoinHandle<()> {
    let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every.max(Duration::from_secs(1)));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let cutoff = now_ms().saturating_sub(retention_ms);
            match store.prune(cutoff).await {
                Ok(deleted) => tracing::debug!(deleted, cutoff, "pruned the query log"),
                Err(e) => tracing::warn!(error = %e, "cannot prune the query log; will retry"),
            }
        }
    })
}

/// Milliseconds since the Unix epoch (0 if the clock is set before it).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
