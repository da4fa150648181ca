//! What the lexicon automata and the coded patterns find in a text: cue hits (after negation and
//! safe phrases), contexts and safe phrases.

use std::ops::Range;

use super::Classifier;
use super::lexicon::Target;
use super::scratch::Scratch;
use super::words::Words;
use crate::normalize::Normalized;

/// One place a cue matched.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// The cue.
    pub cue: usize,
    /// Which pattern (folded automaton pattern id, accented ones after them, or
    /// `usize::MAX - k` for coded pattern `k`) matched, so that distinct terms can be counted.
    pub term: usize,
    /// Found in the accented view (else in the folded view).
    pub accented: bool,
    /// Byte range in its view.
    pub bytes: Range<usize>,
    /// Word range in its view.
    pub words: Range<usize>,
}

/// Whether `words` lies inside one of `spans`.
pub(super) fn inside(spans: &[Range<usize>], words: &Range<usize>) -> bool {
    spans
        .iter()
        .any(|s| s.start <= words.start && words.end <= s.end)
}

/// The word indices covered by a byte range.
fn word_range(words: &[Range<usize>], bytes: &Range<usize>) -> Range<usize> {
    let first = words.partition_point(|w| w.end <= bytes.start);
    let last = words.partition_point(|w| w.start < bytes.end);
    first..last.max(first + 1)
}

impl Classifier {
    /// Fills `s.hits`, `s.contexts` and `s.safe` for `text`, and the words of its views,
    /// `s.folded_words` and `s.accented_words`.
    pub(super) fn find(&self, text: &Normalized, s: &mut Scratch) {
        let lexicon = &self.lexicon;
        s.hits.clear();
        s.safe.clear();
        s.contexts.clear();
        s.contexts.resize(lexicon.contexts.len(), false);

        lexicon.folded.find(
            &text.folded,
            text.words_only(),
            &mut s.atoms,
            &mut s.matches,
            Some(&mut s.folded_words),
        );
        let diacritics = text.had_diacritics();
        for m in &s.matches {
            let bytes = &m.bytes;
            let words = word_range(&s.folded_words, bytes);
            for &t in lexicon.folded_targets.of(m.term as usize) {
                match t {
                    Target::Cue(cue) => s.hits.push(Hit {
                        cue,
                        term: m.term as usize,
                        accented: false,
                        bytes: bytes.clone(),
                        words: words.clone(),
                    }),
                    Target::CueWithoutDiacritics(cue) if !diacritics => s.hits.push(Hit {
                        cue,
                        term: m.term as usize,
                        accented: false,
                        bytes: bytes.clone(),
                        words: words.clone(),
                    }),
                    Target::Context(i) => s.contexts[i] = true,
                    Target::Safe => s.safe.push(words.clone()),
                    Target::CueWithDiacritics(_)
                    | Target::CueWithoutDiacritics(_)
                    | Target::CueInEnglish(_) => {}
                }
            }
        }
        let offset = lexicon.folded_targets.len();
        let english = text.reads_english();
        lexicon.accented.find(
            &text.accented,
            text.words_only(),
            &mut s.atoms,
            &mut s.matches,
            Some(&mut s.accented_words),
        );
        for m in &s.matches {
            let bytes = &m.bytes;
            let words = word_range(&s.accented_words, bytes);
            for &t in lexicon.accented_targets.of(m.term as usize) {
                let cue = match t {
                    Target::Cue(cue) => cue,
                    Target::CueWithDiacritics(cue) if diacritics => cue,
                    Target::CueInEnglish(cue) if english || diacritics => cue,
                    _ => continue,
                };
                s.hits.push(Hit {
                    cue,
                    term: offset + m.term as usize,
                    accented: true,
                    bytes: bytes.clone(),
                    words: words.clone(),
                });
            }
        }
        let folded = Words::new(&text.folded, &s.folded_words);
        for (k, &(cue, pattern)) in self.pattern_cues.iter().enumerate() {
            s.found.clear();
            pattern.find(folded, &mut s.found);
            for w in &s.found {
                if let (Some(first), Some(last)) = (
                    s.folded_words.get(w.start),
                    s.folded_words.get(w.end.wrapping_sub(1)),
                ) {
                    s.hits.push(Hit {
                        cue,
                        term: usize::MAX - k,
                        accented: false,
                        bytes: first.start..last.end,
                        words: w.clone(),
                    });
                }
            }
        }

        let accented = Words::new(&text.accented, &s.accented_words);
        let negation = s.folded_words.len() == s.accented_words.len();
        let safe = &s.safe;
        s.hits.retain(|h| {
            let negated = negation
                && lexicon.cues[h.cue].negatable
                && self.negated(text, accented, h.words.start);
            !negated && !inside(safe, &h.words)
        });
    }

    /// Whether a negator stands in the few words before word `start`, in the same clause (a
    /// negator that ends a clause, as "không" in "đi không, có …", is a question, not a
    /// negation).
    fn negated(&self, text: &Normalized, words: Words, start: usize) -> bool {
        let lexicon = &self.lexicon;
        let end = start.min(words.len());
        let from = end.saturating_sub(lexicon.negation_window);
        (from..end).any(|p| {
            lexicon.negators.get(words.get(p)).is_some_and(|negators| {
                negators.iter().any(|neg| {
                    p + neg.len() <= end
                        && neg.iter().enumerate().all(|(k, n)| words.get(p + k) == n)
                        && !lexicon
                            .negation_exceptions
                            .contains(words.get(p + neg.len()))
                        && !(p + neg.len() - 1..end).any(|w| text.ends_clause(w))
                })
            })
        })
    }
}
