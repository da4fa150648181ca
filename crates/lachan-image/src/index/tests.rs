use super::scan::{Block, LANES, flag_blocks, flag_kernel};
use super::*;
use crate::MATCH_DISTANCE;

/// SplitMix64: a small seeded generator, so every run tests the same hashes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn hash(&mut self) -> Hash256 {
        Hash256([self.next(), self.next(), self.next(), self.next()])
    }

    /// An upload: eight unrelated random needles, one per transform.
    fn upload(&mut self) -> Vec<(Transform, Hash256)> {
        Transform::ALL.iter().map(|&t| (t, self.hash())).collect()
    }

    /// `hash` with `count` distinct bits flipped, chosen among bits `from..to` (0..256 = words
    /// 0 to 3 in order).
    fn flip(&mut self, hash: Hash256, count: usize, from: usize, to: usize) -> Hash256 {
        let mut bits: Vec<usize> = (from..to).collect();
        let mut out = hash;
        for k in 0..count {
            let pick = k + self.below(bits.len() - k);
            bits.swap(k, pick);
            out.0[bits[k] / 64] ^= 1 << (bits[k] % 64);
        }
        out
    }
}

/// What any correct search returns, by comparing every stored hash with every needle.
fn brute_force(
    stored: &[(Hash256, u32)],
    needles: &[(Transform, Hash256)],
    max_distance: u32,
) -> Vec<IndexMatch> {
    let mut best: std::collections::BTreeMap<u32, (u32, usize)> = Default::default();
    for (hash, entry) in stored {
        for (i, (_, needle)) in needles.iter().enumerate() {
            let distance = hash.hamming(needle);
            if distance <= max_distance {
                let slot = best.entry(*entry).or_insert((distance, i));
                *slot = (*slot).min((distance, i));
            }
        }
    }
    let mut out: Vec<IndexMatch> = best
        .into_iter()
        .map(|(entry, (distance, i))| IndexMatch {
            entry,
            distance,
            transform: needles[i].0,
        })
        .collect();
    out.sort_by_key(|m| (m.distance, m.entry));
    out
}

fn index_of(stored: &[(Hash256, u32)]) -> HashIndex {
    let mut index = HashIndex::with_capacity(stored.len());
    for &(hash, entry) in stored {
        index.push(hash, entry);
    }
    index
}

/// Every thread count gives the brute-force answer.
fn assert_all_agree(stored: &[(Hash256, u32)], needles: &[(Transform, Hash256)], max: u32) {
    let index = index_of(stored);
    let expected = brute_force(stored, needles, max);
    assert_eq!(index.search(needles, max), expected, "search, max {max}");
    for threads in [0, 2, 3, 7, available_threads()] {
        assert_eq!(
            index.search_parallel(needles, max, threads),
            expected,
            "search_parallel({threads}), max {max}"
        );
    }
}

#[test]
fn planted_hashes_are_found_up_to_31_bits_and_not_at_32() {
    let mut rng = Rng(5);
    let upload = rng.upload();
    let distances = [0, 1, 15, 30, 31, 32];
    // Where the flipped bits go: anywhere, all in the first 128 bits (the part the scan reads
    // first), all in the last 128.
    let places = [(0, 256), (0, 128), (128, 256)];
    let mut stored: Vec<(Hash256, u32)> = (0..50_000).map(|e| (rng.hash(), e)).collect();
    let mut planted = Vec::new();
    for (t, needle) in &upload {
        for &distance in &distances {
            for &(from, to) in &places {
                let entry = 1_000_000 + planted.len() as u32;
                let position = rng.below(stored.len() + 1);
                stored.insert(position, (rng.flip(*needle, distance, from, to), entry));
                planted.push((entry, *t, distance as u32));
            }
        }
    }
    let index = index_of(&stored);
    let matches = index.search(&upload, MATCH_DISTANCE);
    for (entry, transform, distance) in planted {
        let found = matches.iter().find(|m| m.entry == entry);
        if distance <= MATCH_DISTANCE {
            let expected = IndexMatch {
                entry,
                distance,
                transform,
            };
            assert_eq!(
                found,
                Some(&expected),
                "planted at {distance} under {transform}"
            );
        } else {
            assert_eq!(found, None, "planted at {distance} under {transform}");
        }
    }
    // Nothing else: 8 transforms × 5 distances within 31 × 3 places.
    assert_eq!(matches.len(), 8 * 5 * 3);
    assert_eq!(matches, index.search_parallel(&upload, MATCH_DISTANCE, 4));
    assert_eq!(matches, brute_force(&stored, &upload, MATCH_DISTANCE));
}

#[test]
fn search_equals_parallel_equals_brute_force_on_random_banks() {
    let mut rng = Rng(7);
    for size in [1, 31, 32, 33, 1000, 70_000, 200_003] {
        let upload = rng.upload();
        // Random hashes, and every tenth one near a needle (0 to 70 bits away) so that every
        // distance shows up.
        let stored: Vec<(Hash256, u32)> = (0..size)
            .map(|e| {
                let hash = if e % 10 == 0 {
                    let (_, needle) = upload[rng.below(upload.len())];
                    let count = rng.below(71);
                    rng.flip(needle, count, 0, 256)
                } else {
                    rng.hash()
                };
                (hash, rng.next() as u32 % (size as u32 * 2))
            })
            .collect();
        for max in [0, 10, MATCH_DISTANCE, 64] {
            assert_all_agree(&stored, &upload, max);
        }
    }
}

#[test]
fn distances_past_128_bits_still_exact() {
    let mut rng = Rng(11);
    let upload = rng.upload();
    let stored: Vec<(Hash256, u32)> = (0..3000).map(|e| (rng.hash(), e)).collect();
    for max in [100, 128, 200, 256, u32::MAX] {
        assert_all_agree(&stored, &upload, max);
    }
    assert_eq!(index_of(&stored).search(&upload, 256).len(), 3000);
}

#[test]
fn empty_index_and_no_needles_match_nothing() {
    let mut rng = Rng(13);
    let empty = HashIndex::new();
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
    assert!(empty.search(&rng.upload(), MATCH_DISTANCE).is_empty());
    assert!(empty.search_parallel(&rng.upload(), u32::MAX, 8).is_empty());

    let mut index = HashIndex::new();
    index.push(Hash256::ZERO, 1);
    assert!(index.search(&[], u32::MAX).is_empty());
    assert!(index.search_parallel(&[], u32::MAX, 4).is_empty());
}

#[test]
fn duplicates_are_reported_per_entry() {
    let mut rng = Rng(17);
    let upload = rng.upload();
    let (_, needle) = upload[3];
    let near = rng.flip(needle, 5, 0, 256);
    let far = rng.flip(needle, 20, 0, 256);
    let mut index = HashIndex::new();
    // The same hash under two entries: both reported.
    index.push(near, 10);
    index.push(near, 11);
    // The same entry with two hashes: reported once, at its best distance.
    index.push(far, 12);
    index.push(near, 12);
    index.push(far, 12);
    let want = |entry| IndexMatch {
        entry,
        distance: 5,
        transform: Transform::Rotate270,
    };
    assert_eq!(
        index.search(&upload, MATCH_DISTANCE),
        vec![want(10), want(11), want(12)]
    );

    // The same needle twice: the first in the caller's order is named.
    let twice = [(Transform::FlipX, needle), (Transform::Original, needle)];
    let matches = index.search(&twice, MATCH_DISTANCE);
    assert!(matches.iter().all(|m| m.transform == Transform::FlipX));
    assert_eq!(matches.len(), 3);
}

#[test]
fn every_kernel_flags_the_same_blocks() {
    // `flag_blocks` runs the widest kernel this CPU has; `flag_kernel` called directly is the
    // baseline build, in both variants. All must flag exactly the blocks with a lane close on
    // 128 bits.
    let mut rng = Rng(19);
    let upload = rng.upload();
    let heads: Vec<[u64; 2]> = upload.iter().map(|(_, h)| [h.0[0], h.0[1]]).collect();
    let blocks: Vec<Block> = (0..4000)
        .map(|_| {
            let mut block = Block::EMPTY;
            for lane in 0..LANES {
                let hash = if rng.below(200) == 0 {
                    let (count, needle) = (rng.below(40), upload[rng.below(8)].1);
                    rng.flip(needle, count, 0, 128)
                } else {
                    rng.hash()
                };
                block.head[0][lane] = hash.0[0];
                block.head[1][lane] = hash.0[1];
            }
            block
        })
        .collect();
    for max in [0, 5, MATCH_DISTANCE, 50] {
        let expected: Vec<usize> = blocks
            .iter()
            .enumerate()
            .filter(|(_, block)| {
                (0..LANES).any(|lane| {
                    heads.iter().any(|n| {
                        (block.head[0][lane] ^ n[0]).count_ones()
                            + (block.head[1][lane] ^ n[1]).count_ones()
                            <= max
                    })
                })
            })
            .map(|(i, _)| i + 100)
            .collect();
        assert!(!expected.is_empty() && expected.len() < blocks.len());
        let (mut fast, mut by_min, mut by_sign) = (Vec::new(), Vec::new(), Vec::new());
        flag_blocks(&blocks, &heads, max, 100, &mut fast);
        flag_kernel::<true>(&blocks, &heads, max, 100, &mut by_min);
        flag_kernel::<false>(&blocks, &heads, max, 100, &mut by_sign);
        assert_eq!(fast, expected, "dispatched kernel, max {max}");
        assert_eq!(by_min, expected, "baseline kernel by minimum, max {max}");
        assert_eq!(by_sign, expected, "baseline kernel by sign, max {max}");
    }
}

#[test]
fn memory_is_about_36_bytes_per_hash() {
    let mut rng = Rng(23);
    let mut index = HashIndex::with_capacity(100_000);
    for e in 0..100_000 {
        index.push(rng.hash(), e);
    }
    assert_eq!(index.len(), 100_000);
    let per_hash = index.memory_bytes() as f64 / 100_000.0;
    assert!(
        (36.0..36.1).contains(&per_hash),
        "{per_hash} bytes per hash"
    );
}
