//! What a time rule targets, and the one access decision that combines a profile's pause,
//! schedules and daily budgets for a query.
//!
//! # Text form of a [`Target`]
//!
//! `all` (all internet), `group:NAME` for a service group (`group:games`), `service:ID` for a
//! service of the catalogue (`service:roblox`). The same string is its serde form.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp, ZonedDateTime};

use crate::budget::{self, Budget, BudgetState, ExtraTime, UsageDay};
use crate::{Pause, Schedule, ServiceGroup};

/// What a schedule, budget or grant of extra time applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// All internet, including names that match no service.
    All,
    /// Every service of a group.
    Group(ServiceGroup),
    /// One service, by its id in the catalogue.
    Service(String),
}

impl Target {
    /// Whether a query matching `service_id` (of `group`), or no service when both are `None`,
    /// falls under this target.
    pub fn covers(&self, service_id: Option<&str>, group: Option<ServiceGroup>) -> bool {
        match self {
            Target::All => true,
            Target::Group(g) => group == Some(*g),
            Target::Service(id) => service_id == Some(id.as_str()),
        }
    }
}

/// A text that is not a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid target '{0}': write all, group:NAME (games, social, video, chat, dating, shopping) \
     or service:ID (a service id from the catalogue, in snake_case such as lien_quan)"
)]
pub struct InvalidTarget(pub String);

impl FromStr for Target {
    type Err = InvalidTarget;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidTarget(s.to_string());
        let text = s.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(Target::All);
        }
        match text.split_once(':') {
            Some(("group", name)) => name.parse().map(Target::Group).map_err(|_| invalid()),
            Some(("service", id))
                if !id.is_empty()
                    && id.len() <= 64
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
            {
                Ok(Target::Service(id.to_string()))
            }
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::All => f.write_str("all"),
            Target::Group(g) => write!(f, "group:{g}"),
            Target::Service(id) => write!(f, "service:{id}"),
        }
    }
}

impl serde::Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A local time shown to people: the time of day alone when it is less than 24 hours after the
/// decision, otherwise with its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    at: ZonedDateTime,
    within_a_day: bool,
}

impl Moment {
    fn new(at: Timestamp, zone: &crate::Zone, now: Timestamp) -> Moment {
        Moment {
            at: at.to_zoned_datetime(zone.time_zone().clone()),
            within_a_day: at.duration_since(now) < SignedDuration::from_hours(24),
        }
    }

    /// The instant.
    pub fn timestamp(&self) -> Timestamp {
        self.at.timestamp()
    }

    /// The instant in the profile's time zone.
    pub fn local(&self) -> &ZonedDateTime {
        &self.at
    }

    fn clock(&self) -> String {
        format!("{:02}:{:02}", self.at.hour(), self.at.minute())
    }

    fn text_vi(&self) -> String {
        if self.within_a_day {
            self.clock()
        } else {
            let d = self.at.date();
            format!(
                "{} ngày {:02}/{:02}/{}",
                self.clock(),
                d.day(),
                d.month(),
                d.year()
            )
        }
    }

    fn text_en(&self) -> String {
        if self.within_a_day {
            self.clock()
        } else {
            let d = self.at.date();
            format!(
                "{} on {}-{:02}-{:02}",
                self.clock(),
                d.year(),
                d.month(),
                d.day()
            )
        }
    }
}

/// Why a query is blocked by time rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockReason {
    /// The guardian paused internet for the profile.
    Paused {
        /// When the pause ends; `None` until the guardian turns it off.
        until: Option<Moment>,
    },
    /// A schedule blocks the target now.
    Schedule {
        /// What the schedule blocks.
        target: Target,
        /// When the block ends; `None` when it never does (blocked all week).
        until: Option<Moment>,
    },
    /// A daily budget is used up.
    BudgetExhausted {
        /// What was used up (a service for a per-service budget).
        target: Target,
        /// Minutes that were allowed today (budget plus extra time).
        allowance: u32,
        /// When the budget resets (the next local midnight).
        resets_at: Moment,
    },
}

impl BlockReason {
    /// A short explanation in Vietnamese, e.g. "Hết giờ chơi game hôm nay (60 phút); mở lại lúc
    /// 00:00", for the console and the block page.
    pub fn text_vi(&self) -> String {
        match self {
            BlockReason::Paused { until: Some(m) } => {
                format!("Internet đang tạm dừng đến {}", m.text_vi())
            }
            BlockReason::Paused { until: None } => "Internet đang tạm dừng".to_string(),
            BlockReason::Schedule { target, until } => {
                let what = noun_vi(target);
                match until {
                    Some(m) => format!("Theo lịch, {what} bị chặn đến {}", m.text_vi()),
                    None => format!("Theo lịch, {what} bị chặn"),
                }
            }
            BlockReason::BudgetExhausted {
                target,
                allowance,
                resets_at,
            } => format!(
                "Hết giờ {} hôm nay ({allowance} phút); mở lại lúc {}",
                activity_vi(target),
                resets_at.text_vi()
            ),
        }
    }

    /// A short explanation in English, ASCII only so that it reads well as an Extended DNS
    /// Error text in `dig`, e.g. "Game time used up for today (60 min); resets at 00:00".
    pub fn text_en(&self) -> String {
        let text = match self {
            BlockReason::Paused { until: Some(m) } => {
                format!("Internet paused until {}", m.text_en())
            }
            BlockReason::Paused { until: None } => "Internet paused".to_string(),
            BlockReason::Schedule { target, until } => {
                let what = noun_en(target);
                match until {
                    Some(m) => format!("{what} blocked by schedule until {}", m.text_en()),
                    None => format!("{what} blocked by schedule"),
                }
            }
            BlockReason::BudgetExhausted {
                target,
                allowance,
                resets_at,
            } => format!(
                "{} used up for today ({allowance} min); resets at {}",
                time_en(target),
                resets_at.text_en()
            ),
        };
        text.chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }
}

fn noun_vi(target: &Target) -> String {
    match target {
        Target::All => "Internet".to_string(),
        Target::Group(g) => match g {
            ServiceGroup::Games => "game",
            ServiceGroup::Social => "mạng xã hội",
            ServiceGroup::Video => "video",
            ServiceGroup::Chat => "nhắn tin",
            ServiceGroup::Dating => "hẹn hò",
            ServiceGroup::Shopping => "mua sắm",
        }
        .to_string(),
        Target::Service(id) => id.clone(),
    }
}

fn activity_vi(target: &Target) -> String {
    match target {
        Target::All => "dùng Internet".to_string(),
        Target::Group(g) => match g {
            ServiceGroup::Games => "chơi game",
            ServiceGroup::Social => "dùng mạng xã hội",
            ServiceGroup::Video => "xem video",
            ServiceGroup::Chat => "nhắn tin",
            ServiceGroup::Dating => "dùng ứng dụng hẹn hò",
            ServiceGroup::Shopping => "mua sắm",
        }
        .to_string(),
        Target::Service(id) => format!("dùng {id}"),
    }
}

fn noun_en(target: &Target) -> String {
    match target {
        Target::All => "Internet".to_string(),
        Target::Group(g) => match g {
            ServiceGroup::Games => "Games",
            ServiceGroup::Social => "Social networks",
            ServiceGroup::Video => "Video",
            ServiceGroup::Chat => "Chat",
            ServiceGroup::Dating => "Dating",
            ServiceGroup::Shopping => "Shopping",
        }
        .to_string(),
        Target::Service(id) => id.clone(),
    }
}

fn time_en(target: &Target) -> String {
    match target {
        Target::All => "Internet time".to_string(),
        Target::Group(g) => match g {
            ServiceGroup::Games => "Game time",
            ServiceGroup::Social => "Social network time",
            ServiceGroup::Video => "Video time",
            ServiceGroup::Chat => "Chat time",
            ServiceGroup::Dating => "Dating time",
            ServiceGroup::Shopping => "Shopping time",
        }
        .to_string(),
        Target::Service(id) => format!("Time on {id}"),
    }
}

/// The outcome of the time rules for one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The query may go ahead.
    Allowed {
        /// Minutes left today under the tightest applicable budget; `None` when none applies.
        remaining: Option<u32>,
    },
    /// The query is blocked.
    Blocked(BlockReason),
}

/// A profile's time rules and today's usage, as the caller holds them.
///
/// The zone of `usage` is the profile's zone; it is used for the day and for the times shown in
/// pause and budget texts (each schedule shows times in its own zone, normally the same).
#[derive(Debug, Clone, Copy)]
pub struct TimeLimits<'a> {
    /// The guardian's pause, if one is set.
    pub pause: Option<&'a Pause>,
    /// Blocking schedules.
    pub schedules: &'a [Schedule],
    /// Daily budgets.
    pub budgets: &'a [Budget],
    /// Extra time granted (expired grants are ignored).
    pub extra: &'a [ExtraTime],
    /// Today's usage.
    pub usage: &'a UsageDay,
}

/// Decides a query matching `service` (of `group`), or no service when both are `None`, at
/// `now`: an active pause blocks first, then a schedule covering the query, then a used-up
/// budget. When several schedules block, the reason names the one whose block ends last.
pub fn access(
    limits: &TimeLimits<'_>,
    service: Option<&str>,
    group: Option<ServiceGroup>,
    now: Timestamp,
) -> Access {
    let zone = limits.usage.zone();
    if let Some(pause) = limits.pause.filter(|p| p.active_at(now)) {
        let until = match pause {
            Pause::Until(end) => Some(Moment::new(*end, zone, now)),
            Pause::UntilTurnedOff => None,
        };
        return Access::Blocked(BlockReason::Paused { until });
    }
    let blocking = limits
        .schedules
        .iter()
        .filter(|s| s.target.covers(service, group) && s.blocks_at(now))
        .map(|s| (s, s.next_change(now)))
        .max_by_key(|(_, end)| end.unwrap_or(Timestamp::MAX));
    if let Some((schedule, end)) = blocking {
        return Access::Blocked(BlockReason::Schedule {
            target: schedule.target.clone(),
            until: end.map(|t| Moment::new(t, &schedule.time_zone, now)),
        });
    }
    match budget::evaluate(
        limits.budgets,
        limits.usage,
        limits.extra,
        service,
        group,
        now,
    ) {
        BudgetState::Unlimited => Access::Allowed { remaining: None },
        BudgetState::Remaining { minutes } => Access::Allowed {
            remaining: Some(minutes),
        },
        BudgetState::Exhausted {
            target,
            allowance,
            resets_at,
        } => Access::Blocked(BlockReason::BudgetExhausted {
            target,
            allowance,
            resets_at: Moment::new(resets_at, zone, now),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Weekly, Zone, decree_147_defaults};

    const GAMES: ServiceGroup = ServiceGroup::Games;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn games_at_night() -> Schedule {
        Schedule {
            target: Target::Group(GAMES),
            time_zone: Zone::default(),
            blocked: Weekly::parse("daily 21:00-06:00").unwrap(),
        }
    }

    /// Usage on 2026-03-11 (Ho Chi Minh City) with roblox played 03:00-04:00 UTC (10:00-11:00).
    fn hour_of_roblox() -> UsageDay {
        let mut day = UsageDay::new(Zone::default(), ts("2026-03-11T03:00:00Z"));
        for k in 0..60 {
            let minute = ts("2026-03-11T03:00:00Z") + SignedDuration::from_mins(k);
            day.record_activity(minute, "roblox", GAMES);
        }
        day
    }

    #[test]
    fn targets_parse_display_and_serialize() {
        for (text, target) in [
            ("all", Target::All),
            ("group:games", Target::Group(GAMES)),
            ("group:social", Target::Group(ServiceGroup::Social)),
            ("service:roblox", Target::Service("roblox".into())),
            ("service:lien_quan", Target::Service("lien_quan".into())),
        ] {
            assert_eq!(text.parse::<Target>().unwrap(), target);
            assert_eq!(target.to_string(), text);
            let json = serde_json::to_string(&target).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), target);
        }
        assert_eq!(" ALL ".parse::<Target>().unwrap(), Target::All);
        for bad in [
            "",
            "games",
            "group:sports",
            "service:",
            "service:Roblox",
            "svc:roblox",
        ] {
            let err = bad.parse::<Target>().unwrap_err().to_string();
            assert!(err.starts_with(&format!("invalid target '{bad}': write all, group:NAME")));
        }
    }

    #[test]
    fn covers_matches_service_group_and_all() {
        let roblox = (Some("roblox"), Some(GAMES));
        assert!(Target::All.covers(roblox.0, roblox.1));
        assert!(Target::All.covers(None, None));
        assert!(Target::Group(GAMES).covers(roblox.0, roblox.1));
        assert!(!Target::Group(GAMES).covers(None, None));
        assert!(!Target::Group(ServiceGroup::Video).covers(roblox.0, roblox.1));
        assert!(Target::Service("roblox".into()).covers(roblox.0, roblox.1));
        assert!(!Target::Service("roblox".into()).covers(Some("minecraft"), Some(GAMES)));
    }

    #[test]
    fn pause_beats_schedule_beats_budget() {
        let usage = hour_of_roblox();
        let budgets = decree_147_defaults();
        let schedules = [games_at_night()];
        // 14:30 UTC = 21:30 local: in the schedule, and roblox's 60 minutes are used up.
        let night = ts("2026-03-11T14:30:00Z");
        let pause = Pause::Until(ts("2026-03-11T15:00:00Z"));
        let limits = TimeLimits {
            pause: Some(&pause),
            schedules: &schedules,
            budgets: &budgets,
            extra: &[],
            usage: &usage,
        };
        let decide =
            |limits: &TimeLimits<'_>, now| access(limits, Some("roblox"), Some(GAMES), now);
        let Access::Blocked(reason) = decide(&limits, night) else {
            panic!("paused")
        };
        assert_eq!(reason.text_en(), "Internet paused until 22:00");
        assert_eq!(reason.text_vi(), "Internet đang tạm dừng đến 22:00");
        // After the pause ends, the schedule blocks until 06:00.
        let after = ts("2026-03-11T15:00:00Z");
        let Access::Blocked(reason) = decide(&limits, after) else {
            panic!("scheduled")
        };
        assert!(matches!(
            &reason,
            BlockReason::Schedule {
                target: Target::Group(GAMES),
                ..
            }
        ));
        assert_eq!(reason.text_en(), "Games blocked by schedule until 06:00");
        assert_eq!(reason.text_vi(), "Theo lịch, game bị chặn đến 06:00");
        // In the daytime, without the pause, the used-up budget blocks roblox but not minecraft.
        let day = ts("2026-03-11T08:00:00Z");
        assert!(matches!(
            decide(&limits, day),
            Access::Blocked(BlockReason::Paused { .. })
        ));
        let unpaused = TimeLimits {
            pause: None,
            ..limits
        };
        let Access::Blocked(reason) = decide(&unpaused, day) else {
            panic!("budget")
        };
        assert_eq!(
            reason,
            BlockReason::BudgetExhausted {
                target: Target::Service("roblox".into()),
                allowance: 60,
                resets_at: Moment::new(ts("2026-03-11T17:00:00Z"), &Zone::default(), day),
            }
        );
        assert_eq!(
            reason.text_en(),
            "Time on roblox used up for today (60 min); resets at 00:00"
        );
        assert_eq!(
            reason.text_vi(),
            "Hết giờ dùng roblox hôm nay (60 phút); mở lại lúc 00:00"
        );
        assert_eq!(
            access(&unpaused, Some("minecraft"), Some(GAMES), day),
            Access::Allowed {
                remaining: Some(60)
            }
        );
        // Names of no service are only subject to pauses and all-internet rules.
        assert_eq!(access(&limits, None, None, night), decide(&limits, night));
        assert_eq!(
            access(&unpaused, None, None, night),
            Access::Allowed { remaining: None }
        );
    }

    #[test]
    fn texts_name_the_minutes_and_the_reset_time() {
        let resets = Moment::new(
            ts("2026-03-11T17:00:00Z"),
            &Zone::default(),
            ts("2026-03-11T08:00:00Z"),
        );
        let games = BlockReason::BudgetExhausted {
            target: Target::Group(GAMES),
            allowance: 60,
            resets_at: resets.clone(),
        };
        assert_eq!(
            games.text_vi(),
            "Hết giờ chơi game hôm nay (60 phút); mở lại lúc 00:00"
        );
        assert_eq!(
            games.text_en(),
            "Game time used up for today (60 min); resets at 00:00"
        );
        let all = BlockReason::BudgetExhausted {
            target: Target::All,
            allowance: 210,
            resets_at: resets,
        };
        assert_eq!(
            all.text_vi(),
            "Hết giờ dùng Internet hôm nay (210 phút); mở lại lúc 00:00"
        );
        assert_eq!(
            all.text_en(),
            "Internet time used up for today (210 min); resets at 00:00"
        );
    }

    #[test]
    fn far_away_times_carry_their_date() {
        let now = ts("2026-03-11T08:00:00Z");
        let pause = BlockReason::Paused {
            until: Some(Moment::new(
                ts("2026-03-14T01:30:00Z"),
                &Zone::default(),
                now,
            )),
        };
        assert_eq!(pause.text_en(), "Internet paused until 08:30 on 2026-03-14");
        assert_eq!(
            pause.text_vi(),
            "Internet đang tạm dừng đến 08:30 ngày 14/03/2026"
        );
        let forever = BlockReason::Paused { until: None };
        assert_eq!(forever.text_en(), "Internet paused");
        let all_week = BlockReason::Schedule {
            target: Target::Group(ServiceGroup::Social),
            until: None,
        };
        assert_eq!(all_week.text_en(), "Social networks blocked by schedule");
        assert_eq!(all_week.text_vi(), "Theo lịch, mạng xã hội bị chặn");
    }

    #[test]
    fn english_texts_are_ascii() {
        let odd = BlockReason::Schedule {
            target: Target::Service("zalo\u{e9}\n".into()),
            until: None,
        };
        assert_eq!(odd.text_en(), "zalo?? blocked by schedule");
        let now = ts("2026-03-11T08:00:00Z");
        for reason in [
            BlockReason::Paused {
                until: Some(Moment::new(now, &Zone::default(), now)),
            },
            BlockReason::BudgetExhausted {
                target: Target::Group(ServiceGroup::Dating),
                allowance: 0,
                resets_at: Moment::new(now, &Zone::default(), now),
            },
        ] {
            assert!(reason.text_en().is_ascii());
        }
    }

    #[test]
    fn pause_until_turned_off_and_expired_pauses() {
        let usage = hour_of_roblox();
        let now = ts("2026-03-11T08:00:00Z");
        let off = Pause::UntilTurnedOff;
        let limits = TimeLimits {
            pause: Some(&off),
            schedules: &[],
            budgets: &[],
            extra: &[],
            usage: &usage,
        };
        assert_eq!(
            access(&limits, None, None, now),
            Access::Blocked(BlockReason::Paused { until: None })
        );
        let over = Pause::Until(ts("2026-03-11T07:00:00Z"));
        let limits = TimeLimits {
            pause: Some(&over),
            ..limits
        };
        assert_eq!(
            access(&limits, None, None, now),
            Access::Allowed { remaining: None }
        );
    }

    #[test]
    fn the_latest_ending_schedule_is_reported() {
        let usage = hour_of_roblox();
        let short = Schedule {
            target: Target::All,
            time_zone: Zone::default(),
            blocked: Weekly::parse("daily 21:00-22:00").unwrap(),
        };
        let games = Schedule {
            target: Target::Group(GAMES),
            time_zone: Zone::default(),
            blocked: Weekly::parse("daily 21:00-07:00").unwrap(),
        };
        let schedules = [short, games, Schedule::bedtime(Zone::default())];
        let limits = TimeLimits {
            pause: None,
            schedules: &schedules,
            budgets: &[],
            extra: &[],
            usage: &usage,
        };
        // Wednesday 21:45 local: all three block roblox; the games night block ends last.
        let now = ts("2026-03-11T14:45:00Z");
        let Access::Blocked(reason) = access(&limits, Some("roblox"), Some(GAMES), now) else {
            panic!("blocked")
        };
        assert_eq!(reason.text_en(), "Games blocked by schedule until 07:00");
        // A name of no service: bedtime (ends 06:30) outlasts the 22:00 block.
        let Access::Blocked(reason) = access(&limits, None, None, now) else {
            panic!("blocked")
        };
        assert_eq!(reason.text_en(), "Internet blocked by schedule until 06:30");
    }

    #[test]
    fn extra_time_unblocks_and_shows_remaining_minutes() {
        let usage = hour_of_roblox();
        let budgets = vec![Budget::new(Target::Group(GAMES), 60)];
        let now = ts("2026-03-11T08:00:00Z");
        let extra = [ExtraTime::today(
            Target::Group(GAMES),
            30,
            &Zone::default(),
            now,
        )];
        let mut limits = TimeLimits {
            pause: None,
            schedules: &[],
            budgets: &budgets,
            extra: &[],
            usage: &usage,
        };
        assert!(matches!(
            access(&limits, Some("roblox"), Some(GAMES), now),
            Access::Blocked(BlockReason::BudgetExhausted { .. })
        ));
        limits.extra = &extra;
        assert_eq!(
            access(&limits, Some("roblox"), Some(GAMES), now),
            Access::Allowed {
                remaining: Some(30)
            }
        );
    }
}
