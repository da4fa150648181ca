//! Local time for a profile: its time zone, weekly schedules of blocked intervals, and pauses.
//!
//! Everything here takes the current time as a [`Timestamp`] from the caller and never reads a
//! clock. Time zones come from the IANA database compiled into the binary (no file is read).
//!
//! # Text form of a week ([`Weekly`])
//!
//! Days followed by one or more blocked intervals, groups separated by commas, semicolons or
//! spaces: `Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00` or `Mon,Wed 12:00-13:00 21:30-06:30`.
//!
//! - Days: `Mon` .. `Sun` or full English names, Vietnamese `T2` .. `T7` and `CN`, ranges such as
//!   `Mon-Fri` or `Fri-Mon` (wrapping), and the words `daily`, `weekdays` (Mon-Fri) and
//!   `weekends` (Sat-Sun); case does not matter.
//! - Times: `HH:MM` or the Vietnamese `21h30` / `21h`; `24:00` may end an interval.
//! - An interval whose end is earlier than its start crosses midnight: it belongs to the day it
//!   starts on and continues into the next morning (`Fri 22:00-02:00` blocks Saturday 01:00).
//! - An empty text is a week with nothing blocked.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Target;

/// The time zone used when a profile does not name one.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

const MINUTES_PER_DAY: u32 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// The IANA database compiled into the binary, so that looking a zone up reads no file.
static BUNDLED: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

/// A name that is not an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone '{0}'; use an IANA name such as Asia/Ho_Chi_Minh or Europe/Berlin")]
pub struct UnknownTimeZone(pub String);

/// A profile's IANA time zone; written as its name (`Asia/Ho_Chi_Minh`) in configuration and JSON.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// Looks a zone up by IANA name (case-insensitive) in the compiled-in database.
    pub fn new(name: &str) -> Result<Zone, UnknownTimeZone> {
        let tz = BUNDLED
            .get(name.trim())
            .map_err(|_| UnknownTimeZone(name.to_string()))?;
        let name = tz.iana_name().unwrap_or(name.trim()).to_string();
        Ok(Zone { name, tz })
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's rules, for converting timestamps to local time.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The first instant of the local calendar day after the one holding `now` (local midnight,
    /// or the first instant after it when a DST change skips midnight).
    pub fn next_midnight(&self, now: Timestamp) -> Timestamp {
        let tomorrow = self.tz.to_datetime(now).date().tomorrow();
        tomorrow
            .and_then(|d| d.to_zoned_datetime(self.tz.clone()))
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }

    /// The first instant of the local calendar day holding `now`.
    pub fn start_of_day(&self, now: Timestamp) -> Timestamp {
        let today = self.tz.to_datetime(now).date();
        today
            .to_zoned_datetime(self.tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN)
    }
}

impl Default for Zone {
    /// `Asia/Ho_Chi_Minh` (UTC+7, no daylight saving time).
    fn default() -> Self {
        Zone::new(DEFAULT_TIME_ZONE).unwrap_or_else(|_| Zone {
            name: DEFAULT_TIME_ZONE.to_string(),
            tz: TimeZone::fixed(jiff::tz::offset(7)),
        })
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Zone {
    type Err = UnknownTimeZone;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Zone::new(s)
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What is wrong with the text of a weekly schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A word that is neither a day nor a time range.
    #[error(
        "unknown weekday '{0}'; use Mon, Tue, Wed, Thu, Fri, Sat, Sun (or T2..T7, CN), a range \
         such as Mon-Fri, or daily, weekdays, weekends"
    )]
    UnknownDay(String),
    /// A time range that is not `HH:MM-HH:MM`.
    #[error("'{0}' is not a time range; write HH:MM-HH:MM, e.g. 21:30-06:30")]
    BadRange(String),
    /// A time of day out of range or badly written.
    #[error(
        "invalid time '{time}' in '{range}': write HH:MM with hours 00-23 and minutes 00-59 \
         (24:00 only as an end)"
    )]
    BadTime {
        /// The time as written.
        time: String,
        /// The range it was part of.
        range: String,
    },
    /// An interval that starts and ends at the same time.
    #[error(
        "interval '{0}' starts and ends at the same time; to block a whole day write 00:00-24:00"
    )]
    EmptyInterval(String),
    /// A time range before any day.
    #[error("time range '{0}' has no days before it; write e.g. 'Mon-Fri {0}' or 'daily {0}'")]
    RangeWithoutDays(String),
    /// Days with no time range after them.
    #[error("days '{0}' have no time range after them; write e.g. '{0} 22:00-07:00'")]
    DaysWithoutRange(String),
}

/// One blocked interval: a weekday and a start and end time, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    day: u8,
    start: u16,
    end: u16,
}

impl Interval {
    /// The weekday the interval starts on.
    pub fn day(&self) -> Weekday {
        weekday(self.day)
    }

    /// Start, in minutes after local midnight (0..=1439).
    pub fn start_minute(&self) -> u16 {
        self.start
    }

    /// End, in minutes after local midnight (1..=1440); on the next day when it crosses midnight.
    pub fn end_minute(&self) -> u16 {
        self.end
    }

    /// Whether the interval continues into the next day's morning.
    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }

    /// The interval as (start, length) in minutes of the week counted from Monday 00:00.
    fn week_span(&self) -> (u32, u32) {
        let start = u32::from(self.day) * MINUTES_PER_DAY + u32::from(self.start);
        let len = if self.end > self.start {
            u32::from(self.end - self.start)
        } else {
            MINUTES_PER_DAY - u32::from(self.start) + u32::from(self.end)
        };
        (start, len)
    }
}

/// Blocked intervals for each day of the week, in local civil time (see the module docs for the
/// text form, which is also its serde form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Weekly {
    intervals: Vec<Interval>,
}

impl Weekly {
    /// Parses the text form, e.g. `Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00`.
    pub fn parse(text: &str) -> Result<Weekly, ScheduleError> {
        let mut intervals = Vec::new();
        let mut days: Vec<u8> = Vec::new();
        let mut day_words: Vec<&str> = Vec::new();
        let mut ranged = false;
        for token in text
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|t| !t.is_empty())
        {
            if token.starts_with(|c: char| c.is_ascii_digit()) {
                if days.is_empty() {
                    return Err(ScheduleError::RangeWithoutDays(token.to_string()));
                }
                let (start, end) = parse_range(token)?;
                intervals.extend(days.iter().map(|&day| Interval { day, start, end }));
                ranged = true;
            } else {
                if ranged {
                    days.clear();
                    day_words.clear();
                    ranged = false;
                }
                days.extend(parse_days(token)?);
                day_words.push(token);
            }
        }
        if !days.is_empty() && !ranged {
            return Err(ScheduleError::DaysWithoutRange(day_words.join(",")));
        }
        intervals.sort_unstable();
        intervals.dedup();
        Ok(Weekly { intervals })
    }

    /// The intervals, ordered by day, start and end.
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// Whether nothing is blocked.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// Whether the local civil time `local` falls in a blocked interval.
    pub fn blocks_local(&self, local: DateTime) -> bool {
        let minute = u32::from(local.weekday().to_monday_zero_offset().unsigned_abs())
            * MINUTES_PER_DAY
            + u32::from(local.hour().unsigned_abs()) * 60
            + u32::from(local.minute().unsigned_abs());
        self.intervals.iter().any(|i| {
            let (start, len) = i.week_span();
            (minute + MINUTES_PER_WEEK - start) % MINUTES_PER_WEEK < len
        })
    }

    /// Every minute of the week (from Monday 00:00) at which an interval starts or ends.
    fn boundaries(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .intervals
            .iter()
            .flat_map(|i| {
                let (start, len) = i.week_span();
                [start, (start + len) % MINUTES_PER_WEEK]
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn from_intervals(mut intervals: Vec<Interval>) -> Weekly {
        intervals.sort_unstable();
        intervals.dedup();
        Weekly { intervals }
    }
}

impl FromStr for Weekly {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Weekly::parse(s)
    }
}

impl fmt::Display for Weekly {
    /// The canonical text form: days with the same intervals grouped, e.g.
    /// `Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per_day: Vec<Vec<(u16, u16)>> = (0..7u8)
            .map(|d| {
                self.intervals
                    .iter()
                    .filter(|i| i.day == d)
                    .map(|i| (i.start, i.end))
                    .collect()
            })
            .collect();
        let mut done = [false; 7];
        let mut first_group = true;
        for d in 0..7 {
            if done[d] || per_day[d].is_empty() {
                continue;
            }
            let same: Vec<usize> = (d..7).filter(|&e| per_day[e] == per_day[d]).collect();
            for &e in &same {
                done[e] = true;
            }
            if !first_group {
                f.write_str(", ")?;
            }
            first_group = false;
            write_days(f, &same)?;
            for &(start, end) in &per_day[d] {
                write!(f, " {}-{}", ClockText(start), ClockText(end))?;
            }
        }
        Ok(())
    }
}

impl Serialize for Weekly {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Weekly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Weekly::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Writes a set of days (Monday = 0) as `daily`, `Mon-Fri` or `Mon,Wed,Fri-Sun`.
fn write_days(f: &mut fmt::Formatter<'_>, days: &[usize]) -> fmt::Result {
    if days.len() == 7 {
        return f.write_str("daily");
    }
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &d in days {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == d => *last = d,
            _ => runs.push((d, d)),
        }
    }
    for (n, (first, last)) in runs.into_iter().enumerate() {
        if n > 0 {
            f.write_str(",")?;
        }
        f.write_str(DAY_NAMES[first])?;
        if last != first {
            write!(f, "-{}", DAY_NAMES[last])?;
        }
    }
    Ok(())
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Minutes after midnight written as `HH:MM`.
struct ClockText(u16);

impl fmt::Display for ClockText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

fn weekday(monday_zero: u8) -> Weekday {
    match monday_zero {
        0 => Weekday::Monday,
        1 => Weekday::Tuesday,
        2 => Weekday::Wednesday,
        3 => Weekday::Thursday,
        4 => Weekday::Friday,
        5 => Weekday::Saturday,
        _ => Weekday::Sunday,
    }
}

/// One day name (Monday = 0).
fn parse_day(word: &str) -> Option<u8> {
    let day = match word.to_ascii_lowercase().as_str() {
        "mon" | "monday" | "t2" => 0,
        "tue" | "tuesday" | "t3" => 1,
        "wed" | "wednesday" | "t4" => 2,
        "thu" | "thursday" | "t5" => 3,
        "fri" | "friday" | "t6" => 4,
        "sat" | "saturday" | "t7" => 5,
        "sun" | "sunday" | "cn" => 6,
        _ => return None,
    };
    Some(day)
}

/// A day word: a day, a range of days (wrapping after Sunday), or `daily`/`weekdays`/`weekends`.
fn parse_days(word: &str) -> Result<Vec<u8>, ScheduleError> {
    let unknown = || ScheduleError::UnknownDay(word.to_string());
    match word.to_ascii_lowercase().as_str() {
        "daily" => return Ok((0..7).collect()),
        "weekdays" => return Ok((0..5).collect()),
        "weekends" | "weekend" => return Ok(vec![5, 6]),
        _ => {}
    }
    match word.split_once('-') {
        None => parse_day(word).map(|d| vec![d]).ok_or_else(unknown),
        Some((from, to)) => {
            let from = parse_day(from).ok_or_else(unknown)?;
            let to = parse_day(to).ok_or_else(unknown)?;
            let count = (to + 7 - from) % 7 + 1;
            Ok((0..count).map(|k| (from + k) % 7).collect())
        }
    }
}

/// `HH:MM-HH:MM` into (start, end) minutes after midnight.
fn parse_range(token: &str) -> Result<(u16, u16), ScheduleError> {
    let (start, end) = token
        .split_once('-')
        .ok_or_else(|| ScheduleError::BadRange(token.to_string()))?;
    let bad_time = |time: &str| ScheduleError::BadTime {
        time: time.to_string(),
        range: token.to_string(),
    };
    let start_minute = parse_clock(start)
        .filter(|&m| m < MINUTES_PER_DAY as u16)
        .ok_or_else(|| bad_time(start))?;
    let end_minute = parse_clock(end).ok_or_else(|| bad_time(end))?;
    let end_minute = if end_minute == MINUTES_PER_DAY as u16 && start_minute == 0 {
        MINUTES_PER_DAY as u16
    } else {
        end_minute % MINUTES_PER_DAY as u16
    };
    if start_minute == end_minute {
        return Err(ScheduleError::EmptyInterval(token.to_string()));
    }
    Ok((start_minute, end_minute))
}

/// `HH:MM`, `H:MM`, `21h30` or `21h` into minutes after midnight, up to 24:00.
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = match text.split_once([':', 'h', 'H']) {
        Some((h, "")) if text.ends_with(['h', 'H']) => (h, "00"),
        Some((h, m)) => (h, m),
        None => return None,
    };
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let hours = digits(hours, 2)?;
    let minutes = digits(minutes, 2).filter(|_| minutes.len() == 2)?;
    let total = hours * 60 + minutes;
    (minutes < 60 && (hours < 24 || total == MINUTES_PER_DAY as u16)).then_some(total)
}

/// Blocked intervals each week for one target, in a time zone.
///
/// Serde form: `{"target": "group:games", "time_zone": "Asia/Ho_Chi_Minh", "blocked":
/// "Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00"}`; `time_zone` may be left out (the default zone).
/// A profile's schedules should all carry the profile's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// What is blocked during the intervals.
    pub target: Target,
    /// The zone the intervals are written in.
    #[serde(default)]
    pub time_zone: Zone,
    /// The blocked intervals.
    pub blocked: Weekly,
}

impl Schedule {
    /// The built-in bedtime for all internet: school nights (Sunday to Thursday evenings)
    /// 21:30-06:30, weekend nights (Friday and Saturday evenings) 22:30-07:00.
    pub fn bedtime(time_zone: Zone) -> Schedule {
        let school_nights = [6u8, 0, 1, 2, 3].map(|day| Interval {
            day,
            start: 21 * 60 + 30,
            end: 6 * 60 + 30,
        });
        let weekend_nights = [4u8, 5].map(|day| Interval {
            day,
            start: 22 * 60 + 30,
            end: 7 * 60,
        });
        Schedule {
            target: Target::All,
            time_zone,
            blocked: Weekly::from_intervals(
                school_nights.into_iter().chain(weekend_nights).collect(),
            ),
        }
    }

    /// Whether the target is blocked at `now`.
    pub fn blocks_at(&self, now: Timestamp) -> bool {
        self.blocked
            .blocks_local(self.time_zone.time_zone().to_datetime(now))
    }

    /// The first instant after `now` at which [`Schedule::blocks_at`] changes (a block starts or
    /// ends), or `None` when it never changes (nothing blocked, or blocked all week).
    ///
    /// Exact across daylight saving time changes: an interval boundary that falls in a skipped
    /// hour takes effect at the change itself, and one in a repeated hour takes effect each time.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        if self.blocked.is_empty() {
            return None;
        }
        let tz = self.time_zone.time_zone();
        let current = self.blocks_at(now);
        let boundaries = self.blocked.boundaries();
        // Status only changes when local time reaches a boundary or jumps at a zone transition;
        // a weekly pattern changes within 8 days if it ever does.
        let mut candidates: Vec<Timestamp> = Vec::new();
        let mut date: Date = tz.to_datetime(now).date();
        if let Ok(yesterday) = date.yesterday() {
            date = yesterday;
        }
        for _ in 0..10 {
            let day = u32::from(date.weekday().to_monday_zero_offset().unsigned_abs());
            for &b in boundaries.iter().filter(|&&b| b / MINUTES_PER_DAY == day) {
                let m = b % MINUTES_PER_DAY;
                let Ok(time) = Time::new((m / 60) as i8, (m % 60) as i8, 0, 0) else {
                    continue;
                };
                let ambiguous = tz.to_ambiguous_timestamp(date.to_datetime(time));
                candidates.extend(ambiguous.earlier().ok());
                candidates.extend(ambiguous.later().ok());
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        let horizon = now
            .checked_add(SignedDuration::from_hours(24 * 9))
            .unwrap_or(Timestamp::MAX);
        candidates.extend(
            tz.following(now)
                .take(16)
                .map(|t| t.timestamp())
                .take_while(|&t| t <= horizon),
        );
        candidates.retain(|&t| t > now);
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .find(|&t| self.blocks_at(t) != current)
    }
}

/// The guardian's "pause internet" for a profile.
///
/// Serde form: `{"until": "2026-03-14T13:30:00Z"}` or `"until_turned_off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pause {
    /// Paused until this instant.
    Until(Timestamp),
    /// Paused until the guardian turns it off.
    UntilTurnedOff,
}

impl Pause {
    /// Whether the pause holds at `now`.
    pub fn active_at(&self, now: Timestamp) -> bool {
        match self {
            Pause::Until(end) => now < *end,
            Pause::UntilTurnedOff => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceGroup;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn schedule(zone: &str, text: &str) -> Schedule {
        Schedule {
            target: Target::All,
            time_zone: Zone::new(zone).unwrap(),
            blocked: Weekly::parse(text).unwrap(),
        }
    }

    /// The instant of a local civil time in a zone (the earlier one when it is repeated).
    fn local(zone: &str, civil: &str) -> Timestamp {
        let dt: DateTime = civil.parse().unwrap();
        Zone::new(zone)
            .unwrap()
            .time_zone()
            .to_ambiguous_timestamp(dt)
            .earlier()
            .unwrap()
    }

    const HCM: &str = "Asia/Ho_Chi_Minh";

    #[test]
    fn interval_crossing_midnight_belongs_to_the_day_it_starts() {
        // 2026-03-13 is a Friday.
        let s = schedule(HCM, "Fri 22:00-02:00");
        assert!(s.blocks_at(local(HCM, "2026-03-13T22:00")));
        assert!(s.blocks_at(local(HCM, "2026-03-13T23:59:59")));
        assert!(
            s.blocks_at(local(HCM, "2026-03-14T01:00")),
            "Saturday 01:00"
        );
        assert!(
            !s.blocks_at(local(HCM, "2026-03-14T02:00")),
            "end is exclusive"
        );
        assert!(!s.blocks_at(local(HCM, "2026-03-13T01:00")), "Friday 01:00");
        assert!(!s.blocks_at(local(HCM, "2026-03-13T21:59")));
    }

    #[test]
    fn sunday_night_wraps_into_monday() {
        // 2026-03-15 is a Sunday.
        let s = schedule(HCM, "CN 21:30-06:30");
        assert!(s.blocks_at(local(HCM, "2026-03-16T06:29")));
        assert!(!s.blocks_at(local(HCM, "2026-03-16T06:30")));
        assert!(!s.blocks_at(local(HCM, "2026-03-15T06:00")));
    }

    #[test]
    fn several_intervals_per_day() {
        let s = schedule(HCM, "Mon-Fri 12:00-13:00 21:00-06:30, Sat-Sun 22:00-07:00");
        // Wednesday 2026-03-11.
        assert!(s.blocks_at(local(HCM, "2026-03-11T12:30")));
        assert!(!s.blocks_at(local(HCM, "2026-03-11T13:00")));
        assert!(s.blocks_at(local(HCM, "2026-03-11T21:00")));
        assert!(s.blocks_at(local(HCM, "2026-03-12T06:00")));
        // Saturday 2026-03-14: lunch is free, night starts later.
        assert!(!s.blocks_at(local(HCM, "2026-03-14T12:30")));
        assert!(!s.blocks_at(local(HCM, "2026-03-14T21:30")));
        assert!(s.blocks_at(local(HCM, "2026-03-14T22:00")));
        // Friday night's interval still ends at 06:30 on Saturday.
        assert!(s.blocks_at(local(HCM, "2026-03-14T06:00")));
        assert!(!s.blocks_at(local(HCM, "2026-03-14T06:45")));
    }

    #[test]
    fn the_zone_decides_the_local_time() {
        let s = schedule(HCM, "daily 21:00-06:00");
        // 14:30 UTC is 21:30 in Ho Chi Minh City (UTC+7).
        assert!(s.blocks_at(ts("2026-03-11T14:30:00Z")));
        assert!(!s.blocks_at(ts("2026-03-11T13:30:00Z")));
    }

    #[test]
    fn text_form_round_trips_in_canonical_form() {
        let cases = [
            (
                "mon-fri 21:00-06:30; sat sun 22h-7h",
                "Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00",
            ),
            (
                "T2-T6 21h30-6h30, T7,CN 22:30-07:00",
                "Mon-Fri 21:30-06:30, Sat-Sun 22:30-07:00",
            ),
            ("daily 00:00-24:00", "daily 00:00-24:00"),
            (
                "weekdays 12:00-13:00 21:00-06:00",
                "Mon-Fri 12:00-13:00 21:00-06:00",
            ),
            ("Fri-Mon 23:00-05:00", "Mon,Fri-Sun 23:00-05:00"),
            ("Mon 10:00-11:00, Wed 10:00-11:00", "Mon,Wed 10:00-11:00"),
            ("Tuesday 20:00-24:00 20:00-24:00", "Tue 20:00-00:00"),
            ("", ""),
        ];
        for (input, canonical) in cases {
            let week = Weekly::parse(input).unwrap();
            assert_eq!(week.to_string(), canonical, "{input}");
            assert_eq!(Weekly::parse(canonical).unwrap(), week, "{canonical}");
        }
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let err = |text: &str| Weekly::parse(text).unwrap_err().to_string();
        assert_eq!(
            err("Mon 25:00-06:00"),
            "invalid time '25:00' in '25:00-06:00': write HH:MM with hours 00-23 and minutes \
             00-59 (24:00 only as an end)"
        );
        assert!(err("Mon 21:60-06:00").contains("invalid time '21:60'"));
        assert!(err("Mon 21:0-06:00").contains("invalid time '21:0'"));
        assert!(err("Mon 24:00-06:00").contains("invalid time '24:00'"));
        assert_eq!(
            err("Mon 21:00-21:00"),
            "interval '21:00-21:00' starts and ends at the same time; to block a whole day \
             write 00:00-24:00"
        );
        assert!(err("Mnday 21:00-06:00").starts_with("unknown weekday 'Mnday'; use Mon"));
        assert!(err("Mon-Frx 21:00-06:00").starts_with("unknown weekday 'Mon-Frx'"));
        assert_eq!(
            err("21:00-06:00"),
            "time range '21:00-06:00' has no days before it; write e.g. 'Mon-Fri 21:00-06:00' \
             or 'daily 21:00-06:00'"
        );
        assert!(err("Mon 21:00-06:00, Sat").starts_with("days 'Sat' have no time range"));
        assert_eq!(
            err("Mon 21:00"),
            "'21:00' is not a time range; write HH:MM-HH:MM, e.g. 21:30-06:30"
        );
    }

    #[test]
    fn serde_uses_the_text_form_and_defaults_the_zone() {
        let s: Schedule = serde_json::from_str(
            r#"{"target":"group:games","blocked":"Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00"}"#,
        )
        .unwrap();
        assert_eq!(s.target, Target::Group(ServiceGroup::Games));
        assert_eq!(s.time_zone.name(), "Asia/Ho_Chi_Minh");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"target":"group:games","time_zone":"Asia/Ho_Chi_Minh","blocked":"Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00"}"#
        );
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), s);
        let bad = serde_json::from_str::<Schedule>(r#"{"target":"all","blocked":"Mon 7-8"}"#);
        assert!(bad.unwrap_err().to_string().contains("invalid time '7'"));
        let bad = serde_json::from_str::<Schedule>(
            r#"{"target":"all","time_zone":"Mars/Olympus","blocked":""}"#,
        );
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("unknown time zone 'Mars/Olympus'")
        );
    }

    #[test]
    fn zone_names_are_canonical_and_default_to_vietnam() {
        assert_eq!(Zone::new("europe/berlin").unwrap().name(), "Europe/Berlin");
        assert_eq!(Zone::default().name(), "Asia/Ho_Chi_Minh");
        assert_eq!(Zone::default(), Zone::new("Asia/Ho_Chi_Minh").unwrap());
        assert!(Zone::new("").is_err());
    }

    #[test]
    fn next_change_finds_starts_and_ends() {
        let s = schedule(HCM, "Mon-Fri 21:00-06:30, Sat-Sun 22:00-07:00");
        // Wednesday 20:00 -> starts at 21:00.
        assert_eq!(
            s.next_change(local(HCM, "2026-03-11T20:00")),
            Some(local(HCM, "2026-03-11T21:00"))
        );
        // Wednesday 23:00 (blocked) -> ends Thursday 06:30.
        assert_eq!(
            s.next_change(local(HCM, "2026-03-11T23:00")),
            Some(local(HCM, "2026-03-12T06:30"))
        );
        // At the exact start, the next change is the end.
        assert_eq!(
            s.next_change(local(HCM, "2026-03-11T21:00")),
            Some(local(HCM, "2026-03-12T06:30"))
        );
        // Saturday 06:50: Friday night's block ended at 06:30; the next starts at 22:00.
        assert_eq!(
            s.next_change(local(HCM, "2026-03-14T06:50")),
            Some(local(HCM, "2026-03-14T22:00"))
        );
        // Sunday night's weekend block ends Monday 07:00.
        assert_eq!(
            s.next_change(local(HCM, "2026-03-15T23:00")),
            Some(local(HCM, "2026-03-16T07:00"))
        );
    }

    #[test]
    fn next_change_is_none_when_nothing_ever_changes() {
        let now = local(HCM, "2026-03-11T20:00");
        assert_eq!(schedule(HCM, "").next_change(now), None);
        let always = schedule(HCM, "daily 00:00-24:00");
        assert!(always.blocks_at(now));
        assert_eq!(always.next_change(now), None);
        // Back-to-back intervals that cover the week never end either.
        let chained = schedule(HCM, "daily 12:00-00:00 00:00-12:00");
        assert_eq!(chained.next_change(now), None);
    }

    #[test]
    fn next_change_a_week_ahead() {
        let s = schedule(HCM, "Wed 10:00-11:00");
        assert_eq!(
            s.next_change(local(HCM, "2026-03-11T11:00")),
            Some(local(HCM, "2026-03-18T10:00"))
        );
    }

    const BERLIN: &str = "Europe/Berlin";

    #[test]
    fn dst_spring_forward_in_berlin() {
        // 2026-03-29 (Sunday): 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let s = schedule(BERLIN, "Sat 22:00-02:30");
        assert!(s.blocks_at(ts("2026-03-29T00:59:59Z")), "01:59:59 CET");
        assert!(!s.blocks_at(ts("2026-03-29T01:00:00Z")), "03:00 CEST");
        // The end, 02:30, does not exist that night: the block ends at the jump.
        assert_eq!(
            s.next_change(ts("2026-03-29T00:00:00Z")),
            Some(ts("2026-03-29T01:00:00Z"))
        );
        // A start in the skipped hour takes effect at the jump.
        let s = schedule(BERLIN, "Sun 02:30-04:00");
        assert_eq!(
            s.next_change(ts("2026-03-28T23:00:00Z")),
            Some(ts("2026-03-29T01:00:00Z"))
        );
        assert!(s.blocks_at(ts("2026-03-29T01:00:00Z")));
        assert_eq!(
            s.next_change(ts("2026-03-29T01:00:00Z")),
            Some(ts("2026-03-29T02:00:00Z")),
            "04:00 CEST"
        );
        // A bedtime after the change is in summer time: 21:30 CEST = 19:30 UTC.
        let bed = Schedule::bedtime(Zone::new(BERLIN).unwrap());
        assert_eq!(
            bed.next_change(ts("2026-03-29T12:00:00Z")),
            Some(ts("2026-03-29T19:30:00Z"))
        );
        assert_eq!(
            bed.next_change(ts("2026-03-28T12:00:00Z")),
            Some(ts("2026-03-28T21:30:00Z")),
            "Saturday 22:30 CET"
        );
    }

    #[test]
    fn dst_fall_back_in_berlin() {
        // 2026-10-25 (Sunday): 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:xx happens twice.
        let s = schedule(BERLIN, "Sun 02:00-02:30");
        assert!(s.blocks_at(ts("2026-10-25T00:15:00Z")), "02:15 CEST");
        assert!(!s.blocks_at(ts("2026-10-25T00:45:00Z")), "02:45 CEST");
        assert!(s.blocks_at(ts("2026-10-25T01:15:00Z")), "02:15 CET");
        assert_eq!(
            s.next_change(ts("2026-10-25T00:45:00Z")),
            Some(ts("2026-10-25T01:00:00Z")),
            "blocked again when 02:00 comes round a second time"
        );
        assert_eq!(
            s.next_change(ts("2026-10-25T01:00:00Z")),
            Some(ts("2026-10-25T01:30:00Z"))
        );
        // Nights are an hour longer in absolute time: Sat 22:00 CEST to Sun 07:00 CET is 10 h.
        let night = schedule(BERLIN, "Sat 22:00-07:00");
        let start = ts("2026-10-24T20:00:00Z");
        assert!(night.blocks_at(start));
        assert_eq!(night.next_change(start), Some(ts("2026-10-25T06:00:00Z")));
    }

    #[test]
    fn bedtime_covers_school_nights_and_weekends() {
        let bed = Schedule::bedtime(Zone::default());
        assert_eq!(bed.target, Target::All);
        assert_eq!(
            bed.blocked.to_string(),
            "Mon-Thu,Sun 21:30-06:30, Fri-Sat 22:30-07:00"
        );
        // Sunday 21:45 (school tomorrow) is blocked; Friday 21:45 is not.
        assert!(bed.blocks_at(local(HCM, "2026-03-15T21:45")));
        assert!(!bed.blocks_at(local(HCM, "2026-03-13T21:45")));
        // Saturday 06:45 after Friday night is still blocked; Monday 06:45 is not.
        assert!(bed.blocks_at(local(HCM, "2026-03-14T06:45")));
        assert!(!bed.blocks_at(local(HCM, "2026-03-16T06:45")));
    }

    #[test]
    fn pause_until_a_time_or_until_turned_off() {
        let end = ts("2026-03-11T13:30:00Z");
        let pause = Pause::Until(end);
        assert!(pause.active_at(ts("2026-03-11T13:29:59Z")));
        assert!(!pause.active_at(end));
        assert!(Pause::UntilTurnedOff.active_at(ts("2099-01-01T00:00:00Z")));
        assert_eq!(
            serde_json::to_string(&pause).unwrap(),
            r#"{"until":"2026-03-11T13:30:00Z"}"#
        );
        assert_eq!(
            serde_json::from_str::<Pause>(r#""until_turned_off""#).unwrap(),
            Pause::UntilTurnedOff
        );
    }
}
