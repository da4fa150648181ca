//! Cue terms matched on a message's normalised views, whole words only, with the classifier's
//! automaton over words ([`Phrases`], any punctuation between words), and cue sequences checked
//! over word positions.

use std::collections::HashMap;
use std::ops::Range;

use crate::classify::phrases::{Atom, BadTerm, Match, Phrases, Separators};
use crate::normalize::{Normalized, is_word_char};

/// `s` as its words (runs of letters, digits and `_`) separated by single spaces.
pub(crate) fn canon(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The words of one view (runs of letters, digits and `_`).
pub(crate) struct Words<'t> {
    text: &'t str,
    ranges: Vec<Range<usize>>,
}

impl<'t> Words<'t> {
    /// The words of `text` found by [`Phrases::find`] (its atoms).
    fn from_atoms(text: &'t str, atoms: &[Atom]) -> Words<'t> {
        Words {
            text,
            ranges: atoms.iter().map(|a| a.bytes.clone()).collect(),
        }
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Word `i` (empty when out of range).
    pub fn word(&self, i: usize) -> &'t str {
        self.ranges
            .get(i)
            .and_then(|r| self.text.get(r.clone()))
            .unwrap_or("")
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

    fn build(self) -> Result<Side, BadTerm> {
        Ok(Side {
            phrases: Phrases::new(&self.patterns, Separators::Any)?,
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
    pub fn build(self) -> Result<Matcher, BadTerm> {
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
    phrases: Phrases,
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
    /// Every element found in a message, with its word range, and the words of `text.folded`.
    pub fn scan<'t>(&self, text: &'t Normalized) -> (Hits, Words<'t>) {
        let had = text.had_diacritics();
        let mut list = Vec::with_capacity(32);
        let (mut atoms, mut matches) = (Vec::with_capacity(64), Vec::with_capacity(16));
        let words_only = text.words_only();
        self.folded
            .phrases
            .find(&text.folded, words_only, &mut atoms, &mut matches, None);
        self.side(&self.folded, &matches, had, &mut list);
        let folded = Words::from_atoms(&text.folded, &atoms);
        self.accented
            .phrases
            .find(&text.accented, words_only, &mut atoms, &mut matches, None);
        // Both views have the same words unless the normaliser changed word boundaries between
        // them; then positions would disagree, so the accented view is not used.
        if atoms.len() == folded.len() {
            self.side(&self.accented, &matches, had, &mut list);
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
        (Hits::new(list), folded)
    }

    fn side(&self, side: &Side, matches: &[Match], had: bool, list: &mut Vec<(u32, u32, u32)>) {
        for m in matches {
            let (first, end) = (m.atoms.start as u32, m.atoms.end as u32);
            for &(atom, cond) in &side.owners[m.term as usize] {
                if cond.holds(had) {
                    for &elem in &self.atom_elems[atom as usize] {
                        list.push((elem, first, end));
                    }
                }
            }
        }
    }
}

/// The elements found in one message: `(element, first word, end word)`, sorted, and work space
/// for [`Hits::matches`].
pub(crate) struct Hits {
    list: Vec<(u32, u32, u32)>,
    /// Bit `e` set: element `e` has hits.
    present: Vec<u64>,
    ends: Vec<u32>,
    next: Vec<u32>,
}

impl Hits {
    fn new(list: Vec<(u32, u32, u32)>) -> Hits {
        let mut present = Vec::new();
        for &(elem, _, _) in &list {
            let (cell, bit) = (elem as usize / 64, elem % 64);
            if present.len() <= cell {
                present.resize(cell + 1, 0);
            }
            present[cell] |= 1 << bit;
        }
        Hits {
            list,
            present,
            ends: Vec::new(),
            next: Vec::new(),
        }
    }

    fn has(&self, elem: u32) -> bool {
        self.present
            .get(elem as usize / 64)
            .is_some_and(|cell| cell & (1 << (elem % 64)) != 0)
    }

    fn of(&self, elem: u32) -> &[(u32, u32, u32)] {
        let from = self.list.partition_point(|h| h.0 < elem);
        let to = self.list.partition_point(|h| h.0 <= elem);
        &self.list[from..to]
    }

    /// Whether the elements of `cue` occur in order with at most `cue.gaps` words between
    /// consecutive ones. Linear in the hits: keeps the set of word positions where a partial
    /// match can end, element by element.
    pub fn matches(&mut self, cue: &Cue) -> bool {
        let Some((&first, rest)) = cue.elems.split_first() else {
            return false;
        };
        // Most cues miss an element altogether.
        if !cue.elems.iter().all(|&e| self.has(e)) {
            return false;
        }
        let mut ends = std::mem::take(&mut self.ends);
        let mut next = std::mem::take(&mut self.next);
        ends.clear();
        ends.extend(self.of(first).iter().map(|h| h.2));
        for (&elem, &gap) in rest.iter().zip(&cue.gaps) {
            ends.sort_unstable();
            ends.dedup();
            if ends.is_empty() {
                break;
            }
            next.clear();
            for &(_, start, end) in self.of(elem) {
                let before = ends.partition_point(|&e| e <= start);
                if before > 0 && start - ends[before - 1] <= gap {
                    next.push(end);
                }
            }
            std::mem::swap(&mut ends, &mut next);
        }
        let found = !ends.is_empty();
        self.ends = ends;
        self.next = next;
        found
    }
}
