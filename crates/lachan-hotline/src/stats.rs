//! The shapes of hotline statistics shared by the store and the server: the periods counts are
//! grouped by ([`Period`], in local time) and the dimensions they are broken down by
//! ([`Dimension`]).

use lachan_policy::named_enum;

/// Viet Nam's offset from UTC in minutes (UTC+7 all year, no daylight saving time).
pub const VIETNAM_UTC_OFFSET_MINUTES: i32 = 420;

const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_MINUTE: i64 = 60_000;

named_enum!(
    /// The length of one bucket of a statistics series.
    Period, "period", {
        /// A calendar day.
        Day => "day",
        /// A week from Monday (ISO 8601).
        Week => "week",
        /// A calendar month.
        Month => "month",
    }
);

named_enum!(
    /// What counts are broken down by.
    Dimension, "dimension", {
        /// The taxonomy category ([`lachan_policy::Category`]).
        Category => "category",
        /// The theme of the subtype ([`crate::Theme`]).
        Theme => "theme",
        /// The child's age band ([`crate::AgeBand`]).
        AgeBand => "age_band",
        /// The child's gender ([`crate::Gender`]).
        Gender => "gender",
        /// The child's province ([`crate::Province`] slug).
        Province => "province",
        /// How the report came in ([`crate::Channel`]).
        Channel => "channel",
    }
);

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12; // March = 0
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // March = 0
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Period {
    /// The start (Unix ms) of the bucket holding `ms`, with buckets cut at local midnight for a
    /// fixed `utc_offset_minutes` ([`VIETNAM_UTC_OFFSET_MINUTES`] for Viet Nam).
    pub fn bucket_start(self, ms: i64, utc_offset_minutes: i32) -> i64 {
        let offset_ms = i64::from(utc_offset_minutes) * MS_PER_MINUTE;
        let day = ms.saturating_add(offset_ms).div_euclid(MS_PER_DAY);
        let first_day = match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday: Monday is 3 days before.
            Period::Week => day - (day + 3).rem_euclid(7),
            Period::Month => {
                let (year, month, _) = civil_from_days(day);
                days_from_civil(year, month, 1)
            }
        };
        first_day
            .saturating_mul(MS_PER_DAY)
            .saturating_sub(offset_ms)
    }

    /// The start of the bucket after the one starting at `start_ms` (a [`Period::bucket_start`]).
    pub fn next_start(self, start_ms: i64, utc_offset_minutes: i32) -> i64 {
        let step_days = match self {
            Period::Day => 1,
            Period::Week => 7,
            // From the 1st of any month, 31 days later is in the next month.
            Period::Month => 31,
        };
        let later = start_ms.saturating_add(step_days * MS_PER_DAY);
        match self {
            Period::Day | Period::Week => later,
            Period::Month => self.bucket_start(later, utc_offset_minutes),
        }
    }

    /// A stable label for the bucket starting at `start_ms`: `2025-06` for a month, the local
    /// date of its first day (`2025-06-09`) for a day or a week.
    pub fn label(self, start_ms: i64, utc_offset_minutes: i32) -> String {
        let offset_ms = i64::from(utc_offset_minutes) * MS_PER_MINUTE;
        let day = start_ms.saturating_add(offset_ms).div_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(day);
        match self {
            Period::Month => format!("{year:04}-{month:02}"),
            Period::Day | Period::Week => format!("{year:04}-{month:02}-{day:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VN: i32 = VIETNAM_UTC_OFFSET_MINUTES;
    const HOUR: i64 = 3_600_000;

    /// Unix ms of a Viet Nam local date and hour.
    fn vn(year: i64, month: i64, day: i64, hour: i64) -> i64 {
        days_from_civil(year, month, day) * MS_PER_DAY + (hour - 7) * HOUR
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(20_251), (2025, 6, 12));
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn days_start_at_midnight_in_viet_nam() {
        // 12 June 2025, 06:59 in Hà Nội is still 11 June in UTC.
        let at = vn(2025, 6, 12, 6) + 59 * 60_000;
        let start = Period::Day.bucket_start(at, VN);
        assert_eq!(start, vn(2025, 6, 12, 0));
        assert_eq!(start, 1_749_661_200_000, "2025-06-11T17:00:00Z");
        assert_eq!(Period::Day.bucket_start(start, VN), start);
        assert_eq!(Period::Day.bucket_start(start - 1, VN), vn(2025, 6, 11, 0));
        assert_eq!(Period::Day.label(start, VN), "2025-06-12");
        // In UTC the same moment falls on the previous day.
        assert_eq!(
            Period::Day.label(Period::Day.bucket_start(at, 0), 0),
            "2025-06-11"
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        // Thursday 12 June 2025 → Monday 9 June; Sunday 15 June 23:00 → the same Monday.
        let monday = vn(2025, 6, 9, 0);
        assert_eq!(Period::Week.bucket_start(vn(2025, 6, 12, 10), VN), monday);
        assert_eq!(Period::Week.bucket_start(vn(2025, 6, 15, 23), VN), monday);
        assert_eq!(Period::Week.bucket_start(monday, VN), monday);
        assert_eq!(Period::Week.next_start(monday, VN), vn(2025, 6, 16, 0));
        assert_eq!(Period::Week.label(monday, VN), "2025-06-09");
    }

    #[test]
    fn months_start_on_the_first() {
        let june = vn(2025, 6, 1, 0);
        assert_eq!(Period::Month.bucket_start(vn(2025, 6, 30, 23), VN), june);
        assert_eq!(Period::Month.bucket_start(june - 1, VN), vn(2025, 5, 1, 0));
        assert_eq!(Period::Month.label(june, VN), "2025-06");
        let mut start = vn(2024, 1, 1, 0);
        let mut labels = Vec::new();
        for _ in 0..14 {
            labels.push(Period::Month.label(start, VN));
            start = Period::Month.next_start(start, VN);
        }
        assert_eq!(labels[1], "2024-02");
        assert_eq!(labels[2], "2024-03", "leap February is skipped correctly");
        assert_eq!(labels[13], "2025-02");
        assert_eq!(start, vn(2025, 3, 1, 0));
    }

    #[test]
    fn days_step_by_one() {
        let start = vn(2024, 12, 31, 0);
        let next = Period::Day.next_start(start, VN);
        assert_eq!(Period::Day.label(next, VN), "2025-01-01");
    }

    #[test]
    fn extreme_times_do_not_panic() {
        for &p in Period::ALL {
            for ms in [i64::MIN, -1, 0, i64::MAX] {
                let start = p.bucket_start(ms, VN);
                let _ = p.next_start(start, VN);
                let _ = p.label(start, VN);
            }
        }
    }

    #[test]
    fn dimension_names() {
        let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(
            names,
            [
                "category", "theme", "age_band", "gender", "province", "channel"
            ]
        );
        assert_eq!("week".parse::<Period>().unwrap(), Period::Week);
    }
}
