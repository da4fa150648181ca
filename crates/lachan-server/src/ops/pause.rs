//! "Pause internet" for a profile: until a time, for some minutes, or until turned off; stored
//! on the profile and applied to DNS at once.

use jiff::civil::{DateTime, Time};
use jiff::{SignedDuration, Timestamp};
use lachan_policy::{Pause, Zone};

use super::profiles::{ProfileView, editable_record, get_profile};
use super::{OpError, apply, record};
use crate::principal::Principal;
use crate::state::AppState;

/// Longest pause with an end, in days.
const MAX_PAUSE_DAYS: i64 = 30;

/// How long to pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseLength {
    /// Until a guardian turns it off.
    UntilTurnedOff,
    /// For this many minutes from now.
    Minutes(u32),
    /// Until a time written as RFC 3339 (`2026-03-14T21:30:00+07:00`), as local date and time
    /// in the profile's zone (`2026-03-14T21:30`, a browser's datetime-local), or as a local
    /// time of day (`21:30`, the next one to come).
    Until(String),
}

/// Pauses internet for profile `name`.
pub async fn pause_profile(
    state: &AppState,
    who: &Principal,
    name: &str,
    length: &PauseLength,
) -> Result<ProfileView, OpError> {
    let found = editable_record(state, who, name).await?;
    let now = state.now();
    let pause = match length {
        PauseLength::UntilTurnedOff => Pause::UntilTurnedOff,
        PauseLength::Minutes(minutes) => Pause::Until(checked_end(
            now,
            now.saturating_add(SignedDuration::from_mins(i64::from(*minutes)))
                .unwrap_or(Timestamp::MAX),
        )?),
        PauseLength::Until(text) => Pause::Until(checked_end(
            now,
            parse_until(text, &found.profile.time_zone, now)?,
        )?),
    };
    let mut profile = found.profile;
    profile.pause = Some(pause);
    state
        .store
        .save_console_profile(&profile, found.household.as_deref())
        .await?;
    let detail = match pause {
        Pause::UntilTurnedOff => "until turned off".to_string(),
        Pause::Until(end) => format!(
            "until {}",
            end.to_zoned_datetime(profile.time_zone.time_zone().clone())
                .strftime("%Y-%m-%d %H:%M %Z")
        ),
    };
    record(state, who, "pause set", &profile.name, &detail).await?;
    apply(state).await?;
    get_profile(state, who, &profile.name).await
}

/// Turns the pause of profile `name` off.
pub async fn resume_profile(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<ProfileView, OpError> {
    let found = editable_record(state, who, name).await?;
    let mut profile = found.profile;
    let was = profile.pause.take();
    state
        .store
        .save_console_profile(&profile, found.household.as_deref())
        .await?;
    let detail = if was.is_some() {
        "pause turned off"
    } else {
        "was not paused"
    };
    record(state, who, "pause lifted", &profile.name, detail).await?;
    apply(state).await?;
    get_profile(state, who, &profile.name).await
}

/// An end time that is after `now` and at most [`MAX_PAUSE_DAYS`] ahead.
fn checked_end(now: Timestamp, end: Timestamp) -> Result<Timestamp, OpError> {
    if end <= now {
        return Err(OpError::Invalid(
            "the pause would end in the past; choose a later time".into(),
        ));
    }
    if end.duration_since(now) > SignedDuration::from_hours(24 * MAX_PAUSE_DAYS) {
        return Err(OpError::Invalid(format!(
            "a pause with an end lasts at most {MAX_PAUSE_DAYS} days; pause until turned off \
             instead"
        )));
    }
    Ok(end)
}

/// The instant an "until" text names (see [`PauseLength::Until`]).
fn parse_until(text: &str, zone: &Zone, now: Timestamp) -> Result<Timestamp, OpError> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let tz = zone.time_zone();
    let local = if let Ok(civil) = text.parse::<DateTime>() {
        civil
    } else if let Ok(time) = text.parse::<Time>() {
        let today = tz.to_datetime(now).date().to_datetime(time);
        if tz
            .to_ambiguous_timestamp(today)
            .compatible()
            .is_ok_and(|t| t > now)
        {
            today
        } else {
            today
                .date()
                .tomorrow()
                .map(|d| d.to_datetime(time))
                .unwrap_or(today)
        }
    } else {
        return Err(OpError::Invalid(format!(
            "'{}' is not a time: write 21:30, 2026-03-14T21:30 (in the profile's time zone) or \
             2026-03-14T21:30:00+07:00",
            text.chars().take(40).collect::<String>().escape_debug()
        )));
    };
    tz.to_ambiguous_timestamp(local)
        .compatible()
        .map_err(|e| OpError::Invalid(format!("'{text}' is not a time in {zone}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn until_texts_are_read_in_the_profiles_zone() {
        let zone = Zone::default();
        // 2026-03-14 10:00 in Ho Chi Minh City.
        let now = ts("2026-03-14T03:00:00Z");
        assert_eq!(
            parse_until("2026-03-14T21:30:00+07:00", &zone, now).unwrap(),
            ts("2026-03-14T14:30:00Z")
        );
        assert_eq!(
            parse_until("2026-03-14T21:30", &zone, now).unwrap(),
            ts("2026-03-14T14:30:00Z")
        );
        assert_eq!(
            parse_until("21:30", &zone, now).unwrap(),
            ts("2026-03-14T14:30:00Z")
        );
        // A time of day already past today is tomorrow's.
        assert_eq!(
            parse_until("07:00", &zone, now).unwrap(),
            ts("2026-03-15T00:00:00Z")
        );
        assert!(parse_until("soon", &zone, now).is_err());
    }

    #[test]
    fn ends_must_be_ahead_and_within_a_month() {
        let now = ts("2026-03-14T03:00:00Z");
        assert!(checked_end(now, now).is_err());
        assert!(checked_end(now, ts("2026-03-14T04:00:00Z")).is_ok());
        assert!(checked_end(now, ts("2026-05-14T04:00:00Z")).is_err());
    }
}
