//! The words of a normalised view, split once per message and shared by the lexicon, the coded
//! patterns, negation and the model.

use std::ops::Range;

use super::model::MAX_WORDS;

/// Sets `out` to the byte ranges of the words of `view` (split on spaces, empty words skipped),
/// at most [`MAX_WORDS`] of them, as [`super::model::words`] reads them.
pub(crate) fn split(view: &str, out: &mut Vec<Range<usize>>) {
    out.clear();
    let mut start = 0;
    for (i, &b) in view.as_bytes().iter().enumerate() {
        if b == b' ' {
            if i > start {
                if out.len() == MAX_WORDS {
                    return;
                }
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    if view.len() > start && out.len() < MAX_WORDS {
        out.push(start..view.len());
    }
}

/// A word of at most 8 bytes as one integer (bytes in order, zero-padded), for quick comparisons
/// with known short words; 0 for longer (or empty) words.
pub(crate) const fn pack(word: &str) -> u64 {
    let b = word.as_bytes();
    if b.len() > 8 {
        return 0;
    }
    let mut key = 0u64;
    let mut i = 0;
    while i < b.len() {
        key |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    key
}

/// Bytes `range` of `bytes` packed as by [`pack`], if they are 1 to 8 bytes.
#[inline]
pub(crate) fn pack_at(bytes: &[u8], range: Range<usize>) -> Option<u64> {
    let len = range.len();
    if len == 0 || len > 8 {
        return None;
    }
    // One load of the 8 bytes from the start when the text has them, masked to the length.
    let word = match bytes
        .get(range.start..range.start + 8)
        .map(<[u8; 8]>::try_from)
    {
        Some(Ok(eight)) => u64::from_le_bytes(eight),
        _ => {
            let mut word = 0;
            for (k, &b) in bytes.get(range)?.iter().enumerate() {
                word |= u64::from(b) << (8 * k);
            }
            word
        }
    };
    Some(if len == 8 {
        word
    } else {
        word & ((1u64 << (8 * len)) - 1)
    })
}

/// A view and the byte ranges of its words.
#[derive(Clone, Copy)]
pub(crate) struct Words<'a> {
    text: &'a str,
    ranges: &'a [Range<usize>],
}

impl<'a> Words<'a> {
    /// The words `ranges` (from [`split`]) of `text`.
    pub fn new(text: &'a str, ranges: &'a [Range<usize>]) -> Words<'a> {
        Words { text, ranges }
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Word `i` packed as by [`pack`] (0 when out of range or longer than 8 bytes).
    pub fn key(&self, i: usize) -> u64 {
        self.ranges
            .get(i)
            .and_then(|r| pack_at(self.text.as_bytes(), r.clone()))
            .unwrap_or(0)
    }

    /// Word `i` (empty when out of range).
    pub fn get(&self, i: usize) -> &'a str {
        self.ranges
            .get(i)
            .and_then(|r| self.text.get(r.clone()))
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_model() {
        for view in ["", "a", "a b  c ", " xin chào bạn", &"w ".repeat(300)] {
            let mut ranges = Vec::new();
            split(view, &mut ranges);
            let expected: Vec<Range<usize>> =
                super::super::model::words(view).map(|(r, _)| r).collect();
            assert_eq!(ranges, expected, "{view:?}");
        }
    }
}
