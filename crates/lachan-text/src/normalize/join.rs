//! Words split by dots or spaces joined back: "đ.m" → "đm", "T.à.i" → "tài",
//! "n h à c á i" → "nhàcái"; digit groups joined: "1.000" → "1000".

use std::ops::Range;

use super::scan::{Scan, Token, Unit, is_joiner};

/// A word or an emoji token after joining.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Item {
    /// A word.
    Word {
        /// Its range of the unit buffer.
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
    Stats {
        letters: units.iter().filter(|u| !u.viqr).count(),
        alpha: units.iter().any(|u| u.ch.is_alphabetic()),
        digits: units.iter().all(|u| u.ch.is_ascii_digit()),
    }
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
/// out ("1 t r i e u" → "1", "trieu"), if three or more letters are left and one is a letter.
fn spaced_run(pieces: &[Piece], i: usize, j: usize) -> Option<(usize, usize)> {
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
    ((b - a) / 2 + 1 >= MIN_SPACED_RUN && alpha).then_some((a, b))
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

fn emit(scan: &Scan, tokens: Range<usize>, units: &mut Vec<Unit>, items: &mut Vec<Item>) {
    let start = units.len();
    for t in scan.tokens.get(tokens.clone()).unwrap_or_default() {
        if let Token::Word(r) = t {
            units.extend_from_slice(&scan.units[r.clone()]);
        }
    }
    let clause_end = match scan.tokens.get(tokens.end) {
        Some(Token::Sep { clause, .. }) => *clause,
        Some(Token::Word(_)) => false,
        Some(Token::Emoji { .. }) | None => true,
    };
    let emoticon = tokens.len() == 1 && emoticon(scan, tokens.start);
    items.push(Item::Word {
        units: start..units.len(),
        clause_end,
        emoticon,
    });
}

/// Joins split words into `units` and `items`.
pub(super) fn join(
    scan: &Scan,
    buffers: &mut Buffers,
    units: &mut Vec<Unit>,
    items: &mut Vec<Item>,
) {
    pieces(scan, buffers);
    let pieces = &buffers.pieces;
    units.clear();
    items.clear();
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Word { tokens: t, .. } => {
                // A run of single letters separated by equal whitespace: "n h à c á i".
                let mut j = i;
                if single(&pieces[i]).is_some() {
                    let gap = match pieces.get(i + 1) {
                        Some(Piece::Space { width }) => *width,
                        _ => 0,
                    };
                    while matches!(pieces.get(j + 1), Some(Piece::Space { width }) if *width == gap)
                        && pieces.get(j + 2).and_then(single).is_some()
                    {
                        j += 2;
                    }
                }
                match spaced_run(pieces, i, j) {
                    Some((a, b)) => {
                        for k in (i..a).step_by(2) {
                            emit(scan, tokens(&pieces[k]), units, items);
                        }
                        emit(
                            scan,
                            tokens(&pieces[a]).start..tokens(&pieces[b]).end,
                            units,
                            items,
                        );
                        for k in (b + 2..=j).step_by(2) {
                            emit(scan, tokens(&pieces[k]), units, items);
                        }
                        i = j + 1;
                    }
                    None if j > i => {
                        // No shorter run inside can qualify either.
                        for k in (i..=j).step_by(2) {
                            emit(scan, tokens(&pieces[k]), units, items);
                        }
                        i = j + 1;
                    }
                    None => {
                        emit(scan, t.clone(), units, items);
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
