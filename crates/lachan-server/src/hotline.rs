//! The hotline's settings and what the server keeps for it while running: the name of the
//! hotline that reports of the public form and of Lachan's detections go to, the legal clock
//! rules, the attachment size limit, the vault that seals attachments, and the per-address
//! limit on posts of the public web form.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lachan_hotline::ClockBook;
use lachan_store::hotline::DEFAULT_HOTLINE;

use crate::vault::Vault;

/// Room for the framing of a `multipart/form-data` attachment upload (boundaries, headers,
/// other fields) above [`HotlineOptions::max_attachment_bytes`].
pub const ATTACHMENT_FORM_OVERHEAD: usize = 64 * 1024;

/// Addresses the public form's limiter tracks at most; beyond that, those whose allowance has
/// refilled are forgotten first.
const MAX_TRACKED: usize = 4096;

/// One hour, the public form's refill period.
const HOUR: Duration = Duration::from_secs(3600);

/// The hotline's settings (`[hotline]` of the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineOptions {
    /// The hotline's name, e.g. `111`: where public reports and detections go, and the
    /// hotline of administrators without one for statistics.
    pub name: String,
    /// The legal clock rules.
    pub clocks: ClockBook,
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: usize,
    /// Public form posts allowed per source address per hour (at least 1).
    pub form_per_hour: u32,
    /// Closed cases lose the identity of the people in them this many days after closing,
    /// unless under legal hold (the public form tells reporters so).
    pub anonymise_after_days: u32,
}

impl Default for HotlineOptions {
    /// Hotline `111`, the built-in clock rules, 10 MiB attachments, 5 form posts an hour,
    /// anonymisation 365 days after closing.
    fn default() -> Self {
        HotlineOptions {
            name: DEFAULT_HOTLINE.to_string(),
            clocks: ClockBook::builtin().clone(),
            max_attachment_bytes: 10 << 20,
            form_per_hour: 5,
            anonymise_after_days: 365,
        }
    }
}

/// The hotline as the server runs it: its options, the vault (none: attachments refused) and
/// the public form's limiter.
#[derive(Debug)]
pub(crate) struct HotlineService {
    options: HotlineOptions,
    vault: Option<Arc<Vault>>,
    form: FormLimiter,
}

impl HotlineService {
    /// The service under `options`, sealing attachments with `vault`.
    pub(crate) fn new(options: HotlineOptions, vault: Option<Arc<Vault>>) -> HotlineService {
        let form = FormLimiter::new(options.form_per_hour);
        HotlineService {
            options,
            vault,
            form,
        }
    }

    /// The options in force.
    pub(crate) fn options(&self) -> &HotlineOptions {
        &self.options
    }

    /// The vault attachments are sealed with, if one is configured.
    pub(crate) fn vault(&self) -> Option<&Vault> {
        self.vault.as_deref()
    }

    /// Largest body of an attachment upload: the attachment and its form's framing.
    pub(crate) fn attachment_body_max(&self) -> usize {
        self.options
            .max_attachment_bytes
            .saturating_add(ATTACHMENT_FORM_OVERHEAD)
    }

    /// Counts one public form post from `ip` at `now`, or `Err(wait)` when the address has
    /// used up its posts of the hour, with the time until the next one is allowed.
    pub(crate) fn take_form_post(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        self.form.take(ip, now)
    }
}

/// A token bucket per source address (IPv6 by its /64): `per_hour` posts at once, refilled at
/// `per_hour` an hour.
#[derive(Debug)]
struct FormLimiter {
    per_hour: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl FormLimiter {
    fn new(per_hour: u32) -> FormLimiter {
        FormLimiter {
            per_hour: f64::from(per_hour.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The allowance of a bucket that held `allowance` at `at`, by `now`.
    fn refilled(&self, (allowance, at): (f64, Instant), now: Instant) -> f64 {
        let earned = now.saturating_duration_since(at).as_secs_f64() / HOUR.as_secs_f64();
        (allowance + earned * self.per_hour).min(self.per_hour)
    }

    fn take(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| self.refilled(*b, now) < self.per_hour);
            if buckets.len() >= MAX_TRACKED {
                buckets.clear();
            }
        }
        let key = key(ip);
        let allowance = buckets
            .get(&key)
            .map_or(self.per_hour, |b| self.refilled(*b, now));
        if allowance < 1.0 {
            let wait = HOUR.mul_f64((1.0 - allowance) / self.per_hour);
            return Err(wait);
        }
        buckets.insert(key, (allowance - 1.0, now));
        Ok(())
    }
}

/// The address a limit counts against: an IPv4 address, or the /64 of an IPv6 address.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::from(segments)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_posts_of_the_hour_then_waits() {
        let limiter = FormLimiter::new(5);
        let start = Instant::now();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        for _ in 0..5 {
            assert!(limiter.take(ip, start).is_ok());
        }
        let wait = limiter.take(ip, start).unwrap_err();
        assert_eq!(wait.as_secs(), 720, "one post refills in 12 minutes");
        assert!(limiter.take("203.0.113.8".parse().unwrap(), start).is_ok());
        assert!(limiter.take(ip, start + Duration::from_secs(720)).is_ok());
        assert!(limiter.take(ip, start + Duration::from_secs(720)).is_err());
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_bucket() {
        let limiter = FormLimiter::new(1);
        let now = Instant::now();
        assert!(limiter.take("2001:db8::1".parse().unwrap(), now).is_ok());
        assert!(
            limiter
                .take("2001:db8::ffff".parse().unwrap(), now)
                .is_err()
        );
        assert!(
            limiter
                .take("2001:db8:0:1::1".parse().unwrap(), now)
                .is_ok()
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let limiter = FormLimiter::new(1);
        let now = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 10) {
            let _ = limiter.take(IpAddr::from(i.to_be_bytes()), now);
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_TRACKED);
    }
}
