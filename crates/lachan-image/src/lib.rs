//! Lachan's image engine: what a service does with an uploaded picture before it is shown,
//! and what a parent learns before posting one.
//!
//! Service providers match the PDQ hash of each upload against hash lists of known child sexual
//! abuse images (NCMEC, INHOPE hotlines, StopNCII, Meta's ThreatExchange); parents' photos of
//! their children often reveal where the family lives. The modules:
//!
//! - [`pdq`]: Meta's PDQ perceptual hash, to the letter of the reference C++ implementation, with
//!   the hashes of the eight rotations and flips from one DCT, the quality metric
//!   ([`MIN_MATCHABLE_QUALITY`]) and the match distance ([`MATCH_DISTANCE`]). It hashes a
//!   borrowed [`PixelView`] and allocates only a few rows.
//! - [`decode`](mod@decode): untrusted bytes to 8-bit pixels under explicit [`DecodeLimits`]
//!   (input bytes, sides, pixels, memory), refused from the header before any pixel buffer is
//!   allocated; format from the signature, first frame only, EXIF orientation applied, optional
//!   shrink (never an enlargement). [`hash_bytes`] is decode plus hash, the entry point for
//!   uploads: it does not panic, and every refusal is an [`ImageError`] that says what to do.
//! - [`index`]: [`index::HashIndex`], an exact matcher of an upload's eight hashes against
//!   millions of stored hashes in one SIMD pass (no approximate index: a missed known abuse
//!   image is not acceptable).
//! - [`privacy`]: what a photo's metadata reveals (GPS position, capture time, serial numbers,
//!   names, thumbnails, XMP/IPTC places) and a copy without it, rewritten at container level
//!   so the pixels stay byte for byte the same.
//!
//! Figures (throughput against the reference, agreement, matching at 10 million hashes) are in
//! `docs/benchmarks.md`; `bench/image_hash/` and `bench/image_match/` reproduce them.
//!
//! This crate is a pure library: it must never depend on the store, the server, the network or
//! the file system (callers pass bytes and get values back), so it can be tested, benchmarked and
//! fuzzed alone (`fuzz/fuzz_targets/image_hash.rs`).

mod complete;
pub mod decode;
mod error;
mod frames;
pub mod index;
pub mod pdq;
pub mod privacy;

pub use decode::{DecodeLimits, DecodedImage, decode};
pub use error::ImageError;
pub use pdq::{
    Dihedral, DihedralResult, Hash256, HexError, MATCH_DISTANCE, MIN_MATCHABLE_QUALITY, PdqResult,
    PixelLayout, PixelView, Transform,
};

/// Decodes untrusted `bytes` under `limits` and returns the PDQ hashes of the image's eight
/// rotations and flips with its quality.
pub fn hash_bytes(bytes: &[u8], limits: &DecodeLimits) -> Result<DihedralResult, ImageError> {
    let decoded = decode(bytes, limits)?;
    pdq::dihedral(&decoded.pixels())
}
