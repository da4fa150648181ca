//! Normalisation of Vietnamese and English text for matching.
//!
//! [`Normalized::new`] turns a message into two lowercase views, `accented` and `folded`,
//! with a map from every byte of each view back to the characters of the original text, so
//! that a match found in a view points at what the user wrote.
//!
//! Steps, in order:
//! 1. Characters: invisible ones (zero-width, direction marks, variation selectors, tags, skin
//!    tones) removed; letters composed (NFC) and lowercased; `Ð`/`ð`/`Ɖ` → `đ`; styled letters
//!    (`𝐬`, `ｓ`, `ⓢ`) → plain; marks that are not Vietnamese dropped from Latin letters (so
//!    "zalgo" text reads plainly); VIQR marks (``nha` ca'i``, `y3u^`) put on their vowel;
//!    meaningful emoji → word tokens (`emoji_knife`); other symbols and punctuation → word
//!    breaks.
//! 2. Words split apart joined: single letters linked by dots, dashes or underscores (`đ.m`,
//!    `T.à.i`), runs of three or more single letters separated by equal spaces
//!    (`n h à c á i`; digits at the ends of a run stay apart; letters with Vietnamese diacritics
//!    are cut into the syllables they spell: `nhà cái`; in a text spaced letter by letter, pairs
//!    join too), digit groups (`1.000.000`).
//! 3. Per word: look-alike letters of other scripts, leetspeak (`s3x`, `c4`), repeated letters
//!    (`đẹpppp` → `đẹp`; a word that is one letter repeated keeps three: `kkkkk` → `kkk`), one
//!    tone placement (`hoà` → `hòa`, `thuỷ` → `thủy`).
//! 4. Teencode expanded word by word with the language of the surrounding words (`ko` →
//!    `không`, `a` → `anh` in Vietnamese except before punctuation, `u` → `you` in English),
//!    never right after a number (`3 m`) nor in an emoticon (`:v`).
//!
//! The tables are data files under `data/` (`teencode.toml`, `leet.toml`, `emoji.toml`).

pub(crate) mod hash;
mod join;
mod letters;
mod robust;
mod scan;
mod syllable;
mod tables;
mod teencode;
mod view;
mod word;

use std::cell::RefCell;
use std::ops::Range;

pub use robust::{insert_spaces, strip_diacritics, to_nfd, to_teencode};

pub(crate) use letters::is_word_char;
pub(crate) use syllable::is_syllable;

use join::Item;
use teencode::{Shaped, Writer};

/// Work buffers, kept per thread so a call allocates little more than its result.
#[derive(Default)]
struct Buffers {
    chars: Vec<char>,
    scan: scan::Scan,
    join: join::Buffers,
    items: Vec<Item>,
    shaped: Vec<scan::Unit>,
    keys: String,
    scratch: String,
    words: Vec<Shaped>,
}

/// Buffers longer than this (after a long text) are shrunk back, so a thread does not keep
/// the memory of its longest text.
const KEPT_CAPACITY: usize = 4096;

impl Buffers {
    fn shrink(&mut self) {
        self.chars.shrink_to(KEPT_CAPACITY);
        self.scan.units.shrink_to(KEPT_CAPACITY);
        self.scan.tokens.shrink_to(KEPT_CAPACITY);
        self.join.shrink_to(KEPT_CAPACITY);
        self.items.shrink_to(KEPT_CAPACITY);
        self.shaped.shrink_to(KEPT_CAPACITY);
        self.keys.shrink_to(KEPT_CAPACITY);
        self.words.shrink_to(KEPT_CAPACITY);
    }
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// The work of [`Normalized::new`] for a text within the limit.
fn normalize(original: &str, b: &mut Buffers) -> Normalized {
    let tables = tables::tables();
    b.chars.clear();
    b.chars.extend(original.chars());
    let bytes = original.as_bytes();
    let viqr_signs = bytes.contains(&b'`') || bytes.contains(&b'^');
    scan::scan(&b.chars, viqr_signs, tables, &mut b.scan);
    join::join(&b.scan, &mut b.join, tables, &mut b.items);
    b.shaped.clear();
    b.keys.clear();
    b.words.clear();
    for item in &b.items {
        match item {
            Item::Word {
                units,
                clause_end,
                emoticon,
            } => {
                let start = b.shaped.len();
                word::shape(
                    &b.scan.units[units.clone()],
                    tables,
                    &mut b.shaped,
                    &mut b.scratch,
                );
                let key_start = b.keys.len();
                b.keys
                    .extend(b.shaped[start..].iter().filter_map(|u| u.fold));
                let info = if *emoticon {
                    None
                } else {
                    tables.words.get(&b.keys[key_start..])
                };
                b.words.push(Shaped::Word {
                    units: start..b.shaped.len(),
                    key: key_start..b.keys.len(),
                    info,
                    clause_end: *clause_end,
                });
            }
            Item::Emoji { token, at } => b.words.push(Shaped::Emoji { token, at: *at }),
        }
    }
    let mut out = Writer::with_capacity(b.shaped.len() + b.words.len());
    teencode::write(&b.words, &b.shaped, &b.keys, tables, &mut out);
    let Writer {
        accented,
        folded,
        words_only,
        clause_ends,
        english,
        ..
    } = out;
    let (accented, accented_map) = accented.finish();
    let (folded, folded_map) = folded.finish();
    Normalized {
        accented,
        folded,
        original: original.to_owned(),
        accented_map,
        folded_map,
        had_diacritics: b.scan.had_diacritics,
        words_only: words_only && b.scan.words_only,
        clause_ends,
        english,
    }
}

/// The largest text accepted (bytes); longer input is an error, never a panic.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Why a text could not be normalised.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The text is longer than [`MAX_TEXT_BYTES`].
    #[error(
        "text is {bytes} bytes, over the limit of {limit} bytes: split it into smaller messages"
    )]
    TooLong {
        /// Length of the rejected text in bytes.
        bytes: usize,
        /// The limit ([`MAX_TEXT_BYTES`]).
        limit: usize,
    },
}

/// A text prepared for matching, with two views, both lowercase, word-separated by single spaces.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// NFC, lowercase, one tone placement ("hoà" → "hòa"), Ð/ð → đ, zero-width removed, letters
    /// split by spaces/dots/dashes joined back ("n h à c á i" → "nhà cái"; "đ.m" → "đm"), runs of
    /// 3+ same letters cut to 1 ("đẹpppp" → "đẹp"), leetspeak/look-alikes mapped in words that mix
    /// letters and digits ("s3x" → "sex"), teencode expanded word by word ("ko" → "không"),
    /// emoji that carry meaning replaced by a word token (🔪 → "emoji_knife").
    pub accented: String,
    /// `accented` with every diacritic removed and đ → d ("không được" → "khong duoc"). It reads
    /// the same whether the text was typed with diacritics or not, so a word whose diacritics
    /// rule out a teencode reading in `accented` gets the reading its bare letters have here
    /// ("mệt á mn": `accented` "mệt á mọi người", `folded` "met anh moi nguoi", as for "met a mn").
    pub folded: String,
    original: String,
    accented_map: view::SpanMap,
    folded_map: view::SpanMap,
    had_diacritics: bool,
    /// Both views are words of letters, digits and `_` separated by single spaces.
    words_only: bool,
    /// Bit `i`: word `i` of `accented` is followed by punctuation that ends a clause.
    clause_ends: [u64; teencode::CLAUSE_WORDS / 64],
    /// The text reads as English (more English cue words than Vietnamese ones).
    english: bool,
}

impl Normalized {
    /// Normalises `original`; errors if it is longer than [`MAX_TEXT_BYTES`].
    pub fn new(original: &str) -> Result<Normalized, TextError> {
        if original.len() > MAX_TEXT_BYTES {
            return Err(TextError::TooLong {
                bytes: original.len(),
                limit: MAX_TEXT_BYTES,
            });
        }
        BUFFERS.with(|b| match b.try_borrow_mut() {
            Ok(mut buffers) => {
                let n = normalize(original, &mut buffers);
                buffers.shrink();
                Ok(n)
            }
            Err(_) => Ok(normalize(original, &mut Buffers::default())),
        })
    }

    /// The original text.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The char range (start..end, in `original().chars()` indices) of the original text behind
    /// bytes `range` of `accented`. Out-of-range or empty input gives an empty range.
    pub fn original_span_accented(&self, range: Range<usize>) -> Range<usize> {
        self.accented_map.span(range)
    }

    /// The char range (start..end, in `original().chars()` indices) of the original text behind
    /// bytes `range` of `folded`. Out-of-range or empty input gives an empty range.
    pub fn original_span_folded(&self, range: Range<usize>) -> Range<usize> {
        self.folded_map.span(range)
    }

    /// Whether both views are words made only of letters, digits and `_`, separated by single
    /// spaces (no "'", "$" … inside a word), so that matchers can take words as they come.
    pub(crate) fn words_only(&self) -> bool {
        self.words_only
    }

    /// Whether the text reads as English (more English cue words, as "you", "what", "tell",
    /// than Vietnamese ones), the reading teencode was expanded with.
    pub(crate) fn reads_english(&self) -> bool {
        self.english
    }

    /// Whether word `i` of `accented` (counted from 0, split on spaces) is followed by
    /// punctuation that ends a clause (",", ".", "?" …), an emoji or the end of the text; known
    /// for the first 256 words (false after them).
    pub(crate) fn ends_clause(&self, i: usize) -> bool {
        self.clause_ends
            .get(i / 64)
            .is_some_and(|cell| cell & (1 << (i % 64)) != 0)
    }

    /// Whether the original had Vietnamese diacritics at all (text typed without them is
    /// ambiguous: "ma" may be ma, má, mà, mã, mạ).
    pub fn had_diacritics(&self) -> bool {
        self.had_diacritics
    }
}
