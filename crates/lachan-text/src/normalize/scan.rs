//! First pass over the original text: characters → letters (composed, lowercase, with their
//! place in the original), word separators and emoji tokens.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use super::letters::{self, ACUTE, CIRCUMFLEX, GRAVE, TILDE, is_invisible, is_mark, is_word_char};
use super::tables::Tables;

/// One character of a word, with the original characters (char indices) behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unit {
    /// The character of the accented view.
    pub ch: char,
    /// The character of the folded view (`None`: nothing in the folded view).
    pub fold: Option<char>,
    /// First original char index.
    pub start: u32,
    /// One past the last original char index.
    pub end: u32,
    /// A tone or vowel mark typed as a separate ASCII character (VIQR: ``nha` ca'i``), still
    /// to be put on the letter before it.
    pub viqr: bool,
}

impl Unit {
    /// A unit for a character whose folded form is computed.
    pub fn new(ch: char, start: u32, end: u32) -> Unit {
        Unit {
            ch,
            fold: letters::fold(ch),
            start,
            end,
            viqr: false,
        }
    }
}

/// A token of the scanned text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Token {
    /// A word: a range of the unit buffer.
    Word(Range<usize>),
    /// Characters between words.
    Sep {
        /// Only whitespace (spaces, line breaks, tabs).
        whitespace: bool,
        /// How many characters.
        width: u32,
        /// The character, when there is exactly one.
        single: Option<char>,
        /// Has punctuation that ends a clause (`.`, `,`, `!`, `?`, `;`, `:`, a line break…).
        clause: bool,
        /// The last character.
        last: char,
    },
    /// An emoji that carries meaning.
    Emoji {
        /// The token ("emoji_knife").
        token: &'static str,
        /// Original char index.
        at: u32,
    },
}

/// The scanned text.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// All word characters, in order.
    pub units: Vec<Unit>,
    /// Words, separators and emoji, in order.
    pub tokens: Vec<Token>,
    /// Whether any Latin letter carried a Vietnamese diacritic (or was đ).
    pub had_diacritics: bool,
    /// Whether every unit (VIQR marks aside) is a letter, a digit or `_` in both views.
    pub words_only: bool,
}

/// Characters that join the letters of a split word ("đ.m", "T-à-i").
pub(super) fn is_joiner(c: char) -> bool {
    matches!(c, '.' | '-' | '_' | '*' | '·' | '•' | '‧' | '‐' | '‑' | '~')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

/// English contraction endings after an apostrophe ("you'd", "I'm"): not a VIQR acute.
fn is_contraction(rest: &[char]) -> bool {
    let mut buf = [' '; 3];
    let mut n = 0;
    for &c in rest {
        if !c.is_alphabetic() {
            break;
        }
        if n == buf.len() {
            return false;
        }
        buf[n] = letters::lower(c);
        n += 1;
    }
    matches!(
        &buf[..n],
        ['s'] | ['t'] | ['d'] | ['m'] | ['l', 'l'] | ['r', 'e'] | ['v', 'e']
    )
}

/// Whether the letters after an `@` are followed by `.` and a letter or digit (an e-mail).
fn is_email_domain(rest: &[char]) -> bool {
    let after = rest
        .iter()
        .position(|c| !c.is_alphanumeric())
        .unwrap_or(rest.len());
    rest.get(after) == Some(&'.') && rest.get(after + 1).is_some_and(|c| c.is_alphanumeric())
}

/// A separator being read.
struct SepState {
    whitespace: bool,
    width: u32,
    first: char,
    clause: bool,
    last: char,
}

/// Characters that end a clause, before which a word is often a particle ("thật à?").
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | '!' | '?' | ';' | ':' | '…' | '(' | ')' | '"' | '\n' | '\r'
    )
}

struct Scanner<'t> {
    tables: &'t Tables,
    out: &'t mut Scan,
    word_start: Option<usize>,
    sep: Option<SepState>,
    /// The text uses VIQR marks (``a` ``, `e^`), so a word-final `'` is an acute too ("ca'").
    viqr_text: bool,
}

impl Scanner<'_> {
    /// The last letter of the current word (VIQR marks skipped).
    fn last(&self) -> Option<char> {
        let start = self.word_start?;
        self.out
            .units
            .get(start..)?
            .iter()
            .rev()
            .find(|u| !u.viqr)
            .map(|u| u.ch)
    }

    /// The vowel the last character of the current word is or stands for (`4` → a).
    fn vowelish(&self) -> Option<char> {
        let c = self.last()?;
        let base = letters::parts(c)
            .map(|p| p.base)
            .or_else(|| self.tables.leet.get(c))?;
        letters::is_vowel(base).then_some(base)
    }

    /// Whether the current word has a vowel (or a digit standing for one).
    fn word_has_vowel(&self, vowels: fn(char) -> bool) -> bool {
        let Some(start) = self.word_start else {
            return false;
        };
        self.out
            .units
            .get(start..)
            .unwrap_or_default()
            .iter()
            .any(|u| {
                !u.viqr
                    && letters::parts(u.ch)
                        .map(|p| p.base)
                        .or_else(|| self.tables.leet.get(u.ch))
                        .is_some_and(vowels)
            })
    }

    fn flush_sep(&mut self) {
        if let Some(sep) = self.sep.take() {
            self.out.tokens.push(Token::Sep {
                whitespace: sep.whitespace,
                width: sep.width,
                single: (sep.width == 1).then_some(sep.first),
                clause: sep.clause,
                last: sep.last,
            });
        }
    }

    fn end_word(&mut self) {
        if let Some(s) = self.word_start.take() {
            self.out.tokens.push(Token::Word(s..self.out.units.len()));
        }
    }

    fn push_unit(&mut self, unit: Unit) {
        if self.word_start.is_none() {
            self.flush_sep();
            self.word_start = Some(self.out.units.len());
        }
        self.out.units.push(unit);
    }

    fn push_sep(&mut self, c: char) {
        self.end_word();
        let ws = c.is_whitespace() || c.is_control();
        let sep = self.sep.get_or_insert(SepState {
            whitespace: true,
            width: 0,
            first: c,
            clause: false,
            last: c,
        });
        sep.whitespace &= ws;
        sep.width += 1;
        sep.clause |= ends_clause(c);
        sep.last = c;
    }

    /// A letter or digit with the combining marks after it.
    fn push_cluster(&mut self, c: char, marks: &[char], start: u32, end: u32) {
        let c = letters::plain_form(c);
        if let Some((lc, mut p)) = letters::latin(c) {
            let mut changed = false;
            for &m in marks {
                changed |= p.add(m);
            }
            self.out.had_diacritics |= p.has_diacritic();
            self.push_unit(Unit {
                ch: if changed { p.compose() } else { lc },
                fold: Some(p.fold()),
                start,
                end,
                viqr: false,
            });
            return;
        }
        let lc = letters::lower(c);
        if marks.is_empty() {
            self.push_checked(Unit::new(lc, start, end));
        } else {
            for ch in std::iter::once(lc).chain(marks.iter().copied()).nfc() {
                self.push_checked(Unit::new(ch, start, end));
            }
        }
    }

    /// Pushes a unit that may hold something other than a letter, digit or `_`.
    fn push_checked(&mut self, unit: Unit) {
        self.out.words_only &= is_word_char(unit.ch) && unit.fold.is_none_or(is_word_char);
        self.push_unit(unit);
    }

    fn push_viqr(&mut self, mark: char, at: u32) {
        self.out.had_diacritics = true;
        self.push_unit(Unit {
            ch: mark,
            fold: None,
            start: at,
            end: at + 1,
            viqr: true,
        });
    }

    /// Handles a character that is neither a letter nor a digit; returns whether it went into
    /// the current word.
    fn symbol(&mut self, c: char, at: u32, rest: &[char]) -> bool {
        let Some(last) = self.last() else {
            // "$ex": a word may start with `$` before a letter ("$100" is money).
            if c == '$' && rest.first().is_some_and(|n| n.is_alphabetic()) {
                self.push_checked(Unit::new('$', at, at + 1));
                return true;
            }
            return false;
        };
        let next_letter = rest.first().is_some_and(|n| n.is_alphabetic());
        let next_alnum = rest.first().is_some_and(|n| n.is_alphanumeric());
        let vowel = self.vowelish();
        let circumflex_vowel = |v: char| matches!(v, 'a' | 'e' | 'o');
        match c {
            '`' if self.word_has_vowel(letters::is_vowel) => self.push_viqr(GRAVE, at),
            '^' if rest.first() != Some(&'^')
                && (vowel.is_some_and(circumflex_vowel)
                    || (self.viqr_text
                        && !next_alnum
                        && self.word_has_vowel(circumflex_vowel))) =>
            {
                self.push_viqr(CIRCUMFLEX, at)
            }
            '~' if vowel.is_some() && next_letter => self.push_viqr(TILDE, at),
            c if is_apostrophe(c) && next_letter => {
                if vowel.is_some() && !is_contraction(rest) {
                    self.push_viqr(ACUTE, at);
                } else {
                    self.push_checked(Unit::new('\'', at, at + 1));
                }
            }
            c if is_apostrophe(c)
                && self.viqr_text
                && !next_alnum
                && self.word_has_vowel(letters::is_vowel) =>
            {
                self.push_viqr(ACUTE, at);
            }
            '@' if last.is_alphanumeric() && next_letter && !is_email_domain(rest) => {
                self.push_checked(Unit::new('@', at, at + 1));
            }
            '!' if last.is_alphabetic() && next_letter => {
                self.push_checked(Unit::new('!', at, at + 1))
            }
            '$' if (last.is_alphabetic() || last == '$')
                && !rest.first().is_some_and(|n| n.is_numeric()) =>
            {
                self.push_checked(Unit::new('$', at, at + 1))
            }
            _ => return false,
        }
        true
    }
}

/// Scans `chars` (the original text) into `out`. `viqr_signs`: the text has a "`" or a "^"
/// (that could be a VIQR mark).
pub(super) fn scan(chars: &[char], viqr_signs: bool, tables: &'static Tables, out: &mut Scan) {
    out.units.clear();
    out.tokens.clear();
    out.had_diacritics = false;
    out.words_only = true;
    let viqr_text = viqr_signs
        && (1..chars.len()).any(|i| {
            let base = || letters::parts(chars[i - 1]).map(|p| p.base);
            (chars[i] == '`' && base().is_some_and(letters::is_vowel))
                || (chars[i] == '^'
                    && chars.get(i + 1) != Some(&'^')
                    && matches!(base(), Some('a' | 'e' | 'o')))
        });
    let mut s = Scanner {
        tables,
        out,
        word_start: None,
        sep: None,
        viqr_text,
    };
    s.out.units.reserve(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i as u32;
        i += 1;
        // Fast paths: a letter or digit with no combining mark after it.
        if !chars.get(i).is_some_and(|&m| is_mark(m)) {
            if c.is_ascii_alphanumeric() {
                let l = c.to_ascii_lowercase();
                s.push_unit(Unit {
                    ch: l,
                    fold: Some(l),
                    start: at,
                    end: at + 1,
                    viqr: false,
                });
                continue;
            }
            if let Some((lc, p)) = letters::latin(c) {
                s.out.had_diacritics |= p.has_diacritic();
                s.push_unit(Unit {
                    ch: lc,
                    fold: Some(p.fold()),
                    start: at,
                    end: at + 1,
                    viqr: false,
                });
                continue;
            }
        }
        let letter = c.is_ascii_alphanumeric() || (!c.is_ascii() && letters::latin(c).is_some());
        if !letter && !c.is_ascii() && (is_invisible(c) || is_mark(c)) {
            continue;
        }
        if !letter
            && !c.is_ascii()
            && let Some(token) = tables.emoji.get(&c)
        {
            s.end_word();
            s.flush_sep();
            s.out.tokens.push(Token::Emoji { token, at });
            continue;
        }
        if letter || letters::plain_form(c).is_alphanumeric() {
            let marks_end = chars[i..]
                .iter()
                .position(|&m| !is_mark(m))
                .map_or(chars.len(), |p| i + p);
            s.push_cluster(c, &chars[i..marks_end], at, marks_end as u32);
            i = marks_end;
            continue;
        }
        if !s.symbol(c, at, &chars[i..]) {
            s.push_sep(c);
        }
    }
    s.end_word();
    s.flush_sep();
}
