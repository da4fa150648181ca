//! A token bucket per source address for failed bearer-token attempts.
//!
//! Each address may fail [`BURST`] times in a row; the allowance then refills by one every
//! [`REFILL_EVERY`]. While it is empty, the address gets 429 before its token is even looked at.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed in a row.
const BURST: f64 = 10.0;
/// Time for one attempt to be allowed again.
const REFILL_EVERY: Duration = Duration::from_secs(6);
/// Addresses tracked at most; beyond that, buckets that have refilled are forgotten first.
const MAX_TRACKED: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    allowance: f64,
    at: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant) -> Bucket {
        let earned =
            now.saturating_duration_since(self.at).as_secs_f64() / REFILL_EVERY.as_secs_f64();
        Bucket {
            allowance: (self.allowance + earned).min(BURST),
            at: now,
        }
    }
}

/// Failed-attempt buckets keyed by address (IPv6 by its /64, which one household holds).
#[derive(Debug, Default)]
pub(crate) struct FailureLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl FailureLimiter {
    /// `Err(wait)` if `ip` has used up its failed attempts, with the time until the next one.
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(&key(ip)).map(|b| b.refilled(now)) {
            Some(bucket) if bucket.allowance < 1.0 => {
                Err(REFILL_EVERY.mul_f64(1.0 - bucket.allowance))
            }
            _ => Ok(()),
        }
    }

    /// Counts one failed attempt from `ip`.
    pub(crate) fn record_failure(&self, ip: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.refilled(now).allowance < BURST);
            if buckets.len() >= MAX_TRACKED {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(key(ip)).or_insert(Bucket {
            allowance: BURST,
            at: now,
        });
        let refilled = bucket.refilled(now);
        *bucket = Bucket {
            allowance: (refilled.allowance - 1.0).max(0.0),
            at: now,
        };
    }
}

/// The address a bucket is kept for: IPv4 as is, IPv6 by its /64 prefix.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_held_back_after_its_burst_and_refills() {
        let limiter = FailureLimiter::default();
        let ip: IpAddr = "192.168.1.50".parse().unwrap();
        let other: IpAddr = "192.168.1.51".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limiter.check(ip, t0).is_ok());
            limiter.record_failure(ip, t0);
        }
        let wait = limiter.check(ip, t0).unwrap_err();
        assert_eq!(wait, REFILL_EVERY);
        assert!(limiter.check(other, t0).is_ok());
        assert!(limiter.check(ip, t0 + REFILL_EVERY).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_their_slash_64() {
        let limiter = FailureLimiter::default();
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::10".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        for _ in 0..10 {
            limiter.record_failure(a, t0);
        }
        assert!(limiter.check(b, t0).is_err());
        assert!(
            limiter
                .check("2001:db8:1:3::1".parse().unwrap(), t0)
                .is_ok()
        );
    }
}
