//! Daily time budgets: minutes per day for a service, a group of services or all of them,
//! counted from DNS activity, with extra time a guardian grants for today.
//!
//! # How minutes are counted
//!
//! A minute counts for a service when any of the profile's devices queried one of the service's
//! domains in it. The input is a set of activity marks (minute, service, group):
//!
//! - the same minute seen from two devices, or many queries in one minute, counts once;
//! - a minute counts once for the group even if two games of it were active in that minute (the
//!   group budget measures time spent on the group, not the sum of its services);
//! - a minute counts once for [`Target::All`] when any catalogued service was active in it;
//! - a minute counts as used as soon as it has activity, so a 1-minute budget is used up by the
//!   first active minute.
//!
//! This is an approximation: clients cache answers for their TTL, so a device using a service
//! may query it less than once a minute (under-counting), and background traffic such as
//! notifications can count minutes without anyone looking (over-counting). Blocked answers use
//! short TTLs so that a used-up budget takes effect within a minute or so.
//!
//! # The day
//!
//! The day is the profile's local calendar day in its time zone; budgets reset at local midnight
//! (17:00 UTC in Asia/Ho_Chi_Minh).

use std::cmp::Reverse;
use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{ServiceGroup, Target, Zone};

/// At most this many minutes a day for a target.
///
/// Serde form: `{"target": "group:games", "minutes_per_day": 180, "each_service": false}`
/// (`each_service` may be left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// What the budget counts and limits.
    pub target: Target,
    /// Minutes allowed per local day.
    pub minutes_per_day: u32,
    /// When true, the limit applies to each service inside the target separately ("60 minutes
    /// per game" is `group:games` with `each_service`), rather than to the target as a whole.
    #[serde(default)]
    pub each_service: bool,
}

impl Budget {
    /// A budget for the target as a whole.
    pub fn new(target: Target, minutes_per_day: u32) -> Budget {
        Budget {
            target,
            minutes_per_day,
            each_service: false,
        }
    }

    /// A budget for each service inside the target separately.
    pub fn per_service(target: Target, minutes_per_day: u32) -> Budget {
        Budget {
            target,
            minutes_per_day,
            each_service: true,
        }
    }

    /// The target this budget counts for a query of `service` in `group`, if it applies: the
    /// service itself for an `each_service` budget, otherwise the budget's own target.
    fn counted_target(&self, service: Option<&str>, group: Option<ServiceGroup>) -> Option<Target> {
        if !self.target.covers(service, group) {
            return None;
        }
        if self.each_service {
            service.map(|id| Target::Service(id.to_string()))
        } else {
            Some(self.target.clone())
        }
    }
}

/// The defaults for profiles under 18, after Decree 147/2024: at most 60 minutes for each game
/// (each service of group `games` separately) and 180 minutes of games in all per day.
pub fn decree_147_defaults() -> Vec<Budget> {
    vec![
        Budget::per_service(Target::Group(ServiceGroup::Games), 60),
        Budget::new(Target::Group(ServiceGroup::Games), 180),
    ]
}

/// A set of minutes of one local day, as a bitmap (a day lasts at most 25 hours).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Minutes([u64; 24]);

impl Minutes {
    /// Marks a minute; true when it was not marked before.
    fn insert(&mut self, index: usize) -> bool {
        let Some(word) = self.0.get_mut(index / 64) else {
            return false;
        };
        let bit = 1u64 << (index % 64);
        let new = *word & bit == 0;
        *word |= bit;
        new
    }

    fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
}

/// The minutes used on one local day by one profile, per service, per group and in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageDay {
    zone: Zone,
    start: Timestamp,
    end: Timestamp,
    services: BTreeMap<String, Minutes>,
    groups: BTreeMap<ServiceGroup, Minutes>,
    any: Minutes,
}

impl UsageDay {
    /// An empty record for the local day (in `zone`) that holds `now`.
    pub fn new(zone: Zone, now: Timestamp) -> UsageDay {
        UsageDay {
            start: zone.start_of_day(now),
            end: zone.next_midnight(now),
            zone,
            services: BTreeMap::new(),
            groups: BTreeMap::new(),
            any: Minutes::default(),
        }
    }

    /// The time zone the day is counted in.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// The local calendar date.
    pub fn date(&self) -> Date {
        self.zone.time_zone().to_datetime(self.start).date()
    }

    /// The first instant of the day (local midnight).
    pub fn starts_at(&self) -> Timestamp {
        self.start
    }

    /// The first instant of the next day, when budgets reset.
    pub fn resets_at(&self) -> Timestamp {
        self.end
    }

    /// Whether `t` falls on this day; when `now` no longer does, start a new [`UsageDay`].
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Counts the minute holding `minute` as used by `service` (of `group`). Idempotent: true
    /// only when the minute was not yet counted for the service; false for a repeat or for a
    /// time outside this day (which is ignored).
    pub fn record_activity(
        &mut self,
        minute: Timestamp,
        service: &str,
        group: ServiceGroup,
    ) -> bool {
        if !self.contains(minute) {
            return false;
        }
        let offset = minute.as_second().div_euclid(60) - self.start.as_second().div_euclid(60);
        let Ok(index) = usize::try_from(offset) else {
            return false;
        };
        self.groups.entry(group).or_default().insert(index);
        self.any.insert(index);
        match self.services.get_mut(service) {
            Some(minutes) => minutes.insert(index),
            None => {
                let mut minutes = Minutes::default();
                let new = minutes.insert(index);
                self.services.insert(service.to_string(), minutes);
                new
            }
        }
    }

    /// Minutes used today by a target: a service, a group (each minute once), or all services.
    pub fn minutes(&self, target: &Target) -> u32 {
        let set = match target {
            Target::All => Some(&self.any),
            Target::Group(group) => self.groups.get(group),
            Target::Service(id) => self.services.get(id.as_str()),
        };
        set.map_or(0, Minutes::count)
    }

    /// Minutes used today per service id, in id order.
    pub fn services(&self) -> impl Iterator<Item = (&str, u32)> {
        self.services.iter().map(|(id, m)| (id.as_str(), m.count()))
    }
}

/// Extra minutes a guardian granted for a target, valid until the next local midnight.
///
/// Extra time for a target extends every budget on that target or inside it: `+30` for
/// `group:games` extends the games budget and each game's own budget, `+30` for
/// `service:roblox` extends only Roblox's budgets, `+30` for `all` extends every budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraTime {
    /// What the extra time is for.
    pub target: Target,
    /// Extra minutes.
    pub minutes: u32,
    /// When the grant lapses (the local midnight after it was given).
    pub expires_at: Timestamp,
}

impl ExtraTime {
    /// Grants `minutes` more for `target` for the rest of today (the local day holding `now`).
    pub fn today(target: Target, minutes: u32, zone: &Zone, now: Timestamp) -> ExtraTime {
        ExtraTime {
            target,
            minutes,
            expires_at: zone.next_midnight(now),
        }
    }

    /// Whether the grant still holds at `now`.
    pub fn active_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }

    /// Whether this grant extends a budget counting `counted` for a service of `group`.
    fn extends(&self, counted: &Target, group: Option<ServiceGroup>) -> bool {
        match (&self.target, counted) {
            (Target::All, _) => true,
            (Target::Group(g), Target::Service(_)) => group == Some(*g),
            (granted, counted) => granted == counted,
        }
    }
}

/// How much of one budget is used today, for a given query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetUse {
    /// What is counted: the budget's target, or the service for an `each_service` budget.
    pub target: Target,
    /// Minutes used today.
    pub used: u32,
    /// Minutes allowed today: the budget plus active extra time.
    pub allowance: u32,
}

impl BudgetUse {
    /// Minutes left today.
    pub fn remaining(&self) -> u32 {
        self.allowance.saturating_sub(self.used)
    }
}

/// The use of every budget that applies to a query of `service` (in `group`) at `now`, in the
/// order of `budgets`. Usage from a day other than the one holding `now` counts as zero.
pub fn budget_uses(
    budgets: &[Budget],
    usage: &UsageDay,
    extra: &[ExtraTime],
    service: Option<&str>,
    group: Option<ServiceGroup>,
    now: Timestamp,
) -> Vec<BudgetUse> {
    let today = usage.contains(now);
    budgets
        .iter()
        .filter_map(|budget| {
            let target = budget.counted_target(service, group)?;
            let bonus = extra
                .iter()
                .filter(|e| e.active_at(now) && e.extends(&target, group))
                .fold(0u32, |sum, e| sum.saturating_add(e.minutes));
            let used = if today { usage.minutes(&target) } else { 0 };
            Some(BudgetUse {
                allowance: budget.minutes_per_day.saturating_add(bonus),
                used,
                target,
            })
        })
        .collect()
}

/// Every budget's use today, for a live view: one row per budget on a target, and for an
/// `each_service` budget one row per service of its target used today (`group_of` gives a
/// service's group, e.g. from the catalogue). Extra time is counted in the allowances.
pub fn day_overview(
    budgets: &[Budget],
    usage: &UsageDay,
    extra: &[ExtraTime],
    group_of: impl Fn(&str) -> Option<ServiceGroup>,
    now: Timestamp,
) -> Vec<BudgetUse> {
    let today = usage.contains(now);
    let mut rows = Vec::new();
    for budget in budgets {
        if budget.each_service {
            if !today {
                continue;
            }
            for (id, _) in usage.services() {
                let group = group_of(id);
                if budget.target.covers(Some(id), group) {
                    rows.extend(budget_uses(
                        std::slice::from_ref(budget),
                        usage,
                        extra,
                        Some(id),
                        group,
                        now,
                    ));
                }
            }
        } else {
            let group = match &budget.target {
                Target::Group(g) => Some(*g),
                _ => None,
            };
            let bonus = extra
                .iter()
                .filter(|e| e.active_at(now) && e.extends(&budget.target, group))
                .fold(0u32, |sum, e| sum.saturating_add(e.minutes));
            rows.push(BudgetUse {
                target: budget.target.clone(),
                used: if today {
                    usage.minutes(&budget.target)
                } else {
                    0
                },
                allowance: budget.minutes_per_day.saturating_add(bonus),
            });
        }
    }
    rows
}

/// Where a query stands against the day's budgets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetState {
    /// No budget applies.
    Unlimited,
    /// Minutes left under the tightest applicable budget.
    Remaining {
        /// Minutes left today.
        minutes: u32,
    },
    /// A budget is used up.
    Exhausted {
        /// What was used up (a service for a per-service budget).
        target: Target,
        /// Minutes that were allowed today (budget plus extra time).
        allowance: u32,
        /// When the budget resets (the next local midnight).
        resets_at: Timestamp,
    },
}

/// Evaluates the budgets for a query of `service` (in `group`) at `now`: the tightest applicable
/// budget (fewest minutes left) wins; between budgets with equally few minutes left, the broader
/// target wins (all, then a group, then a service), as extra time for a narrower one would not
/// unblock the query.
pub fn evaluate(
    budgets: &[Budget],
    usage: &UsageDay,
    extra: &[ExtraTime],
    service: Option<&str>,
    group: Option<ServiceGroup>,
    now: Timestamp,
) -> BudgetState {
    let breadth = |t: &Target| match t {
        Target::All => 2u8,
        Target::Group(_) => 1,
        Target::Service(_) => 0,
    };
    let tightest = budget_uses(budgets, usage, extra, service, group, now)
        .into_iter()
        .min_by_key(|u| (u.remaining(), Reverse(breadth(&u.target))));
    match tightest {
        None => BudgetState::Unlimited,
        Some(u) if u.remaining() > 0 => BudgetState::Remaining {
            minutes: u.remaining(),
        },
        Some(u) => BudgetState::Exhausted {
            resets_at: if usage.contains(now) {
                usage.resets_at()
            } else {
                usage.zone().next_midnight(now)
            },
            allowance: u.allowance,
            target: u.target,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// `n` consecutive minutes of activity from `from`.
    fn play(day: &mut UsageDay, from: &str, n: i64, service: &str, group: ServiceGroup) {
        let start = ts(from);
        for k in 0..n {
            let minute = start + jiff::SignedDuration::from_mins(k);
            day.record_activity(minute, service, group);
        }
    }

    const GAMES: ServiceGroup = ServiceGroup::Games;
    // 03:00 UTC is 10:00 in Ho Chi Minh City.
    const MORNING: &str = "2026-03-11T03:00:00Z";

    fn today() -> UsageDay {
        UsageDay::new(Zone::default(), ts(MORNING))
    }

    #[test]
    fn the_overview_lists_each_budget_and_each_game_played() {
        let mut day = today();
        play(&mut day, MORNING, 50, "roblox", GAMES);
        play(&mut day, "2026-03-11T04:00:00Z", 20, "minecraft", GAMES);
        play(&mut day, MORNING, 5, "tiktok", ServiceGroup::Video);
        let now = ts("2026-03-11T05:00:00Z");
        let extra = [ExtraTime::today(
            Target::Group(GAMES),
            30,
            &Zone::default(),
            now,
        )];
        let group_of = |id: &str| match id {
            "tiktok" => Some(ServiceGroup::Video),
            _ => Some(GAMES),
        };
        let rows = day_overview(&decree_147_defaults(), &day, &extra, group_of, now);
        let roblox = Target::Service("roblox".into());
        let minecraft = Target::Service("minecraft".into());
        let shown: Vec<_> = rows
            .iter()
            .map(|r| (r.target.clone(), r.used, r.allowance))
            .collect();
        assert_eq!(
            shown,
            vec![
                (minecraft, 20, 90),
                (roblox, 50, 90),
                (Target::Group(GAMES), 70, 210),
            ]
        );
        let tomorrow = ts("2026-03-12T05:00:00Z");
        let rows = day_overview(&decree_147_defaults(), &day, &extra, group_of, tomorrow);
        assert_eq!(rows.len(), 1, "no game played on a new day: {rows:?}");
        assert_eq!(
            (rows[0].used, rows[0].allowance),
            (0, 180),
            "extra time lapsed"
        );
    }

    #[test]
    fn a_minute_counts_once_across_devices_and_queries() {
        let mut day = today();
        assert!(day.record_activity(ts("2026-03-11T03:00:05Z"), "roblox", GAMES));
        // A second device, and a later query, in the same minute.
        assert!(!day.record_activity(ts("2026-03-11T03:00:05Z"), "roblox", GAMES));
        assert!(!day.record_activity(ts("2026-03-11T03:00:59Z"), "roblox", GAMES));
        assert!(day.record_activity(ts("2026-03-11T03:01:00Z"), "roblox", GAMES));
        assert_eq!(day.minutes(&Target::Service("roblox".into())), 2);
        assert_eq!(day.minutes(&Target::Group(GAMES)), 2);
        assert_eq!(day.minutes(&Target::All), 2);
        assert_eq!(day.minutes(&Target::Service("minecraft".into())), 0);
    }

    #[test]
    fn a_group_minute_counts_once_for_two_games() {
        let mut day = today();
        play(&mut day, MORNING, 10, "roblox", GAMES);
        play(&mut day, "2026-03-11T03:05:00Z", 10, "minecraft", GAMES);
        play(&mut day, MORNING, 3, "tiktok", ServiceGroup::Video);
        assert_eq!(day.minutes(&Target::Service("roblox".into())), 10);
        assert_eq!(day.minutes(&Target::Service("minecraft".into())), 10);
        assert_eq!(day.minutes(&Target::Group(GAMES)), 15, "03:00 to 03:15");
        assert_eq!(day.minutes(&Target::Group(ServiceGroup::Video)), 3);
        assert_eq!(day.minutes(&Target::All), 15);
        assert_eq!(
            day.services().collect::<Vec<_>>(),
            vec![("minecraft", 10), ("roblox", 10), ("tiktok", 3)]
        );
    }

    #[test]
    fn the_day_is_local_and_resets_at_local_midnight() {
        let day = today();
        assert_eq!(day.date(), jiff::civil::date(2026, 3, 11));
        // UTC+7: local midnight is 17:00 UTC the day before.
        assert_eq!(day.starts_at(), ts("2026-03-10T17:00:00Z"));
        assert_eq!(day.resets_at(), ts("2026-03-11T17:00:00Z"));
        assert!(day.contains(ts("2026-03-11T16:59:59Z")));
        assert!(!day.contains(ts("2026-03-11T17:00:00Z")));
        // Activity outside the day is ignored.
        let mut day = day;
        assert!(!day.record_activity(ts("2026-03-11T17:00:00Z"), "roblox", GAMES));
        assert!(!day.record_activity(ts("2026-03-10T16:59:00Z"), "roblox", GAMES));
        assert_eq!(day.minutes(&Target::All), 0);
    }

    #[test]
    fn usage_resets_at_local_midnight_in_vietnam() {
        let budgets = vec![Budget::new(Target::Group(GAMES), 60)];
        let mut day = today();
        play(&mut day, MORNING, 60, "roblox", GAMES);
        let late = ts("2026-03-11T16:59:00Z");
        assert_eq!(
            evaluate(&budgets, &day, &[], Some("roblox"), Some(GAMES), late),
            BudgetState::Exhausted {
                target: Target::Group(GAMES),
                allowance: 60,
                resets_at: ts("2026-03-11T17:00:00Z"),
            }
        );
        // 17:00 UTC is 00:00 on the 12th: yesterday's usage no longer counts.
        let midnight = ts("2026-03-11T17:00:00Z");
        assert_eq!(
            evaluate(&budgets, &day, &[], Some("roblox"), Some(GAMES), midnight),
            BudgetState::Remaining { minutes: 60 }
        );
        let new_day = UsageDay::new(Zone::default(), midnight);
        assert_eq!(new_day.date(), jiff::civil::date(2026, 3, 12));
    }

    #[test]
    fn a_day_with_a_dst_change_is_longer_or_shorter() {
        let berlin = Zone::new("Europe/Berlin").unwrap();
        // 2026-10-25 lasts 25 hours in Berlin; its last minute is still counted.
        let mut long = UsageDay::new(berlin.clone(), ts("2026-10-25T12:00:00Z"));
        assert_eq!(long.starts_at(), ts("2026-10-24T22:00:00Z"));
        assert_eq!(long.resets_at(), ts("2026-10-25T23:00:00Z"));
        assert!(long.record_activity(ts("2026-10-25T22:59:00Z"), "roblox", GAMES));
        assert_eq!(long.minutes(&Target::All), 1);
        // 2026-03-29 lasts 23 hours.
        let short = UsageDay::new(berlin, ts("2026-03-29T12:00:00Z"));
        assert_eq!(short.starts_at(), ts("2026-03-28T23:00:00Z"));
        assert_eq!(short.resets_at(), ts("2026-03-29T22:00:00Z"));
    }

    #[test]
    fn decree_147_defaults_limit_each_game_and_all_games() {
        let budgets = decree_147_defaults();
        let mut day = today();
        let now = ts("2026-03-11T12:00:00Z");
        let state =
            |day: &UsageDay, game: &str| evaluate(&budgets, day, &[], Some(game), Some(GAMES), now);
        assert_eq!(
            state(&day, "roblox"),
            BudgetState::Remaining { minutes: 60 }
        );
        play(&mut day, MORNING, 60, "roblox", GAMES);
        // Game A used its 60 minutes; game B still has its own 60.
        assert_eq!(
            state(&day, "roblox"),
            BudgetState::Exhausted {
                target: Target::Service("roblox".into()),
                allowance: 60,
                resets_at: ts("2026-03-11T17:00:00Z"),
            }
        );
        assert_eq!(
            state(&day, "minecraft"),
            BudgetState::Remaining { minutes: 60 }
        );
        play(&mut day, "2026-03-11T04:00:00Z", 60, "minecraft", GAMES);
        play(&mut day, "2026-03-11T05:00:00Z", 50, "free_fire", GAMES);
        // 170 of 180 group minutes used: the group is tighter than free_fire's 10 left.
        assert_eq!(
            state(&day, "free_fire"),
            BudgetState::Remaining { minutes: 10 }
        );
        assert_eq!(
            state(&day, "pubg_mobile"),
            BudgetState::Remaining { minutes: 10 }
        );
        play(&mut day, "2026-03-11T06:00:00Z", 10, "pubg_mobile", GAMES);
        assert_eq!(
            state(&day, "genshin_impact"),
            BudgetState::Exhausted {
                target: Target::Group(GAMES),
                allowance: 180,
                resets_at: ts("2026-03-11T17:00:00Z"),
            }
        );
        // Other groups, and queries matching no service, are not limited.
        assert_eq!(
            evaluate(
                &budgets,
                &day,
                &[],
                Some("tiktok"),
                Some(ServiceGroup::Video),
                now
            ),
            BudgetState::Unlimited
        );
        assert_eq!(
            evaluate(&budgets, &day, &[], None, None, now),
            BudgetState::Unlimited
        );
    }

    #[test]
    fn the_tightest_budget_wins() {
        let budgets = vec![
            Budget::new(Target::All, 240),
            Budget::new(Target::Group(GAMES), 90),
            Budget::new(Target::Service("roblox".into()), 30),
        ];
        let mut day = today();
        let now = ts("2026-03-11T12:00:00Z");
        play(&mut day, MORNING, 20, "roblox", GAMES);
        play(&mut day, "2026-03-11T04:00:00Z", 65, "minecraft", GAMES);
        let eval =
            |service: Option<&str>, group| evaluate(&budgets, &day, &[], service, group, now);
        // roblox: 10 left of its own 30; games: 5 left of 90.
        assert_eq!(
            eval(Some("roblox"), Some(GAMES)),
            BudgetState::Remaining { minutes: 5 }
        );
        assert_eq!(
            eval(Some("tiktok"), Some(ServiceGroup::Video)),
            BudgetState::Remaining { minutes: 155 }
        );
        assert_eq!(eval(None, None), BudgetState::Remaining { minutes: 155 });
        let uses = budget_uses(&budgets, &day, &[], Some("roblox"), Some(GAMES), now);
        assert_eq!(
            uses,
            vec![
                BudgetUse {
                    target: Target::All,
                    used: 85,
                    allowance: 240
                },
                BudgetUse {
                    target: Target::Group(GAMES),
                    used: 85,
                    allowance: 90
                },
                BudgetUse {
                    target: Target::Service("roblox".into()),
                    used: 20,
                    allowance: 30
                },
            ]
        );
    }

    #[test]
    fn on_a_tie_the_broader_budget_is_reported() {
        let budgets = vec![
            Budget::new(Target::Service("roblox".into()), 10),
            Budget::new(Target::Group(GAMES), 10),
        ];
        let mut day = today();
        play(&mut day, MORNING, 10, "roblox", GAMES);
        let state = evaluate(
            &budgets,
            &day,
            &[],
            Some("roblox"),
            Some(GAMES),
            ts(MORNING),
        );
        assert!(matches!(
            state,
            BudgetState::Exhausted {
                target: Target::Group(GAMES),
                ..
            }
        ));
    }

    #[test]
    fn a_one_minute_budget_is_used_up_by_one_active_minute() {
        let budgets = vec![Budget::new(Target::Group(GAMES), 1)];
        let mut day = today();
        let now = ts("2026-03-11T03:00:05Z");
        assert_eq!(
            evaluate(&budgets, &day, &[], Some("roblox"), Some(GAMES), now),
            BudgetState::Remaining { minutes: 1 }
        );
        day.record_activity(now, "roblox", GAMES);
        assert!(matches!(
            evaluate(&budgets, &day, &[], Some("roblox"), Some(GAMES), now),
            BudgetState::Exhausted { allowance: 1, .. }
        ));
    }

    #[test]
    fn extra_time_extends_today_only() {
        let budgets = decree_147_defaults();
        let zone = Zone::default();
        let mut day = today();
        play(&mut day, MORNING, 60, "roblox", GAMES);
        let now = ts("2026-03-11T12:00:00Z");
        let grant = ExtraTime::today(Target::Group(GAMES), 30, &zone, now);
        assert_eq!(grant.expires_at, ts("2026-03-11T17:00:00Z"));
        let extra = [grant];
        // +30 for games extends both roblox's own budget and the group's.
        assert_eq!(
            evaluate(&budgets, &day, &extra, Some("roblox"), Some(GAMES), now),
            BudgetState::Remaining { minutes: 30 }
        );
        assert_eq!(
            budget_uses(&budgets, &day, &extra, Some("roblox"), Some(GAMES), now)[1],
            BudgetUse {
                target: Target::Group(GAMES),
                used: 60,
                allowance: 210
            }
        );
        play(&mut day, "2026-03-11T04:00:00Z", 30, "roblox", GAMES);
        assert_eq!(
            evaluate(&budgets, &day, &extra, Some("roblox"), Some(GAMES), now),
            BudgetState::Exhausted {
                target: Target::Service("roblox".into()),
                allowance: 90,
                resets_at: ts("2026-03-11T17:00:00Z"),
            }
        );
        // Tomorrow the grant is gone and the budgets are back to the defaults.
        let tomorrow = ts("2026-03-12T03:00:00Z");
        let mut next = UsageDay::new(zone, tomorrow);
        play(&mut next, "2026-03-12T03:00:00Z", 60, "roblox", GAMES);
        assert!(!extra[0].active_at(tomorrow));
        assert!(matches!(
            evaluate(
                &budgets,
                &next,
                &extra,
                Some("roblox"),
                Some(GAMES),
                tomorrow
            ),
            BudgetState::Exhausted { allowance: 60, .. }
        ));
    }

    #[test]
    fn extra_time_for_one_service_does_not_extend_the_group() {
        let budgets = vec![Budget::new(Target::Group(GAMES), 60)];
        let now = ts("2026-03-11T12:00:00Z");
        let extra = [ExtraTime::today(
            Target::Service("roblox".into()),
            30,
            &Zone::default(),
            now,
        )];
        let mut day = today();
        play(&mut day, MORNING, 60, "minecraft", GAMES);
        assert!(matches!(
            evaluate(&budgets, &day, &extra, Some("roblox"), Some(GAMES), now),
            BudgetState::Exhausted { allowance: 60, .. }
        ));
        let for_all = [ExtraTime::today(Target::All, 15, &Zone::default(), now)];
        assert_eq!(
            evaluate(&budgets, &day, &for_all, Some("roblox"), Some(GAMES), now),
            BudgetState::Remaining { minutes: 15 }
        );
    }

    #[test]
    fn a_zero_budget_blocks_from_the_start() {
        let budgets = vec![Budget::new(Target::Group(ServiceGroup::Dating), 0)];
        assert!(matches!(
            evaluate(
                &budgets,
                &today(),
                &[],
                Some("tinder"),
                Some(ServiceGroup::Dating),
                ts(MORNING)
            ),
            BudgetState::Exhausted { allowance: 0, .. }
        ));
    }

    #[test]
    fn budgets_serialize_with_string_targets() {
        let json = serde_json::to_string(&decree_147_defaults()).unwrap();
        assert_eq!(
            json,
            r#"[{"target":"group:games","minutes_per_day":60,"each_service":true},{"target":"group:games","minutes_per_day":180,"each_service":false}]"#
        );
        let parsed: Budget =
            serde_json::from_str(r#"{"target":"service:roblox","minutes_per_day":45}"#).unwrap();
        assert_eq!(parsed, Budget::new(Target::Service("roblox".into()), 45));
    }
}
