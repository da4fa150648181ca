//! Words split by dots or spaces joined back: "đ.m" → "đm", "T.à.i" → "tài",
//! "b o n g c u o i" → "bongcuoi", and, when the letters carry Vietnamese diacritics, cut into
//! the syllables they spell: "n h à c á i" → "nhà cái", "b u ồ i j" → "buồi j"; in a text spaced
//! letter by letter, pairs too ("m à y  n g u  v l" → "mày ngu vl"); digit groups joined:
//! "1.000" → "1000".

use std::ops::Range;

use super::letters::{self, is_letter};
use super::scan::{Scan, Token, Unit, is_joiner};
use super::syllable;
use super::tables::Tables;

/// A word or an emoji token after joining.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Item {
    /// A word.
    Word {
        /// Its range of the scanned units.
        units: Range<usize>,
        /// Followed by punctuation that ends a clause, an emoji or the end of the text.
        clause_end: bool,
        /// Part of an emoticon (":v", ":D", ":3"), not a word.
        emoticon: bool,
    },
    /// An emoji token at an original char index.
    Emoji {
        /// The token ("emoji_knife").
        token: &'static str,
        /// Original char index.
        at: u32,
    },
}

/// The smallest number of single letters separated by spaces that are joined.
const MIN_SPACED_RUN: usize = 3;

/// What joining needs to know about a scanned word.
#[derive(Clone, Copy)]
pub(super) struct Stats {
    /// Characters, VIQR marks not counted.
    letters: usize,
    /// Has a letter (not only digits and symbols).
    alpha: bool,
    /// Only ASCII digits.
    digits: bool,
}

fn stats(units: &[Unit]) -> Stats {
    let mut s = Stats {
        letters: 0,
        alpha: false,
        digits: true,
    };
    for u in units {
        s.letters += usize::from(!u.viqr);
        s.digits &= u.ch.is_ascii_digit();
        s.alpha = s.alpha || is_letter(u.ch);
    }
    s
}

/// A group of tokens.
pub(super) enum Piece {
    /// Tokens `tokens` (words and the separators between them) read as one word.
    Word {
        tokens: Range<usize>,
        stats: Stats,
        chained: bool,
    },
    /// Whitespace of `width` characters.
    Space {
        width: u32,
    },
    Other,
    Emoji {
        token: &'static str,
        at: u32,
    },
}

struct Pieces<'s> {
    scan: &'s Scan,
    /// Stats of each token that is a word.
    stats: &'s [Option<Stats>],
    out: &'s mut Vec<Piece>,
}

/// Buffers reused between calls.
#[derive(Default)]
pub(super) struct Buffers {
    stats: Vec<Option<Stats>>,
    pieces: Vec<Piece>,
}

impl Buffers {
    /// Shrinks the buffers to at most `capacity` elements.
    pub fn shrink_to(&mut self, capacity: usize) {
        self.stats.shrink_to(capacity);
        self.pieces.shrink_to(capacity);
    }
}

impl Pieces<'_> {
    fn word(&self, i: usize) -> Option<Stats> {
        self.stats.get(i).copied().flatten()
    }

    fn single_sep(&self, i: usize) -> Option<char> {
        match self.scan.tokens.get(i) {
            Some(Token::Sep { single, .. }) => *single,
            _ => None,
        }
    }

    /// The last word index of the chain from word `i`: words linked by one character for which
    /// `link` holds and satisfying `next`.
    fn chain(&self, i: usize, link: impl Fn(char) -> bool, next: impl Fn(Stats) -> bool) -> usize {
        let mut j = i;
        while self.single_sep(j + 1).is_some_and(&link) && self.word(j + 2).is_some_and(&next) {
            j += 2;
        }
        j
    }

    /// "1.000.000" → one number.
    fn number(&mut self, i: usize) -> Option<usize> {
        if !self.word(i)?.digits {
            return None;
        }
        let j = self.chain(i, |c| c == '.' || c == ',', |s| s.digits && s.letters == 3);
        (j > i).then(|| {
            let stats = Stats {
                letters: 0,
                alpha: false,
                digits: true,
            };
            self.out.push(Piece::Word {
                tokens: i..j + 1,
                stats,
                chained: false,
            });
            j
        })
    }

    /// "đ.m", "T.à.i", "s.3.x": single characters, the first and last a letter.
    fn dotted(&mut self, i: usize) -> usize {
        let j = self.chain(i, is_joiner, |_| true);
        let parts = || (i..=j).step_by(2).filter_map(|k| self.word(k));
        let joined = j > i
            && parts().all(|s| s.letters == 1)
            && self.word(i).is_some_and(|s| s.alpha)
            && self.word(j).is_some_and(|s| s.alpha);
        if joined {
            let letters = parts().map(|s| s.letters).sum();
            let stats = Stats {
                letters,
                alpha: true,
                digits: false,
            };
            self.out.push(Piece::Word {
                tokens: i..j + 1,
                stats,
                chained: false,
            });
        } else {
            for k in (i..=j).step_by(2) {
                if k > i {
                    self.out.push(Piece::Other);
                }
                if let Some(stats) = self.word(k) {
                    self.out.push(Piece::Word {
                        tokens: k..k + 1,
                        stats,
                        chained: j > i || emoticon(self.scan, k),
                    });
                }
            }
        }
        j
    }
}

/// Groups tokens into pieces: digit groups, dotted words, separators, emoji.
fn pieces(scan: &Scan, buffers: &mut Buffers) {
    buffers.stats.clear();
    buffers.stats.extend(scan.tokens.iter().map(|t| match t {
        Token::Word(r) => Some(stats(&scan.units[r.clone()])),
        _ => None,
    }));
    buffers.pieces.clear();
    let mut p = Pieces {
        scan,
        stats: &buffers.stats,
        out: &mut buffers.pieces,
    };
    let mut i = 0;
    while i < scan.tokens.len() {
        match &scan.tokens[i] {
            Token::Word(_) => {
                let j = match p.number(i) {
                    Some(j) => j,
                    None => p.dotted(i),
                };
                i = j + 1;
            }
            Token::Sep {
                whitespace, width, ..
            } => {
                p.out.push(if *whitespace {
                    Piece::Space { width: *width }
                } else {
                    Piece::Other
                });
                i += 1;
            }
            Token::Emoji { token, at } => {
                p.out.push(Piece::Emoji { token, at: *at });
                i += 1;
            }
        }
    }
}

fn single(p: &Piece) -> Option<Stats> {
    match p {
        Piece::Word {
            stats,
            chained: false,
            ..
        } if stats.letters == 1 => Some(*stats),
        _ => None,
    }
}

fn tokens(p: &Piece) -> Range<usize> {
    match p {
        Piece::Word { tokens, .. } => tokens.clone(),
        _ => 0..0,
    }
}

/// The pieces `i..=j` (a run of single letters at even offsets) with digits at either end left
/// out ("1 t r i e u" → "1", "trieu"), if `min` or more letters are left and one is a letter.
fn spaced_run(pieces: &[Piece], i: usize, j: usize, min: usize) -> Option<(usize, usize)> {
    let is_digit = |k: usize| single(&pieces[k]).is_some_and(|s| !s.alpha);
    let (mut a, mut b) = (i, j);
    while a < b && is_digit(a) {
        a += 2;
    }
    while b > a && is_digit(b) {
        b -= 2;
    }
    let alpha = (a..=b)
        .step_by(2)
        .any(|k| single(&pieces[k]).is_some_and(|s| s.alpha));
    ((b - a) / 2 + 1 >= min && alpha).then_some((a, b))
}

/// Whether word token `i` follows `:`, `;` or `=` directly and is one character or one letter
/// repeated (":v", ":D", ":vvv", ":3").
fn emoticon(scan: &Scan, i: usize) -> bool {
    let after_eyes = i
        .checked_sub(1)
        .and_then(|p| scan.tokens.get(p))
        .is_some_and(|t| {
            matches!(
                t,
                Token::Sep {
                    last: ':' | ';' | '=',
                    ..
                }
            )
        });
    let Some(Token::Word(r)) = scan.tokens.get(i) else {
        return false;
    };
    let units = &scan.units[r.clone()];
    after_eyes && units.iter().all(|u| u.fold == units[0].fold)
}

fn emit(scan: &Scan, tokens: Range<usize>, items: &mut Vec<Item>) {
    // Separators have no units, so the units of consecutive tokens are contiguous.
    let mut words = scan
        .tokens
        .get(tokens.clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| match t {
            Token::Word(r) => Some(r.clone()),
            _ => None,
        });
    let first = words.next().unwrap_or(0..0);
    let last = words.next_back().unwrap_or_else(|| first.clone());
    let clause_end = match scan.tokens.get(tokens.end) {
        Some(Token::Sep { clause, .. }) => *clause,
        Some(Token::Word(_)) => false,
        Some(Token::Emoji { .. }) | None => true,
    };
    let emoticon = tokens.len() == 1 && emoticon(scan, tokens.start);
    items.push(Item::Word {
        units: first.start..last.end.max(first.start),
        clause_end,
        emoticon,
    });
}

/// Whether some words of `scan` may have to be joined: single letters (or digit groups) linked
/// by one joining character, or a run of single letters separated by whitespace. Most texts
/// have none, and their words are taken as they are.
fn may_join(scan: &Scan) -> bool {
    let units = |t: Option<&Token>| match t {
        Some(Token::Word(r)) => scan.units.get(r.clone()),
        _ => None,
    };
    let single =
        |t: Option<&Token>| units(t).is_some_and(|u| u.iter().filter(|u| !u.viqr).count() == 1);
    let digits =
        |t: Option<&Token>| units(t).is_some_and(|u| u.iter().all(|u| u.ch.is_ascii_digit()));
    let mut run = 0;
    for (i, t) in scan.tokens.iter().enumerate() {
        match t {
            Token::Word(_) if single(Some(t)) => {
                run += 1;
                if run >= MIN_SPACED_RUN {
                    return true;
                }
            }
            Token::Sep {
                whitespace: true, ..
            } => {}
            Token::Sep {
                single: Some(c), ..
            } => {
                let before = i.checked_sub(1).and_then(|p| scan.tokens.get(p));
                let after = scan.tokens.get(i + 1);
                if (is_joiner(*c) && single(before) && single(after))
                    || (matches!(c, '.' | ',') && digits(before) && digits(after))
                {
                    return true;
                }
                run = 0;
            }
            _ => run = 0,
        }
    }
    false
}

/// The whitespace widths between the letters of a text spaced letter by letter (every word a
/// single letter, "m à y  n g u  v l"), whose runs of [`MIN_SPACED_RUN`] or more letters show
/// that pairs at that width ("v l") are words too; empty for any other text.
fn spaced_gaps(pieces: &[Piece]) -> Vec<u32> {
    let words = || pieces.iter().filter(|p| matches!(p, Piece::Word { .. }));
    if words().any(|p| single(p).is_none()) {
        return Vec::new();
    }
    let mut gaps = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let (j, gap) = run(pieces, i);
        if spaced_run(pieces, i, j, MIN_SPACED_RUN).is_some() && !gaps.contains(&gap) {
            gaps.push(gap);
        }
        i = j + 1;
    }
    gaps
}

/// The last piece of the run of single letters separated by equal whitespace that starts at
/// piece `i` (`i` itself if none), and that whitespace's width.
fn run(pieces: &[Piece], i: usize) -> (usize, u32) {
    let mut j = i;
    let mut gap = 0;
    if single(&pieces[i]).is_some() {
        gap = match pieces.get(i + 1) {
            Some(Piece::Space { width }) => *width,
            _ => 0,
        };
        while matches!(pieces.get(j + 1), Some(Piece::Space { width }) if *width == gap)
            && pieces.get(j + 2).and_then(single).is_some()
        {
            j += 2;
        }
    }
    (j, gap)
}

/// Emits a run of spaced letters (tokens `tokens`) as one word, or, when it has Vietnamese
/// diacritics and is not one syllable, as the syllables (and single-letter teencode words) it
/// cuts into: "S à m l ồ n" → "sàm lồn", "b u ồ i j" → "buồi j".
fn emit_run(scan: &Scan, tokens: Range<usize>, tables: &Tables, items: &mut Vec<Item>) {
    let before = items.len();
    emit(scan, tokens, items);
    let Some(Item::Word {
        units: range,
        clause_end,
        ..
    }) = items.last().cloned()
    else {
        return;
    };
    let units = &scan.units[range.clone()];
    // Only letters with diacritics are surely Vietnamese: "h e r o i n" is not "he ro in".
    let marked = units
        .iter()
        .any(|u| letters::parts(u.ch).is_some_and(|p| p.has_diacritic()));
    let folds: Option<Vec<u8>> = units
        .iter()
        .map(|u| u.fold.filter(char::is_ascii_lowercase).map(|c| c as u8))
        .collect();
    let (true, Some(folds)) = (marked, folds) else {
        return;
    };
    let Some(ends) = syllable::split(&folds, |b| tables.single_letter(b)) else {
        return;
    };
    if ends.len() < 2 {
        return;
    }
    items.truncate(before);
    let mut start = range.start;
    for (k, &end) in ends.iter().enumerate() {
        items.push(Item::Word {
            units: start..range.start + end,
            clause_end: clause_end && k + 1 == ends.len(),
            emoticon: false,
        });
        start = range.start + end;
    }
}

/// Joins split words into `items`, whose words are ranges of `scan.units`.
pub(super) fn join(scan: &Scan, buffers: &mut Buffers, tables: &Tables, items: &mut Vec<Item>) {
    items.clear();
    if !may_join(scan) {
        for (i, t) in scan.tokens.iter().enumerate() {
            match t {
                Token::Word(_) => emit(scan, i..i + 1, items),
                Token::Emoji { token, at } => items.push(Item::Emoji { token, at: *at }),
                Token::Sep { .. } => {}
            }
        }
        return;
    }
    pieces(scan, buffers);
    let pieces = &buffers.pieces;
    let gaps = spaced_gaps(pieces);
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Word { tokens: t, .. } => {
                // A run of single letters separated by equal whitespace: "n h à c á i".
                let (j, gap) = run(pieces, i);
                let min = if gaps.contains(&gap) {
                    2
                } else {
                    MIN_SPACED_RUN
                };
                match spaced_run(pieces, i, j, min) {
                    Some((a, b)) => {
                        for k in (i..a).step_by(2) {
                            emit(scan, tokens(&pieces[k]), items);
                        }
                        emit_run(
                            scan,
                            tokens(&pieces[a]).start..tokens(&pieces[b]).end,
                            tables,
                            items,
                        );
                        for k in (b + 2..=j).step_by(2) {
                            emit(scan, tokens(&pieces[k]), items);
                        }
                        i = j + 1;
                    }
                    None if j > i => {
                        // No shorter run inside can qualify either.
                        for k in (i..=j).step_by(2) {
                            emit(scan, tokens(&pieces[k]), items);
                        }
                        i = j + 1;
                    }
                    None => {
                        emit(scan, t.clone(), items);
                        i += 1;
                    }
                }
            }
            Piece::Emoji { token, at } => {
                items.push(Item::Emoji { token, at: *at });
                i += 1;
            }
            Piece::Space { .. } | Piece::Other => i += 1,
        }
    }
}
