//! Schedules, pauses and daily time budgets on the answer path: which minute a profile's devices
//! used which service, and whether the profile's time rules allow a query now.
//!
//! Usage lives here, outside the reloadable filter state, so a configuration reload does not
//! give a child a fresh budget. A minute's activity is counted when that minute is over: a
//! 1-minute budget gives one whole minute, during which every query of the service is answered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jiff::Timestamp;
use lachan_policy::{
    Access, BlockReason, BudgetUse, ExtraTime, Profile, Service, ServiceCatalog, ServiceGroup,
    TimeLimits, UsageDay, access, day_overview,
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

/// Receives each finished minute of a service's use, to keep it across restarts. `record` runs
/// on the answer path: it must not block.
pub trait UsageSink: Send + Sync {
    /// Takes one finished minute of `profile`'s use of `service`.
    fn record(&self, profile: &str, minute: Timestamp, service: &str, group: ServiceGroup);
}

/// One profile's usage today and the activity of the minute in progress.
struct ProfileUsage {
    day: UsageDay,
    minute: Timestamp,
    pending: Vec<(String, ServiceGroup)>,
    extra: Vec<ExtraTime>,
}

/// A profile's time rules at one moment, for the console's live view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStatus {
    /// Why all internet is blocked now (a pause or a schedule), if it is.
    pub blocked: Option<BlockReason>,
    /// Minutes used and allowed today, per budget (see [`lachan_policy::day_overview`]).
    pub budgets: Vec<BudgetUse>,
    /// When today's budgets reset (the next local midnight).
    pub resets_at: Timestamp,
}

impl ProfileUsage {
    fn new(profile: &Profile, now: Timestamp) -> ProfileUsage {
        ProfileUsage {
            day: UsageDay::new(profile.time_zone.clone(), now),
            minute: minute_of(now),
            pending: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// Counts the finished minute's activity (and reports it to `sink`) and starts a new day
    /// at local midnight.
    fn advance(&mut self, profile: &Profile, now: Timestamp, sink: Option<&Arc<dyn UsageSink>>) {
        let minute = minute_of(now);
        if minute != self.minute {
            for (service, group) in self.pending.drain(..) {
                self.day.record_activity(self.minute, &service, group);
                if let Some(sink) = sink {
                    sink.record(&profile.name, self.minute, &service, group);
                }
            }
            self.minute = minute;
        }
        if !self.day.contains(now) {
            self.day = UsageDay::new(profile.time_zone.clone(), now);
        }
        self.extra.retain(|e| e.active_at(now));
    }
}

fn minute_of(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

/// Per-profile usage, by profile name.
#[derive(Default)]
pub struct UsageBook {
    profiles: Mutex<HashMap<String, ProfileUsage>>,
    sink: OnceLock<Arc<dyn UsageSink>>,
}

impl UsageBook {
    /// Sends every finished minute to `sink` from now on (set once).
    pub fn set_sink(&self, sink: Arc<dyn UsageSink>) {
        let _ = self.sink.set(sink);
    }

    /// Counts minutes recorded earlier (by a previous run) for `profile`; minutes outside the
    /// profile's current day are ignored.
    pub fn preload(
        &self,
        profile: &Profile,
        now: Timestamp,
        minutes: &[(Timestamp, String, ServiceGroup)],
    ) {
        let mut profiles = self.profiles.lock().unwrap_or_else(|p| p.into_inner());
        let usage = profiles
            .entry(profile.name.clone())
            .or_insert_with(|| ProfileUsage::new(profile, now));
        for (minute, service, group) in minutes {
            usage.day.record_activity(*minute, service, *group);
        }
    }

    /// Whether `profile`'s time rules block `service` (the catalogue's service of the queried
    /// name, if any) at `now`. Records nothing: see [`UsageBook::mark_used`].
    pub fn check(
        &self,
        profile: &Profile,
        service: Option<&Service>,
        now: Timestamp,
    ) -> Option<BlockReason> {
        let mut profiles = self.profiles.lock().unwrap_or_else(|p| p.into_inner());
        let usage = self.today(&mut profiles, profile, now);
        let limits = TimeLimits {
            pause: profile.pause.as_ref(),
            schedules: &profile.schedules,
            budgets: &profile.budgets,
            extra: &usage.extra,
            usage: &usage.day,
        };
        match access(
            &limits,
            service.map(|s| s.id.as_str()),
            service.map(|s| s.group),
            now,
        ) {
            Access::Blocked(reason) => Some(reason),
            Access::Allowed { .. } => None,
        }
    }

    /// Marks the current minute as used for `service` by `profile`: called when a query of the
    /// service was actually answered (not for refused queries, explanations or checks).
    pub fn mark_used(&self, profile: &Profile, service: &Service, now: Timestamp) {
        let mut profiles = self.profiles.lock().unwrap_or_else(|p| p.into_inner());
        let usage = self.today(&mut profiles, profile, now);
        if !usage.pending.iter().any(|(id, _)| *id == service.id) {
            usage.pending.push((service.id.clone(), service.group));
        }
    }

    /// Gives `profile` extra time (until the grant's expiry); lapsed grants are ignored.
    pub fn grant_extra(&self, profile: &Profile, extra: ExtraTime, now: Timestamp) {
        if !extra.active_at(now) {
            return;
        }
        let mut profiles = self.profiles.lock().unwrap_or_else(|p| p.into_inner());
        self.today(&mut profiles, profile, now).extra.push(extra);
    }

    /// Where `profile` stands at `now`: a pause or schedule blocking all internet, and each
    /// budget's minutes used and allowed today.
    pub fn status(&self, profile: &Profile, now: Timestamp) -> TimeStatus {
        let mut profiles = self.profiles.lock().unwrap_or_else(|p| p.into_inner());
        let usage = self.today(&mut profiles, profile, now);
        let limits = TimeLimits {
            pause: profile.pause.as_ref(),
            schedules: &profile.schedules,
            budgets: &[],
            extra: &usage.extra,
            usage: &usage.day,
        };
        let blocked = match access(&limits, None, None, now) {
            Access::Blocked(reason) => Some(reason),
            Access::Allowed { .. } => None,
        };
        let catalog = ServiceCatalog::builtin();
        TimeStatus {
            blocked,
            budgets: day_overview(
                &profile.budgets,
                &usage.day,
                &usage.extra,
                |id| catalog.get(id).map(|s| s.group),
                now,
            ),
            resets_at: usage.day.resets_at(),
        }
    }

    /// The profile's usage, with finished minutes counted and the day rolled over at midnight.
    fn today<'a>(
        &self,
        profiles: &'a mut HashMap<String, ProfileUsage>,
        profile: &Profile,
        now: Timestamp,
    ) -> &'a mut ProfileUsage {
        let usage = profiles
            .entry(profile.name.clone())
            .or_insert_with(|| ProfileUsage::new(profile, now));
        usage.advance(profile, now, self.sink.get());
        usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lachan_policy::{Budget, ServiceCatalog};

    #[derive(Default)]
    struct Recorded(Mutex<Vec<(String, Timestamp, String)>>);

    impl UsageSink for Recorded {
        fn record(&self, profile: &str, minute: Timestamp, service: &str, _group: ServiceGroup) {
            self.0
                .lock()
                .unwrap()
                .push((profile.into(), minute, service.into()));
        }
    }

    fn child_with_roblox_budget(minutes: u32) -> Profile {
        Profile {
            budgets: vec![Budget::new("service:roblox".parse().unwrap(), minutes)],
            ..Profile::unfiltered("child")
        }
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn finished_minutes_go_to_the_sink_once() {
        let book = UsageBook::default();
        let sink = Arc::new(Recorded::default());
        book.set_sink(sink.clone());
        let profile = child_with_roblox_budget(30);
        let roblox = ServiceCatalog::builtin()
            .get("roblox")
            .expect("in the catalogue");
        for second in ["03:00:01", "03:00:30", "03:00:59"] {
            let now = ts(&format!("2026-11-25T{second}Z"));
            assert_eq!(book.check(&profile, Some(roblox), now), None);
            book.mark_used(&profile, roblox, now);
        }
        assert!(
            sink.0.lock().unwrap().is_empty(),
            "the minute is not over yet"
        );
        assert_eq!(book.check(&profile, None, ts("2026-11-25T03:01:00Z")), None);
        assert_eq!(
            *sink.0.lock().unwrap(),
            vec![(
                "child".to_string(),
                ts("2026-11-25T03:00:00Z"),
                "roblox".to_string()
            )]
        );
    }

    #[test]
    fn checking_alone_uses_no_time() {
        let book = UsageBook::default();
        let profile = child_with_roblox_budget(1);
        let roblox = ServiceCatalog::builtin().get("roblox");
        for minute in 0..5 {
            let now = ts(&format!("2026-11-25T03:0{minute}:10Z"));
            assert_eq!(book.check(&profile, roblox, now), None, "minute {minute}");
        }
    }

    #[test]
    fn extra_time_unblocks_until_midnight_and_shows_in_the_status() {
        let book = UsageBook::default();
        let profile = child_with_roblox_budget(1);
        let roblox = ServiceCatalog::builtin()
            .get("roblox")
            .expect("in the catalogue");
        book.mark_used(&profile, roblox, ts("2026-11-25T03:00:10Z"));
        let now = ts("2026-11-25T03:01:10Z");
        assert!(book.check(&profile, Some(roblox), now).is_some(), "used up");
        let status = book.status(&profile, now);
        assert_eq!(status.blocked, None, "other sites stay open");
        assert_eq!(
            (status.budgets[0].used, status.budgets[0].allowance),
            (1, 1)
        );
        assert_eq!(status.resets_at, ts("2026-11-25T17:00:00Z"));

        let zone = profile.time_zone.clone();
        let extra = ExtraTime::today("service:roblox".parse().unwrap(), 30, &zone, now);
        book.grant_extra(&profile, extra, now);
        assert_eq!(book.check(&profile, Some(roblox), now), None);
        assert_eq!(book.status(&profile, now).budgets[0].allowance, 31);
        // Next day: the grant has lapsed and the budget starts again from zero.
        let tomorrow = ts("2026-11-26T03:00:00Z");
        assert_eq!(book.status(&profile, tomorrow).budgets[0].allowance, 1);
        assert_eq!(book.status(&profile, tomorrow).budgets[0].used, 0);
    }

    #[test]
    fn preloaded_minutes_count_against_the_budget() {
        let book = UsageBook::default();
        let profile = child_with_roblox_budget(2);
        let roblox = ServiceCatalog::builtin().get("roblox");
        let earlier = [
            (
                ts("2026-11-25T02:00:00Z"),
                "roblox".to_string(),
                ServiceGroup::Games,
            ),
            (
                ts("2026-11-25T02:01:00Z"),
                "roblox".to_string(),
                ServiceGroup::Games,
            ),
            // Yesterday (local day starts at 17:00 UTC): ignored.
            (
                ts("2026-11-24T10:00:00Z"),
                "roblox".to_string(),
                ServiceGroup::Games,
            ),
        ];
        let now = ts("2026-11-25T03:00:00Z");
        book.preload(&profile, now, &earlier);
        let reason = book
            .check(&profile, roblox, now)
            .expect("two minutes already used");
        assert!(reason.text_en().contains("used up"), "{}", reason.text_en());
    }
}
