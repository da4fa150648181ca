//! JPEG: a walk over the whole file — every marker segment, every scan's compressed data, the
//! end-of-image marker and whatever follows it — and the metadata found in it.
//!
//! Our own walker rather than a container crate's: `img-parts` (used for PNG and WebP) stops
//! at the first scan and keeps everything after it as one opaque block, so segments between
//! the scans of a progressive JPEG and the bytes after the end of the picture (a phone's
//! second picture with its own GPS tags, a motion-photo video, Samsung's trailer with the
//! capture time) would survive cleaning.
//!
//! What cleaning keeps: the segments a decoder needs (frame and scan headers, tables, restart
//! interval, Adobe's colour-transform flag), the scans' compressed data byte for byte, the ICC
//! colour profile, the JFIF header without its thumbnail, and the orientation (see
//! [`super`]). Everything else — EXIF, XMP, Photoshop/IPTC, comments, multi-picture index,
//! content credentials, other application segments, bytes after the end — is dropped.

use std::ops::Range;

use super::exif::{self, EXIF_HEADER};
use super::findings::{Findings, clean_text};
use super::report::{BlockKind, Cleaned, MetadataBlock, PhotoFormat, Source, Thumbnail};
use super::{PrivacyError, photoshop, xmp};

const FORMAT: &str = "JPEG";

/// Most segments and scans walked in one file (a progressive JPEG has a few dozen).
const MAX_PIECES: usize = 10_000;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP11: u8 = 0xEB;
const APP13: u8 = 0xED;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION_HEADER: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const ICC_HEADER: &[u8] = b"ICC_PROFILE\0";
const MPF_HEADER: &[u8] = b"MPF\0";
const PHOTOSHOP_HEADER: &[u8] = b"Photoshop 3.0\0";
const JFIF_HEADER: &[u8] = b"JFIF\0";
const JFXX_HEADER: &[u8] = b"JFXX\0";

/// A part of a JPEG file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// A marker segment with a length: the marker at `start`, its payload at `payload`.
    Segment {
        marker: u8,
        start: usize,
        payload: Range<usize>,
    },
    /// Entropy-coded data of a scan (restart markers included).
    Scan(Range<usize>),
}

/// The parts of a JPEG file from its start-of-image marker to its end-of-image marker.
#[derive(Debug)]
struct Layout {
    pieces: Vec<Piece>,
    /// Where the end-of-image marker ends.
    end: usize,
}

fn truncated(what: impl Into<String>) -> PrivacyError {
    PrivacyError::Truncated {
        format: FORMAT,
        what: what.into(),
    }
}

fn corrupt(what: impl Into<String>) -> PrivacyError {
    PrivacyError::Corrupt {
        format: FORMAT,
        what: what.into(),
    }
}

/// Markers that stand alone, without a length: restart markers and TEM.
fn is_standalone(marker: u8) -> bool {
    matches!(marker, 0xD0..=0xD7 | 0x01)
}

/// Start-of-frame markers (not DHT, JPG or DAC, which share the range).
fn is_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Walks `bytes`, which start with the start-of-image marker.
fn walk(bytes: &[u8]) -> Result<Layout, PrivacyError> {
    if bytes.get(..2) != Some(&[0xFF, SOI]) {
        return Err(corrupt("it does not start with a start-of-image marker"));
    }
    let mut pieces = Vec::new();
    let mut pos = 2;
    let mut seen_frame = false;
    loop {
        if pieces.len() > MAX_PIECES {
            return Err(corrupt(format!("more than {MAX_PIECES} segments")));
        }
        // Bytes that are not a marker (left by careless editors) are skipped, as decoders do.
        let Some(skip) = bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
        else {
            return Err(truncated("it has no end-of-image marker"));
        };
        pos += skip;
        // Fill bytes: any number of 0xFF before the marker.
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            return Err(truncated("it has no end-of-image marker"));
        };
        pos += 1;
        match marker {
            EOI => return Ok(Layout { pieces, end: pos }),
            SOI => {
                return Err(corrupt(format!(
                    "a second start-of-image marker at byte {pos}"
                )));
            }
            0x00 => continue,
            m if is_standalone(m) => continue,
            _ => {}
        }
        let start = pos - 2;
        let length = bytes
            .get(pos..pos + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .ok_or_else(|| truncated(format!("a segment header at byte {start} is cut")))?;
        if length < 2 {
            return Err(corrupt(format!(
                "a segment at byte {start} has length {length}"
            )));
        }
        let payload = pos + 2..pos + length;
        if payload.end > bytes.len() {
            return Err(truncated(format!(
                "the segment at byte {start} runs past the end"
            )));
        }
        pos = payload.end;
        seen_frame |= is_frame(marker);
        pieces.push(Piece::Segment {
            marker,
            start,
            payload,
        });
        if marker == SOS {
            if !seen_frame {
                return Err(corrupt("picture data comes before the frame header"));
            }
            let end = scan_end(bytes, pos)
                .ok_or_else(|| truncated("the picture data stops before its end"))?;
            pieces.push(Piece::Scan(pos..end));
            pos = end;
        }
    }
}

/// Where the entropy-coded data starting at `from` ends: at the first 0xFF that begins a
/// marker other than a restart marker (0xFF 0x00 is a stuffed data byte).
fn scan_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut pos = from;
    loop {
        pos += bytes.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        match *bytes.get(pos + 1)? {
            0x00 | 0xD0..=0xD7 => pos += 2,
            _ => return Some(pos),
        }
    }
}

/// What a segment is, for privacy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Needed to decode the picture.
    Decoding,
    /// The JFIF header (kept without its thumbnail).
    Jfif,
    Exif,
    Xmp,
    XmpExtension,
    Photoshop,
    Icc,
    MultiPicture,
    Comment,
    Credentials,
    /// Another application segment.
    OtherApp,
}

fn role(marker: u8, payload: &[u8]) -> Role {
    let starts = |header: &[u8]| payload.starts_with(header);
    match marker {
        APP0 if starts(JFIF_HEADER) => Role::Jfif,
        APP1 if starts(EXIF_HEADER) => Role::Exif,
        APP1 if starts(XMP_HEADER) => Role::Xmp,
        APP1 if starts(XMP_EXTENSION_HEADER) => Role::XmpExtension,
        APP2 if starts(ICC_HEADER) => Role::Icc,
        APP2 if starts(MPF_HEADER) => Role::MultiPicture,
        APP11 if starts(b"JP") => Role::Credentials,
        APP13 if starts(PHOTOSHOP_HEADER) => Role::Photoshop,
        APP14 if starts(b"Adobe") => Role::Decoding,
        0xE0..=0xEF => Role::OtherApp,
        COM => Role::Comment,
        _ => Role::Decoding,
    }
}

/// The block a removed segment is reported as.
fn block_kind(role: Role) -> BlockKind {
    match role {
        Role::Exif => BlockKind::Exif,
        Role::Xmp | Role::XmpExtension => BlockKind::Xmp,
        Role::Photoshop => BlockKind::Photoshop,
        Role::Icc => BlockKind::Icc,
        Role::MultiPicture => BlockKind::MultiPicture,
        Role::Comment => BlockKind::Comment,
        Role::Credentials => BlockKind::Credentials,
        Role::Decoding | Role::Jfif | Role::OtherApp => BlockKind::Other,
    }
}

/// The size of the thumbnail in a JFIF header's payload: (width, height, bytes), if any.
fn jfif_thumbnail(payload: &[u8]) -> Option<(u32, u32, usize)> {
    let (w, h) = (*payload.get(12)?, *payload.get(13)?);
    (w > 0 && h > 0).then(|| (u32::from(w), u32::from(h), payload.len().saturating_sub(14)))
}

/// What the bytes after the end of the picture look like.
fn trailing_note(rest: &[u8]) -> String {
    let head = &rest[..rest.len().min(64)];
    let note = if rest.starts_with(&[0xFF, SOI]) {
        "another picture"
    } else if head.windows(4).any(|w| w == b"ftyp") {
        "a video (motion photo)"
    } else if rest.ends_with(b"SEFT") {
        "Samsung's trailer (may hold the capture time)"
    } else {
        "unknown data"
    };
    note.to_string()
}

/// The orientation of the first EXIF segment.
fn first_orientation(bytes: &[u8], layout: &Layout) -> Option<u16> {
    layout.pieces.iter().find_map(|piece| match piece {
        Piece::Segment {
            marker, payload, ..
        } if role(*marker, &bytes[payload.clone()]) == Role::Exif => {
            exif::orientation(exif::tiff_of(&bytes[payload.clone()]))
        }
        _ => None,
    })
}

/// Reads what a JPEG reveals into `found`.
pub(crate) fn inspect(bytes: &[u8], found: &mut Findings) -> Result<(), PrivacyError> {
    let layout = walk(bytes)?;
    let mut extension = xmp::Extension::default();
    for piece in &layout.pieces {
        let Piece::Segment {
            marker,
            start,
            payload,
        } = piece
        else {
            continue;
        };
        let data = &bytes[payload.clone()];
        let size = payload.end - start;
        let role = role(*marker, data);
        match role {
            Role::Decoding => {}
            Role::Jfif => {
                if let Some((width, height, pixels)) = jfif_thumbnail(data) {
                    found.thumbnail(Thumbnail {
                        bytes: pixels,
                        width: Some(width),
                        height: Some(height),
                    });
                    found.block(BlockKind::Other, size, Some("JFIF thumbnail".into()));
                }
            }
            Role::Exif => exif::read(data, size, found),
            Role::Xmp => xmp::read(&data[XMP_HEADER.len()..], size, found),
            Role::XmpExtension => {
                extension.add(&data[XMP_EXTENSION_HEADER.len()..]);
                found.block(BlockKind::Xmp, size, Some("extended XMP".into()));
            }
            Role::Photoshop => photoshop::read(&data[PHOTOSHOP_HEADER.len()..], size, found),
            Role::Comment => {
                found.block(BlockKind::Comment, size, None);
                found.text("Comment", clean_text(data), Source::Comment);
            }
            Role::OtherApp if *marker == APP0 && data.starts_with(JFXX_HEADER) => {
                found.thumbnail(Thumbnail {
                    bytes: data.len().saturating_sub(6),
                    width: None,
                    height: None,
                });
                found.block(BlockKind::Other, size, Some("JFXX thumbnail".into()));
            }
            Role::OtherApp => {
                let note = format!("APP{} segment", marker - APP0);
                found.block(BlockKind::Other, size, Some(note));
            }
            Role::Icc | Role::MultiPicture | Role::Credentials => {
                found.block(block_kind(role), size, None);
            }
        }
    }
    if let Some(xml) = extension.assembled() {
        let _ = xmp::read_fields(&xml, found);
    }
    if let Some(rest) = bytes.get(layout.end..).filter(|r| !r.is_empty()) {
        found.block(BlockKind::Trailing, rest.len(), Some(trailing_note(rest)));
    }
    Ok(())
}

/// A copy of the JPEG without its metadata (see the module's documentation).
pub(crate) fn strip(bytes: &[u8]) -> Result<Cleaned, PrivacyError> {
    let layout = walk(bytes)?;
    let orientation = first_orientation(bytes, &layout).filter(|&o| o != 1);
    let mut out = Vec::with_capacity(layout.end);
    out.extend_from_slice(&[0xFF, SOI]);
    let mut removed = Vec::new();
    let (mut kept_icc, mut orientation_written) = (false, false);
    for piece in &layout.pieces {
        let (marker, start, payload) = match piece {
            Piece::Scan(range) => {
                out.extend_from_slice(&bytes[range.clone()]);
                continue;
            }
            Piece::Segment {
                marker,
                start,
                payload,
            } => (*marker, *start, payload.clone()),
        };
        let data = &bytes[payload.clone()];
        let size = payload.end - start;
        let role = role(marker, data);
        match role {
            Role::Decoding => out.extend_from_slice(&bytes[start..payload.end]),
            Role::Icc => {
                out.extend_from_slice(&bytes[start..payload.end]);
                kept_icc = true;
            }
            Role::Jfif if data.len() >= 14 => {
                // Density and version stay; the thumbnail goes.
                segment(&mut out, APP0, &[&data[..12], &[0, 0]]);
                if let Some((.., pixels)) = jfif_thumbnail(data) {
                    removed.push(block(BlockKind::Other, pixels, "JFIF thumbnail"));
                }
            }
            Role::Exif => {
                if let Some(value) = orientation.filter(|_| !orientation_written) {
                    segment(
                        &mut out,
                        APP1,
                        &[EXIF_HEADER, &exif::orientation_only(value)],
                    );
                    orientation_written = true;
                }
                if !exif::only_orientation(exif::tiff_of(data)) {
                    removed.push(block(BlockKind::Exif, size, "EXIF"));
                }
            }
            Role::OtherApp | Role::Jfif => {
                let name = format!("APP{} segment", marker - APP0);
                removed.push(block(BlockKind::Other, size, &name));
            }
            _ => removed.push(MetadataBlock {
                kind: block_kind(role),
                bytes: size,
                note: None,
            }),
        }
    }
    out.extend_from_slice(&[0xFF, EOI]);
    if let Some(rest) = bytes.get(layout.end..).filter(|r| !r.is_empty()) {
        removed.push(block(BlockKind::Trailing, rest.len(), &trailing_note(rest)));
    }
    Ok(Cleaned {
        bytes: out,
        format: PhotoFormat::Jpeg,
        removed,
        kept_orientation: orientation,
        kept_icc,
    })
}

fn block(kind: BlockKind, bytes: usize, note: &str) -> MetadataBlock {
    MetadataBlock {
        kind,
        bytes,
        note: Some(note.to_string()),
    }
}

/// Appends a marker segment made of `parts` (at most 65533 bytes in all, which the callers'
/// fixed-size parts respect).
fn segment(out: &mut Vec<u8>, marker: u8, parts: &[&[u8]]) {
    let length: usize = 2 + parts.iter().map(|p| p.len()).sum::<usize>();
    let length = u16::try_from(length).unwrap_or(u16::MAX);
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&length.to_be_bytes());
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// The width and height of a JPEG (an embedded thumbnail), from its frame header; `None` when
/// it has none before its first scan or is cut short.
pub(crate) fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..2) != Some(&[0xFF, SOI]) {
        return None;
    }
    let mut pos = 2;
    // Every round moves past one segment, so this ends within the bytes.
    while pos < bytes.len() {
        pos += bytes[pos..].iter().position(|&b| b != 0xFF)?;
        let marker = bytes[pos];
        pos += 1;
        if is_standalone(marker) {
            continue;
        }
        let length = bytes.get(pos..pos + 2)?;
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        if is_frame(marker) {
            let header = bytes.get(pos + 2..pos + 7)?;
            let height = u32::from(u16::from_be_bytes([header[1], header[2]]));
            let width = u32::from(u16::from_be_bytes([header[3], header[4]]));
            return (width > 0 && height > 0).then_some((width, height));
        }
        if marker == SOS || marker == EOI || length < 2 {
            return None;
        }
        pos += length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny JPEG-shaped file: SOI, the given segments, a frame header, a scan with stuffed
    /// bytes and a restart marker, EOI, then `tail`.
    fn file(segments: &[(u8, &[u8])], tail: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, SOI];
        for (marker, payload) in segments {
            segment(&mut out, *marker, &[payload]);
        }
        segment(&mut out, 0xC0, &[&[8, 0, 2, 0, 3, 1, 1, 0x11, 0]]);
        segment(&mut out, SOS, &[&[1, 1, 0, 0, 63, 0]]);
        out.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        out.extend_from_slice(&[0xFF, EOI]);
        out.extend_from_slice(tail);
        out
    }

    #[test]
    fn the_walk_finds_segments_scans_and_the_end() {
        let bytes = file(&[(COM, b"hello")], b"rest");
        let layout = walk(&bytes).unwrap();
        assert_eq!(layout.end, bytes.len() - 4);
        let scans: Vec<&[u8]> = layout
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Scan(r) => Some(&bytes[r.clone()]),
                Piece::Segment { .. } => None,
            })
            .collect();
        assert_eq!(scans, [&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56][..]]);
        assert_eq!(dimensions(&bytes), Some((3, 2)));
    }

    #[test]
    fn comments_and_trailers_are_removed_and_the_rest_kept() {
        let bytes = file(
            &[(COM, b"Nha Be"), (APP14, b"Adobe\0\x64\0\0\0\0\x01")],
            b"SEFT",
        );
        let cleaned = strip(&bytes).unwrap();
        let kinds: Vec<BlockKind> = cleaned.removed.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BlockKind::Comment, BlockKind::Trailing]);
        assert!(!cleaned.bytes.windows(6).any(|w| w == b"Nha Be"));
        assert!(cleaned.bytes.windows(5).any(|w| w == b"Adobe"));
        assert!(cleaned.bytes.ends_with(&[0x56, 0xFF, EOI]));
    }

    #[test]
    fn every_cut_of_a_file_is_an_error_not_a_panic() {
        let bytes = file(&[(COM, b"x"), (APP1, b"Exif\0\0MM\0\x2a")], b"");
        for cut in 0..bytes.len() {
            assert!(walk(&bytes[..cut]).is_err(), "{cut}");
            let _ = dimensions(&bytes[..cut]);
        }
    }
}
