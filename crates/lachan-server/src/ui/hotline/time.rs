//! Lengths of time in words ("11 giờ 59 phút", "3 days 4 h"), for deadlines and waiting
//! reports.

use crate::ui::i18n::Tr;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// `ms` (a length, sign ignored) in words with its two largest units, rounded down: "3 ngày 4
/// giờ", "12 h", "5 min"; under a minute, "less than a minute".
pub(crate) fn duration(tr: Tr, ms: i64) -> String {
    let ms = ms.saturating_abs();
    let (days, hours, minutes) = (ms / DAY_MS, ms % DAY_MS / HOUR_MS, ms % HOUR_MS / MINUTE_MS);
    let parts: Vec<String> = [
        ("hotline-duration-days", days),
        ("hotline-duration-hours", hours),
        ("hotline-duration-minutes", minutes),
    ]
    .into_iter()
    .skip_while(|&(_, n)| n == 0)
    .take(2)
    .filter(|&(_, n)| n > 0)
    .map(|(id, n)| tr.t1(id, "n", n))
    .collect();
    if parts.is_empty() {
        tr.t("hotline-duration-moment")
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn durations_keep_their_two_largest_units() {
        let (vi, en) = (Lang::Vi.tr(), Lang::En.tr());
        assert_eq!(duration(vi, 12 * HOUR_MS), "12 giờ");
        assert_eq!(duration(en, 12 * HOUR_MS), "12 h");
        assert_eq!(
            duration(vi, 11 * HOUR_MS + 59 * MINUTE_MS + 59_999),
            "11 giờ 59 phút"
        );
        assert_eq!(
            duration(en, 3 * DAY_MS + 4 * HOUR_MS + 5 * MINUTE_MS),
            "3 days 4 h"
        );
        assert_eq!(duration(en, DAY_MS + 5 * MINUTE_MS), "1 day");
        assert_eq!(duration(en, -5 * MINUTE_MS), "5 min");
        assert_eq!(duration(vi, 59_999), "dưới 1 phút");
        assert_eq!(duration(en, i64::MIN), duration(en, i64::MAX));
    }
}
