//! Cue terms matched with Aho-Corasick on a message's normalised views (whole words only), and
//! cue sequences checked over word positions.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, BuildError};

use crate::normalize::Normalized;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `s` as its words (runs of letters, digits and `_`) separated by single spaces.
pub(crate) fn canon(s: &str) -> String {
    Words::new(s).text
}

/// The words of one view: `text` holds them separated by single spaces.
pub(crate) struct Words {
    pub text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl Words {
    /// Splits `view` into words.
    pub fn new(view: &str) -> Words {
        let mut text = String::with_capacity(view.len());
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        let mut in_word = false;
        for c in view.chars() {
            if is_word_char(c) {
                if !in_word {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    starts.push(text.len() as u32);
                    in_word = true;
                }
                text.push(c);
            } else if in_word {
                ends.push(text.len() as u32);
                in_word = false;
            }
        }
        if in_word {
            ends.push(text.len() as u32);
        }
        Words { text, starts, ends }
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Word `i` (empty when out of range).
    pub fn word(&self, i: usize) -> &str {
        match (self.starts.get(i), self.ends.get(i)) {
            (Some(&s), Some(&e)) => self.text.get(s as usize..e as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// The word range `[first, last + 1)` exactly covered by bytes `start..end` of `text`.
    fn span(&self, start: usize, end: usize) -> Option<(u32, u32)> {
        let first = self.starts.binary_search(&(start as u32)).ok()?;
        let last = self.ends.binary_search(&(end as u32)).ok()?;
        (last >= first).then_some((first as u32, last as u32 + 1))
    }
}

/// When a pattern's match counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cond {
    /// Always.
    Always,
    /// Only when the original message had no diacritics.
    NoDiacritics,
    /// Only when the original message had diacritics.
    Diacritics,
}

impl Cond {
    fn holds(self, had_diacritics: bool) -> bool {
        match self {
            Cond::Always => true,
            Cond::NoDiacritics => !had_diacritics,
            Cond::Diacritics => had_diacritics,
        }
    }
}

/// A sequence of elements with at most `gaps[i]` other words between elements `i` and `i + 1`.
pub(crate) struct Cue {
    pub elems: Vec<u32>,
    pub gaps: Vec<u32>,
}

#[derive(Default)]
struct PatternSet {
    index: HashMap<String, usize>,
    patterns: Vec<String>,
    owners: Vec<Vec<(u32, Cond)>>,
}

impl PatternSet {
    fn add(&mut self, pattern: String, atom: u32, cond: Cond) {
        let i = match self.index.get(&pattern) {
            Some(&i) => i,
            None => {
                self.patterns.push(pattern.clone());
                self.owners.push(Vec::new());
                self.index.insert(pattern, self.patterns.len() - 1);
                self.patterns.len() - 1
            }
        };
        if !self.owners[i].contains(&(atom, cond)) {
            self.owners[i].push((atom, cond));
        }
    }

    fn build(self) -> Result<Side, BuildError> {
        Ok(Side {
            ac: AhoCorasick::new(&self.patterns)?,
            owners: self.owners,
        })
    }
}

/// Collects atoms (one term in one matching mode), their patterns and elements (sets of atoms).
#[derive(Default)]
pub(crate) struct MatcherBuilder {
    atoms: u32,
    folded: PatternSet,
    accented: PatternSet,
    elements: HashMap<Element, u32>,
    element_defs: Vec<Element>,
    money_suffixes: Vec<String>,
}

/// An element: any of its atoms, or (when set) any number, or any amount of money.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Element {
    pub atoms: Vec<u32>,
    pub number: bool,
    pub money: bool,
}

impl MatcherBuilder {
    /// A new atom id.
    pub fn new_atom(&mut self) -> u32 {
        self.atoms += 1;
        self.atoms - 1
    }

    /// `pattern` (canonical words) found in the folded view means `atom`, when `cond` holds.
    pub fn folded(&mut self, pattern: String, atom: u32, cond: Cond) {
        self.folded.add(pattern, atom, cond);
    }

    /// `pattern` found in the accented view means `atom`, when `cond` holds.
    pub fn accented(&mut self, pattern: String, atom: u32, cond: Cond) {
        self.accented.add(pattern, atom, cond);
    }

    /// Folded suffixes that make a number an amount of money ("k" in "500k").
    pub fn money_suffixes(&mut self, suffixes: Vec<String>) {
        self.money_suffixes = suffixes;
    }

    /// The id of `element`.
    pub fn element(&mut self, mut element: Element) -> u32 {
        element.atoms.sort_unstable();
        element.atoms.dedup();
        if let Some(&id) = self.elements.get(&element) {
            return id;
        }
        let id = self.element_defs.len() as u32;
        self.element_defs.push(element.clone());
        self.elements.insert(element, id);
        id
    }

    /// Builds the automata.
    pub fn build(self) -> Result<Matcher, BuildError> {
        let mut atom_elems = vec![Vec::new(); self.atoms as usize];
        let mut num_elems = Vec::new();
        let mut money_elems = Vec::new();
        for (id, element) in self.element_defs.iter().enumerate() {
            for &atom in &element.atoms {
                atom_elems[atom as usize].push(id as u32);
            }
            if element.number {
                num_elems.push(id as u32);
            }
            if element.money {
                money_elems.push(id as u32);
            }
        }
        Ok(Matcher {
            folded: self.folded.build()?,
            accented: self.accented.build()?,
            atom_elems,
            num_elems,
            money_elems,
            money_suffixes: self.money_suffixes,
        })
    }
}

struct Side {
    ac: AhoCorasick,
    owners: Vec<Vec<(u32, Cond)>>,
}

/// The compiled term automata.
pub(crate) struct Matcher {
    folded: Side,
    accented: Side,
    atom_elems: Vec<Vec<u32>>,
    num_elems: Vec<u32>,
    money_elems: Vec<u32>,
    money_suffixes: Vec<String>,
}

impl Matcher {
    /// Every element found in a message, with its word range. `folded` are the words of
    /// `text.folded`.
    pub fn scan(&self, text: &Normalized, folded: &Words) -> Hits {
        let had = text.had_diacritics();
        let mut list = Vec::new();
        self.side(&self.folded, folded, had, &mut list);
        let accented = Words::new(&text.accented);
        // Both views have the same words unless the normaliser changed word boundaries between
        // them; then positions would disagree, so the accented view is not used.
        if accented.len() == folded.len() {
            self.side(&self.accented, &accented, had, &mut list);
        }
        for i in 0..folded.len() {
            let word = folded.word(i);
            if !word.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let at = (i as u32, i as u32 + 1);
            for &elem in &self.num_elems {
                list.push((elem, at.0, at.1));
            }
            let suffix = word.trim_start_matches(|c: char| c.is_ascii_digit());
            if self.money_suffixes.iter().any(|s| s == suffix) {
                for &elem in &self.money_elems {
                    list.push((elem, at.0, at.1));
                }
            }
        }
        list.sort_unstable();
        list.dedup();
        Hits { list }
    }

    fn side(&self, side: &Side, words: &Words, had: bool, list: &mut Vec<(u32, u32, u32)>) {
        for m in side.ac.find_overlapping_iter(&words.text) {
            let Some((first, end)) = words.span(m.start(), m.end()) else {
                continue;
            };
            for &(atom, cond) in &side.owners[m.pattern().as_usize()] {
                if cond.holds(had) {
                    for &elem in &self.atom_elems[atom as usize] {
                        list.push((elem, first, end));
                    }
                }
            }
        }
    }
}

/// The elements found in one message: `(element, first word, end word)`, sorted.
pub(crate) struct Hits {
    list: Vec<(u32, u32, u32)>,
}

impl Hits {
    fn of(&self, elem: u32) -> &[(u32, u32, u32)] {
        let from = self.list.partition_point(|h| h.0 < elem);
        let to = self.list.partition_point(|h| h.0 <= elem);
        &self.list[from..to]
    }

    /// Whether the elements of `cue` occur in order with at most `cue.gaps` words between
    /// consecutive ones. Linear in the hits: keeps the set of word positions where a partial
    /// match can end, element by element.
    pub fn matches(&self, cue: &Cue) -> bool {
        let Some((&first, rest)) = cue.elems.split_first() else {
            return false;
        };
        let mut ends: Vec<u32> = self.of(first).iter().map(|h| h.2).collect();
        for (&elem, &gap) in rest.iter().zip(&cue.gaps) {
            ends.sort_unstable();
            ends.dedup();
            if ends.is_empty() {
                return false;
            }
            let mut next = Vec::new();
            for &(_, start, end) in self.of(elem) {
                let before = ends.partition_point(|&e| e <= start);
                if before > 0 && start - ends[before - 1] <= gap {
                    next.push(end);
                }
            }
            ends = next;
        }
        !ends.is_empty()
    }
}
