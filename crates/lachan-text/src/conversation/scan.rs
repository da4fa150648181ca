//! What one message shows: stages (with their strength), benign contexts and stated ages.

use super::book::{AgeRules, Book};
use super::matcher::Words;
use super::stage::Stage;
use crate::normalize::Normalized;

/// The cues found in one message.
pub(crate) struct Scan {
    /// Per stage ([`Stage::index`]): 0 (absent), the weak factor, or 1.
    pub strengths: [f32; Stage::ALL.len()],
    /// Bit `i` set: context `i` of the book matched.
    pub contexts: u64,
    /// Ages the sender states about themself ("em 12 tuổi", "I'm 27", "anh là Nam, 29 tuổi").
    pub ages: Vec<u8>,
}

impl Scan {
    /// Nothing found.
    pub fn empty() -> Scan {
        Scan {
            strengths: [0.0; Stage::ALL.len()],
            contexts: 0,
            ages: Vec::new(),
        }
    }
}

impl Book {
    /// Scans one normalised message.
    pub fn scan(&self, text: &Normalized) -> Scan {
        let (mut hits, words) = self.matcher.scan(text);
        let mut strengths = [0.0; Stage::ALL.len()];
        for (strength, rules) in strengths.iter_mut().zip(&self.stages) {
            if rules.cues.iter().any(|cue| hits.matches(cue)) {
                *strength = 1.0;
            } else if rules.weak.iter().any(|cue| hits.matches(cue)) {
                *strength = self.scoring.weak_factor;
            }
        }
        let mut contexts = 0u64;
        let mut suppress = false;
        for (i, rules) in self.contexts.iter().enumerate() {
            if rules.cues.iter().any(|cue| hits.matches(cue)) {
                contexts |= 1 << i;
                suppress |= rules.suppress;
            }
        }
        let sextortion = Stage::Sextortion.index();
        if suppress {
            // A warning about grooming names grooming behaviour: only a threat still counts.
            for (i, strength) in strengths.iter_mut().enumerate() {
                if i != sextortion {
                    *strength = 0.0;
                }
            }
        }
        if strengths[sextortion] > 0.0 {
            // A threat names the class, the school or the parents: that is no benign context.
            contexts = 0;
        }
        Scan {
            strengths,
            contexts,
            ages: stated_ages(&self.age, &words),
        }
    }
}

/// The ages a sender states about themself.
fn stated_ages(rules: &AgeRules, words: &Words) -> Vec<u8> {
    let mut ages = Vec::new();
    for i in 0..words.len() {
        let word = words.word(i);
        let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 || digits > 2 {
            continue;
        }
        let Ok(value) = word[..digits].parse::<u8>() else {
            continue;
        };
        if !(5..=99).contains(&value) {
            continue;
        }
        let suffix = &word[digits..];
        let next = words.word(i + 1);
        let (unit_ok, reach) = if suffix.is_empty() {
            if rules.after.contains(next) {
                (true, 2)
            } else {
                (!rules.not_after.contains(next), 1)
            }
        } else {
            (rules.after.contains(suffix), 2)
        };
        if unit_ok && after_first_person(rules, words, i, reach) {
            ages.push(value);
        }
    }
    ages
}

/// Whether a first-person word of `rules.before` ends before word `i` with at most `reach`
/// words between, and the word just before `i` is not one of `rules.not_before`.
fn after_first_person(rules: &AgeRules, words: &Words, i: usize, reach: usize) -> bool {
    if i == 0 || rules.not_before.contains(words.word(i - 1)) {
        return false;
    }
    (0..=reach).any(|skip| {
        let Some(end) = i.checked_sub(skip) else {
            return false;
        };
        rules.before.iter().any(|phrase| {
            end >= phrase.len()
                && phrase
                    .iter()
                    .enumerate()
                    .all(|(k, w)| words.word(end - phrase.len() + k) == w)
        })
    })
}
