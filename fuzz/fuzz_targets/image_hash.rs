//! Arbitrary bytes as an uploaded image: `lachan_image::hash_bytes` under small limits.
//!
//! Exercised: format sniffing, the completeness checks, header checks and decoding of every
//! format the crate accepts (JPEG, PNG, WebP, GIF, BMP, first frame), EXIF orientation, 16-bit
//! conversion and the PDQ hash of the eight transforms; then `decode` again, on its own and with
//! a shrink to [`SHRINK_TO`] pixels.
//!
//! Must hold, whatever the bytes:
//! - nothing panics, and no allocation grows beyond what the limits allow (run with
//!   `-malloc_limit_mb`: the limits below allow 32 MiB of pixels);
//! - an accepted image is within the limits (as stored and upright), has a quality of at most 100,
//!   and a hash of zero bits with quality 0 only when a side is under 5 pixels;
//! - decoding is deterministic: `hash_bytes` equals hashing the result of `decode`, and both
//!   refuse the same bytes with the same error, whose message is not empty;
//! - shrinking never enlarges: the shrunk image's longer side is `min(longer side, SHRINK_TO)`
//!   and it hashes.

#![no_main]

use lachan_image::{DecodeLimits, Hash256, decode, hash_bytes, pdq};
use libfuzzer_sys::fuzz_target;

/// Longer side of the shrunk decode.
const SHRINK_TO: u32 = 48;

/// Limits small enough for fast runs; a header claiming more is refused before decoding.
fn limits() -> DecodeLimits {
    DecodeLimits {
        max_input_bytes: 1 << 20,
        max_width: 4096,
        max_height: 4096,
        max_pixels: 1 << 20,
        max_alloc: 32 << 20,
        shrink_to: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = limits();
    let hashed = hash_bytes(data, &limits);
    let decoded = decode(data, &limits);
    let (result, image) = match (hashed, decoded) {
        (Ok(result), Ok(image)) => (result, image),
        (Err(a), Err(b)) => {
            assert_eq!(
                a.to_string(),
                b.to_string(),
                "hash_bytes and decode refuse differently"
            );
            assert!(!a.to_string().is_empty(), "empty error message for {a:?}");
            return;
        }
        (a, b) => panic!(
            "hash_bytes gave {a:?} but decode gave {:?}",
            b.map(|d| d.format())
        ),
    };

    let (stored_w, stored_h) = image.stored_size();
    let view = image.pixels();
    let (w, h) = (view.width(), view.height());
    assert!(stored_w <= limits.max_width && stored_h <= limits.max_height);
    assert!(u64::from(stored_w) * u64::from(stored_h) <= limits.max_pixels);
    assert_eq!(
        (w as u64) * (h as u64),
        u64::from(stored_w) * u64::from(stored_h),
        "orientation changed the pixel count"
    );
    assert!(result.quality <= 100);
    let again = pdq::dihedral(&view).expect("a decoded image hashes");
    assert_eq!(again, result, "decoding or hashing is not deterministic");
    if w < 5 || h < 5 {
        assert_eq!((result.hashes.original, result.quality), (Hash256::ZERO, 0));
    }

    let shrink = DecodeLimits {
        shrink_to: Some(SHRINK_TO),
        ..limits
    };
    let small = decode(data, &shrink).expect("what decodes at full size decodes shrunk");
    let small_view = small.pixels();
    let longer = small_view.width().max(small_view.height());
    assert_eq!(
        longer,
        w.max(h).min(SHRINK_TO as usize),
        "longer side after shrinking {w}×{h} to {SHRINK_TO}"
    );
    pdq::dihedral(&small_view).expect("a shrunk image hashes");
});
