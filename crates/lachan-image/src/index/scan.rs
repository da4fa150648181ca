//! The flat scan's inner loop: which blocks of stored hashes may hold a match.
//!
//! Hashes are stored in blocks of [`LANES`], structure of arrays: a block holds word 0 of its 32
//! hashes side by side, then word 1 (the first 128 bits; words 2 and 3 live apart and are read
//! only to confirm). The loop XORs each needle into 32 lanes at once and counts bits with the
//! vector popcount, so one pass over the bank tests every needle.
//!
//! The first 128 bits alone decide whether a block needs a closer look: the distance over 128
//! bits never exceeds the distance over 256, so no match is skipped, while two unrelated hashes
//! are within 31 bits on 128 with a probability near 10⁻⁸. Reading half of each hash halves the
//! memory traffic, which bounds the scan.
//!
//! The loop is written once; on x86-64 it is compiled three times, for AVX-512 with its 64-bit
//! popcount (`vpopcntq`), for AVX2 and for the baseline, and the CPU picks at run time. The
//! dispatch goes through `pulp`, which checks the CPU features before entering the code built
//! for them; the AVX-512 set is declared with its `simd_type!` macro, so this crate writes no
//! `unsafe` (the macro's expansion holds pulp's).

/// Hashes per block.
pub(super) const LANES: usize = 32;

/// Words 0 and 1 of [`LANES`] stored hashes, word by word (`head[w][lane]`).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(super) struct Block {
    /// Word 0 of each lane, then word 1 of each lane.
    pub(super) head: [[u64; LANES]; 2],
}

impl Block {
    /// A block with every lane zero (lanes past the index's length stay so).
    pub(super) const EMPTY: Block = Block {
        head: [[0; LANES]; 2],
    };
}

#[cfg(target_arch = "x86_64")]
pulp::simd_type! {
    /// AVX-512 with the 64-bit vector popcount (Intel Ice Lake, AMD Zen 4 and later).
    struct Avx512Popcnt {
        sse: "sse",
        sse2: "sse2",
        sse3: "sse3",
        ssse3: "ssse3",
        sse4_1: "sse4.1",
        sse4_2: "sse4.2",
        popcnt: "popcnt",
        avx: "avx",
        avx2: "avx2",
        avx512f: "avx512f",
        avx512bw: "avx512bw",
        avx512vl: "avx512vl",
        avx512vpopcntdq: "avx512vpopcntdq",
    }
}

/// Pushes to `flagged` the number (counted from `first`) of every block in which some lane's
/// first 128 bits are within `max_distance` of some needle's, in increasing order.
pub(super) fn flag_blocks(
    blocks: &[Block],
    needles: &[[u64; 2]],
    max_distance: u32,
    first: usize,
    flagged: &mut Vec<usize>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(simd) = Avx512Popcnt::try_new() {
            return simd
                .vectorize(|| flag_kernel::<true>(blocks, needles, max_distance, first, flagged));
        }
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd
                .vectorize(|| flag_kernel::<false>(blocks, needles, max_distance, first, flagged));
        }
    }
    flag_kernel::<false>(blocks, needles, max_distance, first, flagged)
}

/// [`flag_blocks`] for whatever instructions the caller was compiled with.
///
/// Each lane keeps, over the needles, either its least distance (`BY_MIN`: one `vpminuq` where
/// AVX-512 has it, measured ~30 % faster there) or the OR of `distance - (max_distance + 1)`,
/// whose sign bit says whether any needle was close (adds and ORs only, faster where a 64-bit
/// minimum must be emulated, as on AVX2). Distances are at most 128, so nothing wraps
/// unexpectedly.
#[inline(always)]
pub(super) fn flag_kernel<const BY_MIN: bool>(
    blocks: &[Block],
    needles: &[[u64; 2]],
    max_distance: u32,
    first: usize,
    flagged: &mut Vec<usize>,
) {
    let limit = u64::from(max_distance) + 1;
    for (number, block) in (first..).zip(blocks) {
        let mut lanes = [if BY_MIN { u64::MAX } else { 0 }; LANES];
        for needle in needles {
            for ((lane, &w0), &w1) in lanes.iter_mut().zip(&block.head[0]).zip(&block.head[1]) {
                let distance = u64::from((w0 ^ needle[0]).count_ones())
                    + u64::from((w1 ^ needle[1]).count_ones());
                *lane = if BY_MIN {
                    (*lane).min(distance)
                } else {
                    *lane | distance.wrapping_sub(limit)
                };
            }
        }
        let close = if BY_MIN {
            lanes.iter().fold(u64::MAX, |least, &lane| least.min(lane)) < limit
        } else {
            lanes.iter().fold(0, |all, &lane| all | lane) >> 63 == 1
        };
        if close {
            flagged.push(number);
        }
    }
}
