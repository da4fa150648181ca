//! The message classifier: what a single message shows of harm to a child.
//!
//! Lexicons per category and language (`data/lexicon/{vi,en}/*.toml`) are matched on the
//! normalised text with two Aho–Corasick automata (the `folded` view, and the `accented` view for
//! words whose folded form is an ordinary word), at word boundaries. Cue weights combine by
//! noisy-OR, combos reward co-occurring cues, and context rules cancel negated matches, skip safe
//! phrases ("chết cười", "giết thời gian") and discount news, teaching and prevention texts. A
//! hashed logistic-regression model ([`model`], trained from ViHOS and Davidson) adds to
//! profanity, bullying and hate. The [`Policy`] turns scores into an [`Action`].

mod lexicon;
pub mod metrics;
pub mod model;
mod patterns;
mod verdict;

use std::ops::Range;
use std::sync::OnceLock;

use lachan_policy::Category;

pub use lexicon::LexiconError;
pub use model::{Model, ModelError};
pub use verdict::{
    Action, CategoryScore, Evidence, Policy, Severity, TEXT_CATEGORIES, Thresholds, Verdict,
    base_severity, severity,
};

use crate::normalize::Normalized;
use lexicon::{Lexicon, Target};
use patterns::Pattern;

/// `(name, text)` of lexicon files under `data/lexicon/`, compiled into the binary.
macro_rules! lexicon_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../data/lexicon/", $path)))),*]
    };
}

/// The built-in lexicon files, `(name, TOML)`.
pub const BUILTIN_LEXICONS: &[(&str, &str)] = lexicon_files![
    "vi/cues.toml",
    "vi/adult.toml",
    "vi/bullying.toml",
    "vi/drugs.toml",
    "vi/gambling.toml",
    "vi/grooming.toml",
    "vi/hate.toml",
    "vi/personal_info.toml",
    "vi/profanity.toml",
    "vi/scam.toml",
    "vi/self_harm.toml",
    "vi/sexual_minors.toml",
    "vi/sextortion.toml",
    "vi/violence.toml",
    "en/cues.toml",
    "en/adult.toml",
    "en/bullying.toml",
    "en/drugs.toml",
    "en/gambling.toml",
    "en/grooming.toml",
    "en/hate.toml",
    "en/personal_info.toml",
    "en/profanity.toml",
    "en/scam.toml",
    "en/self_harm.toml",
    "en/sexual_minors.toml",
    "en/sextortion.toml",
    "en/violence.toml",
];

/// The built-in context rules (negation, discounting contexts, safe phrases).
pub const BUILTIN_CONTEXTS: &str = include_str!("../../data/lexicon/contexts.toml");

/// The built-in model file.
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../data/model.bin");

/// The cue that marks someone an insult is aimed at ("mày", "nó", "you"); the model's offensive
/// score counts as bullying only when it matched.
const TARGET_CUE: &str = "bullying.target";

/// How the model's probabilities feed categories: a probability `p` above `floor` adds
/// `gain * (p - floor) / (1 - floor)` (noisy-OR) to the category.
#[derive(Debug, Clone, Copy)]
struct Blend {
    head: &'static str,
    category: Category,
    floor: f32,
    gain: f32,
    /// Only when the target cue matched.
    needs_target: bool,
}

const BLENDS: &[Blend] = &[
    Blend {
        head: "offensive",
        category: Category::Profanity,
        floor: 0.4,
        gain: 1.0,
        needs_target: false,
    },
    Blend {
        head: "offensive",
        category: Category::Bullying,
        floor: 0.6,
        gain: 0.5,
        needs_target: true,
    },
    Blend {
        head: "hate",
        category: Category::Hate,
        floor: 0.5,
        gain: 0.7,
        needs_target: false,
    },
];

/// At most this many evidence spans per cue, and per category.
const EVIDENCE_PER_CUE: usize = 2;
const EVIDENCE_PER_CATEGORY: usize = 8;

/// Why a classifier could not be built from its data.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// A lexicon or the contexts file is invalid.
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    /// The model file is invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model lacks a head the classifier blends.
    #[error("the model has no {0:?} head; retrain it with the train example")]
    MissingHead(&'static str),
}

/// The message classifier: compiled lexicons, context rules and the model.
pub struct Classifier {
    lexicon: Lexicon,
    model: Model,
    /// Cues that run a coded pattern.
    pattern_cues: Vec<(usize, Pattern)>,
    target_cue: Option<usize>,
}

/// What the automata and patterns found in a text, after safe phrases and negation.
struct Found {
    hits: Vec<Hit>,
    /// Which contexts are present.
    contexts: Vec<bool>,
    /// Word ranges of safe phrases.
    safe: Vec<Range<usize>>,
}

/// Whether `words` lies inside one of `spans`.
fn inside(spans: &[Range<usize>], words: &Range<usize>) -> bool {
    spans
        .iter()
        .any(|s| s.start <= words.start && words.end <= s.end)
}

/// One place a cue matched.
#[derive(Debug, Clone)]
struct Hit {
    cue: usize,
    /// Which pattern (automaton pattern id, or `usize::MAX - k` for coded patterns) matched,
    /// so that distinct terms can be counted.
    term: usize,
    accented: bool,
    bytes: Range<usize>,
    words: Range<usize>,
}

impl Classifier {
    /// The classifier with the built-in lexicons, contexts and model, compiled once.
    pub fn builtin() -> &'static Classifier {
        static BUILTIN: OnceLock<Classifier> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Classifier::new(BUILTIN_LEXICONS, BUILTIN_CONTEXTS, BUILTIN_MODEL)
                .unwrap_or_else(|e| panic!("the built-in classifier data is invalid: {e}"))
        })
    }

    /// A classifier from lexicon files (`(name, TOML)`), a contexts file and a model file.
    pub fn new(
        lexicons: &[(&str, &str)],
        contexts: &str,
        model: &[u8],
    ) -> Result<Classifier, ClassifierError> {
        let lexicon = Lexicon::compile(lexicons, contexts)?;
        let model = Model::from_bytes(model)?;
        for b in BLENDS {
            if model.head(b.head).is_none() {
                return Err(ClassifierError::MissingHead(b.head));
            }
        }
        let pattern_cues = lexicon
            .cues
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.pattern.map(|p| (i, p)))
            .collect();
        let target_cue = lexicon.cues.iter().position(|c| c.name == TARGET_CUE);
        Ok(Classifier {
            lexicon,
            model,
            pattern_cues,
            target_cue,
        })
    }

    /// The model the classifier blends in.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Classifies one normalised message under `policy`.
    pub fn check(&self, text: &Normalized, policy: &Policy) -> Verdict {
        let folded_words = word_starts(&text.folded);
        let accented_words = word_starts(&text.accented);
        let mut hits = Vec::new();
        let mut safe = Vec::new();
        let mut contexts = vec![false; self.lexicon.contexts.len()];

        for m in self.lexicon.folded.find_overlapping_iter(&text.folded) {
            let bytes = m.start()..m.end();
            if !at_word_boundaries(&text.folded, &bytes) {
                continue;
            }
            let words = word_range(&folded_words, &bytes);
            for &t in &self.lexicon.folded_targets[m.pattern().as_usize()] {
                match t {
                    Target::Cue(cue) => hits.push(Hit {
                        cue,
                        term: m.pattern().as_usize(),
                        accented: false,
                        bytes: bytes.clone(),
                        words: words.clone(),
                    }),
                    Target::Context(i) => contexts[i] = true,
                    Target::Safe => safe.push(words.clone()),
                    Target::CueWithDiacritics(_) => {}
                }
            }
        }
        let diacritics = text.had_diacritics();
        let offset = self.lexicon.folded_targets.len();
        for m in self.lexicon.accented.find_overlapping_iter(&text.accented) {
            let bytes = m.start()..m.end();
            if !at_word_boundaries(&text.accented, &bytes) {
                continue;
            }
            let words = word_range(&accented_words, &bytes);
            for &t in &self.lexicon.accented_targets[m.pattern().as_usize()] {
                let cue = match t {
                    Target::Cue(cue) => cue,
                    Target::CueWithDiacritics(cue) if diacritics => cue,
                    _ => continue,
                };
                hits.push(Hit {
                    cue,
                    term: offset + m.pattern().as_usize(),
                    accented: true,
                    bytes: bytes.clone(),
                    words: words.clone(),
                });
            }
        }
        if !self.pattern_cues.is_empty() {
            let words: Vec<&str> = folded_words
                .iter()
                .map(|r| &text.folded[r.clone()])
                .collect();
            let mut found = Vec::new();
            for (k, &(cue, pattern)) in self.pattern_cues.iter().enumerate() {
                found.clear();
                pattern.find(&words, &mut found);
                for w in &found {
                    if let (Some(first), Some(last)) = (
                        folded_words.get(w.start),
                        folded_words.get(w.end.wrapping_sub(1)),
                    ) {
                        hits.push(Hit {
                            cue,
                            term: usize::MAX - k,
                            accented: false,
                            bytes: first.start..last.end,
                            words: w.clone(),
                        });
                    }
                }
            }
        }

        let negation_words = if folded_words.len() == accented_words.len() {
            Some(&accented_words)
        } else {
            None
        };
        hits.retain(|h| {
            let negated = self.lexicon.cues[h.cue].negatable
                && negation_words.is_some_and(|ws| self.negated(&text.accented, ws, h.words.start));
            !negated && !inside(&safe, &h.words)
        });

        let found = Found {
            hits,
            contexts,
            safe,
        };
        self.verdict(text, policy, &found, &folded_words, &accented_words)
    }

    /// Whether a negator stands in the few words before word `start`.
    fn negated(&self, accented: &str, words: &[Range<usize>], start: usize) -> bool {
        let end = start.min(words.len());
        let from = end.saturating_sub(self.lexicon.negation_window);
        let word = |i: usize| {
            words
                .get(i)
                .and_then(|r| accented.get(r.clone()))
                .unwrap_or("")
        };
        self.lexicon.negators.iter().any(|neg| {
            (from..end).any(|p| {
                p + neg.len() <= end
                    && neg.iter().enumerate().all(|(k, n)| word(p + k) == n)
                    && !self
                        .lexicon
                        .negation_exceptions
                        .contains(word(p + neg.len()))
            })
        })
    }

    fn verdict(
        &self,
        text: &Normalized,
        policy: &Policy,
        found: &Found,
        folded_words: &[Range<usize>],
        accented_words: &[Range<usize>],
    ) -> Verdict {
        let (hits, contexts) = (&found.hits, &found.contexts);
        let cues = &self.lexicon.cues;
        // Contribution of each matched cue: noisy-OR over its distinct terms, capped.
        let mut contribution = vec![0f32; cues.len()];
        let mut matched = vec![false; cues.len()];
        // A term counts once, and nested or overlapping terms of one cue ("nạp thẻ" inside
        // "nạp thẻ cào") count as one.
        let mut counted: Vec<&Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            matched[h.cue] = true;
            if counted.iter().any(|k| {
                k.cue == h.cue
                    && (k.term == h.term
                        || (k.words.start < h.words.end && h.words.start < k.words.end))
            }) {
                continue;
            }
            counted.push(h);
            let c = &cues[h.cue];
            let now = 1.0 - (1.0 - contribution[h.cue]) * (1.0 - c.weight);
            contribution[h.cue] = now.min(c.max);
        }

        let mut scores: Vec<(Category, f32, Vec<usize>, Option<&'static str>)> = Vec::new();
        let mut add =
            |category: Category, w: f32, cue_ids: &[usize], model: Option<&'static str>| {
                if w <= 0.0 {
                    return;
                }
                let entry = match scores.iter_mut().position(|s| s.0 == category) {
                    Some(i) => &mut scores[i],
                    None => {
                        scores.push((category, 0.0, Vec::new(), None));
                        scores.last_mut().expect("just pushed")
                    }
                };
                entry.1 = 1.0 - (1.0 - entry.1) * (1.0 - w.min(1.0));
                for &c in cue_ids {
                    if !entry.2.contains(&c) {
                        entry.2.push(c);
                    }
                }
                if model.is_some() {
                    entry.3 = model;
                }
            };
        for (i, c) in cues.iter().enumerate() {
            if let Some(category) = c.category
                && matched[i]
            {
                add(category, contribution[i], &[i], None);
            }
        }
        for combo in &self.lexicon.combos {
            if combo.cues.iter().all(|&c| matched[c])
                && combo.within.is_none_or(|w| within(hits, &combo.cues, w))
            {
                add(combo.category, combo.weight, &combo.cues, None);
            }
        }
        let mut features = Vec::new();
        model::features_of_words(
            &view_words(&text.accented, accented_words),
            &view_words(&text.folded, folded_words),
            self.model.bits,
            &mut features,
        );
        // Words of safe phrases ("chết cười") say nothing harmful to the model either, and words
        // a lexicon already explains as another harm ("cá độ bóng đá" is gambling) are not
        // read again as insults.
        let explained: Vec<Range<usize>> = hits
            .iter()
            .filter(|h| {
                cues[h.cue]
                    .category
                    .is_some_and(|c| !BLENDS.iter().any(|b| b.category == c))
            })
            .map(|h| h.words.clone())
            .collect();
        features.retain(|f| !inside(&found.safe, &f.words) && !inside(&explained, &f.words));
        let target = self.target_cue.is_some_and(|t| matched[t]);
        // News, teaching and prevention texts discount the model too.
        let model_factor = self
            .lexicon
            .contexts
            .iter()
            .zip(contexts)
            .filter(|(c, present)| **present && c.model)
            .map(|(c, _)| c.factor)
            .fold(1.0f32, f32::min);
        // Each head once.
        let mut probabilities: Vec<(&str, f32)> = Vec::with_capacity(2);
        for b in BLENDS {
            if b.needs_target && !target {
                continue;
            }
            let p = match probabilities.iter().find(|(h, _)| *h == b.head) {
                Some(&(_, p)) => Some(p),
                None => self.model.head(b.head).map(|head| {
                    let p = head.probability(&features);
                    probabilities.push((b.head, p));
                    p
                }),
            };
            if let Some(p) = p
                && p > b.floor
            {
                add(
                    b.category,
                    model_factor * b.gain * (p - b.floor) / (1.0 - b.floor),
                    &[],
                    Some(b.head),
                );
            }
        }

        // Contexts: the smallest factor of the present contexts that list the category.
        for s in &mut scores {
            let factor = self
                .lexicon
                .contexts
                .iter()
                .zip(contexts)
                .filter(|(c, present)| **present && c.categories.contains(&s.0))
                .map(|(c, _)| c.factor)
                .fold(1.0f32, f32::min);
            s.1 *= factor;
        }

        scores.retain(|s| s.1 > 0.0);
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut action = Action::Allow;
        let mut risk_group = None;
        let categories = scores
            .into_iter()
            .map(|(category, score, cue_ids, model_head)| {
                let a = policy.action(category, score);
                if a > Action::Allow && risk_group.is_none() {
                    risk_group = Some(category.group());
                }
                action = action.max(a);
                let mut evidence = Vec::new();
                for &c in &cue_ids {
                    for h in hits.iter().filter(|h| h.cue == c).take(EVIDENCE_PER_CUE) {
                        let rule = match cues[c].pattern {
                            Some(_) => format!("pattern:{}", cues[c].name),
                            None => format!("lexicon:{}", cues[c].name),
                        };
                        evidence.push(self.evidence(text, h.accented, h.bytes.clone(), rule));
                    }
                }
                if let Some(head) = model_head {
                    evidence.extend(self.model_evidence(text, head, &features, folded_words));
                }
                evidence.sort_by_key(|e| (e.start, e.end));
                evidence.dedup_by(|a, b| a.start == b.start && a.end == b.end);
                evidence.truncate(EVIDENCE_PER_CATEGORY);
                CategoryScore {
                    category,
                    score,
                    severity: severity(policy, category, score),
                    evidence,
                }
            })
            .collect();
        Verdict {
            categories,
            action,
            risk_group,
        }
    }

    fn evidence(
        &self,
        text: &Normalized,
        accented: bool,
        bytes: Range<usize>,
        rule: String,
    ) -> Evidence {
        let span = if accented {
            text.original_span_accented(bytes)
        } else {
            text.original_span_folded(bytes)
        };
        let snippet = text
            .original()
            .chars()
            .skip(span.start)
            .take(span.end.saturating_sub(span.start))
            .collect();
        Evidence {
            start: span.start,
            end: span.end,
            text: snippet,
            rule,
        }
    }

    /// The words behind the model head's strongest positive features (at most two).
    fn model_evidence(
        &self,
        text: &Normalized,
        head: &'static str,
        features: &[model::Feature],
        folded_words: &[Range<usize>],
    ) -> Vec<Evidence> {
        let Some(h) = self.model.head(head) else {
            return Vec::new();
        };
        let mut strongest: Vec<(f32, &model::Feature)> = features
            .iter()
            .map(|f| (h.weight(f.slot), f))
            .filter(|(w, _)| *w > 0.5)
            .collect();
        strongest.sort_by(|a, b| b.0.total_cmp(&a.0));
        strongest
            .iter()
            .take(2)
            .filter_map(|(_, f)| {
                let first = folded_words.get(f.words.start)?;
                let last = folded_words.get(f.words.end.checked_sub(1)?)?;
                Some(self.evidence(text, false, first.start..last.end, format!("model:{head}")))
            })
            .collect()
    }
}

/// The words of a view at `ranges`.
fn view_words<'a>(view: &'a str, ranges: &[Range<usize>]) -> Vec<&'a str> {
    ranges.iter().filter_map(|r| view.get(r.clone())).collect()
}

/// Byte ranges of the words of a view (split on single spaces).
fn word_starts(view: &str) -> Vec<Range<usize>> {
    model::words(view).map(|(r, _)| r).collect()
}

/// The word indices covered by a byte range.
fn word_range(words: &[Range<usize>], bytes: &Range<usize>) -> Range<usize> {
    let first = words.partition_point(|w| w.end <= bytes.start);
    let last = words.partition_point(|w| w.start < bytes.end);
    first..last.max(first + 1)
}

/// Whether a match starts and ends at word boundaries of its view.
fn at_word_boundaries(view: &str, bytes: &Range<usize>) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    match (view.get(..bytes.start), view.get(bytes.end..)) {
        (Some(before), Some(after)) => {
            !before.chars().next_back().is_some_and(is_word)
                && !after.chars().next().is_some_and(is_word)
        }
        _ => false,
    }
}

/// Whether every cue of `cues` has a hit so that all hits fit in a window of `limit` words.
fn within(hits: &[Hit], cues: &[usize], limit: usize) -> bool {
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
