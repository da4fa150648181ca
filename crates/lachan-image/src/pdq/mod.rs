//! Meta's PDQ perceptual hash, to the letter of the reference C++ implementation
//! (facebook/ThreatExchange `pdq/cpp`): float luma (0.299 R + 0.587 G + 0.114 B), two X,Y passes
//! of the Jarosz box filter with the reference's window size, decimation to 64×64, the quality
//! metric on that 64×64 image, the 16×16 corner of its DCT, Torben's median and a strict `>`
//! per coefficient. The eight rotations and flips come from the one DCT by sign flips and
//! transposition, as the reference's `pdqDihedralHash256esFromFloatLuma` does.
//!
//! Two edge cases follow the reference's single-hash entry point (`pdqHash256FromFloatLuma`,
//! the one python-threatexchange calls): images under 5 pixels on a side hash to all zeros with
//! quality 0, and a 64×64 image is used as its own downsample, without blurring (the reference's
//! dihedral entry point gives the same hashes there; checked against PyPI `pdqhash`).

mod dct;
mod hash256;
mod jarosz;
mod quality;
mod torben;
mod view;

pub use dct::{Transform, UnknownTransform};
pub use hash256::{Hash256, HexError};
pub use view::{PixelLayout, PixelView};

use crate::ImageError;

/// Hashes with a quality below this are too featureless to match: discard them (ThreatExchange's
/// `PdqSignal.QUALITY_THRESHOLD`).
pub const MIN_MATCHABLE_QUALITY: u8 = 50;

/// Two PDQ hashes match when their Hamming distance is at most this (ThreatExchange's
/// `PDQ_CONFIDENT_MATCH_THRESHOLD`).
pub const MATCH_DISTANCE: u32 = 31;

/// Images with a side shorter than this get the all-zero hash and quality 0, as in the reference.
const MIN_HASHABLE_SIDE: usize = 5;

/// One PDQ hash and its quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PdqResult {
    /// The hash.
    pub hash: Hash256,
    /// Quality 0..=100; below [`MIN_MATCHABLE_QUALITY`] the hash must not be matched.
    pub quality: u8,
}

impl PdqResult {
    /// Whether the quality is high enough for the hash to be matched against hash lists.
    pub fn is_matchable(&self) -> bool {
        self.quality >= MIN_MATCHABLE_QUALITY
    }
}

/// The hashes of the eight rotations and flips of one image (names as in the reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dihedral {
    /// The image as given.
    pub original: Hash256,
    /// Turned 90° counter-clockwise.
    pub rotate90: Hash256,
    /// Turned a half turn.
    pub rotate180: Hash256,
    /// Turned 90° clockwise.
    pub rotate270: Hash256,
    /// Mirrored top to bottom.
    pub flip_x: Hash256,
    /// Mirrored left to right.
    pub flip_y: Hash256,
    /// Transposed (mirrored about the main diagonal).
    pub flip_plus1: Hash256,
    /// Mirrored about the anti-diagonal.
    pub flip_minus1: Hash256,
}

impl Dihedral {
    /// The hash of the image transformed by `t`.
    pub fn get(&self, t: Transform) -> Hash256 {
        match t {
            Transform::Original => self.original,
            Transform::Rotate90 => self.rotate90,
            Transform::Rotate180 => self.rotate180,
            Transform::Rotate270 => self.rotate270,
            Transform::FlipX => self.flip_x,
            Transform::FlipY => self.flip_y,
            Transform::FlipPlus1 => self.flip_plus1,
            Transform::FlipMinus1 => self.flip_minus1,
        }
    }

    /// All eight, in the reference's order.
    pub fn iter(&self) -> impl Iterator<Item = (Transform, Hash256)> + '_ {
        Transform::ALL.into_iter().map(|t| (t, self.get(t)))
    }
}

/// The eight hashes of an image and its quality (the same for all eight).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DihedralResult {
    /// The hashes.
    pub hashes: Dihedral,
    /// Quality 0..=100; below [`MIN_MATCHABLE_QUALITY`] no hash may be matched.
    pub quality: u8,
}

impl DihedralResult {
    /// The untransformed hash with the quality.
    pub fn original(&self) -> PdqResult {
        PdqResult {
            hash: self.hashes.original,
            quality: self.quality,
        }
    }

    /// Whether the quality is high enough for the hashes to be matched against hash lists.
    pub fn is_matchable(&self) -> bool {
        self.quality >= MIN_MATCHABLE_QUALITY
    }
}

/// The PDQ hash and quality of an image.
pub fn hash(view: &PixelView<'_>) -> Result<PdqResult, ImageError> {
    Ok(match coefficients(view)? {
        Some((dct, quality)) => PdqResult {
            hash: quality::bits(&dct),
            quality,
        },
        None => PdqResult {
            hash: Hash256::ZERO,
            quality: 0,
        },
    })
}

/// The PDQ hashes of the image's eight rotations and flips, from one DCT, and its quality.
pub fn dihedral(view: &PixelView<'_>) -> Result<DihedralResult, ImageError> {
    let Some((dct, quality)) = coefficients(view)? else {
        return Ok(DihedralResult {
            hashes: Dihedral {
                original: Hash256::ZERO,
                rotate90: Hash256::ZERO,
                rotate180: Hash256::ZERO,
                rotate270: Hash256::ZERO,
                flip_x: Hash256::ZERO,
                flip_y: Hash256::ZERO,
                flip_plus1: Hash256::ZERO,
                flip_minus1: Hash256::ZERO,
            },
            quality: 0,
        });
    };
    let of = |t: Transform| quality::bits(&t.apply(&dct));
    Ok(DihedralResult {
        hashes: Dihedral {
            original: quality::bits(&dct),
            rotate90: of(Transform::Rotate90),
            rotate180: of(Transform::Rotate180),
            rotate270: of(Transform::Rotate270),
            flip_x: of(Transform::FlipX),
            flip_y: of(Transform::FlipY),
            flip_plus1: of(Transform::FlipPlus1),
            flip_minus1: of(Transform::FlipMinus1),
        },
        quality,
    })
}

/// The 16×16 DCT coefficients and the quality, or `None` for an image too small to hash.
fn coefficients(view: &PixelView<'_>) -> Result<Option<(dct::Block16, u8)>, ImageError> {
    let (rows, cols) = (view.height(), view.width());
    if rows < MIN_HASHABLE_SIDE || cols < MIN_HASHABLE_SIDE {
        return Ok(None);
    }
    let block = if rows == 64 && cols == 64 {
        let mut block = Box::new([[0f32; 64]; 64]);
        for (r, row) in block.iter_mut().enumerate() {
            view.luma_row(r, row);
        }
        block
    } else {
        jarosz::downsample(rows, cols, |r, out| view.luma_row(r, out))?
    };
    let quality = quality::quality(&block);
    Ok(Some((dct::dct64_to_16(&block), quality)))
}
