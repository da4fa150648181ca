//! The message classifier: what a single message shows of harm to a child.
//!
//! Lexicons per category and language (`data/lexicon/{vi,en}/*.toml`) are matched on the
//! normalised text with two multi-pattern automata over words (the `folded` view, and the
//! `accented` view for words whose folded form is an ordinary word), at word boundaries. Cue weights combine by
//! noisy-OR, combos reward co-occurring cues, and context rules cancel negated matches, skip safe
//! phrases ("chết cười", "giết thời gian") and discount news, teaching and prevention texts. A
//! hashed logistic-regression model ([`model`], trained from ViHOS and Davidson) adds to
//! profanity, bullying and hate. The [`Policy`] turns scores into an [`Action`].

mod find;
mod lexicon;
pub mod metrics;
pub mod model;
mod patterns;
pub(crate) mod phrases;
mod score;
mod scratch;
mod verdict;
pub(crate) mod words;

use std::sync::OnceLock;

use lachan_policy::Category;

pub use lexicon::LexiconError;
pub use model::{Model, ModelError};
pub use verdict::{
    Action, CategoryScore, Evidence, Policy, Severity, TEXT_CATEGORIES, Thresholds, Verdict,
    base_severity, severity,
};

use crate::normalize::Normalized;
use lexicon::Lexicon;
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
    /// The evidence rule of each cue (`lexicon:<cue>` or `pattern:<cue>`).
    cue_rules: Vec<String>,
    /// Per blend of [`BLENDS`]: the model head it reads and its evidence rule (`model:<head>`).
    blend_heads: Vec<(usize, String)>,
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
        let blend_heads = BLENDS
            .iter()
            .map(|b| {
                model
                    .head_index(b.head)
                    .map(|i| (i, format!("model:{}", b.head)))
                    .ok_or(ClassifierError::MissingHead(b.head))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pattern_cues = lexicon
            .cues
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.pattern.map(|p| (i, p)))
            .collect();
        let target_cue = lexicon.cues.iter().position(|c| c.name == TARGET_CUE);
        let cue_rules = lexicon
            .cues
            .iter()
            .map(|c| match c.pattern {
                Some(_) => format!("pattern:{}", c.name),
                None => format!("lexicon:{}", c.name),
            })
            .collect();
        Ok(Classifier {
            lexicon,
            model,
            pattern_cues,
            target_cue,
            cue_rules,
            blend_heads,
        })
    }

    /// The model the classifier blends in.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Classifies one normalised message under `policy`.
    pub fn check(&self, text: &Normalized, policy: &Policy) -> Verdict {
        scratch::with(|s| {
            self.find(text, s);
            self.verdict(text, policy, s)
        })
    }
}
