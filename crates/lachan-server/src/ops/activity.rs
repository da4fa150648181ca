//! A profile's activity: one day's summary, and the totals of the seven days of a week, with
//! day boundaries at midnight in the profile's time zone.

use jiff::Timestamp;
use jiff::civil::Date;
use lachan_policy::Zone;
use lachan_store::{DaySummary, DayTotals};
use serde::Serialize;

use super::OpError;
use super::profiles::visible_record;
use crate::principal::Principal;
use crate::state::AppState;

/// Days in a week view.
const WEEK_DAYS: usize = 7;

/// One local day of a profile's activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayActivity {
    /// The profile.
    pub profile: String,
    /// The local date.
    pub date: Date,
    /// The profile's time zone, in which the day is counted.
    pub time_zone: String,
    /// The day's first instant.
    pub start: Timestamp,
    /// The next day's first instant.
    pub end: Timestamp,
    /// Queries, blocks, minutes per service, blocks per category, top names, per hour.
    pub summary: DaySummary,
}

/// Seven local days of a profile's activity, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekActivity {
    /// The profile.
    pub profile: String,
    /// The profile's time zone, in which days are counted.
    pub time_zone: String,
    /// The days, oldest first; the last is the day asked for (today by default).
    pub days: Vec<WeekDay>,
}

/// One day of a week view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekDay {
    /// The local date.
    pub date: Date,
    /// Queries, blocks and minutes per service group that day.
    pub totals: DayTotals,
}

/// The activity of profile `name` on `day` (`YYYY-MM-DD`; today in the profile's zone when
/// `None`).
pub async fn day_activity(
    state: &AppState,
    who: &Principal,
    name: &str,
    day: Option<&str>,
) -> Result<DayActivity, OpError> {
    let found = visible_record(state, who, name).await?;
    let zone = &found.profile.time_zone;
    let date = chosen_date(day, zone, state.now())?;
    let start = start_of(date, zone)?;
    let end = start_of(next(date)?, zone)?;
    let summary = state
        .store
        .day_summary(
            &found.profile.name,
            start.as_millisecond(),
            end.as_millisecond(),
        )
        .await?;
    Ok(DayActivity {
        profile: found.profile.name.clone(),
        date,
        time_zone: zone.name().to_string(),
        start,
        end,
        summary,
    })
}

/// The seven days of profile `name` ending on `last_day` (`YYYY-MM-DD`; today in the
/// profile's zone when `None`).
pub async fn week_activity(
    state: &AppState,
    who: &Principal,
    name: &str,
    last_day: Option<&str>,
) -> Result<WeekActivity, OpError> {
    let found = visible_record(state, who, name).await?;
    let zone = &found.profile.time_zone;
    let last = chosen_date(last_day, zone, state.now())?;
    let mut dates = Vec::with_capacity(WEEK_DAYS);
    let mut date = last;
    for _ in 0..WEEK_DAYS {
        dates.push(date);
        date = date.yesterday().map_err(|_| out_of_range())?;
    }
    dates.reverse();
    let mut bounds = Vec::with_capacity(WEEK_DAYS + 1);
    for d in &dates {
        bounds.push(start_of(*d, zone)?.as_millisecond());
    }
    bounds.push(start_of(next(last)?, zone)?.as_millisecond());
    let totals = state
        .store
        .week_summary(&found.profile.name, &bounds)
        .await?;
    Ok(WeekActivity {
        profile: found.profile.name.clone(),
        time_zone: zone.name().to_string(),
        days: dates
            .into_iter()
            .zip(totals)
            .map(|(date, totals)| WeekDay { date, totals })
            .collect(),
    })
}

/// The date written (`YYYY-MM-DD`), or today in `zone`.
fn chosen_date(text: Option<&str>, zone: &Zone, now: Timestamp) -> Result<Date, OpError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(zone.time_zone().to_datetime(now).date()),
        Some(text) => text.parse::<Date>().map_err(|_| {
            OpError::Invalid(format!(
                "'{}' is not a date; write YYYY-MM-DD, e.g. 2026-03-14",
                text.chars().take(40).collect::<String>().escape_debug()
            ))
        }),
    }
}

/// The first instant of `date` in `zone` (midnight, or the first instant after a skipped one).
fn start_of(date: Date, zone: &Zone) -> Result<Timestamp, OpError> {
    date.to_zoned_datetime(zone.time_zone().clone())
        .map(|z| z.timestamp())
        .map_err(|_| out_of_range())
}

fn next(date: Date) -> Result<Date, OpError> {
    date.tomorrow().map_err(|_| out_of_range())
}

fn out_of_range() -> OpError {
    OpError::Invalid("the date is out of range; choose a date near today".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_local_midnight() {
        let hcm = Zone::default();
        let date: Date = "2026-03-14".parse().unwrap();
        assert_eq!(
            start_of(date, &hcm).unwrap(),
            "2026-03-13T17:00:00Z".parse::<Timestamp>().unwrap()
        );
        // Berlin springs forward on 2026-03-29: that day lasts 23 hours.
        let berlin = Zone::new("Europe/Berlin").unwrap();
        let day: Date = "2026-03-29".parse().unwrap();
        let len = start_of(next(day).unwrap(), &berlin)
            .unwrap()
            .duration_since(start_of(day, &berlin).unwrap());
        assert_eq!(len.as_hours(), 23);
    }

    #[test]
    fn today_is_the_profiles_local_date() {
        let now: Timestamp = "2026-03-14T18:00:00Z".parse().unwrap();
        assert_eq!(
            chosen_date(None, &Zone::default(), now).unwrap(),
            "2026-03-15".parse::<Date>().unwrap()
        );
        assert!(chosen_date(Some("14/03/2026"), &Zone::default(), now).is_err());
    }
}
