//! From hits to a verdict: cue contributions, combos, the model's blends, contexts, then the
//! policy's action and the evidence of each category.

use std::ops::Range;

use lachan_policy::Category;

use super::find::inside;
use super::model;
use super::scratch::Scratch;
use super::words::Words;
use super::{
    Action, BLENDS, CategoryScore, Classifier, EVIDENCE_PER_CATEGORY, EVIDENCE_PER_CUE, Evidence,
    Policy, Verdict, severity,
};

use crate::normalize::Normalized;

/// How much surer the model must be of a text typed without any diacritic, whose words are
/// ambiguous ("ngu" may be "ngủ", "lon" "lợn", "dau" "đâu").
const BARE_MARGIN: f32 = 0.05;

/// A category's score being built.
#[derive(Debug, Clone, Copy)]
pub(super) struct Score {
    /// Order of creation; [`Scores::cues`] refers to it.
    id: usize,
    category: Category,
    score: f32,
    /// The last blend of [`BLENDS`] that added to it.
    blend: Option<usize>,
    /// Whether a lexicon cue or combo (not only the model) added to it.
    lexicon: bool,
}

/// Scores per category, in the order categories were first seen, and the cues behind each.
#[derive(Default)]
pub(super) struct Scores {
    entries: Vec<Score>,
    /// `(score id, cue)`, each pair once, in the order cues were added.
    cues: Vec<(usize, usize)>,
}

impl Scores {
    fn clear(&mut self) {
        self.entries.clear();
        self.cues.clear();
    }

    /// Shrinks the buffers to at most `capacity` elements.
    pub fn shrink_to(&mut self, capacity: usize) {
        self.entries.shrink_to(capacity);
        self.cues.shrink_to(capacity);
    }

    /// Whether `category` has a score above zero (from a lexicon cue or combo, if `lexicon`).
    fn scored(&self, category: Category, lexicon: bool) -> bool {
        self.entries
            .iter()
            .any(|e| e.category == category && e.score > 0.0 && (e.lexicon || !lexicon))
    }

    /// Adds `w` to `category` (noisy-OR), with the cues and the blend behind it.
    fn add(&mut self, category: Category, w: f32, cue_ids: &[usize], blend: Option<usize>) {
        if w <= 0.0 {
            return;
        }
        let at = match self.entries.iter().position(|s| s.category == category) {
            Some(i) => i,
            None => {
                self.entries.push(Score {
                    id: self.entries.len(),
                    category,
                    score: 0.0,
                    blend: None,
                    lexicon: false,
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[at];
        entry.score = 1.0 - (1.0 - entry.score) * (1.0 - w.min(1.0));
        if blend.is_some() {
            entry.blend = blend;
        } else {
            entry.lexicon = true;
        }
        let id = entry.id;
        for &c in cue_ids {
            if !self.cues.contains(&(id, c)) {
                self.cues.push((id, c));
            }
        }
    }
}

/// The byte offset of character `k` of `s` (`s.len()` past the end): the first byte at which
/// more than `k` characters have started (counted without a branch per byte).
fn byte_of_char(s: &str, k: usize) -> usize {
    let mut started = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        // Every byte but a UTF-8 continuation byte (0b10xx_xxxx) starts a character.
        started += usize::from((b as i8) >= -0x40);
        if started > k {
            return i;
        }
    }
    s.len()
}

/// The characters `chars` (indices into `s.chars()`) of `s`.
fn char_slice(s: &str, chars: Range<usize>) -> &str {
    let start = byte_of_char(s, chars.start);
    let end = if chars.end > chars.start {
        start + byte_of_char(&s[start..], chars.end - chars.start)
    } else {
        start
    };
    &s[start..end]
}

/// The evidence for bytes `bytes` of the accented (or folded) view.
fn evidence_at(text: &Normalized, accented: bool, bytes: Range<usize>, rule: &str) -> Evidence {
    let span = if accented {
        text.original_span_accented(bytes)
    } else {
        text.original_span_folded(bytes)
    };
    Evidence {
        start: span.start,
        end: span.end,
        text: char_slice(text.original(), span).to_owned(),
        rule: rule.to_owned(),
    }
}

impl Classifier {
    /// The verdict for the hits, contexts and safe phrases [`Classifier::find`] left in `s`.
    pub(super) fn verdict(&self, text: &Normalized, policy: &Policy, s: &mut Scratch) -> Verdict {
        let cues = &self.lexicon.cues;
        s.contribution.clear();
        s.contribution.resize(cues.len(), 0.0);
        s.matched.clear();
        s.matched.resize(cues.len(), false);
        s.counted.clear();
        // A term counts once, and nested or overlapping terms of one cue ("nạp thẻ" inside
        // "nạp thẻ cào") count as one.
        for (i, h) in s.hits.iter().enumerate() {
            s.matched[h.cue] = true;
            let known = s.counted.iter().any(|&k| {
                let k = &s.hits[k];
                k.cue == h.cue
                    && (k.term == h.term
                        || (k.words.start < h.words.end && h.words.start < k.words.end))
            });
            if known {
                continue;
            }
            s.counted.push(i);
            let c = &cues[h.cue];
            let now = 1.0 - (1.0 - s.contribution[h.cue]) * (1.0 - c.weight);
            s.contribution[h.cue] = now.min(c.max);
        }

        s.scores.clear();
        // The matched cues, in cue order.
        s.cue_order.clear();
        s.cue_order.extend(s.hits.iter().map(|h| h.cue));
        s.cue_order.sort_unstable();
        s.cue_order.dedup();
        for &i in &s.cue_order {
            if let Some(category) = cues[i].category
                && cues[i].alone
            {
                s.scores.add(category, s.contribution[i], &[i], None);
            }
        }
        // The combos whose first cue matched, in file order.
        s.candidates.clear();
        for &i in &s.cue_order {
            s.candidates
                .extend_from_slice(&self.lexicon.combos_by_first[i]);
        }
        s.candidates.sort_unstable();
        for &k in &s.candidates {
            let combo = &self.lexicon.combos[k];
            if combo.cues.iter().all(|&c| s.matched[c])
                && combo.within.is_none_or(|w| within(&s.hits, &combo.cues, w))
            {
                s.scores
                    .add(combo.category, combo.weight, &combo.cues, None);
            }
        }
        self.blend_model(text, s);
        // Cues that do not score alone strengthen what other evidence found; bare forms of
        // accent-sensitive terms only what the lexicons found.
        for &i in &s.cue_order {
            if let Some(category) = cues[i].category
                && !cues[i].alone
                && s.scores.scored(category, cues[i].bare)
            {
                s.scores.add(category, s.contribution[i], &[i], None);
            }
        }

        // Contexts: the smallest factor of the present contexts that list the category.
        for e in &mut s.scores.entries {
            let factor = self
                .lexicon
                .contexts
                .iter()
                .zip(&s.contexts)
                .filter(|(c, present)| **present && c.categories.contains(&e.category))
                .map(|(c, _)| c.factor)
                .fold(1.0f32, f32::min);
            e.score *= factor;
        }
        s.scores.entries.retain(|e| e.score > 0.0);
        s.scores.entries.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.category.cmp(&b.category))
        });

        let mut action = Action::Allow;
        let mut risk_group = None;
        let mut categories = Vec::with_capacity(s.scores.entries.len());
        for e in &s.scores.entries {
            let a = policy.action(e.category, e.score);
            if a > Action::Allow && risk_group.is_none() {
                risk_group = Some(e.category.group());
            }
            action = action.max(a);
            categories.push(CategoryScore {
                category: e.category,
                score: e.score,
                severity: severity(policy, e.category, e.score),
                evidence: self.category_evidence(text, s, e),
            });
        }
        Verdict {
            categories,
            action,
            risk_group,
        }
    }

    /// Adds the model's probabilities to the categories it informs.
    fn blend_model(&self, text: &Normalized, s: &mut Scratch) {
        let cues = &self.lexicon.cues;
        model::features_in(
            Words::new(&text.accented, &s.accented_words),
            Words::new(&text.folded, &s.folded_words),
            self.model.bits(),
            &mut s.features,
        );
        // Words of safe phrases ("chết cười") say nothing harmful to the model either, and words
        // a lexicon already explains as another harm ("cá độ bóng đá" is gambling) are not
        // read again as insults.
        s.explained.clear();
        s.explained.extend(
            s.hits
                .iter()
                .filter(|h| {
                    !cues[h.cue].bare
                        && cues[h.cue]
                            .category
                            .is_some_and(|c| !BLENDS.iter().any(|b| b.category == c))
                })
                .map(|h| h.words.clone()),
        );
        let (safe, explained) = (&s.safe, &s.explained);
        if !safe.is_empty() || !explained.is_empty() {
            s.features
                .retain(|f| !inside(safe, &f.words) && !inside(explained, &f.words));
        }
        let target = self.target_cue.is_some_and(|t| s.matched[t]);
        // News, teaching and prevention texts discount the model too.
        let model_factor = self
            .lexicon
            .contexts
            .iter()
            .zip(&s.contexts)
            .filter(|(c, present)| **present && c.model)
            .map(|(c, _)| c.factor)
            .fold(1.0f32, f32::min);
        self.model.lookup(&s.features, &mut s.lookup);
        for (i, (b, &(head, _))) in BLENDS.iter().zip(&self.blend_heads).enumerate() {
            if b.needs_target && !target {
                continue;
            }
            let p = self.model.probability(&s.lookup, head);
            let floor = if text.had_diacritics() {
                b.floor
            } else {
                b.floor + BARE_MARGIN
            };
            if p > floor {
                s.scores.add(
                    b.category,
                    model_factor * b.gain * (p - floor) / (1.0 - floor),
                    &[],
                    Some(i),
                );
            }
        }
    }

    /// The evidence of one category: up to [`EVIDENCE_PER_CUE`] hits of each of its cues and the
    /// words behind the model's strongest features, in text order, at most
    /// [`EVIDENCE_PER_CATEGORY`].
    fn category_evidence(&self, text: &Normalized, s: &Scratch, e: &Score) -> Vec<Evidence> {
        let mut evidence = Vec::new();
        for &(_, c) in s.scores.cues.iter().filter(|(id, _)| *id == e.id) {
            for h in s.hits.iter().filter(|h| h.cue == c).take(EVIDENCE_PER_CUE) {
                evidence.push(evidence_at(
                    text,
                    h.accented,
                    h.bytes.clone(),
                    &self.cue_rules[c],
                ));
            }
        }
        if let Some(blend) = e.blend {
            self.model_evidence(text, s, blend, &mut evidence);
        }
        evidence.sort_by_key(|e| (e.start, e.end));
        evidence.dedup_by(|a, b| a.start == b.start && a.end == b.end);
        evidence.truncate(EVIDENCE_PER_CATEGORY);
        evidence
    }

    /// The words behind the strongest positive features of a blend's head (at most two).
    fn model_evidence(
        &self,
        text: &Normalized,
        s: &Scratch,
        blend: usize,
        out: &mut Vec<Evidence>,
    ) {
        let (head, rule) = &self.blend_heads[blend];
        let mut strongest: Vec<(f32, &model::Feature)> = s
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (self.model.weight_of(&s.lookup, i, *head), f))
            .filter(|(w, _)| *w > 0.5)
            .collect();
        strongest.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, f) in strongest.iter().take(2) {
            let (Some(first), Some(last)) = (
                s.folded_words.get(f.words.start),
                f.words
                    .end
                    .checked_sub(1)
                    .and_then(|l| s.folded_words.get(l)),
            ) else {
                continue;
            };
            out.push(evidence_at(text, false, first.start..last.end, rule));
        }
    }
}

/// Whether every cue of `cues` has a hit so that all hits fit in a window of `limit` words.
fn within(hits: &[super::find::Hit], cues: &[usize], limit: usize) -> bool {
    // Try each hit of the first cue as an anchor; every other cue needs a hit close to it.
    let Some((&first, rest)) = cues.split_first() else {
        return true;
    };
    hits.iter().filter(|h| h.cue == first).any(|anchor| {
        rest.iter().all(|&c| {
            hits.iter().filter(|h| h.cue == c).any(|h| {
                let gap = if h.words.start >= anchor.words.end {
                    h.words.start - anchor.words.end
                } else {
                    anchor.words.start.saturating_sub(h.words.end)
                };
                gap <= limit
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::char_slice;

    #[test]
    fn slices_by_chars() {
        assert_eq!(char_slice("đẹp quá", 0..3), "đẹp");
        assert_eq!(char_slice("đẹp quá", 4..7), "quá");
        assert_eq!(char_slice("đẹp quá", 4..100), "quá");
        assert_eq!(char_slice("đẹp", 5..9), "");
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = 2..1;
        assert_eq!(char_slice("đẹp", backwards), "");
        assert_eq!(char_slice("đẹp", 1..1), "");
    }
}
