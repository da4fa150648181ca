//! One running or finished clock of a case, and how it stands at a given time.

use serde::Serialize;

/// A clock of a case, as the store keeps it. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockState {
    /// The name of its [`crate::ClockRule`].
    pub rule: String,
    /// When it started.
    pub started_ms: i64,
    /// When it is due (see [`crate::ClockRule::due_ms`]).
    pub due_ms: i64,
    /// When it was met, if it was.
    pub met_ms: Option<i64>,
    /// When it was escalated to supervisors for being overdue, if it was.
    pub escalated_ms: Option<i64>,
}

/// How a clock stands at a given time. The deadline is inclusive: a clock met or looked at
/// exactly at `due_ms` is in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ClockStatus {
    /// Unmet, more than a quarter of its time left.
    Running {
        /// Milliseconds until due.
        left_ms: i64,
    },
    /// Unmet, in the last quarter of its time.
    DueSoon {
        /// Milliseconds until due (0 at the deadline itself).
        left_ms: i64,
    },
    /// Unmet after its deadline.
    Overdue {
        /// Milliseconds past the deadline.
        late_ms: i64,
    },
    /// Met by its deadline.
    MetInTime,
    /// Met after its deadline.
    MetLate,
}

impl ClockStatus {
    /// A stable snake_case name (the serde tag), for CSS classes, statistics and Fluent keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStatus::Running { .. } => "running",
            ClockStatus::DueSoon { .. } => "due_soon",
            ClockStatus::Overdue { .. } => "overdue",
            ClockStatus::MetInTime => "met_in_time",
            ClockStatus::MetLate => "met_late",
        }
    }
}

impl ClockState {
    /// How the clock stands at `now_ms`.
    pub fn status(&self, now_ms: i64) -> ClockStatus {
        if let Some(met_ms) = self.met_ms {
            return if met_ms <= self.due_ms {
                ClockStatus::MetInTime
            } else {
                ClockStatus::MetLate
            };
        }
        let left_ms = self.due_ms.saturating_sub(now_ms);
        if left_ms < 0 {
            return ClockStatus::Overdue {
                late_ms: now_ms.saturating_sub(self.due_ms),
            };
        }
        let total_ms = self.due_ms.saturating_sub(self.started_ms);
        // Last quarter: left / total <= 1/4, compared without division.
        if i128::from(left_ms) * 4 <= i128::from(total_ms) {
            ClockStatus::DueSoon { left_ms }
        } else {
            ClockStatus::Running { left_ms }
        }
    }

    /// True when the clock is overdue at `now_ms` and was not escalated yet: the background task
    /// escalates it and records `escalated_ms`.
    pub fn needs_escalation(&self, now_ms: i64) -> bool {
        self.escalated_ms.is_none() && matches!(self.status(now_ms), ClockStatus::Overdue { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    /// A 12-hour clock started at hour 100.
    fn clock() -> ClockState {
        ClockState {
            rule: "emergency_intervention".into(),
            started_ms: 100 * HOUR,
            due_ms: 112 * HOUR,
            met_ms: None,
            escalated_ms: None,
        }
    }

    #[test]
    fn running_until_the_last_quarter() {
        let c = clock();
        assert_eq!(
            c.status(100 * HOUR),
            ClockStatus::Running { left_ms: 12 * HOUR }
        );
        assert_eq!(
            c.status(109 * HOUR - 1),
            ClockStatus::Running {
                left_ms: 3 * HOUR + 1
            }
        );
    }

    #[test]
    fn due_soon_in_the_last_quarter_up_to_the_deadline() {
        let c = clock();
        assert_eq!(
            c.status(109 * HOUR),
            ClockStatus::DueSoon { left_ms: 3 * HOUR }
        );
        assert_eq!(c.status(112 * HOUR), ClockStatus::DueSoon { left_ms: 0 });
    }

    #[test]
    fn overdue_after_the_deadline() {
        let c = clock();
        assert_eq!(
            c.status(112 * HOUR + 1),
            ClockStatus::Overdue { late_ms: 1 }
        );
        assert_eq!(
            c.status(130 * HOUR),
            ClockStatus::Overdue { late_ms: 18 * HOUR }
        );
        assert!(c.needs_escalation(112 * HOUR + 1));
        assert!(!c.needs_escalation(112 * HOUR));
        let escalated = ClockState {
            escalated_ms: Some(113 * HOUR),
            ..clock()
        };
        assert!(!escalated.needs_escalation(130 * HOUR));
    }

    #[test]
    fn met_at_the_deadline_is_in_time_and_after_it_late() {
        let in_time = ClockState {
            met_ms: Some(112 * HOUR),
            ..clock()
        };
        assert_eq!(in_time.status(500 * HOUR), ClockStatus::MetInTime);
        assert!(!in_time.needs_escalation(500 * HOUR));
        let late = ClockState {
            met_ms: Some(112 * HOUR + 1),
            ..clock()
        };
        assert_eq!(late.status(0), ClockStatus::MetLate);
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let c = ClockState {
            started_ms: i64::MIN,
            due_ms: i64::MAX,
            ..clock()
        };
        assert!(matches!(c.status(i64::MIN), ClockStatus::Running { .. }));
        assert!(matches!(
            clock().status(i64::MAX),
            ClockStatus::Overdue { .. }
        ));
    }

    #[test]
    fn status_names_match_their_serde_tags() {
        let all = [
            ClockStatus::Running { left_ms: 1 },
            ClockStatus::DueSoon { left_ms: 1 },
            ClockStatus::Overdue { late_ms: 1 },
            ClockStatus::MetInTime,
            ClockStatus::MetLate,
        ];
        for s in all {
            let json = serde_json::to_value(s).unwrap();
            assert_eq!(json["status"], s.as_str());
        }
    }
}
