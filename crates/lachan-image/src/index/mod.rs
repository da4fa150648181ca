//! Exact matching of an upload's PDQ hashes against a large bank.
//!
//! [`HashIndex`] finds every stored hash within the distance of any of the upload's needles
//! (usually its eight transforms) in one pass over the bank: no approximate index, because a
//! missed known abuse image is not acceptable. The pass reads the first 128 bits of each stored
//! hash in a SIMD-friendly layout (module `scan`) and confirms the rare candidates on all 256
//! bits; [`HashIndex::search_parallel`] splits the bank over threads.
//!
//! A multi-index (16 tables keyed by 16-bit substrings, probing each needle's substrings and
//! their one-bit neighbours) was measured against this scan and rejected: at 10 million hashes
//! each query must confirm ≈330,000 candidates picked at random places in memory, which takes
//! longer than streaming the 160 MB the scan reads; both costs grow linearly with the bank, and
//! the tables cost 64 more bytes per hash (figures in `docs/benchmarks.md`).

mod scan;
#[cfg(test)]
mod tests;

use std::num::NonZeroUsize;

use crate::pdq::{Hash256, Transform};
use scan::{Block, LANES};

/// Below this many blocks per thread, more threads cost more than they save.
const MIN_BLOCKS_PER_THREAD: usize = 2048;

/// One stored hash within the distance of a needle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexMatch {
    /// The caller's id given to [`HashIndex::push`].
    pub entry: u32,
    /// Hamming distance to the closest needle.
    pub distance: u32,
    /// The transform of that needle (the first in the caller's order on a tie).
    pub transform: Transform,
}

/// An exact matcher over many PDQ hashes (no approximation: every hash within the distance is
/// found).
///
/// Memory: 36 bytes per stored hash (32 for the hash, 4 for the entry), plus at most one
/// partly filled block of 32 hashes.
#[derive(Debug, Clone, Default)]
pub struct HashIndex {
    /// Words 0 and 1 of every hash, 32 hashes a block.
    blocks: Vec<Block>,
    /// Words 2 and 3 of every hash, in push order.
    tails: Vec<[u64; 2]>,
    /// The caller's id of every hash, in push order.
    entries: Vec<u32>,
}

/// A confirmed match before it is reported: the entry, its distance and the needle's position.
#[derive(Debug, Clone, Copy)]
struct Found {
    entry: u32,
    distance: u32,
    needle: usize,
}

impl HashIndex {
    /// An empty index.
    pub fn new() -> HashIndex {
        HashIndex::default()
    }

    /// An empty index with room for `n` hashes.
    pub fn with_capacity(n: usize) -> HashIndex {
        HashIndex {
            blocks: Vec::with_capacity(n.div_ceil(LANES)),
            tails: Vec::with_capacity(n),
            entries: Vec::with_capacity(n),
        }
    }

    /// Adds one hash; `entry` is the caller's id for it (e.g. a row id), returned in matches.
    ///
    /// The same hash may be added under several entries (each is reported), and the same entry
    /// with several hashes (it is reported once, at its best distance).
    pub fn push(&mut self, hash: Hash256, entry: u32) {
        let position = self.entries.len();
        let lane = position % LANES;
        if lane == 0 {
            self.blocks.push(Block::EMPTY);
        }
        if let Some(block) = self.blocks.last_mut() {
            block.head[0][lane] = hash.0[0];
            block.head[1][lane] = hash.0[1];
        }
        self.tails.push([hash.0[2], hash.0[3]]);
        self.entries.push(entry);
    }

    /// Number of stored hashes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no hash is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes used (for "memory per stored hash").
    pub fn memory_bytes(&self) -> usize {
        self.blocks.capacity() * size_of::<Block>()
            + self.tails.capacity() * size_of::<[u64; 2]>()
            + self.entries.capacity() * size_of::<u32>()
    }

    /// Every entry within `max_distance` of any needle, best (lowest distance) needle per entry,
    /// sorted by distance then entry.
    pub fn search(&self, needles: &[(Transform, Hash256)], max_distance: u32) -> Vec<IndexMatch> {
        self.search_parallel(needles, max_distance, 1)
    }

    /// The same, split over `threads` threads (shards); equal results.
    ///
    /// `threads` is an upper bound (0 counts as 1): small banks use fewer, as a thread costs more
    /// than scanning a few thousand hashes. [`available_threads`] gives the machine's count.
    pub fn search_parallel(
        &self,
        needles: &[(Transform, Hash256)],
        max_distance: u32,
        threads: usize,
    ) -> Vec<IndexMatch> {
        if needles.is_empty() || self.is_empty() {
            return Vec::new();
        }
        let heads: Vec<[u64; 2]> = needles.iter().map(|(_, h)| [h.0[0], h.0[1]]).collect();
        let threads = threads
            .min(self.blocks.len().div_ceil(MIN_BLOCKS_PER_THREAD))
            .max(1);
        let shard = self.blocks.len().div_ceil(threads);
        let found = if threads == 1 {
            self.search_blocks(0, &self.blocks, &heads, needles, max_distance)
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = self
                    .blocks
                    .chunks(shard)
                    .enumerate()
                    .skip(1)
                    .map(|(i, blocks)| {
                        let heads = &heads;
                        scope.spawn(move || {
                            self.search_blocks(i * shard, blocks, heads, needles, max_distance)
                        })
                    })
                    .collect();
                let mut found =
                    self.search_blocks(0, &self.blocks[..shard], &heads, needles, max_distance);
                for handle in handles {
                    match handle.join() {
                        Ok(more) => found.extend(more),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
                found
            })
        };
        report(found, needles)
    }

    /// Matches within `blocks`, whose first block is block number `first` of the index.
    fn search_blocks(
        &self,
        first: usize,
        blocks: &[Block],
        heads: &[[u64; 2]],
        needles: &[(Transform, Hash256)],
        max_distance: u32,
    ) -> Vec<Found> {
        let mut flagged = Vec::new();
        scan::flag_blocks(blocks, heads, max_distance, first, &mut flagged);
        let mut found = Vec::new();
        for number in flagged {
            let block = &self.blocks[number];
            let positions = number * LANES..((number + 1) * LANES).min(self.len());
            for (lane, position) in positions.enumerate() {
                let [w2, w3] = self.tails[position];
                let stored = Hash256([block.head[0][lane], block.head[1][lane], w2, w3]);
                if let Some((needle, distance)) = closest(&stored, needles)
                    && distance <= max_distance
                {
                    found.push(Found {
                        entry: self.entries[position],
                        distance,
                        needle,
                    });
                }
            }
        }
        found
    }
}

/// The number of threads this machine runs at once (1 when unknown), for
/// [`HashIndex::search_parallel`].
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// The position of the needle closest to `stored` (the first on a tie) and its distance.
fn closest(stored: &Hash256, needles: &[(Transform, Hash256)]) -> Option<(usize, u32)> {
    needles
        .iter()
        .enumerate()
        .map(|(i, (_, needle))| (i, stored.hamming(needle)))
        .min_by_key(|&(i, distance)| (distance, i))
}

/// One match per entry (its best distance, then its first needle), sorted by distance then entry.
fn report(mut found: Vec<Found>, needles: &[(Transform, Hash256)]) -> Vec<IndexMatch> {
    found.sort_unstable_by_key(|f| (f.entry, f.distance, f.needle));
    found.dedup_by_key(|f| f.entry);
    found.sort_unstable_by_key(|f| (f.distance, f.entry));
    found
        .into_iter()
        .map(|f| IndexMatch {
            entry: f.entry,
            distance: f.distance,
            transform: needles[f.needle].0,
        })
        .collect()
}
