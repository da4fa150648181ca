//! Schedules, pauses and daily time budgets on the answer path: which minute a profile's devices
//! used which service, and whether the profile's time rules allow a query now.
//!
//! Usage lives here, outside the reloadable filter state, so a configuration reload does not
//! give a child a fresh budget. A minute's activity is counted when that minute is over: a
//! 1-minute budget gives one whole minute, during which every query of the service is answered.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;
use lachan_policy::{
    Access, BlockReason, Profile, Service, ServiceGroup, TimeLimits, UsageDay, access,
};

/// Where the resolver reads the time; tests drive it by hand.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// One profile's usage today and the activity of the minute in progress.
struct ProfileUsage {
    day: UsageDay,
    minute: Timestamp,
    pending: Vec<(String, ServiceGroup)>,
}

impl ProfileUsage {
    fn new(profile: &Profile, now: Timestamp) -> ProfileUsage {
        ProfileUsage {
            day: UsageDay::new(profile.time_zone.clone(), now),
            minute: minute_of(now),
            pending: Vec::new(),
        }
    }

    /// Counts the finished minute's activity and starts a new day at local midnight.
    fn advance(&mut self, profile: &Profile, now: Timestamp) {
        let minute = minute_of(now);
        if minute != self.minute {
            for (service, group) in self.pending.drain(..) {
                self.day.record_activity(self.minute, &service, group);
            }
            self.minute = minute;
        }
        if !self.day.contains(now) {
            self.day = UsageDay::new(profile.time_zone.clone(), now);
        }
    }
}

fn minute_of(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

/// Per-profile usage, by profile name.
#[derive(Default)]
pub struct UsageBook {
    profiles: Mutex<HashMap<String, ProfileUsage>>,
}

impl UsageBook {
    /// Decides `service` (the catalogue's service of the queried name, if any) for `profile` at
    /// `now`; an allowed query of a service marks the current minute as used.
    pub fn check(
        &self,
        profile: &Profile,
        service: Option<&Service>,
        now: Timestamp,
    ) -> Option<BlockReason> {
        let mut profiles = self.profiles.lock().unwrap_or_else(|p| p.into_inner());
        let usage = profiles
            .entry(profile.name.clone())
            .or_insert_with(|| ProfileUsage::new(profile, now));
        usage.advance(profile, now);
        let limits = TimeLimits {
            pause: profile.pause.as_ref(),
            schedules: &profile.schedules,
            budgets: &profile.budgets,
            extra: &[],
            usage: &usage.day,
        };
        match access(
            &limits,
            service.map(|s| s.id.as_str()),
            service.map(|s| s.group),
            now,
        ) {
            Access::Blocked(reason) => Some(reason),
            Access::Allowed { .. } => {
                if let Some(s) = service
                    && !usage.pending.iter().any(|(id, _)| *id == s.id)
                {
                    usage.pending.push((s.id.clone(), s.group));
                }
                None
            }
        }
    }
}
