//! Limits on guessing: a token bucket per source address for failed bearer-token attempts, and
//! an exponential back-off per address and per username for failed sign-ins.
//!
//! Tokens: each address may fail [`BURST`] times in a row; the allowance then refills by one
//! every [`REFILL_EVERY`]. While it is empty, the address gets 429 before its token is even
//! looked at.
//!
//! Sign-ins: after [`FREE_FAILURES`] failures of an address or of a username, every attempt
//! must wait [`FIRST_WAIT`] after the last failure, doubling with each further failure up to
//! [`MAX_WAIT`]; attempts made while waiting are refused without checking the password (so a
//! right password during the wait is refused too) and do not count. Failures are forgotten
//! [`FORGET_AFTER`] after the last one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

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

/// Failed sign-ins allowed before attempts must wait.
pub(crate) const FREE_FAILURES: u32 = 5;
/// The wait after the first failure beyond [`FREE_FAILURES`].
pub(crate) const FIRST_WAIT: SignedDuration = SignedDuration::from_secs(2);
/// The longest wait.
pub(crate) const MAX_WAIT: SignedDuration = SignedDuration::from_secs(60);
/// Failures are forgotten this long after the last one.
pub(crate) const FORGET_AFTER: SignedDuration = SignedDuration::from_mins(15);

/// Who failed to sign in: an address (IPv6 by its /64) or a username (lower-case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Suspect {
    Address(IpAddr),
    Username(String),
}

/// Failures of one suspect.
#[derive(Debug, Clone, Copy)]
struct Strikes {
    failures: u32,
    last: Timestamp,
}

impl Strikes {
    /// When the next attempt may be made.
    fn free_at(self) -> Timestamp {
        let beyond = self.failures.saturating_sub(FREE_FAILURES - 1);
        if beyond == 0 {
            return self.last;
        }
        let doublings = (beyond - 1).min(16);
        let wait = FIRST_WAIT
            .checked_mul(1i32 << doublings)
            .map_or(MAX_WAIT, |w| w.min(MAX_WAIT));
        self.last.saturating_add(wait).unwrap_or(Timestamp::MAX)
    }

    fn forgotten_at(self, now: Timestamp) -> bool {
        now.duration_since(self.last) >= FORGET_AFTER
    }
}

/// Failed sign-ins per address and per username, timed by the caller's clock.
#[derive(Debug, Default)]
pub(crate) struct LoginLimiter {
    strikes: Mutex<HashMap<Suspect, Strikes>>,
}

impl LoginLimiter {
    /// `Err(wait)` when `ip` or `username` must still wait before trying again.
    pub(crate) fn check(&self, ip: IpAddr, username: &str, now: Timestamp) -> Result<(), Duration> {
        let strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        let free_at = suspects(ip, username)
            .iter()
            .filter_map(|s| strikes.get(s))
            .filter(|s| !s.forgotten_at(now))
            .map(|s| s.free_at())
            .max();
        match free_at {
            Some(at) if at > now => {
                Err(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed sign-in of `username` from `ip`.
    pub(crate) fn record_failure(&self, ip: IpAddr, username: &str, now: Timestamp) {
        let mut strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        if strikes.len() >= MAX_TRACKED {
            strikes.retain(|_, s| !s.forgotten_at(now) && s.free_at() > now);
        }
        for suspect in suspects(ip, username) {
            if strikes.len() >= MAX_TRACKED && !strikes.contains_key(&suspect) {
                continue;
            }
            let entry = strikes.entry(suspect).or_insert(Strikes {
                failures: 0,
                last: now,
            });
            if entry.forgotten_at(now) {
                entry.failures = 0;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last = now;
        }
    }

    /// Forgets the failures of `username` after it signed in (those of the address stay, so
    /// that signing in to one's own account does not reset guessing at others).
    pub(crate) fn record_success(&self, username: &str) {
        let mut strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        strikes.remove(&Suspect::Username(username_key(username)));
    }
}

fn suspects(ip: IpAddr, username: &str) -> [Suspect; 2] {
    [
        Suspect::Address(key(ip)),
        Suspect::Username(username_key(username)),
    ]
}

/// A username as counted: trimmed, lower-case, at most 64 characters.
fn username_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
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

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    #[test]
    fn sign_ins_wait_after_five_failures_doubling_up_to_a_minute() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "192.168.1.50".parse().unwrap();
        for _ in 0..5 {
            assert!(limiter.check(ip, "bo", at(0)).is_ok());
            limiter.record_failure(ip, "bo", at(0));
        }
        assert_eq!(limiter.check(ip, "bo", at(0)), Err(Duration::from_secs(2)));
        assert!(limiter.check(ip, "bo", at(2)).is_ok());
        let mut now = 2;
        let mut waits = Vec::new();
        for _ in 0..8 {
            limiter.record_failure(ip, "bo", at(now));
            let wait = limiter.check(ip, "bo", at(now)).unwrap_err().as_secs();
            waits.push(wait);
            now += i64::try_from(wait).unwrap();
        }
        assert_eq!(waits, [4, 8, 16, 32, 60, 60, 60, 60]);
        // The username is held back from any address, the address for any username.
        let other_ip: IpAddr = "192.168.1.51".parse().unwrap();
        assert!(limiter.check(other_ip, "BO ", at(now - 1)).is_err());
        assert!(limiter.check(ip, "me", at(now - 1)).is_err());
        assert!(limiter.check(other_ip, "me", at(now - 1)).is_ok());
        // Forgotten a quarter of an hour after the last failure.
        assert!(limiter.check(ip, "bo", at(now + 15 * 60)).is_ok());
        limiter.record_failure(ip, "bo", at(now + 15 * 60));
        assert!(limiter.check(ip, "bo", at(now + 15 * 60)).is_ok());
    }

    #[test]
    fn signing_in_clears_the_username_but_not_the_address() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        for _ in 0..6 {
            limiter.record_failure(ip, "me", at(0));
        }
        limiter.record_success("me");
        let other: IpAddr = "10.0.0.10".parse().unwrap();
        assert!(limiter.check(other, "me", at(0)).is_ok());
        assert!(limiter.check(ip, "someone", at(0)).is_err());
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
