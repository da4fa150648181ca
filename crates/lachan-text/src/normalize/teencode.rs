//! Word-by-word teencode expansion with the language of the surrounding text, and output of
//! the two views.

use super::scan::Unit;
use super::tables::{Expansion, Lang, Tables, WordInfo};
use super::view::View;

/// Words of the accented view whose clause ends are recorded ([`super::Normalized::ends_clause`]).
pub(super) const CLAUSE_WORDS: usize = 256;

/// A shaped word or an emoji token, ready for expansion.
pub(super) enum Shaped {
    /// A word: a range of the shaped unit buffer and of the key buffer (its folded form).
    Word {
        /// Range of the unit buffer.
        units: std::ops::Range<usize>,
        /// Range of the key buffer.
        key: std::ops::Range<usize>,
        /// What the tables know about the word.
        info: Option<&'static WordInfo>,
        /// Followed by the end of a clause.
        clause_end: bool,
    },
    /// An emoji token at an original char index.
    Emoji {
        /// The token.
        token: &'static str,
        /// Original char index.
        at: u32,
    },
}

impl Shaped {
    fn cue(&self) -> Option<Lang> {
        match self {
            Shaped::Word { info, .. } => info.and_then(|i| i.cue),
            Shaped::Emoji { .. } => None,
        }
    }
}

/// The language of the whole text: English when it has more English cue words than
/// Vietnamese ones, else Vietnamese.
fn text_lang(words: &[Shaped]) -> Lang {
    let (mut vi, mut en) = (0, 0);
    for w in words {
        match w.cue() {
            Some(Lang::Vi) => vi += 1,
            Some(Lang::En) => en += 1,
            None => {}
        }
    }
    if en > vi { Lang::En } else { Lang::Vi }
}

/// The language around word `i`: its neighbours' cues if they agree, else the text's.
fn local_lang(words: &[Shaped], i: usize, text: Lang) -> Lang {
    let before = i
        .checked_sub(1)
        .and_then(|p| words.get(p))
        .and_then(Shaped::cue);
    let after = words.get(i + 1).and_then(Shaped::cue);
    let has = |l| before == Some(l) || after == Some(l);
    match (has(Lang::Vi), has(Lang::En)) {
        (true, false) => Lang::Vi,
        (false, true) => Lang::En,
        _ => text,
    }
}

/// Writes both views.
pub(super) struct Writer {
    /// The accented view.
    pub accented: View,
    /// The folded view.
    pub folded: View,
    /// Whether every expansion written had only letters, digits, `_` and spaces.
    pub words_only: bool,
    /// Bit `i`: word `i` of the accented view ends a clause (for the first [`CLAUSE_WORDS`]).
    pub clause_ends: [u64; CLAUSE_WORDS / 64],
    /// The text read as English.
    pub english: bool,
    /// Spaces in the accented view up to byte `counted` (the index of its last word).
    spaces: usize,
    counted: usize,
    last_end: u32,
}

impl Writer {
    /// Writers sized for about `chars` characters.
    pub fn with_capacity(chars: usize) -> Writer {
        Writer {
            accented: View::with_capacity(chars, 2),
            folded: View::with_capacity(chars, 1),
            words_only: true,
            clause_ends: [0; CLAUSE_WORDS / 64],
            english: false,
            spaces: 0,
            counted: 0,
            last_end: 0,
        }
    }

    fn gap(&mut self) {
        if !self.accented.text.is_empty() {
            self.accented.push(' ', self.last_end, self.last_end);
            self.folded.push(' ', self.last_end, self.last_end);
        }
    }

    /// Writes words (one, or two for a phrase) as they are, or as `expansion` (in the accented
    /// view too if its flag is set).
    fn word(
        &mut self,
        parts: &[&[Unit]],
        expansion: Option<(&Expansion, bool)>,
        (start, end): (u32, u32),
    ) {
        if parts.iter().all(|p| p.is_empty()) {
            return;
        }
        self.gap();
        if let Some((e, _)) = expansion {
            self.words_only &= e.words_only;
        }
        match expansion {
            Some((e, true)) => {
                for &(c, _) in e.chars.iter() {
                    self.accented.push(c, start, end);
                }
            }
            _ => {
                for (k, part) in parts.iter().enumerate() {
                    if k > 0 {
                        let gap = parts[k - 1].last().map_or(start, |u| u.end);
                        self.accented.push(' ', gap, gap);
                    }
                    for u in part.iter() {
                        self.accented.push(u.ch, u.start, u.end);
                    }
                }
            }
        }
        match expansion {
            Some((e, _)) => {
                for &(_, f) in e.chars.iter() {
                    if let Some(f) = f {
                        self.folded.push(f, start, end);
                    }
                }
            }
            None => {
                for u in parts.iter().flat_map(|p| p.iter()) {
                    if let Some(f) = u.fold {
                        self.folded.push(f, u.start, u.end);
                    }
                }
            }
        }
        self.last_end = end;
    }

    /// Marks the last word written as the end of a clause.
    fn end_clause(&mut self) {
        let text = self.accented.text.as_bytes();
        if text.is_empty() {
            return;
        }
        let new = text.get(self.counted..).unwrap_or_default();
        self.spaces += new.iter().filter(|&&b| b == b' ').count();
        self.counted = text.len();
        if let Some(cell) = self.clause_ends.get_mut(self.spaces / 64) {
            *cell |= 1 << (self.spaces % 64);
        }
    }

    fn token(&mut self, token: &str, at: u32) {
        self.gap();
        for c in token.chars() {
            self.accented.push(c, at, at + 1);
            self.folded.push(c, at, at + 1);
        }
        self.last_end = at + 1;
    }
}

fn extent(units: &[Unit]) -> (u32, u32) {
    let start = units.iter().map(|u| u.start).min().unwrap_or(0);
    let end = units.iter().map(|u| u.end).max().unwrap_or(start);
    (start, end)
}

fn is_number(units: &[Unit]) -> bool {
    !units.is_empty() && units.iter().all(|u| u.ch.is_ascii_digit())
}

fn has_marks(units: &[Unit]) -> bool {
    units.iter().any(|u| u.fold.is_some_and(|f| f != u.ch))
}

/// Whether an expansion found by the folded key applies to the accented view too: the words
/// have no diacritics or are spelled as one of `keys`.
fn accented_ok(words: &[&[Unit]], keys: &[Box<str>], scratch: &mut String) -> bool {
    if !words.iter().any(|w| has_marks(w)) {
        return true;
    }
    scratch.clear();
    for (k, w) in words.iter().enumerate() {
        if k > 0 {
            scratch.push(' ');
        }
        scratch.extend(w.iter().map(|u| u.ch));
    }
    keys.iter().any(|k| **k == **scratch)
}

/// Expands teencode and writes every word and token to `out`.
pub(super) fn write(
    words: &[Shaped],
    units: &[Unit],
    keys: &str,
    tables: &Tables,
    out: &mut Writer,
) {
    let text = text_lang(words);
    out.english = text == Lang::En;
    let mut scratch = String::new();
    let mut after_number = false;
    let mut i = 0;
    while i < words.len() {
        let (range, key, info, clause_end) = match &words[i] {
            Shaped::Emoji { token, at } => {
                out.token(token, *at);
                after_number = false;
                i += 1;
                continue;
            }
            Shaped::Word {
                units,
                key,
                info,
                clause_end,
            } => (units.clone(), key.clone(), *info, *clause_end),
        };
        let w = &units[range];
        let (start, end) = extent(w);
        if !after_number
            && info.is_some_and(|i| i.starts_phrase)
            && let Some(Shaped::Word {
                units: next_range,
                key: next_key,
                ..
            }) = words.get(i + 1)
        {
            scratch.clear();
            scratch.push_str(&keys[key.clone()]);
            scratch.push(' ');
            scratch.push_str(&keys[next_key.clone()]);
            if let Some(p) = tables.phrases.get(scratch.as_str()) {
                let next = &units[next_range.clone()];
                let acc = accented_ok(&[w, next], &p.accented_keys, &mut scratch);
                out.word(
                    &[w, next],
                    Some((&p.expansion, acc)),
                    (start, extent(next).1.max(end)),
                );
                if let Some(Shaped::Word {
                    clause_end: true, ..
                }) = words.get(i + 1)
                {
                    out.end_clause();
                }
                after_number = false;
                i += 2;
                continue;
            }
        }
        let expansion = match info {
            Some(inf) if !after_number => inf
                .expansion(local_lang(words, i, text), clause_end)
                .map(|e| (e, inf)),
            _ => None,
        };
        match expansion {
            Some((e, inf)) => {
                let acc = accented_ok(&[w], &inf.accented_keys, &mut scratch);
                out.word(&[w], Some((e, acc)), (start, end));
            }
            None => out.word(&[w], None, (start, end)),
        }
        if clause_end {
            out.end_clause();
        }
        after_number = is_number(w);
        i += 1;
    }
}
