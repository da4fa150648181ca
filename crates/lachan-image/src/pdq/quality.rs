//! The reference's image-domain quality metric and the coefficient-to-bits step.

use super::dct::{Block16, Block64};
use super::hash256::Hash256;
use super::torben::median;

/// Quality 0..=100: the sum of significant vertical and horizontal gradients of the 64×64
/// downsample, scaled by the reference's heuristic factor and capped at 100.
pub(crate) fn quality(block: &Block64) -> u8 {
    // The reference computes `int d = ((u - v) * 100) / 255` in float, truncating toward zero.
    let step = |u: f32, v: f32| ((((u - v) * 100.0) / 255.0) as i32).unsigned_abs();
    let mut gradient_sum: u32 = 0;
    for pair in block.windows(2) {
        for (&u, &v) in pair[0].iter().zip(pair[1].iter()) {
            gradient_sum += step(u, v);
        }
    }
    for row in block.iter() {
        for pair in row.windows(2) {
            gradient_sum += step(pair[0], pair[1]);
        }
    }
    (gradient_sum / 90).min(100) as u8
}

/// One bit per coefficient: set when strictly greater than the median of the 256 coefficients.
pub(crate) fn bits(coefficients: &Block16) -> Hash256 {
    let flat = coefficients.as_flattened();
    let m = median(flat);
    let mut hash = Hash256::ZERO;
    for (k, &v) in flat.iter().enumerate() {
        if v > m {
            hash.set_bit(k);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_block_has_quality_zero_and_busy_block_is_capped() {
        assert_eq!(quality(&[[128.0; 64]; 64]), 0);
        let mut checker = [[0f32; 64]; 64];
        for (i, row) in checker.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if (i + j) % 2 == 0 { 255.0 } else { 0.0 };
            }
        }
        assert_eq!(quality(&checker), 100);
    }

    #[test]
    fn gradient_steps_truncate_like_the_reference() {
        // A vertical ramp of 2.5 per row: each step is (2.5*100)/255 = 0.98 -> 0, so quality 0.
        let mut ramp = [[0f32; 64]; 64];
        for (i, row) in ramp.iter_mut().enumerate() {
            row.fill(i as f32 * 2.5);
        }
        assert_eq!(quality(&ramp), 0);
        // Steps of 6 give 600/255 = 2.35 -> 2 per pair: 63*64 pairs * 2 / 90 = 89.
        for (i, row) in ramp.iter_mut().enumerate() {
            row.fill(i as f32 * 6.0);
        }
        assert_eq!(quality(&ramp), (63 * 64 * 2 / 90) as u8);
    }

    #[test]
    fn half_the_bits_are_set_for_distinct_coefficients() {
        let mut b = [[0f32; 16]; 16];
        for (k, v) in b.as_flattened_mut().iter_mut().enumerate() {
            *v = ((k * 37) % 256) as f32;
        }
        let h = bits(&b);
        assert_eq!(Hash256::ZERO.hamming(&h), 128);
        // Coefficient 0 is the smallest value (0), so bit 0 is clear; the largest is set.
        assert!(!h.bit(0));
        let largest = b.as_flattened().iter().position(|&v| v == 255.0).unwrap();
        assert!(h.bit(largest));
    }
}
