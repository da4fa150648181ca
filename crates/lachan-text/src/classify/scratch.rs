//! Work buffers of [`super::Classifier::check`], kept per thread so that a check allocates
//! little more than its verdict.

use std::cell::RefCell;
use std::ops::Range;

use super::find::Hit;
use super::model::{Feature, Lookup};
use super::phrases::{Atom, Match};
use super::score::Scores;

/// Buffers longer than this (after a long text) are shrunk back, so a thread does not keep the
/// memory of its longest text.
const KEPT_CAPACITY: usize = 1024;

/// The buffers.
#[derive(Default)]
pub(super) struct Scratch {
    /// Byte ranges of the words of the folded view.
    pub folded_words: Vec<Range<usize>>,
    /// Byte ranges of the words of the accented view.
    pub accented_words: Vec<Range<usize>>,
    /// Atoms of the view being searched.
    pub atoms: Vec<Atom>,
    /// Terms found in the view being searched.
    pub matches: Vec<Match>,
    /// Where cues matched (after negation and safe phrases).
    pub hits: Vec<Hit>,
    /// Which contexts are present.
    pub contexts: Vec<bool>,
    /// Word ranges of safe phrases.
    pub safe: Vec<Range<usize>>,
    /// Word ranges a coded pattern found.
    pub found: Vec<Range<usize>>,
    /// Per cue: its contribution (noisy-OR of its distinct terms, capped).
    pub contribution: Vec<f32>,
    /// Per cue: whether it matched.
    pub matched: Vec<bool>,
    /// The matched cues, in cue order.
    pub cue_order: Vec<usize>,
    /// The combos whose first cue matched.
    pub candidates: Vec<usize>,
    /// Indices of the hits counted in the contributions.
    pub counted: Vec<usize>,
    /// Scores per category.
    pub scores: Scores,
    /// The model's features.
    pub features: Vec<Feature>,
    /// Word ranges a lexicon explains as a harm the model does not score.
    pub explained: Vec<Range<usize>>,
    /// The model's weights of the features.
    pub lookup: Lookup,
}

impl Scratch {
    fn shrink(&mut self) {
        self.folded_words.shrink_to(KEPT_CAPACITY);
        self.accented_words.shrink_to(KEPT_CAPACITY);
        self.atoms.shrink_to(KEPT_CAPACITY);
        self.matches.shrink_to(KEPT_CAPACITY);
        self.hits.shrink_to(KEPT_CAPACITY);
        self.safe.shrink_to(KEPT_CAPACITY);
        self.found.shrink_to(KEPT_CAPACITY);
        self.counted.shrink_to(KEPT_CAPACITY);
        self.cue_order.shrink_to(KEPT_CAPACITY);
        self.candidates.shrink_to(KEPT_CAPACITY);
        self.scores.shrink_to(KEPT_CAPACITY);
        self.features.shrink_to(KEPT_CAPACITY);
        self.explained.shrink_to(KEPT_CAPACITY);
        self.lookup.shrink_to(KEPT_CAPACITY);
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's buffers (or fresh ones if they are in use).
pub(super) fn with<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let r = f(&mut s);
            s.shrink();
            r
        }
        Err(_) => f(&mut Scratch::default()),
    })
}
