//! The clock rules: the shipped `data/clocks.toml` or a text supplied by the hotline, validated
//! with errors that name the line.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{ClockEvent, ClockState};
use crate::line::{line_of, line_of_error};

/// The text of the rules shipped with Lachan.
const BUILTIN_TEXT: &str = include_str!("../../data/clocks.toml");

/// The shipped rules, parsed on first use (a test parses them, so this cannot fail at run time).
static BUILTIN: LazyLock<ClockBook> = LazyLock::new(|| {
    ClockBook::from_toml(BUILTIN_TEXT)
        .unwrap_or_else(|e| panic!("the built-in clock rules are invalid: {e}"))
});

/// The shortest time a rule may allow, in hours.
pub const MIN_CLOCK_HOURS: u32 = 1;
/// The longest time a rule may allow, in hours (30 days).
pub const MAX_CLOCK_HOURS: u32 = 720;
/// The longest rule name, in bytes.
const MAX_NAME_LEN: usize = 64;
const MS_PER_HOUR: i64 = 3_600_000;

/// One deadline: started by one event, met by another, due `hours` later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockRule {
    /// Stable snake_case name, stored with each clock.
    pub name: String,
    /// Time allowed, [`MIN_CLOCK_HOURS`] to [`MAX_CLOCK_HOURS`].
    pub hours: u32,
    /// The event that starts the clock.
    pub starts_on: ClockEvent,
    /// The event that meets it.
    pub met_on: ClockEvent,
    /// The legal text or hotline rule behind it, shown in the console.
    pub basis: String,
}

impl ClockRule {
    /// The time allowed, in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        i64::from(self.hours) * MS_PER_HOUR
    }

    /// When a clock of this rule started at `started_ms` is due.
    pub fn due_ms(&self, started_ms: i64) -> i64 {
        started_ms.saturating_add(self.duration_ms())
    }

    /// A new, unmet clock of this rule started at `started_ms`.
    pub fn start(&self, started_ms: i64) -> ClockState {
        ClockState {
            rule: self.name.clone(),
            started_ms,
            due_ms: self.due_ms(started_ms),
            met_ms: None,
            escalated_ms: None,
        }
    }
}

/// A clock rules text that was rejected: where, what, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("clock rules, line {line}: {message}")]
pub struct ClockError {
    /// The 1-based line of the text at fault.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// A validated set of clock rules: unique names, hours in range, distinct start and meet events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockBook {
    rules: Vec<ClockRule>,
}

/// The file layout: an array of `[[clock]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    #[serde(default)]
    clock: Vec<RawRule>,
}

/// One `[[clock]]` table, with the places of the fields that validation may reject.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    hours: Spanned<i64>,
    starts_on: ClockEvent,
    met_on: Spanned<ClockEvent>,
    basis: Spanned<String>,
}

impl ClockBook {
    /// The rules shipped with Lachan (`data/clocks.toml`), parsed once on first use.
    pub fn builtin() -> &'static ClockBook {
        &BUILTIN
    }

    /// Parses and validates a rules text in the layout of `data/clocks.toml`.
    pub fn from_toml(text: &str) -> Result<ClockBook, ClockError> {
        let raw: RawBook = toml::from_str(text).map_err(|e| ClockError {
            line: line_of_error(text, &e),
            message: format!(
                "{}; each [[clock]] has name, hours, starts_on, met_on and basis, as described \
                 in the header of the shipped data/clocks.toml",
                e.message().trim_end()
            ),
        })?;
        let mut names = HashSet::new();
        let mut rules = Vec::with_capacity(raw.clock.len());
        for r in raw.clock {
            let at = |spanned_start: usize, message: String| ClockError {
                line: line_of(text, spanned_start),
                message,
            };
            let name = r.name.get_ref().trim().to_string();
            let name_ok = !name.is_empty()
                && name.len() <= MAX_NAME_LEN
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !name_ok {
                return Err(at(
                    r.name.span().start,
                    format!(
                        "clock name '{name}' must be 1 to {MAX_NAME_LEN} characters of a-z, 0-9 \
                         and _"
                    ),
                ));
            }
            if !names.insert(name.clone()) {
                return Err(at(
                    r.name.span().start,
                    format!("clock name '{name}' is used twice; give each clock its own name"),
                ));
            }
            let hours = u32::try_from(*r.hours.get_ref())
                .ok()
                .filter(|h| (MIN_CLOCK_HOURS..=MAX_CLOCK_HOURS).contains(h))
                .ok_or_else(|| {
                    at(
                        r.hours.span().start,
                        format!(
                            "clock '{name}': hours = {} is out of range; write {MIN_CLOCK_HOURS} to \
                             {MAX_CLOCK_HOURS}",
                            r.hours.get_ref()
                        ),
                    )
                })?;
            let met_on = *r.met_on.get_ref();
            if met_on == r.starts_on {
                return Err(at(
                    r.met_on.span().start,
                    format!(
                        "clock '{name}': met_on is the same event as starts_on ({met_on}); a \
                         clock must be met by another event"
                    ),
                ));
            }
            if met_on.is_per_action() != r.starts_on.is_per_action() {
                return Err(at(
                    r.met_on.span().start,
                    format!(
                        "clock '{name}': starts_on = {} and met_on = {met_on} must both be \
                         per-action events (takedown_requested, takedown_done) or both not",
                        r.starts_on
                    ),
                ));
            }
            let basis = r.basis.get_ref().trim().to_string();
            if basis.is_empty() {
                return Err(at(
                    r.basis.span().start,
                    format!(
                        "clock '{name}': basis is empty; write the legal text or hotline rule \
                         behind it"
                    ),
                ));
            }
            rules.push(ClockRule {
                name,
                hours,
                starts_on: r.starts_on,
                met_on,
                basis,
            });
        }
        Ok(ClockBook { rules })
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[ClockRule] {
        &self.rules
    }

    /// The rule with this name.
    pub fn rule(&self, name: &str) -> Option<&ClockRule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// The rules whose clocks `event` starts.
    pub fn rules_started_by(&self, event: ClockEvent) -> impl Iterator<Item = &ClockRule> {
        self.rules.iter().filter(move |r| r.starts_on == event)
    }

    /// The rules whose running clocks `event` meets.
    pub fn rules_met_by(&self, event: ClockEvent) -> impl Iterator<Item = &ClockRule> {
        self.rules.iter().filter(move |r| r.met_on == event)
    }

    /// How long a complaint may wait untriaged in the queue before supervisors are told, in
    /// milliseconds: a quarter of the shortest clock that complaints start (12 hours of the
    /// built-in 48); `None` when no rule is started by [`ClockEvent::ComplaintFiled`].
    pub fn queue_wait_ms(&self) -> Option<i64> {
        self.rules_started_by(ClockEvent::ComplaintFiled)
            .map(|rule| rule.duration_ms() / 4)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::ClockStatus;

    const RULE: &str = r#"
[[clock]]
name = "complaint"
hours = 48
starts_on = "complaint_filed"
met_on = "action_recorded"
basis = "Nghị định 147/2024/NĐ-CP"
"#;

    fn names<'a>(rules: impl Iterator<Item = &'a ClockRule>) -> Vec<&'a str> {
        rules.map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn builtin_has_the_three_legal_clocks() {
        let book = ClockBook::builtin();
        let hours: Vec<(&str, u32)> = book
            .rules()
            .iter()
            .map(|r| (r.name.as_str(), r.hours))
            .collect();
        assert_eq!(
            hours,
            [
                ("emergency_intervention", 12),
                ("takedown", 24),
                ("complaint", 48)
            ]
        );
        let takedown = book.rule("takedown").unwrap();
        assert_eq!(takedown.starts_on, ClockEvent::TakedownRequested);
        assert_eq!(takedown.met_on, ClockEvent::TakedownDone);
        assert!(
            book.rule("emergency_intervention")
                .unwrap()
                .basis
                .contains("56/2017")
        );
    }

    #[test]
    fn events_find_their_rules() {
        let book = ClockBook::builtin();
        assert_eq!(
            names(book.rules_started_by(ClockEvent::RiskEmergency)),
            ["emergency_intervention"]
        );
        assert_eq!(
            names(book.rules_met_by(ClockEvent::ActionEmergencyIntervention)),
            ["emergency_intervention"]
        );
        assert_eq!(
            names(book.rules_started_by(ClockEvent::ComplaintFiled)),
            ["complaint"]
        );
        assert_eq!(
            names(book.rules_met_by(ClockEvent::ActionRecorded)),
            ["complaint"]
        );
        assert!(
            book.rules_started_by(ClockEvent::ActionRecorded)
                .next()
                .is_none()
        );
        assert_eq!(
            book.queue_wait_ms(),
            Some(12 * 3_600_000),
            "a quarter of 48 hours"
        );
        let none = ClockBook::from_toml(&RULE.replace("complaint_filed", "risk_emergency"));
        assert_eq!(none.unwrap().queue_wait_ms(), None);
    }

    #[test]
    fn a_started_clock_is_due_after_its_hours() {
        let rule = ClockBook::builtin().rule("emergency_intervention").unwrap();
        let state = rule.start(1_000);
        assert_eq!(state.due_ms, 1_000 + 12 * 3_600_000);
        assert_eq!(state.rule, "emergency_intervention");
        assert_eq!(
            state.status(1_000),
            ClockStatus::Running {
                left_ms: 12 * 3_600_000
            }
        );
        assert_eq!(rule.due_ms(i64::MAX), i64::MAX);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let text = format!("{RULE}\n[[clock]]\nname = \"x\"\nhours = = 3\n");
        let err = ClockBook::from_toml(&text).unwrap_err();
        assert_eq!(err.line, 11, "{err}");
        assert!(
            err.to_string().starts_with("clock rules, line 11: "),
            "{err}"
        );
    }

    #[test]
    fn unknown_events_and_fields_name_the_line() {
        let text = RULE.replace("\"action_recorded\"", "\"answered\"");
        let err = ClockBook::from_toml(&text).unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        assert!(err.message.contains("answered"), "{err}");
        assert!(err.message.contains("expected one of"), "{err}");
        let text = RULE.replace("basis", "legal_basis");
        let err = ClockBook::from_toml(&text).unwrap_err();
        assert!(err.message.contains("legal_basis"), "{err}");
    }

    #[test]
    fn names_are_unique_and_slugs() {
        let err = ClockBook::from_toml(&format!("{RULE}{RULE}")).unwrap_err();
        assert_eq!(err.line, 10, "{err}");
        assert!(err.message.contains("used twice"), "{err}");
        let err =
            ClockBook::from_toml(&RULE.replace("\"complaint\"", "\"Khiếu nại\"")).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn hours_stay_between_1_and_720() {
        for bad in ["0", "721", "-5"] {
            let err = ClockBook::from_toml(&RULE.replace("48", bad)).unwrap_err();
            assert_eq!(err.line, 4, "{err}");
            assert!(err.message.contains("1 to 720"), "{err}");
        }
        for good in ["1", "720"] {
            let book = ClockBook::from_toml(&RULE.replace("48", good)).unwrap();
            assert_eq!(book.rules()[0].hours.to_string(), good);
        }
    }

    #[test]
    fn events_must_differ_and_agree_on_scope() {
        let same = RULE.replace("\"action_recorded\"", "\"complaint_filed\"");
        let err = ClockBook::from_toml(&same).unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        assert!(err.message.contains("same event"), "{err}");
        let mixed = RULE.replace("\"action_recorded\"", "\"takedown_done\"");
        let err = ClockBook::from_toml(&mixed).unwrap_err();
        assert!(err.message.contains("per-action"), "{err}");
    }

    #[test]
    fn basis_is_required() {
        let err = ClockBook::from_toml(&RULE.replace("Nghị định 147/2024/NĐ-CP", " ")).unwrap_err();
        assert_eq!(err.line, 7, "{err}");
        assert!(err.message.contains("basis is empty"), "{err}");
    }

    #[test]
    fn an_empty_text_has_no_rules() {
        assert!(ClockBook::from_toml("").unwrap().rules().is_empty());
    }
}
