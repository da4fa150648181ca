//! Per-client rate limiting: a token bucket per source address, so one device (or an attacker
//! on the allowed networks) cannot take the resolver for itself.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

const SHARDS: usize = 16;
/// Buckets kept per shard before idle ones are forgotten (bounds memory under address spoofing).
const MAX_BUCKETS_PER_SHARD: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// A token bucket per client address: `rate` queries per second on average, bursts up to
/// `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    shards: Vec<Mutex<HashMap<IpAddr, Bucket>>>,
}

impl RateLimiter {
    /// A limiter allowing `rate` queries per second per client; `rate == 0` disables limiting.
    pub fn new(rate: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(rate.max(1)) * 2.0,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Whether limiting is on.
    pub fn enabled(&self) -> bool {
        self.rate > 0.0
    }

    /// Takes a token for `ip` at `now`; `false` means the query must be refused.
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        if !self.enabled() {
            return true;
        }
        let shard = &self.shards[shard_of(ip)];
        let mut map = shard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= MAX_BUCKETS_PER_SHARD && !map.contains_key(&ip) {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, b| now.duration_since(b.last).as_secs_f64() * rate < burst);
            if map.len() >= MAX_BUCKETS_PER_SHARD {
                map.clear();
            }
        }
        let bucket = map.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn shard_of(ip: IpAddr) -> usize {
    let last = match ip {
        IpAddr::V4(v4) => v4.octets()[3],
        IpAddr::V6(v6) => v6.octets()[15] ^ v6.octets()[7],
    };
    usize::from(last) % SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refuses_then_refills() {
        let limiter = RateLimiter::new(10);
        let ip: IpAddr = "192.168.1.5".parse().unwrap();
        let t0 = Instant::now();
        let allowed = (0..100).filter(|_| limiter.allow(ip, t0)).count();
        assert_eq!(allowed, 20, "burst is twice the rate");
        assert!(!limiter.allow(ip, t0));
        assert!(limiter.allow(ip, t0 + Duration::from_millis(150)));
        let other: IpAddr = "192.168.1.6".parse().unwrap();
        assert!(limiter.allow(other, t0), "clients are limited separately");
    }

    #[test]
    fn zero_disables() {
        let limiter = RateLimiter::new(0);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..10_000).all(|_| limiter.allow(ip, t0)));
    }

    #[test]
    fn memory_stays_bounded_under_many_sources() {
        let limiter = RateLimiter::new(5);
        let t0 = Instant::now();
        for i in 0..200_000u32 {
            limiter.allow(IpAddr::from((0x0a00_0000u32 + i).to_be_bytes()), t0);
        }
        let total: usize = limiter.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(total <= SHARDS * MAX_BUCKETS_PER_SHARD);
    }
}
