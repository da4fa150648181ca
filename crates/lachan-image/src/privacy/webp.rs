//! WebP, through `img-parts`: the EXIF and XMP chunks of the extended format and their
//! removal.
//!
//! What cleaning keeps: the picture chunks (VP8, VP8L, ALPH, ANIM, ANMF), the extended header
//! VP8X with its flags corrected, the ICC profile, and the orientation (see [`super`]).
//! Every other chunk, and bytes after the RIFF container, are dropped; the RIFF size is
//! written anew.

use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{
    CHUNK_ALPH, CHUNK_ANIM, CHUNK_ANMF, CHUNK_EXIF, CHUNK_ICCP, CHUNK_VP8, CHUNK_VP8L, CHUNK_VP8X,
    CHUNK_XMP, WebP,
};
use img_parts::{Bytes, ImageEXIF};

use super::exif;
use super::findings::Findings;
use super::report::{BlockKind, Cleaned, MetadataBlock, PhotoFormat};
use super::{PrivacyError, xmp};

const FORMAT: &str = "WebP";

/// The XMP bit of the VP8X flags byte.
const XMP_FLAG: u8 = 0b0000_0100;

/// Chunks kept by cleaning.
const KEPT: [[u8; 4]; 7] = [
    CHUNK_VP8X, CHUNK_VP8, CHUNK_VP8L, CHUNK_ALPH, CHUNK_ANIM, CHUNK_ANMF, CHUNK_ICCP,
];

fn parse(bytes: &[u8]) -> Result<WebP, PrivacyError> {
    let webp = WebP::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|e| match e {
        img_parts::Error::Truncated => PrivacyError::Truncated {
            format: FORMAT,
            what: "a chunk runs past the end".into(),
        },
        _ => PrivacyError::Corrupt {
            format: FORMAT,
            what: "its RIFF structure is broken".into(),
        },
    })?;
    let has_picture = webp
        .chunks()
        .iter()
        .any(|c| matches!(c.id(), CHUNK_VP8 | CHUNK_VP8L | CHUNK_ANMF));
    if !has_picture {
        return Err(PrivacyError::Corrupt {
            format: FORMAT,
            what: "it holds no picture".into(),
        });
    }
    Ok(webp)
}

/// A chunk's data (empty for a list, which WebP does not use).
fn data(chunk: &RiffChunk) -> &[u8] {
    chunk.content().data().map_or(&[], |d| &d[..])
}

fn name(id: [u8; 4]) -> String {
    String::from_utf8_lossy(&id).trim_end().to_string()
}

/// The bytes a chunk takes in the file (header and padding included).
fn size(chunk: &RiffChunk) -> usize {
    chunk.len() as usize
}

/// The length of the RIFF container in the file: its header and its declared size.
fn container_length(webp: &WebP) -> usize {
    webp.len() as usize
}

/// Reads what a WebP reveals into `found`.
pub(crate) fn inspect(bytes: &[u8], found: &mut Findings) -> Result<(), PrivacyError> {
    let webp = parse(bytes)?;
    for chunk in webp.chunks() {
        match chunk.id() {
            CHUNK_EXIF => exif::read(data(chunk), size(chunk), found),
            CHUNK_XMP => xmp::read(data(chunk), size(chunk), found),
            CHUNK_ICCP => found.block(BlockKind::Icc, size(chunk), None),
            id if !KEPT.contains(&id) => {
                found.block(BlockKind::Other, size(chunk), Some(name(id)));
            }
            _ => {}
        }
    }
    if bytes.len() > container_length(&webp) {
        found.block(
            BlockKind::Trailing,
            bytes.len() - container_length(&webp),
            None,
        );
    }
    Ok(())
}

/// A copy of the WebP without its metadata (see the module's documentation).
pub(crate) fn strip(bytes: &[u8]) -> Result<Cleaned, PrivacyError> {
    let mut webp = parse(bytes)?;
    let parsed_length = container_length(&webp);
    let orientation = webp
        .chunks_by_id(CHUNK_EXIF)
        .find_map(|c| exif::orientation(exif::tiff_of(data(c))))
        .filter(|&o| o != 1);
    let mut removed = Vec::new();
    for chunk in webp.chunks() {
        let id = chunk.id();
        if KEPT.contains(&id)
            || (id == CHUNK_EXIF && exif::only_orientation(exif::tiff_of(data(chunk))))
        {
            continue;
        }
        removed.push(MetadataBlock {
            kind: match id {
                CHUNK_EXIF => BlockKind::Exif,
                CHUNK_XMP => BlockKind::Xmp,
                _ => BlockKind::Other,
            },
            bytes: size(chunk),
            note: Some(name(id)),
        });
    }
    webp.chunks_mut().retain(|c| KEPT.contains(&c.id()));
    // Adds the orientation back (or not) and sets the EXIF and ICC flags to the chunks
    // present, making the extended header when the orientation needs one.
    webp.set_exif(orientation.map(|o| Bytes::from(exif::orientation_only(o))));
    clear_xmp_flag(&mut webp);
    if bytes.len() > parsed_length {
        removed.push(MetadataBlock {
            kind: BlockKind::Trailing,
            bytes: bytes.len() - parsed_length,
            note: None,
        });
    }
    let kept_icc = webp.chunk_by_id(CHUNK_ICCP).is_some();
    Ok(Cleaned {
        bytes: webp.encoder().bytes().to_vec(),
        format: PhotoFormat::WebP,
        removed,
        kept_orientation: orientation,
        kept_icc,
    })
}

/// Clears the XMP flag of the extended header (no XMP chunk is left).
fn clear_xmp_flag(webp: &mut WebP) {
    for chunk in webp.chunks_mut() {
        if chunk.id() != CHUNK_VP8X {
            continue;
        }
        if let RiffContent::Data(data) = chunk.content_mut()
            && let Some(&flags) = data.first()
        {
            let mut fixed = data.to_vec();
            fixed[0] = flags & !XMP_FLAG;
            *data = Bytes::from(fixed);
        }
    }
}
