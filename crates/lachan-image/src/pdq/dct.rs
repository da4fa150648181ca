//! The 16×16 corner of the 64×64 DCT-II, and the eight rotations and flips done on it.
//!
//! Float operations run in the reference's order (one sequential sum per output, no fused
//! multiply-add), so results are bit-identical to the reference built without FMA.

use std::sync::OnceLock;

/// A 64×64 block of the downsampled image, row-major.
pub(crate) type Block64 = [[f32; 64]; 64];
/// DCT coefficients (1..=16)×(1..=16), row-major.
pub(crate) type Block16 = [[f32; 16]; 16];

/// Rows 1..=16 of the 64-point DCT-II matrix, scaled by √(2/64), as `f32` like the reference.
fn matrix() -> &'static [[f32; 64]; 16] {
    static MATRIX: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        // The reference rounds the scale to f32, then multiplies in f64 and rounds the product.
        let scale = f64::from((2.0f64 / 64.0).sqrt() as f32);
        let mut d = [[0f32; 64]; 16];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *cell = (scale * angle.cos()) as f32;
            }
        }
        d
    })
}

/// B = D·A·Dᵀ restricted to the 16 lowest non-constant frequencies in each direction.
pub(crate) fn dct64_to_16(a: &Block64) -> Block16 {
    let d = matrix();
    // T = D·A (16×64), each entry summed over k in ascending order.
    let mut t = [[0f32; 64]; 16];
    for (t_row, d_row) in t.iter_mut().zip(d.iter()) {
        for (j, cell) in t_row.iter_mut().enumerate() {
            let mut sum = 0f32;
            for (dk, a_row) in d_row.iter().zip(a.iter()) {
                sum += dk * a_row[j];
            }
            *cell = sum;
        }
    }
    // B = T·Dᵀ (16×16).
    let mut b = [[0f32; 16]; 16];
    for (b_row, t_row) in b.iter_mut().zip(t.iter()) {
        for (cell, d_row) in b_row.iter_mut().zip(d.iter()) {
            let mut sum = 0f32;
            for (tk, dk) in t_row.iter().zip(d_row.iter()) {
                sum += tk * dk;
            }
            *cell = sum;
        }
    }
    b
}

/// The eight dihedral images, in the reference's order and naming.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transform {
    /// The image as given.
    Original,
    /// Turned 90° counter-clockwise (the reference's `Rotate90`; Pillow's `rotate(90)`).
    Rotate90,
    /// Turned 180°.
    Rotate180,
    /// Turned 270° counter-clockwise, i.e. 90° clockwise (the reference's `Rotate270`).
    Rotate270,
    /// Mirrored top to bottom (the reference's `FlipX`).
    FlipX,
    /// Mirrored left to right (the reference's `FlipY`).
    FlipY,
    /// Mirrored about the main diagonal, i.e. transposed (the reference's `FlipPlus1`).
    FlipPlus1,
    /// Mirrored about the anti-diagonal (the reference's `FlipMinus1`).
    FlipMinus1,
}

impl Transform {
    /// All eight, in the reference's order.
    pub const ALL: [Transform; 8] = [
        Transform::Original,
        Transform::Rotate90,
        Transform::Rotate180,
        Transform::Rotate270,
        Transform::FlipX,
        Transform::FlipY,
        Transform::FlipPlus1,
        Transform::FlipMinus1,
    ];

    /// The lowercase name used in JSON and on the command line (`original`, `rotate90`, ...,
    /// `flipx`, `flipy`, `flipplus1`, `flipminus1`), as in python-threatexchange.
    pub fn as_str(self) -> &'static str {
        match self {
            Transform::Original => "original",
            Transform::Rotate90 => "rotate90",
            Transform::Rotate180 => "rotate180",
            Transform::Rotate270 => "rotate270",
            Transform::FlipX => "flipx",
            Transform::FlipY => "flipy",
            Transform::FlipPlus1 => "flipplus1",
            Transform::FlipMinus1 => "flipminus1",
        }
    }

    /// The transform that undoes this one.
    pub fn inverse(self) -> Transform {
        match self {
            Transform::Rotate90 => Transform::Rotate270,
            Transform::Rotate270 => Transform::Rotate90,
            other => other,
        }
    }

    /// The coefficients the image transformed this way would have, from the original's.
    ///
    /// A DCT-II basis function of odd frequency changes sign when mirrored and of even frequency
    /// does not; a transposition swaps the two frequency axes. (Our frequency index 0 is the
    /// reference's frequency 1, so "odd" here is even index.)
    pub(crate) fn apply(self, a: &Block16) -> Block16 {
        let mut b = [[0f32; 16]; 16];
        for (i, row) in a.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let (i_odd, j_odd) = (i & 1 == 1, j & 1 == 1);
                match self {
                    Transform::Original => b[i][j] = v,
                    Transform::Rotate90 => b[j][i] = if j_odd { v } else { -v },
                    Transform::Rotate180 => b[i][j] = if i_odd ^ j_odd { -v } else { v },
                    Transform::Rotate270 => b[j][i] = if i_odd { v } else { -v },
                    Transform::FlipX => b[i][j] = if i_odd { v } else { -v },
                    Transform::FlipY => b[i][j] = if j_odd { v } else { -v },
                    Transform::FlipPlus1 => b[j][i] = v,
                    Transform::FlipMinus1 => b[j][i] = if i_odd ^ j_odd { -v } else { v },
                }
            }
        }
        b
    }
}

impl std::fmt::Display for Transform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Transform {
    type Err = UnknownTransform;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transform::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTransform(s.to_string()))
    }
}

/// A transform name that is not one of the eight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown transform {0:?}: use original, rotate90, rotate180, rotate270, flipx, flipy, flipplus1 or flipminus1"
)]
pub struct UnknownTransform(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern() -> Block64 {
        let mut a = [[0f32; 64]; 64];
        for (i, row) in a.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = ((i * 7 + j * 13) % 31) as f32 + (i as f32 * 0.37).sin() * 20.0 + j as f32;
            }
        }
        a
    }

    fn pixel_transform(t: Transform, a: &Block64) -> Block64 {
        let mut b = [[0f32; 64]; 64];
        for (i, row) in b.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = match t {
                    Transform::Original => a[i][j],
                    // Counter-clockwise quarter turn: new (i, j) comes from old (j, 63-i).
                    Transform::Rotate90 => a[j][63 - i],
                    Transform::Rotate180 => a[63 - i][63 - j],
                    Transform::Rotate270 => a[63 - j][i],
                    Transform::FlipX => a[63 - i][j],
                    Transform::FlipY => a[i][63 - j],
                    Transform::FlipPlus1 => a[j][i],
                    Transform::FlipMinus1 => a[63 - j][63 - i],
                };
            }
        }
        b
    }

    #[test]
    fn coefficient_transforms_equal_the_dct_of_transformed_pixels() {
        let a = pattern();
        let base = dct64_to_16(&a);
        for t in Transform::ALL {
            let direct = dct64_to_16(&pixel_transform(t, &a));
            let derived = t.apply(&base);
            for i in 0..16 {
                for j in 0..16 {
                    let (x, y) = (direct[i][j], derived[i][j]);
                    assert!(
                        (x - y).abs() < 1e-2 * (1.0 + x.abs()),
                        "{t} at {i},{j}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for t in Transform::ALL {
            assert_eq!(t.as_str().parse::<Transform>(), Ok(t));
        }
        assert!("rotate45".parse::<Transform>().is_err());
    }
}
