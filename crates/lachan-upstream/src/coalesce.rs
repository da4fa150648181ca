//! Coalescing of concurrent identical queries: the first asks upstream, the others wait for
//! its result.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::{CacheKey, ForwardError, Forwarded};

/// The outcome shared with waiting queries.
pub(crate) type Outcome = Result<Forwarded, ForwardError>;

/// Queries currently being forwarded, each with the queries waiting for it.
#[derive(Debug, Default)]
pub(crate) struct Inflight {
    waiting: Mutex<HashMap<CacheKey, Vec<oneshot::Sender<Outcome>>>>,
}

/// What a query does: ask upstream itself, or wait for an identical one.
pub(crate) enum Role<'a> {
    /// Ask upstream, then hand the outcome to the waiters through the guard.
    Leader(LeaderGuard<'a>),
    /// Wait; a closed channel means the leader was cancelled and the query must be asked anew.
    Follower(oneshot::Receiver<Outcome>),
}

impl Inflight {
    fn lock(&self) -> MutexGuard<'_, HashMap<CacheKey, Vec<oneshot::Sender<Outcome>>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the query for `key`, leading it if nobody else is asking.
    pub(crate) fn join(&self, key: CacheKey) -> Role<'_> {
        match self.lock().entry(key) {
            Entry::Occupied(mut waiting) => {
                let (tx, rx) = oneshot::channel();
                waiting.get_mut().push(tx);
                Role::Follower(rx)
            }
            Entry::Vacant(slot) => {
                let key = slot.key().clone();
                slot.insert(Vec::new());
                Role::Leader(LeaderGuard {
                    inflight: self,
                    key: Some(key),
                })
            }
        }
    }

    /// Number of distinct queries in flight.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Held by the leading query; dropping it without [`LeaderGuard::finish`] releases the
/// waiters so that they ask upstream themselves.
pub(crate) struct LeaderGuard<'a> {
    inflight: &'a Inflight,
    key: Option<CacheKey>,
}

impl LeaderGuard<'_> {
    /// Hands the outcome to every waiter.
    pub(crate) fn finish(mut self, outcome: &Outcome) {
        let Some(key) = self.key.take() else {
            return;
        };
        let waiters = self.inflight.lock().remove(&key).unwrap_or_default();
        for waiter in waiters {
            // A waiter that gave up has dropped its receiver; nothing to do for it.
            let _ = waiter.send(outcome.clone());
        }
    }
}

impl Drop for LeaderGuard<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.inflight.lock().remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn key() -> CacheKey {
        CacheKey::from_query(&[0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1])
            .expect("valid query")
    }

    fn answer() -> Outcome {
        Ok(Forwarded {
            response: vec![1, 2, 3],
            upstream: Arc::from("test"),
            rtt: Duration::ZERO,
        })
    }

    #[tokio::test]
    async fn followers_get_the_leaders_outcome() {
        let inflight = Inflight::default();
        let Role::Leader(leader) = inflight.join(key()) else {
            panic!("first query must lead");
        };
        let Role::Follower(rx) = inflight.join(key()) else {
            panic!("second query must follow");
        };
        leader.finish(&answer());
        assert_eq!(rx.await.expect("outcome"), answer());
        assert_eq!(inflight.len(), 0);
    }

    #[tokio::test]
    async fn cancelled_leader_releases_followers() {
        let inflight = Inflight::default();
        let leader = inflight.join(key());
        let Role::Follower(rx) = inflight.join(key()) else {
            panic!("second query must follow");
        };
        drop(leader);
        assert!(rx.await.is_err());
        assert!(matches!(inflight.join(key()), Role::Leader(_)));
    }
}
