//! Whether a JPEG or WebP file is complete, checked before decoding.
//!
//! The `image` crate runs zune-jpeg in lenient mode, which fills missing scan data with grey
//! instead of failing: a cut-off upload would be hashed as a different picture without a word.
//! For JPEG this walks the marker structure (skipping segment payloads by their length and
//! entropy-coded data up to the next marker) and says whether the end-of-image marker is
//! reached. A cut WebP file only shows as a "corrupt bitstream"; its RIFF header states the
//! file's length, so a shorter file is known to be cut. Other formats' decoders report a cut
//! file themselves.

use image::ImageFormat;

/// Why the file is incomplete, or `None` if it is complete as far as its structure shows.
pub(crate) fn missing_end(format: ImageFormat, bytes: &[u8]) -> Option<&'static str> {
    match format {
        ImageFormat::Jpeg => jpeg_missing_end(bytes),
        ImageFormat::WebP => riff_missing_end(bytes),
        _ => None,
    }
}

/// A RIFF file states its length after the first four bytes (little-endian, excluding the
/// first eight bytes).
fn riff_missing_end(bytes: &[u8]) -> Option<&'static str> {
    let stated = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let needed = u64::from(stated) + 8;
    (needed > bytes.len() as u64).then_some("shorter than its header states")
}

/// The reason a JPEG stream is incomplete, or `None` if it reaches its end-of-image marker.
fn jpeg_missing_end(bytes: &[u8]) -> Option<&'static str> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Some("no start-of-image marker");
    }
    let mut i = 2;
    // Every iteration advances `i`, so the walk is bounded by the input length.
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            // Stray bytes between segments: decoders skip them, so do we.
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            0xFF => i += 1, // fill byte before a marker
            0xD9 => return None,
            0x01 | 0xD0..=0xD7 => i += 2, // markers without a payload
            marker => {
                let Some(len) = segment_length(bytes, i) else {
                    return Some("the file ends inside a marker segment");
                };
                i += 2 + len;
                if marker == 0xDA {
                    // Entropy-coded data runs to the next marker other than a stuffed 0xFF00
                    // or a restart marker.
                    match next_marker_after_scan(bytes, i) {
                        Some(next) => i = next,
                        None => return Some("the file ends inside image data"),
                    }
                }
            }
        }
    }
    Some("no end-of-image marker")
}

/// The payload length (including its own two bytes) of the segment whose marker is at `i`.
fn segment_length(bytes: &[u8], i: usize) -> Option<usize> {
    let hi = *bytes.get(i + 2)?;
    let lo = *bytes.get(i + 3)?;
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    (len >= 2 && i + 2 + len <= bytes.len()).then_some(len)
}

/// Index of the first marker at or after `start` that ends entropy-coded data.
fn next_marker_after_scan(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while i + 1 < bytes.len() {
        let offset = bytes[i..].iter().position(|&b| b == 0xFF)?;
        i += offset;
        match bytes.get(i + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => i += 1,
            _ => return Some(i),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{jpeg_missing_end as missing_end, riff_missing_end};

    fn minimal() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB]); // APP0 with 2 bytes
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x03, 0x01]); // SOS header
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]); // data, stuffing, RST0
        j.extend_from_slice(&[0xFF, 0xD9]);
        j
    }

    #[test]
    fn complete_stream_reaches_its_end() {
        assert_eq!(missing_end(&minimal()), None);
        let mut trailing = minimal();
        trailing.extend_from_slice(b"trailing bytes after EOI are common");
        assert_eq!(missing_end(&trailing), None);
    }

    #[test]
    fn every_cut_is_noticed() {
        let full = minimal();
        for keep in 0..full.len() - 1 {
            assert!(missing_end(&full[..keep]).is_some(), "cut at {keep}");
        }
    }

    #[test]
    fn riff_length_is_checked() {
        let mut webp = b"RIFF\x0c\0\0\0WEBPVP8 ".to_vec();
        assert_eq!(
            riff_missing_end(&webp),
            Some("shorter than its header states")
        );
        webp.extend_from_slice(&[0; 4]);
        assert_eq!(riff_missing_end(&webp), None);
    }

    #[test]
    fn an_eoi_inside_a_segment_does_not_count() {
        // A thumbnail's end marker inside APP1 is skipped with its segment.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0x00, 0x00, 0xFF, 0xD9];
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x03, 0x01, 0x12]);
        assert_eq!(missing_end(&j), Some("the file ends inside image data"));
    }
}
