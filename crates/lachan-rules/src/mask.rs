//! The set of lists active for a query (a profile's lists).

use crate::source::ListId;

/// A set of list ids; rules of lists outside the set are ignored, exceptions included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMask {
    all: bool,
    words: Vec<u64>,
}

impl ListMask {
    /// The set of every list.
    pub fn all() -> Self {
        ListMask {
            all: true,
            words: Vec::new(),
        }
    }

    /// The empty set.
    pub fn new() -> Self {
        ListMask::default()
    }

    /// The set of the given ids.
    pub fn from_ids(ids: impl IntoIterator<Item = ListId>) -> Self {
        let mut mask = ListMask::new();
        for id in ids {
            mask.insert(id);
        }
        mask
    }

    /// Adds `id` to the set.
    pub fn insert(&mut self, id: ListId) {
        if self.all {
            return;
        }
        let word = usize::from(id / 64);
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (id % 64);
    }

    /// Whether `id` is in the set.
    #[inline]
    pub fn contains(&self, id: ListId) -> bool {
        self.all
            || self
                .words
                .get(usize::from(id / 64))
                .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Whether any of `ids` is in the set.
    pub(crate) fn contains_any(&self, ids: &[ListId]) -> bool {
        ids.iter().any(|&id| self.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership() {
        let m = ListMask::from_ids([0, 63, 64, 65535]);
        for id in [0, 63, 64, 65535] {
            assert!(m.contains(id));
        }
        for id in [1, 62, 65, 1000] {
            assert!(!m.contains(id));
        }
        assert!(ListMask::all().contains(12345));
        assert!(!ListMask::new().contains(0));
        assert!(m.contains_any(&[5, 64]) && !m.contains_any(&[5, 6]));
    }
}
