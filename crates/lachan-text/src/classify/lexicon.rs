//! Lexicon files (TOML) compiled into two multi-pattern automata over words ([`Phrases`]): one
//! over the `folded` view, one over the `accented` view of a [`Normalized`] text.
//!
//! A lexicon file names a category and lists *cues*: terms with a weight. Cues with the same name
//! in several files (one per language) are one cue. Vietnamese terms of several words also match
//! written as one word ("bongcuoi", "#matuy"). A cue field `negatable = false` keeps a
//! negator from cancelling it; `alone = false` marks a cue of ordinary words or settings ("tối
//! nay", "after school", "inbox", "thẻ cào") that only adds to a category other evidence already
//! scores, so that everyday text scores nothing. *Combos* add weight when all their cues are
//! present (optionally within a few words of each other). The contexts file holds negation,
//! discounting contexts (news, teaching, prevention …) and safe phrases.

use std::collections::{BTreeSet, HashMap};

use lachan_policy::Category;
use serde::Deserialize;

use super::patterns::Pattern;
use super::phrases::{Phrases, Separators};
use crate::normalize::hash::FastMap;
use crate::normalize::{Normalized, is_syllable};

/// A lexicon, contexts file or model that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// The TOML text is malformed or has unknown fields.
    #[error(
        "lexicon file {file}: {message}; fix the TOML (see data/lexicon/*.toml for the format)"
    )]
    Parse {
        /// The file name given with the text.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range or refers to something unknown.
    #[error("lexicon file {file}: {message}")]
    Invalid {
        /// The file name given with the text.
        file: String,
        /// What was wrong and what to do.
        message: String,
    },
    /// A term cannot be matched at word boundaries (or the lexicon is too large).
    #[error(
        "term {0:?} must start and end with a letter or digit (remove the punctuation around it), and the lexicon must hold fewer than 16 million words"
    )]
    Term(String),
}

/// The language of a lexicon file: where its `terms` are matched.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Lang {
    /// Vietnamese: `terms` on the folded view (with and without diacritics), `accented` on the
    /// accented view of texts typed with diacritics.
    Vi,
    /// English: `terms` on the accented view, so that they never match a Vietnamese word that
    /// folds to the same letters ("bat" is not "bắt").
    En,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    lang: Lang,
    category: Option<String>,
    #[serde(default)]
    cue: Vec<CueSpec>,
    #[serde(default)]
    combo: Vec<ComboSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CueSpec {
    name: String,
    weight: f32,
    max: Option<f32>,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    accented: Vec<String>,
    pattern: Option<String>,
    #[serde(default = "yes")]
    negatable: bool,
    #[serde(default = "yes")]
    alone: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComboSpec {
    category: Option<String>,
    all: Vec<String>,
    weight: f32,
    within: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextsSpec {
    negation: NegationSpec,
    #[serde(default)]
    context: Vec<ContextSpec>,
    #[serde(default)]
    safe: Vec<SafeSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NegationSpec {
    window: usize,
    words: Vec<String>,
    #[serde(default)]
    except_before: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    name: String,
    factor: f32,
    terms: Vec<String>,
    categories: Vec<String>,
    #[serde(default)]
    model: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SafeSpec {
    terms: Vec<String>,
}

/// One cue: a named set of terms (or a coded pattern) with a weight.
#[derive(Debug)]
pub(crate) struct Cue {
    /// The name used by combos and in evidence rules.
    pub name: String,
    /// The category the cue scores on its own, if its weight is above zero.
    pub category: Option<Category>,
    /// Noisy-OR weight of one matched term.
    pub weight: f32,
    /// Cap on the cue's contribution when several distinct terms match.
    pub max: f32,
    /// Whether a negator just before a match cancels it.
    pub negatable: bool,
    /// Whether the cue scores its category on its own; if not, it only adds to a category that
    /// other evidence (another cue, a combo or the model) already scores: ordinary words and
    /// settings ("tối nay", "after school", "inbox") strengthen a harm but do not show one.
    pub alone: bool,
    /// The supporting copy of a cue for the bare forms of its accent-sensitive terms: it adds
    /// only to a category another lexicon cue scores.
    pub bare: bool,
    /// A detector written in code, instead of or besides terms.
    pub pattern: Option<Pattern>,
}

/// Extra weight for a category when all cues are present.
#[derive(Debug)]
pub(crate) struct Combo {
    pub category: Category,
    /// The first of `cues`, checked before the others.
    pub first: usize,
    pub cues: Vec<usize>,
    pub weight: f32,
    /// Largest distance in words between the cues' matches, if limited.
    pub within: Option<usize>,
}

/// A context that multiplies some categories' scores.
#[derive(Debug)]
pub(crate) struct Context {
    pub factor: f32,
    pub categories: Vec<Category>,
    /// Whether the model's contributions are discounted too.
    pub model: bool,
}

/// What a pattern of an automaton stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A term of cue `.0`.
    Cue(usize),
    /// A term of cue `.0` that counts only in a text typed with diacritics.
    CueWithDiacritics(usize),
    /// An English term that could also be Vietnamese typed without diacritics ("bat" is "bất"
    /// in "bat ngo"), for cue `.0`: it counts in a text that reads as English or has diacritics.
    CueInEnglish(usize),
    /// The bare form of such a term, for cue `.0` (a supporting copy of the cue), in a text typed
    /// without any diacritic: "ke" may be "kẻ" or "kể", but next to "bong cuoi" it is ketamine.
    CueWithoutDiacritics(usize),
    /// A term of context `.0`.
    Context(usize),
    /// A safe phrase.
    Safe,
}

/// What each pattern of an automaton stands for, in one list: pattern `p`'s targets are
/// `list[starts[p]..starts[p + 1]]`.
#[derive(Debug, Default)]
pub(crate) struct Targets {
    list: Vec<Target>,
    starts: Vec<u32>,
}

impl Targets {
    fn new(per_pattern: &[Vec<Target>]) -> Targets {
        let mut t = Targets {
            list: Vec::new(),
            starts: vec![0],
        };
        for targets in per_pattern {
            t.list.extend_from_slice(targets);
            t.starts.push(t.list.len() as u32);
        }
        t
    }

    /// How many patterns.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The targets of pattern `p` (none if out of range).
    pub fn of(&self, p: usize) -> &[Target] {
        match (self.starts.get(p), self.starts.get(p + 1)) {
            (Some(&from), Some(&to)) => self.list.get(from as usize..to as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The compiled lexicon.
pub(crate) struct Lexicon {
    pub cues: Vec<Cue>,
    pub combos: Vec<Combo>,
    /// Per cue: the combos (indices into `combos`, increasing) whose first cue it is.
    pub combos_by_first: Vec<Vec<usize>>,
    pub contexts: Vec<Context>,
    pub folded: Phrases,
    pub folded_targets: Targets,
    pub accented: Phrases,
    pub accented_targets: Targets,
    pub negation_window: usize,
    /// Negators, each as its words in the accented view, by their first word.
    pub negators: FastMap<String, Vec<Vec<String>>>,
    pub negation_exceptions: BTreeSet<String>,
}

/// Patterns collected before building an automaton: text → targets.
#[derive(Default)]
struct PatternSet {
    index: HashMap<String, usize>,
    patterns: Vec<String>,
    targets: Vec<Vec<Target>>,
}

impl PatternSet {
    fn add(&mut self, pattern: String, target: Target) {
        let id = *self.index.entry(pattern.clone()).or_insert_with(|| {
            self.patterns.push(pattern);
            self.targets.push(Vec::new());
            self.targets.len() - 1
        });
        if !self.targets[id].contains(&target) {
            self.targets[id].push(target);
        }
    }

    fn build(self) -> Result<(Phrases, Targets), LexiconError> {
        let automaton =
            Phrases::new(&self.patterns, Separators::Exact).map_err(|e| LexiconError::Term(e.0))?;
        Ok((automaton, Targets::new(&self.targets)))
    }
}

fn parse_category(file: &str, name: &str) -> Result<Category, LexiconError> {
    name.parse().map_err(|e| LexiconError::Invalid {
        file: file.to_owned(),
        message: format!("{e}"),
    })
}

fn check_weight(file: &str, what: &str, w: f32) -> Result<(), LexiconError> {
    if (0.0..=1.0).contains(&w) {
        Ok(())
    } else {
        Err(LexiconError::Invalid {
            file: file.to_owned(),
            message: format!("{what}: weight {w} is outside 0..=1"),
        })
    }
}

/// The forms of a term to look for in a view: the term normalised like any message (teencode
/// expanded, leetspeak mapped …) and the term as written, lowercased and split on punctuation
/// (the normaliser reads a lone phrase without the context of a message, and may expand "a" to
/// "anh" in an English phrase). A normalised form that is a single word different from the
/// written one is dropped ("ccc" is not "chị"). Emoji tokens (`emoji_pill`) are kept as they are.
fn term_forms(file: &str, term: &str, accented: bool) -> Result<Vec<String>, LexiconError> {
    let invalid = |message: String| LexiconError::Invalid {
        file: file.to_owned(),
        message,
    };
    if let Some(name) = term.strip_prefix("emoji_")
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Ok(vec![term.to_owned()]);
    }
    let n = Normalized::new(term).map_err(|e| invalid(format!("term {term:?}: {e}")))?;
    let normalised = if accented { n.accented } else { n.folded };
    let lower = term.to_lowercase();
    let lower = if accented {
        lower
    } else {
        crate::normalize::strip_diacritics(&lower)
    };
    let written = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut forms = vec![written.clone()];
    let normalised = normalised.trim();
    if normalised != written && normalised.contains(' ') {
        forms.push(normalised.to_owned());
    }
    for f in &forms {
        if f.chars().count() < 2 {
            return Err(invalid(format!(
                "term {term:?} reads as {f:?}, too short to match safely; remove it or write a longer phrase"
            )));
        }
    }
    Ok(forms)
}

/// A Vietnamese term of several words written as one ("bong cuoi" → "bongcuoi"), as spaced
/// letters joined back ("b o n g c u o i"), hashtags and user names show it; `None` for one
/// word.
fn glued(form: &str) -> Option<String> {
    form.contains(' ').then(|| form.replace(' ', ""))
}

impl Lexicon {
    /// Compiles lexicon files (`(file name, TOML text)`) and the contexts file.
    pub fn compile(files: &[(&str, &str)], contexts: &str) -> Result<Lexicon, LexiconError> {
        let mut cues: Vec<Cue> = Vec::new();
        let mut cue_index: HashMap<String, usize> = HashMap::new();
        let mut folded = PatternSet::default();
        let mut accented = PatternSet::default();
        let mut combo_specs: Vec<(String, Category, ComboSpec)> = Vec::new();
        // Per cue with accent-sensitive terms: the supporting copy their bare forms count for.
        let mut bare_cues: HashMap<usize, usize> = HashMap::new();

        for &(file, text) in files {
            let spec: FileSpec = toml::from_str(text).map_err(|e| LexiconError::Parse {
                file: file.to_owned(),
                message: e.to_string(),
            })?;
            let category = spec
                .category
                .as_deref()
                .map(|c| parse_category(file, c))
                .transpose()?;
            for c in spec.cue {
                check_weight(file, &c.name, c.weight)?;
                let max = c.max.unwrap_or(c.weight);
                check_weight(file, &c.name, max)?;
                if c.weight > 0.0 && category.is_none() {
                    return Err(LexiconError::Invalid {
                        file: file.to_owned(),
                        message: format!(
                            "cue {} has weight {} but the file names no category; set `category` or weight 0",
                            c.name, c.weight
                        ),
                    });
                }
                let pattern = c
                    .pattern
                    .as_deref()
                    .map(|p| {
                        Pattern::from_name(p).ok_or_else(|| LexiconError::Invalid {
                            file: file.to_owned(),
                            message: format!(
                                "cue {}: unknown pattern {p:?}; known: {}",
                                c.name,
                                Pattern::NAMES.join(", ")
                            ),
                        })
                    })
                    .transpose()?;
                let id = match cue_index.get(&c.name) {
                    Some(&id) => {
                        let known = &mut cues[id];
                        if known.weight != c.weight || known.max != max || known.alone != c.alone {
                            return Err(LexiconError::Invalid {
                                file: file.to_owned(),
                                message: format!(
                                    "cue {} is defined elsewhere with weight {} (max {}, alone {}); use the same values",
                                    c.name, known.weight, known.max, known.alone
                                ),
                            });
                        }
                        if known.category.is_none() {
                            known.category = category.filter(|_| c.weight > 0.0);
                        }
                        known.pattern = known.pattern.or(pattern);
                        id
                    }
                    None => {
                        cues.push(Cue {
                            name: c.name.clone(),
                            category: category.filter(|_| c.weight > 0.0),
                            weight: c.weight,
                            max,
                            negatable: c.negatable,
                            alone: c.alone,
                            bare: false,
                            pattern,
                        });
                        cue_index.insert(c.name.clone(), cues.len() - 1);
                        cues.len() - 1
                    }
                };
                if spec.lang == Lang::En && !c.accented.is_empty() {
                    return Err(LexiconError::Invalid {
                        file: file.to_owned(),
                        message: format!(
                            "cue {}: `accented` is for Vietnamese files; English terms are already matched with their accents",
                            c.name
                        ),
                    });
                }
                for term in &c.terms {
                    match spec.lang {
                        Lang::Vi => {
                            for form in term_forms(file, term, false)? {
                                if let Some(glued) = glued(&form) {
                                    folded.add(glued, Target::Cue(id));
                                }
                                folded.add(form, Target::Cue(id));
                            }
                        }
                        Lang::En => {
                            for form in term_forms(file, term, true)? {
                                let target = if form.split(' ').all(is_syllable) {
                                    Target::CueInEnglish(id)
                                } else {
                                    Target::Cue(id)
                                };
                                accented.add(form, target);
                            }
                        }
                    }
                }
                for term in &c.accented {
                    for form in term_forms(file, term, true)? {
                        accented.add(form, Target::CueWithDiacritics(id));
                    }
                    if cues[id].category.is_some() {
                        let bare = *bare_cues.entry(id).or_insert_with(|| {
                            let c = &cues[id];
                            cues.push(Cue {
                                name: c.name.clone(),
                                category: c.category,
                                weight: c.weight,
                                max: c.max,
                                negatable: c.negatable,
                                alone: false,
                                bare: true,
                                pattern: None,
                            });
                            cues.len() - 1
                        });
                        for form in term_forms(file, term, false)? {
                            folded.add(form, Target::CueWithoutDiacritics(bare));
                        }
                    }
                }
            }
            for combo in spec.combo {
                let cat = match (&combo.category, category) {
                    (Some(c), _) => parse_category(file, c)?,
                    (None, Some(c)) => c,
                    (None, None) => {
                        return Err(LexiconError::Invalid {
                            file: file.to_owned(),
                            message: "a combo needs a category (in the combo or the file)".into(),
                        });
                    }
                };
                check_weight(file, "combo", combo.weight)?;
                combo_specs.push((file.to_owned(), cat, combo));
            }
        }

        let mut combos = Vec::with_capacity(combo_specs.len());
        for (file, category, spec) in combo_specs {
            let mut ids = Vec::with_capacity(spec.all.len());
            for name in &spec.all {
                let id = *cue_index.get(name).ok_or_else(|| LexiconError::Invalid {
                    file: file.clone(),
                    message: format!("combo refers to unknown cue {name:?}"),
                })?;
                ids.push(id);
            }
            if ids.len() < 2 {
                return Err(LexiconError::Invalid {
                    file,
                    message: format!("combo {:?} needs at least two cues", spec.all),
                });
            }
            combos.push(Combo {
                category,
                first: ids[0],
                cues: ids,
                weight: spec.weight,
                within: spec.within,
            });
        }

        let ctx: ContextsSpec = toml::from_str(contexts).map_err(|e| LexiconError::Parse {
            file: "contexts.toml".into(),
            message: e.to_string(),
        })?;
        let mut context_list = Vec::with_capacity(ctx.context.len());
        for (i, c) in ctx.context.into_iter().enumerate() {
            check_weight("contexts.toml", &c.name, c.factor)?;
            let categories = c
                .categories
                .iter()
                .map(|n| parse_category("contexts.toml", n))
                .collect::<Result<Vec<_>, _>>()?;
            for term in &c.terms {
                for form in term_forms("contexts.toml", term, false)? {
                    folded.add(form, Target::Context(i));
                }
            }
            context_list.push(Context {
                factor: c.factor,
                categories,
                model: c.model,
            });
        }
        for safe in ctx.safe {
            for term in &safe.terms {
                for form in term_forms("contexts.toml", term, false)? {
                    folded.add(form, Target::Safe);
                }
            }
        }
        let words_of = |text: &String| -> Vec<String> {
            Normalized::new(text)
                .map(|n| {
                    n.accented
                        .split(' ')
                        .filter(|w| !w.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut negators: FastMap<String, Vec<Vec<String>>> = FastMap::default();
        for words in ctx.negation.words.iter().map(words_of) {
            if let Some(first) = words.first() {
                negators.entry(first.clone()).or_default().push(words);
            }
        }
        let negation_exceptions: BTreeSet<String> = ctx
            .negation
            .except_before
            .iter()
            .flat_map(words_of)
            .collect();

        let mut combos_by_first = vec![Vec::new(); cues.len()];
        for (i, c) in combos.iter().enumerate() {
            combos_by_first[c.first].push(i);
        }
        let (folded, folded_targets) = folded.build()?;
        let (accented, accented_targets) = accented.build()?;
        Ok(Lexicon {
            cues,
            combos,
            combos_by_first,
            contexts: context_list,
            folded,
            folded_targets,
            accented,
            accented_targets,
            negation_window: ctx.negation.window,
            negators,
            negation_exceptions,
        })
    }
}
