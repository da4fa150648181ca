//! The stage cue book: `data/stages.toml` parsed, checked and compiled into automata and rules
//! (the format is described at the top of that file).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::matcher::{Cond, Cue, Element, Matcher, MatcherBuilder, canon};
use super::stage::Stage;
use crate::normalize::{MAX_TEXT_BYTES, Normalized, strip_diacritics};

/// The built-in cue file.
pub(crate) const BUILTIN: &str = include_str!("../../data/stages.toml");

/// The most contexts a cue file may define (they are tracked as bits of a `u64`).
const MAX_CONTEXTS: usize = 64;

/// Why a stage cue file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum StagesError {
    /// The text is not TOML or does not have the expected tables and fields.
    #[error("stage cue file is invalid: {0}; see data/stages.toml for the expected format")]
    Toml(#[from] toml::de::Error),
    /// A cue names a group that `[groups]` does not define.
    #[error("cue {cue:?} uses unknown group @{group}; define it under [groups]")]
    UnknownGroup {
        /// The cue as written.
        cue: String,
        /// The missing group name.
        group: String,
    },
    /// A cue has an empty element or alternative.
    #[error("cue {cue:?} has an empty element or alternative; remove the stray `+` or `|`")]
    EmptyElement {
        /// The cue as written.
        cue: String,
    },
    /// A stage name that is not one of [`Stage`].
    #[error(
        "unknown stage {name:?}; use approach, personal_info, trust, gifts, secrecy, isolation, \
         private_channel, photo_request, desensitisation, meeting or sextortion"
    )]
    UnknownStage {
        /// The name as written.
        name: String,
    },
    /// A term that normalises to nothing, or is too long.
    #[error("term {term:?} is empty after normalisation or longer than {limit} bytes; fix it")]
    BadTerm {
        /// The term as written.
        term: String,
        /// The longest accepted term.
        limit: usize,
    },
    /// A weight, bonus, discount or fraction outside 0..=1.
    #[error("{what} is {value}, outside 0..=1; use a fraction")]
    OutOfRange {
        /// Which value.
        what: String,
        /// The value found.
        value: f32,
    },
    /// More contexts than can be tracked.
    #[error("{count} contexts defined, at most {limit} are supported; merge some")]
    TooManyContexts {
        /// Contexts in the file.
        count: usize,
        /// The supported maximum (64).
        limit: usize,
    },
    /// A term whose normalised form cannot be matched at word boundaries.
    #[error("term {0:?} must start and end with a letter or digit once normalised; fix it")]
    Term(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    defaults: Defaults,
    scoring: Scoring,
    groups: BTreeMap<String, Vec<String>>,
    stages: BTreeMap<String, StageFile>,
    #[serde(default)]
    combos: Vec<ComboFile>,
    #[serde(default)]
    contexts: Vec<ContextFile>,
    age: AgeFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    gap: u8,
    money_suffixes: Vec<String>,
}

/// Scoring parameters from `[scoring]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scoring {
    /// Fraction of a stage's weight that a weak cue counts.
    pub weak_factor: f32,
    /// Added per further message showing a stage already seen.
    pub repeat_bonus: f32,
    /// At most this many repeat bonuses per stage.
    pub max_repeats: u32,
    /// The total context discount never exceeds this.
    pub discount_cap: f32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CueSpec {
    Plain(String),
    Table { cue: String, gap: u8 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageFile {
    weight: f32,
    cues: Vec<CueSpec>,
    #[serde(default)]
    weak: Vec<CueSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComboFile {
    stages: [String; 2],
    bonus: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextFile {
    name: String,
    discount: f32,
    sides: Sides,
    #[serde(default)]
    suppress: bool,
    cues: Vec<CueSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgeFile {
    discount: f32,
    after: Vec<String>,
    before: Vec<String>,
    not_before: Vec<String>,
    not_after: Vec<String>,
}

/// Whose messages make a context count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Sides {
    /// A message from anyone.
    Any,
    /// A message from a participant not known to be a child.
    Adult,
    /// Said by at least two different participants.
    Both,
}

/// The cues of one stage.
pub(crate) struct StageRules {
    pub weight: f32,
    pub cues: Vec<Cue>,
    pub weak: Vec<Cue>,
}

/// A bonus for two stages shown by the same participant.
pub(crate) struct Combo {
    pub a: Stage,
    pub b: Stage,
    pub bonus: f32,
}

/// A benign context.
pub(crate) struct ContextRules {
    pub discount: f32,
    pub sides: Sides,
    pub suppress: bool,
    pub cues: Vec<Cue>,
}

/// How ages are read from text (all words folded).
pub(crate) struct AgeRules {
    pub discount: f32,
    pub after: HashSet<String>,
    pub before: Vec<Vec<String>>,
    pub not_before: HashSet<String>,
    pub not_after: HashSet<String>,
}

/// The compiled cue book.
pub(crate) struct Book {
    pub matcher: Matcher,
    /// Indexed by [`Stage::index`].
    pub stages: Vec<StageRules>,
    pub combos: Vec<Combo>,
    pub contexts: Vec<ContextRules>,
    pub age: AgeRules,
    pub scoring: Scoring,
}

impl Book {
    /// Parses and compiles a cue file.
    pub fn parse(text: &str) -> Result<Book, StagesError> {
        let file: File = toml::from_str(text)?;
        let s = &file.scoring;
        check("scoring.weak_factor", s.weak_factor)?;
        check("scoring.repeat_bonus", s.repeat_bonus)?;
        check("scoring.discount_cap", s.discount_cap)?;
        check("age.discount", file.age.discount)?;
        let mut builder = MatcherBuilder::default();
        builder.money_suffixes(
            file.defaults
                .money_suffixes
                .iter()
                .map(|s| canon(&strip_diacritics(&s.to_lowercase())))
                .collect(),
        );
        let mut compiler = Compiler {
            groups: &file.groups,
            gap: file.defaults.gap,
            builder,
            atoms: HashMap::new(),
        };
        let mut stages: Vec<StageRules> = Stage::ALL
            .iter()
            .map(|_| StageRules {
                weight: 0.0,
                cues: Vec::new(),
                weak: Vec::new(),
            })
            .collect();
        for (name, stage_file) in &file.stages {
            let stage = stage_named(name)?;
            check(&format!("stages.{name}.weight"), stage_file.weight)?;
            stages[stage.index()] = StageRules {
                weight: stage_file.weight,
                cues: compiler.cues(&stage_file.cues)?,
                weak: compiler.cues(&stage_file.weak)?,
            };
        }
        let mut combos = Vec::with_capacity(file.combos.len());
        for combo in &file.combos {
            check("combos.bonus", combo.bonus)?;
            combos.push(Combo {
                a: stage_named(&combo.stages[0])?,
                b: stage_named(&combo.stages[1])?,
                bonus: combo.bonus,
            });
        }
        if file.contexts.len() > MAX_CONTEXTS {
            return Err(StagesError::TooManyContexts {
                count: file.contexts.len(),
                limit: MAX_CONTEXTS,
            });
        }
        let mut contexts = Vec::with_capacity(file.contexts.len());
        for context in &file.contexts {
            check(
                &format!("contexts.{}.discount", context.name),
                context.discount,
            )?;
            contexts.push(ContextRules {
                discount: context.discount,
                sides: context.sides,
                suppress: context.suppress,
                cues: compiler.cues(&context.cues)?,
            });
        }
        let age = AgeRules {
            discount: file.age.discount,
            after: word_set(&file.age.after)?,
            before: file
                .age
                .before
                .iter()
                .map(|t| folded_variants(t))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .map(|v| v.split(' ').map(str::to_owned).collect())
                .collect(),
            not_before: word_set(&file.age.not_before)?,
            not_after: word_set(&file.age.not_after)?,
        };
        Ok(Book {
            matcher: compiler
                .builder
                .build()
                .map_err(|e| StagesError::Term(e.0))?,
            stages,
            combos,
            contexts,
            age,
            scoring: file.scoring,
        })
    }
}

fn check(what: &str, value: f32) -> Result<(), StagesError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(StagesError::OutOfRange {
            what: what.to_owned(),
            value,
        })
    }
}

fn stage_named(name: &str) -> Result<Stage, StagesError> {
    Stage::from_name(name).ok_or_else(|| StagesError::UnknownStage {
        name: name.to_owned(),
    })
}

/// The folded forms of a term: as the normaliser sees it (teencode expanded…) and as written
/// with only its diacritics removed, each as words separated by single spaces.
fn folded_variants(term: &str) -> Result<Vec<String>, StagesError> {
    let normalized = normalize_term(term)?;
    let mut out = vec![canon(&normalized.folded)];
    let raw = canon(&strip_diacritics(&term.to_lowercase()));
    if !out.contains(&raw) {
        out.push(raw);
    }
    out.retain(|v| !v.is_empty());
    if out.is_empty() {
        return Err(bad_term(term));
    }
    Ok(out)
}

fn normalize_term(term: &str) -> Result<Normalized, StagesError> {
    Normalized::new(term).map_err(|_| bad_term(term))
}

fn bad_term(term: &str) -> StagesError {
    StagesError::BadTerm {
        term: term.to_owned(),
        limit: MAX_TEXT_BYTES,
    }
}

fn word_set(terms: &[String]) -> Result<HashSet<String>, StagesError> {
    let mut set = HashSet::new();
    for term in terms {
        set.extend(folded_variants(term)?);
    }
    Ok(set)
}

/// How a term is matched (its `=` prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    /// Folded view only.
    Plain,
    /// `=`: accented view when the message had diacritics, else folded.
    Accent,
    /// `==`: accented view only.
    Strict,
}

struct Compiler<'a> {
    groups: &'a BTreeMap<String, Vec<String>>,
    gap: u8,
    builder: MatcherBuilder,
    atoms: HashMap<(Mode, String), u32>,
}

impl Compiler<'_> {
    fn cues(&mut self, specs: &[CueSpec]) -> Result<Vec<Cue>, StagesError> {
        specs.iter().map(|spec| self.cue(spec)).collect()
    }

    fn cue(&mut self, spec: &CueSpec) -> Result<Cue, StagesError> {
        let (text, gap) = match spec {
            CueSpec::Plain(text) => (text.as_str(), self.gap),
            CueSpec::Table { cue, gap } => (cue.as_str(), *gap),
        };
        let empty = || StagesError::EmptyElement {
            cue: text.to_owned(),
        };
        let mut elems = Vec::new();
        let mut gaps = Vec::new();
        for (i, chunk) in text.split(" +").enumerate() {
            let element = if i == 0 {
                chunk
            } else {
                // After " +": an optional gap, then a space ("a +5 b").
                let digits =
                    chunk.len() - chunk.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let rest = &chunk[digits..];
                if !rest.starts_with(' ') {
                    return Err(empty());
                }
                gaps.push(if digits == 0 {
                    u32::from(gap)
                } else {
                    chunk[..digits].parse().map_err(|_| empty())?
                });
                rest
            };
            let mut atoms = Vec::new();
            let mut number = false;
            let mut money = false;
            for alternative in element.split(" | ").map(str::trim) {
                if alternative.is_empty() {
                    return Err(empty());
                }
                if alternative == "#num" {
                    number = true;
                } else if alternative == "#money" {
                    money = true;
                } else if let Some(group) = alternative.strip_prefix('@') {
                    let terms =
                        self.groups
                            .get(group)
                            .ok_or_else(|| StagesError::UnknownGroup {
                                cue: text.to_owned(),
                                group: group.to_owned(),
                            })?;
                    for term in terms {
                        atoms.push(self.atom(term)?);
                    }
                } else {
                    atoms.push(self.atom(alternative)?);
                }
            }
            if atoms.is_empty() && !number && !money {
                return Err(empty());
            }
            elems.push(self.builder.element(Element {
                atoms,
                number,
                money,
            }));
        }
        Ok(Cue { elems, gaps })
    }

    fn atom(&mut self, term: &str) -> Result<u32, StagesError> {
        let (mode, bare) = if let Some(bare) = term.strip_prefix("==") {
            (Mode::Strict, bare)
        } else if let Some(bare) = term.strip_prefix('=') {
            (Mode::Accent, bare)
        } else {
            (Mode::Plain, term)
        };
        if let Some(&id) = self.atoms.get(&(mode, bare.to_owned())) {
            return Ok(id);
        }
        let id = self.builder.new_atom();
        if mode != Mode::Strict {
            let cond = if mode == Mode::Plain {
                Cond::Always
            } else {
                Cond::NoDiacritics
            };
            for variant in folded_variants(bare)? {
                self.builder.folded(variant, id, cond);
            }
        }
        if mode != Mode::Plain {
            let accented = canon(&normalize_term(bare)?.accented);
            if accented.is_empty() {
                return Err(bad_term(term));
            }
            let cond = if mode == Mode::Strict {
                Cond::Always
            } else {
                Cond::Diacritics
            };
            self.builder.accented(accented, id, cond);
        }
        self.atoms.insert((mode, bare.to_owned()), id);
        Ok(id)
    }
}
