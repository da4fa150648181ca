//! The hotline's vocabulary in the page's language: every enumeration of `lachan_hotline` (and
//! the store's case events) is shown through the Fluent message `hotline-KIND-NAME`, with the
//! name's `_` written `-`; never as its code.

use lachan_hotline::{
    ActionKind, ActionOutcome, AgeBand, AuthorityKind, CaseStatus, Channel, ClockStatus,
    CloseReason, ContactTopic, Dimension, Gender, Period, Risk, Subtype, Theme,
};
use lachan_store::hotline::{CaseEventKind, RelationReason};

use crate::ui::i18n::Tr;

/// An enumeration shown in words: its message kind and the value's name.
pub(crate) trait Worded: Copy {
    /// The `KIND` of its messages, e.g. `channel`.
    const KIND: &'static str;
    /// The value's name, e.g. `web_form`.
    fn name(self) -> &'static str;
}

macro_rules! worded {
    ($($ty:ty => $kind:literal),* $(,)?) => {
        $(impl Worded for $ty {
            const KIND: &'static str = $kind;
            fn name(self) -> &'static str {
                self.as_str()
            }
        })*
    };
}

worded! {
    Channel => "channel",
    AgeBand => "age",
    Gender => "gender",
    Theme => "theme",
    Subtype => "subtype",
    Risk => "risk",
    CaseStatus => "status",
    CloseReason => "close",
    ActionKind => "action",
    AuthorityKind => "authority-kind",
    ActionOutcome => "outcome",
    ContactTopic => "topic",
    Period => "period",
    Dimension => "dimension",
    CaseEventKind => "event",
    RelationReason => "related",
}

impl Worded for ClockStatus {
    const KIND: &'static str = "clock-status";
    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// The message id of `kind` and `name`: `hotline-age-age-6-10`.
fn id(kind: &str, name: &str) -> String {
    format!("hotline-{kind}-{}", name.replace('_', "-"))
}

/// `value` in words.
pub(crate) fn word<W: Worded>(tr: Tr, value: W) -> String {
    tr.t(&id(W::KIND, value.name()))
}

/// The value named `name` of `W` in words; a name that is not one of `W`'s is shown as given
/// (data written by an older or newer Lachan).
pub(crate) fn word_of<W: Worded + std::str::FromStr>(tr: Tr, name: &str) -> String {
    name.parse::<W>()
        .map_or_else(|_| name.to_string(), |value| word(tr, value))
}

/// A legal clock's name in words: the clock book is data, so a rule added there shows its own
/// name until it has a message.
pub(crate) fn clock(tr: Tr, rule: &str) -> String {
    let known = rule.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    known
        .then(|| tr.lookup(&id("clock", rule)))
        .flatten()
        .unwrap_or_else(|| rule.replace('_', " "))
}

#[cfg(test)]
mod tests {
    use lachan_hotline::ClockBook;

    use super::*;
    use crate::ui::i18n::Lang;

    /// Asserts that every value of `all` has a message of its own in both languages.
    fn named<W: Worded>(all: &[W]) {
        for lang in [Lang::Vi, Lang::En] {
            for &value in all {
                let message = id(W::KIND, value.name());
                assert!(
                    lang.tr().lookup(&message).is_some(),
                    "{message} is missing in {}",
                    lang.code()
                );
                assert_ne!(word(lang.tr(), value), message);
            }
        }
    }

    #[test]
    fn every_value_of_the_vocabulary_has_words_in_both_languages() {
        named(Channel::ALL);
        named(AgeBand::ALL);
        named(Gender::ALL);
        named(Theme::ALL);
        named(Subtype::ALL);
        named(Risk::ALL);
        named(CaseStatus::ALL);
        named(CloseReason::ALL);
        named(ActionKind::ALL);
        named(AuthorityKind::ALL);
        named(ActionOutcome::ALL);
        named(ContactTopic::ALL);
        named(Period::ALL);
        named(Dimension::ALL);
        named(CaseEventKind::ALL);
        named(RelationReason::ALL);
        for status in [
            ClockStatus::Running { left_ms: 1 },
            ClockStatus::DueSoon { left_ms: 1 },
            ClockStatus::Overdue { late_ms: 1 },
            ClockStatus::MetInTime,
            ClockStatus::MetLate,
        ] {
            named(&[status]);
        }
    }

    #[test]
    fn clocks_of_the_builtin_book_have_names_and_others_show_theirs() {
        for rule in ClockBook::builtin().rules() {
            let vi = clock(Lang::Vi.tr(), &rule.name);
            assert!(!vi.contains('_'), "{vi}");
            assert_ne!(vi, rule.name.replace('_', " "), "{} has no name", rule.name);
        }
        assert_eq!(clock(Lang::En.tr(), "school_reply"), "school reply");
        assert_eq!(word_of::<Channel>(Lang::En.tr(), "web_form"), "Web form");
        assert_eq!(word_of::<Channel>(Lang::En.tr(), "pigeon"), "pigeon");
    }
}
