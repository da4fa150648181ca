//! A multi-pattern automaton over words: the lexicon's terms as a trie of words, matched at
//! every word start of a normalised view.
//!
//! Terms only count at word boundaries, so the automaton reads whole words instead of bytes: a
//! text is cut into *atoms* (runs of letters, digits and `_`) and the separators between them,
//! and each atom is looked up once in a small table of the atoms the terms use. From every atom
//! that starts a term, the trie (the goto function of an Aho–Corasick automaton over atoms) is
//! followed while the next separator and atom continue a term; no failure function is needed
//! since every start is tried. A term matches exactly where its atoms and separators appear
//! consecutively in the text ("don't tell" is `don` `'` `t` ` ` `tell`), or, for an automaton
//! built with [`Separators::Any`], where its atoms appear consecutively whatever separates them.
//! The tables are a few tens of kilobytes, so a search stays in the CPU's caches, unlike a byte
//! automaton.

use std::ops::Range;

use super::model::MAX_WORDS;
use super::words::pack_at;
use crate::normalize::hash::{FastMap, hash_packed};
use crate::normalize::is_word_char;

/// The root of the trie.
const ROOT: u32 = 0;
/// The separator id of an edge from the root (a term's first atom has none).
const FIRST: u32 = u32::MAX;
/// No term ends at a node.
const NONE: u32 = u32::MAX;
/// The separator id of every edge of an automaton with [`Separators::Any`].
const ANY: u32 = u32::MAX - 1;

/// A term with no atom, or starting or ending with something other than a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadTerm(pub String);

/// What may separate the atoms of a term in a text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Separators {
    /// Exactly what separates them in the term.
    #[default]
    Exact,
    /// Anything that is not a letter or digit (the term's atoms are separated by single spaces).
    Any,
}

/// A term found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Match {
    /// The term's index.
    pub term: u32,
    /// Its atoms (indices into the text's atoms, in order).
    pub atoms: Range<usize>,
    /// Its bytes in the text.
    pub bytes: Range<usize>,
}

/// The compiled terms.
#[derive(Debug, Default)]
pub(crate) struct Phrases {
    /// What may separate atoms in a text.
    separators_kind: Separators,
    /// Atom text of at most 8 bytes, packed ([`pack_at`]) → atom id and the node of the terms
    /// it starts ([`NONE`] if it starts none).
    short: PackedTable,
    /// Longer atom text → the same.
    long: FastMap<Box<str>, (u32, u32)>,
    /// Separator text (between two atoms of a term) → separator id.
    separators: FastMap<Box<str>, u32>,
    /// The id of the separator " " (by far the most common), if a term uses it.
    space: Option<u32>,
    /// An edge below the root, keyed by [`edge`]`(node, separator id, atom id)` → the child
    /// node and the term that ends there ([`NONE`] if none).
    edges: PackedTable,
    /// Per node: the term that ends there, or [`NONE`].
    ends: Vec<u32>,
}

/// Nodes of the trie, and separators, that [`edge`] can pack.
const MAX_NODES: u32 = 1 << 24;
const MAX_SEPARATORS: u32 = 0xFE;

/// The key of the edge from `node` (not the root) by separator `separator` and atom `atom`.
fn edge(node: u32, separator: u32, atom: u32) -> u64 {
    let separator = if separator == ANY {
        MAX_SEPARATORS
    } else {
        separator
    };
    (u64::from(node) << 40) | (u64::from(separator & 0xFF) << 32) | u64::from(atom)
}

/// An open-addressing table from keys packed into an integer (never 0: an atom's bytes, an edge)
/// to two numbers: a lookup usually reads one cache line.
#[derive(Debug, Default)]
struct PackedTable {
    /// `(key, value)`, key 0 for an empty place; at most half full.
    slots: Vec<(u64, (u32, u32))>,
    mask: usize,
}

impl PackedTable {
    fn new(entries: &FastMap<u64, (u32, u32)>) -> PackedTable {
        let size = (entries.len() * 2).next_power_of_two().max(16);
        let mut t = PackedTable {
            slots: vec![(0, (0, 0)); size],
            mask: size - 1,
        };
        let mut sorted: Vec<_> = entries.iter().map(|(&k, &v)| (k, v)).collect();
        sorted.sort_unstable();
        for (key, value) in sorted {
            let mut i = t.home(key);
            while t.slots[i].0 != 0 {
                i = (i + 1) & t.mask;
            }
            t.slots[i] = (key, value);
        }
        t
    }

    fn home(&self, key: u64) -> usize {
        (hash_packed(key) >> 32) as usize & self.mask
    }

    fn get(&self, key: u64) -> Option<(u32, u32)> {
        let mut i = self.home(key);
        // The table is at most half full, so an empty place ends every probe.
        for _ in 0..self.slots.len() {
            match self.slots[i] {
                (k, value) if k == key => return Some(value),
                (0, _) => return None,
                _ => i = (i + 1) & self.mask,
            }
        }
        None
    }
}

/// One atom of a text: its bytes, its atom id and the id of the separator before it.
#[derive(Debug, Clone)]
pub(crate) struct Atom {
    /// Its bytes in the text.
    pub bytes: Range<usize>,
    /// The atom id and the node of the terms it starts.
    id: Option<(u32, u32)>,
    separator: Option<u32>,
}

/// Calls `atom(separator, atom)` for the atoms of `text` in order, where the separator is the
/// text between the previous atom and this one ("" before the first), and `space(i)` for each
/// space at byte `i`.
fn atoms(
    text: &str,
    mut atom: impl FnMut(Range<usize>, Range<usize>),
    mut space: impl FnMut(usize),
) {
    let bytes = text.as_bytes();
    let mut start = None;
    let mut gap = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (word, width) = match bytes[i] {
            b if b.is_ascii_alphanumeric() || b == b'_' => (true, 1),
            b if b.is_ascii() => {
                if b == b' ' {
                    space(i);
                }
                (false, 1)
            }
            _ => match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (is_word_char(c), c.len_utf8()),
                None => (false, 1),
            },
        };
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                atom(gap..s, s..i);
                gap = i;
                start = None;
            }
            _ => {}
        }
        i += width;
    }
    if let Some(s) = start {
        atom(gap..s, s..text.len());
    }
}

impl Phrases {
    /// The automaton of `terms`; a term's index is the id reported when it matches. Terms must
    /// be distinct.
    pub fn new(terms: &[String], separators: Separators) -> Result<Phrases, BadTerm> {
        let mut p = Phrases {
            separators_kind: separators,
            ends: vec![NONE],
            ..Phrases::default()
        };
        let mut short: FastMap<u64, (u32, u32)> = FastMap::default();
        let mut edges: FastMap<(u32, u32, u32), u32> = FastMap::default();
        for (id, term) in terms.iter().enumerate() {
            let bad = || BadTerm(term.clone());
            if !term.starts_with(is_word_char) || !term.ends_with(is_word_char) {
                return Err(bad());
            }
            let mut node = ROOT;
            let mut first = true;
            let on_atom = |gap: Range<usize>, atom: Range<usize>| {
                let next = ((short.len() + p.long.len()) as u32, NONE);
                let entry = match pack_at(term.as_bytes(), atom.clone()) {
                    Some(key) => short.entry(key).or_insert(next),
                    None => p.long.entry(term[atom].into()).or_insert(next),
                };
                let atom = entry.0;
                let separator = match (first, separators) {
                    (true, _) => FIRST,
                    (false, Separators::Exact) => {
                        let next = p.separators.len() as u32;
                        *p.separators.entry(term[gap].into()).or_insert(next)
                    }
                    (false, Separators::Any) => ANY,
                };
                first = false;
                let child = p.ends.len() as u32;
                let parent = node;
                node = *edges.entry((node, separator, atom)).or_insert(child);
                if node == child {
                    p.ends.push(NONE);
                }
                if parent == ROOT {
                    entry.1 = node;
                }
            };
            atoms(term, on_atom, |_| {});
            if node == ROOT || p.ends.len() as u32 >= MAX_NODES {
                return Err(bad());
            }
            p.ends[node as usize] = id as u32;
        }
        if p.separators.len() as u32 >= MAX_SEPARATORS {
            return Err(BadTerm(String::new()));
        }
        p.space = p.separators.get(" ").copied();
        p.short = PackedTable::new(&short);
        let below_root: FastMap<u64, (u32, u32)> = edges
            .iter()
            .filter(|((node, _, _), _)| *node != ROOT)
            .map(|(&(node, separator, atom), &child)| {
                (edge(node, separator, atom), (child, p.ends[child as usize]))
            })
            .collect();
        p.edges = PackedTable::new(&below_root);
        Ok(p)
    }

    /// The atom at bytes `bytes` of `text`, after a separator of id `separator`.
    fn atom(&self, text: &str, bytes: Range<usize>, separator: Option<u32>) -> Atom {
        Atom {
            id: match pack_at(text.as_bytes(), bytes.clone()) {
                Some(key) => self.short.get(key),
                None => text
                    .get(bytes.clone())
                    .and_then(|t| self.long.get(t).copied()),
            },
            separator: match self.separators_kind {
                Separators::Any => Some(ANY),
                Separators::Exact => separator,
            },
            bytes,
        }
    }

    /// The atoms and words of a text whose words are only letters, digits and `_`, separated
    /// by single spaces: each word is an atom. Returns false (and leaves the lists partly
    /// filled) if a word is empty, as two spaces in a row would make it.
    fn words_as_atoms(
        &self,
        text: &str,
        atoms: &mut Vec<Atom>,
        mut words: Option<&mut Vec<Range<usize>>>,
    ) -> bool {
        if text.is_empty() {
            return true;
        }
        let bytes = text.as_bytes();
        let mut start = 0;
        for end in (0..bytes.len())
            .filter(|&i| bytes[i] == b' ')
            .chain([bytes.len()])
        {
            if end == start {
                return false;
            }
            if let Some(w) = words.as_deref_mut()
                && w.len() < MAX_WORDS
            {
                w.push(start..end);
            }
            atoms.push(self.atom(text, start..end, self.space));
            start = end + 1;
        }
        true
    }

    /// The atoms and words of any text.
    fn atoms_of(
        &self,
        text: &str,
        atoms_out: &mut Vec<Atom>,
        mut words: Option<&mut Vec<Range<usize>>>,
    ) {
        let mut word_start = 0;
        let on_space = |i: usize| {
            if let Some(w) = words.as_deref_mut() {
                if i > word_start && w.len() < MAX_WORDS {
                    w.push(word_start..i);
                }
                word_start = i + 1;
            }
        };
        let on_atom = |gap: Range<usize>, atom: Range<usize>| {
            let gap = &text[gap];
            let separator = if gap == " " {
                self.space
            } else {
                self.separators.get(gap).copied()
            };
            atoms_out.push(self.atom(text, atom, separator));
        };
        atoms(text, on_atom, on_space);
        if let Some(w) = words
            && text.len() > word_start
            && w.len() < MAX_WORDS
        {
            w.push(word_start..text.len());
        }
    }

    /// Every match of a term in `text`, ordered by end then start (the order of an Aho–Corasick
    /// automaton's overlapping matches), with the atoms of `text` in `atoms_out`; and, if
    /// `words` is given, the byte ranges of the words of `text` (split on spaces, at most
    /// [`MAX_WORDS`], as [`split`](super::words::split) does). `words_only`: the caller knows
    /// that the text is words of letters, digits and `_` separated by single spaces
    /// ([`Normalized::words_only`](crate::normalize::Normalized::words_only)), so they are cut
    /// without looking at every byte.
    pub fn find(
        &self,
        text: &str,
        words_only: bool,
        atoms_out: &mut Vec<Atom>,
        out: &mut Vec<Match>,
        mut words: Option<&mut Vec<Range<usize>>>,
    ) {
        out.clear();
        atoms_out.clear();
        if let Some(w) = words.as_deref_mut() {
            w.clear();
        }
        if !(words_only && self.words_as_atoms(text, atoms_out, words.as_deref_mut())) {
            atoms_out.clear();
            if let Some(w) = words.as_deref_mut() {
                w.clear();
            }
            self.atoms_of(text, atoms_out, words);
        }
        let atoms = &*atoms_out;
        for (i, first) in atoms.iter().enumerate() {
            let Some((_, start)) = first.id else { continue };
            let mut node = (start != NONE).then(|| (start, self.ends[start as usize]));
            let mut j = i;
            while let Some((n, term)) = node {
                if term != NONE {
                    out.push(Match {
                        term,
                        atoms: i..j + 1,
                        bytes: first.bytes.start..atoms[j].bytes.end,
                    });
                }
                j += 1;
                node = match atoms.get(j) {
                    Some(Atom {
                        id: Some((atom, _)),
                        separator: Some(separator),
                        ..
                    }) => self.edges.get(edge(n, *separator, *atom)),
                    _ => None,
                };
            }
        }
        out.sort_unstable_by_key(|m| (m.bytes.end, m.bytes.start));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_with(terms: &[&str], text: &str, separators: Separators) -> Vec<(u32, String)> {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let p = Phrases::new(&terms, separators).expect("terms");
        let (mut atoms, mut out, mut words) = (Vec::new(), Vec::new(), Vec::new());
        p.find(text, false, &mut atoms, &mut out, Some(&mut words));
        let mut split = Vec::new();
        super::super::words::split(text, &mut split);
        assert_eq!(words, split);
        let simple = text
            .split(' ')
            .all(|w| !w.is_empty() && w.chars().all(is_word_char));
        if simple {
            // The same when the text is known to be plain words.
            let (mut atoms2, mut out2, mut words2) = (Vec::new(), Vec::new(), Vec::new());
            p.find(text, true, &mut atoms2, &mut out2, Some(&mut words2));
            assert_eq!((&out2, &words2), (&out, &words));
        }
        for m in &out {
            assert_eq!(atoms[m.atoms.start].bytes.start, m.bytes.start);
            assert_eq!(atoms[m.atoms.end - 1].bytes.end, m.bytes.end);
        }
        out.into_iter()
            .map(|m| (m.term, text[m.bytes].to_owned()))
            .collect()
    }

    fn find(terms: &[&str], text: &str) -> Vec<(u32, String)> {
        find_with(terms, text, Separators::Exact)
    }

    fn found(list: &[(u32, &str)]) -> Vec<(u32, String)> {
        list.iter().map(|&(t, s)| (t, s.to_owned())).collect()
    }

    #[test]
    fn whole_words_in_order_overlapping() {
        let terms = ["nap the", "nap the cao", "the cao", "don't tell", "don"];
        assert_eq!(
            find(&terms, "nap the cao nhe"),
            found(&[(0, "nap the"), (1, "nap the cao"), (2, "the cao")])
        );
        assert_eq!(find(&terms, "napthe cao"), found(&[]));
        assert_eq!(
            find(&terms, "don't tell"),
            found(&[(4, "don"), (3, "don't tell")])
        );
        assert_eq!(find(&terms, "dont tell"), found(&[]));
        assert_eq!(find(&terms, "a$$ don$"), found(&[(4, "don")]));
        assert_eq!(find(&["đụ má"], "đụ má"), found(&[(0, "đụ má")]));
        assert_eq!(find(&["đụ má"], "đụ  má"), found(&[]));
        // Any separator: the atoms in a row, whatever is between them.
        assert_eq!(
            find_with(
                &["zalo cua em"],
                "zalo, của em: zalo cua em",
                Separators::Any
            ),
            found(&[(0, "zalo cua em")])
        );
        assert_eq!(
            find_with(&["gui anh"], "gui... anh", Separators::Any),
            found(&[(0, "gui... anh")])
        );
    }

    #[test]
    fn bad_terms_are_refused() {
        for bad in ["", " ", "'s", "don'", "--"] {
            assert!(
                Phrases::new(&[bad.to_owned()], Separators::Exact).is_err(),
                "{bad:?}"
            );
        }
    }
}
