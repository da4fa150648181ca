//! A normalised view of the text with a map from its bytes back to original characters.

use std::ops::Range;

/// A view being written: its text and its map.
#[derive(Debug, Default)]
pub(super) struct View {
    /// The text.
    pub text: String,
    /// The map of `text`.
    pub map: SpanMap,
}

impl View {
    /// An empty view with room for about `chars` characters of `bytes` bytes each on average.
    pub fn with_capacity(chars: usize, bytes: usize) -> View {
        View {
            text: String::with_capacity(chars * bytes + 16),
            map: SpanMap {
                len: 0,
                chars: Vec::with_capacity(chars + chars / 2 + 16),
            },
        }
    }

    /// Appends `ch`, made from original chars `start..end` (an empty range for a word gap).
    #[inline]
    pub fn push(&mut self, ch: char, start: u32, end: u32) {
        self.map.chars.push(Char {
            offset: self.text.len() as u32,
            start,
            end,
        });
        self.text.push(ch);
    }

    /// The text and its map.
    pub fn finish(mut self) -> (String, SpanMap) {
        self.map.len = self.text.len();
        (self.text, self.map)
    }
}

/// One character of a view.
#[derive(Debug, Clone, Copy)]
struct Char {
    /// Byte offset in the view.
    offset: u32,
    /// First original char index behind it.
    start: u32,
    /// One past the last original char index behind it.
    end: u32,
}

/// For each character of a view: its byte offset and the original char range behind it.
#[derive(Debug, Clone, Default)]
pub(super) struct SpanMap {
    len: usize,
    chars: Vec<Char>,
}

impl SpanMap {
    /// The original char range behind bytes `range` of the text: the smallest range covering
    /// the original characters of every view character the bytes touch (word gaps count only
    /// when nothing else is touched). Out-of-range or empty input gives an empty range.
    pub fn span(&self, range: Range<usize>) -> Range<usize> {
        let len = self.len;
        let end = range.end.min(len);
        let start = range.start.min(end);
        let char_at = |byte: usize| {
            self.chars
                .partition_point(|c| c.offset as usize <= byte)
                .saturating_sub(1)
        };
        if start == end {
            let point = match self.chars.get(char_at(start)) {
                Some(c) if start < len => c.start.min(c.end),
                _ => self.chars.last().map_or(0, |c| c.end),
            };
            return point as usize..point as usize;
        }
        let (first, last) = (char_at(start), char_at(end - 1));
        let chosen = &self.chars[first..=last];
        let mut lo = u32::MAX;
        let mut hi = 0;
        for c in chosen.iter().filter(|c| c.start < c.end) {
            lo = lo.min(c.start);
            hi = hi.max(c.end);
        }
        if lo == u32::MAX {
            let p = chosen.first().map_or(0, |c| c.start);
            return p as usize..p as usize;
        }
        lo as usize..hi as usize
    }
}

#[cfg(test)]
mod tests {
    use super::View;

    #[test]
    fn spans() {
        let mut view = View::default();
        for (c, s, e) in [('a', 0, 2), ('đ', 2, 3), (' ', 3, 3), ('b', 5, 6)] {
            view.push(c, s, e);
        }
        let len = view.text.len();
        let (_, v) = view.finish();
        let v = &v;
        assert_eq!(v.span(0..1), 0..2);
        assert_eq!(v.span(1..3), 2..3);
        assert_eq!(v.span(0..len), 0..6);
        assert_eq!(v.span(3..4), 3..3);
        assert_eq!(v.span(100..200), 6..6);
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = v.span(4..1);
        assert_eq!(backwards, 2..2);
        assert_eq!(View::default().finish().1.span(0..5), 0..0);
    }
}
