//! Single characters: invisible characters, Vietnamese letters (base, vowel mark, tone mark),
//! folding, compatibility forms.

use std::sync::OnceLock;

use unicode_normalization::char::{compose, decompose_canonical, decompose_compatible};

/// Combining grave (thanh huyền).
pub(super) const GRAVE: char = '\u{300}';
/// Combining acute (thanh sắc).
pub(super) const ACUTE: char = '\u{301}';
/// Combining circumflex (â, ê, ô).
pub(super) const CIRCUMFLEX: char = '\u{302}';
/// Combining tilde (thanh ngã).
pub(super) const TILDE: char = '\u{303}';
/// Combining breve (ă).
const BREVE: char = '\u{306}';
/// Combining hook above (thanh hỏi).
const HOOK: char = '\u{309}';
/// Combining horn (ơ, ư).
const HORN: char = '\u{31B}';
/// Combining dot below (thanh nặng).
const DOT_BELOW: char = '\u{323}';

/// Whether `c` is a mark written after a letter (a combining character).
pub(super) fn is_mark(c: char) -> bool {
    // No mark comes before U+0300, and no Latin letter is a mark.
    c >= '\u{300}' && latin_index(c).is_none() && unicode_normalization::char::is_combining_mark(c)
}

/// Characters that show nothing (zero-width, direction marks, variation selectors, tags, skin
/// tones): removed before anything else, so they cannot split or disguise a word.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{1F3FB}'..='\u{1F3FF}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Fullwidth, mathematical and enclosed letters and digits (𝐬, ｓ, ⓢ) → the plain ASCII one.
pub(super) fn plain_form(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let styled = matches!(
        c,
        '\u{2460}'..='\u{24FF}' | '\u{FF01}'..='\u{FF5E}' | '\u{1D400}'..='\u{1D7FF}' | '\u{1F130}'..='\u{1F189}'
    );
    if !styled {
        return c;
    }
    let mut out = None;
    let mut count = 0;
    decompose_compatible(c, |d| {
        count += 1;
        out = Some(d);
    });
    match out {
        Some(d) if count == 1 && d.is_ascii_alphanumeric() => d,
        _ => c,
    }
}

/// The lowercase form of one character (the first character of the lowercase mapping; Ð, ð and
/// Ɖ become đ).
pub(super) fn lower(c: char) -> char {
    let l = if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    match l {
        'ð' | 'ɖ' => 'đ',
        other => other,
    }
}

/// Whether `c` is alphabetic (as `char::is_alphabetic`), quickly for Latin letters.
#[inline]
pub(super) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        latin(c).is_some() || c.is_alphabetic()
    }
}

/// Whether `c` is part of a word for matching: a letter, a digit or `_` (as
/// `char::is_alphanumeric`), quickly for Latin letters.
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        latin(c).is_some() || c.is_alphanumeric()
    }
}

/// Whether `c` is one of the Latin vowels that take Vietnamese tone marks.
pub(super) fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// A Latin letter split into its ASCII base, Vietnamese vowel mark and tone mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Parts {
    /// The ASCII letter (or `đ`).
    pub base: char,
    /// Circumflex, breve or horn.
    pub vowel_mark: Option<char>,
    /// Grave, acute, hook, tilde or dot below.
    pub tone: Option<char>,
}

impl Parts {
    /// Adds a combining mark if it is a Vietnamese mark valid on this base and its slot is free;
    /// returns whether it was taken.
    pub fn add(&mut self, mark: char) -> bool {
        let mark = match mark {
            '\u{340}' => GRAVE,
            '\u{341}' => ACUTE,
            other => other,
        };
        match mark {
            CIRCUMFLEX | BREVE | HORN if self.vowel_mark.is_none() => {
                let fits = match mark {
                    CIRCUMFLEX => matches!(self.base, 'a' | 'e' | 'o'),
                    BREVE => self.base == 'a',
                    _ => matches!(self.base, 'o' | 'u'),
                };
                if fits {
                    self.vowel_mark = Some(mark);
                }
                fits
            }
            GRAVE | ACUTE | TILDE | HOOK | DOT_BELOW
                if self.tone.is_none() && is_vowel(self.base) =>
            {
                self.tone = Some(mark);
                true
            }
            _ => false,
        }
    }

    /// Whether any Vietnamese diacritic is present (đ counts).
    pub fn has_diacritic(&self) -> bool {
        self.base == 'đ' || self.vowel_mark.is_some() || self.tone.is_some()
    }

    /// The precomposed letter.
    pub fn compose(&self) -> char {
        let with = |c: char, m: Option<char>| m.and_then(|m| compose(c, m)).unwrap_or(c);
        let a = with(with(self.base, self.vowel_mark), self.tone);
        if self.tone.is_none() || self.vowel_mark.is_none() || a != with(self.base, self.vowel_mark)
        {
            return a;
        }
        // ậ, ặ, ệ, ộ compose through the dot-below letter first.
        with(with(self.base, self.tone), self.vowel_mark)
    }

    /// The ASCII base, with đ → d.
    pub fn fold(&self) -> char {
        if self.base == 'đ' { 'd' } else { self.base }
    }
}

/// Splits a Latin letter into the parts of its lowercase form (`Ộ` → o + circumflex + dot
/// below); `None` for anything that is not an ASCII letter or a Latin letter made of one with
/// Vietnamese marks (or đ and its look-alikes).
pub(super) fn parts(c: char) -> Option<Parts> {
    latin(c).map(|(_, p)| p)
}

/// The lowercase form of a Latin letter (as [`parts`] knows them) and its parts.
pub(super) fn latin(c: char) -> Option<(char, Parts)> {
    if c.is_ascii() {
        let l = c.to_ascii_lowercase();
        return c.is_ascii_alphabetic().then_some((
            l,
            Parts {
                base: l,
                vowel_mark: None,
                tone: None,
            },
        ));
    }
    latin_index(c).and_then(|i| latin_table().get(i).copied().flatten())
}

/// The blocks of non-ASCII Latin letters [`latin`] knows: Latin-1 Supplement to Latin
/// Extended-B and IPA's ɖ (`U+00C0..=U+0256`), and Latin Extended Additional
/// (`U+1E00..=U+1EFF`, the Vietnamese vowels with two marks).
const LATIN_LOW: std::ops::RangeInclusive<char> = '\u{C0}'..='\u{256}';
const LATIN_HIGH: std::ops::RangeInclusive<char> = '\u{1E00}'..='\u{1EFF}';

/// The place of `c` in the table of [`latin_table`].
fn latin_index(c: char) -> Option<usize> {
    let n = c as usize;
    let (low, high) = (*LATIN_LOW.start() as usize, *LATIN_HIGH.start() as usize);
    let low_len = *LATIN_LOW.end() as usize - low + 1;
    if LATIN_LOW.contains(&c) {
        Some(n - low)
    } else if LATIN_HIGH.contains(&c) {
        Some(low_len + n - high)
    } else {
        None
    }
}

/// Every non-ASCII Latin letter with Vietnamese marks (both cases), and đ/Đ/ð/Ð/ɖ/Ɖ, with the
/// parts of its lowercase form, indexed directly by [`latin_index`].
fn latin_table() -> &'static [Option<(char, Parts)>] {
    static TABLE: OnceLock<Vec<Option<(char, Parts)>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Vec::new();
        for c in LATIN_LOW.chain(LATIN_HIGH) {
            let l = lower(c);
            let p = if l == 'đ' {
                Some(Parts {
                    base: 'đ',
                    vowel_mark: None,
                    tone: None,
                })
            } else {
                decompose(l)
            };
            table.push(p.map(|p| (l, p)));
        }
        table
    })
}

/// Splits a lowercase letter by its canonical decomposition.
fn decompose(c: char) -> Option<Parts> {
    let mut first = None;
    let mut marks = [None; 4];
    let mut n = 0;
    decompose_canonical(c, |d| {
        if first.is_none() {
            first = Some(d);
        } else if n < marks.len() {
            marks[n] = Some(d);
            n += 1;
        }
    });
    let base = first?;
    if !base.is_ascii_lowercase() || n == 0 {
        return None;
    }
    let mut p = Parts {
        base,
        vowel_mark: None,
        tone: None,
    };
    for m in marks.iter().flatten() {
        if !p.add(*m) {
            return None;
        }
    }
    Some(p)
}

/// The folded form of a character of the accented view: the base letter without marks (đ → d),
/// `None` for a lone combining mark.
pub(super) fn fold(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    if let Some(p) = parts(c) {
        return Some(p.fold());
    }
    if is_mark(c) {
        return None;
    }
    let mut first = None;
    decompose_canonical(c, |d| {
        if first.is_none() {
            first = Some(d);
        }
    });
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_composes_every_vietnamese_vowel() {
        for c in "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ".chars()
        {
            let p = parts(c).expect("vietnamese letter");
            assert!(p.has_diacritic(), "{c}");
            assert_eq!(p.compose(), c, "{c}");
        }
    }

    #[test]
    fn folds() {
        assert_eq!(fold('ự'), Some('u'));
        assert_eq!(fold('đ'), Some('d'));
        assert_eq!(fold('\u{301}'), None);
        assert_eq!(plain_form('ｓ'), 's');
        assert_eq!(plain_form('𝐬'), 's');
        assert_eq!(lower('Ð'), 'đ');
    }
}
