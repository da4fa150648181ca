//! Photo privacy for parents and schools: what a photo's metadata reveals ([`inspect`]) and a
//! copy without it ([`strip`], [`clean`]).
//!
//! A phone photo usually carries where it was taken (GPS position, often to a few metres:
//! a child's home or school), when, with which phone (maker, model, serial numbers), the
//! owner's or photographer's name, a small preview picture that may show what was cropped
//! out, place names and captions (XMP, IPTC), and sometimes whole further pictures or a video
//! after the end of the first one. [`inspect`] reports all of that in a [`PhotoReport`];
//! nothing in it comes from looking at the pixels.
//!
//! [`strip`] removes it at the container level, without decoding or re-encoding the picture:
//! the compressed picture data is copied byte for byte, so the pixels are exactly the same and
//! nothing is lost to recompression. Formats: JPEG, PNG and WebP. HEIC (and AVIF) photos can
//! be inspected (their EXIF item) but not cleaned: no maintained Rust crate rewrites an ISO
//! media file's item locations, so [`strip`] answers [`PrivacyError::CannotStrip`] with what
//! to do instead. GIF, BMP and TIFF are refused as [`PrivacyError::Unsupported`].
//!
//! ## What cleaning keeps, and why
//!
//! - **The orientation.** Phones store a picture sideways and say in EXIF how to turn it;
//!   without that tag viewers would show it rotated. Cleaning therefore writes a new, minimal
//!   EXIF block holding only the orientation (one tag, 26 bytes) when the photo's orientation
//!   is anything but upright; an upright photo keeps no EXIF at all. [`Cleaned`] says which
//!   orientation was kept, and [`inspect`] reports such a block as
//!   [`BlockKind::Orientation`], which [`PhotoReport::reveals_nothing`] accepts.
//! - **The ICC colour profile.** It describes how to show the colours (sRGB, Display P3) and
//!   nothing about people; without it colours shift. It is kept.
//! - **What a decoder needs**: JPEG tables and headers (and the JFIF header without its
//!   thumbnail), PNG's critical chunks and display chunks, WebP's picture chunks and extended
//!   header (with its flags corrected).
//!
//! Everything else is removed, including blocks this module does not know.
//!
//! ## Limits
//!
//! Input over [`MAX_PHOTO_BYTES`] is refused before it is parsed. EXIF blocks over
//! [`MAX_EXIF_BYTES`] and XMP packets over [`MAX_XMP_BYTES`] are not read (the report lists
//! them as blocks with a note; cleaning removes them all the same), compressed PNG text is
//! inflated to at most [`MAX_TEXT_BYTES`] per chunk, and every walk over a file is bounded by
//! its length. Broken or cut files give [`PrivacyError::Corrupt`] or
//! [`PrivacyError::Truncated`], never a panic.

mod error;
mod exif;
mod findings;
mod heif;
mod jpeg;
mod photoshop;
mod png;
mod report;
mod webp;
mod xmp;

pub use error::PrivacyError;
pub use report::{
    BlockKind, CaptureTime, Cleaned, GpsPosition, MetadataBlock, NameRole, Named, PhotoFormat,
    PhotoReport, Place, PlaceField, Source, TextNote, Thumbnail,
};

use findings::Findings;

/// Largest photo accepted, in bytes (64 MiB, as [`DecodeLimits`](crate::DecodeLimits)).
pub const MAX_PHOTO_BYTES: usize = 64 * 1024 * 1024;

/// Largest EXIF block read, in bytes (a JPEG's holds at most 64 KiB).
pub const MAX_EXIF_BYTES: usize = 1024 * 1024;

/// Largest XMP packet read, in bytes.
pub const MAX_XMP_BYTES: usize = 4 * 1024 * 1024;

/// Most bytes one compressed PNG text chunk is inflated to.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// The container format of `bytes`, or why it is not one this module handles.
fn format_of(bytes: &[u8]) -> Result<PhotoFormat, PrivacyError> {
    if bytes.is_empty() {
        return Err(PrivacyError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PrivacyError::TooLarge {
            bytes: bytes.len(),
            max: MAX_PHOTO_BYTES,
        });
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Ok(PhotoFormat::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Ok(PhotoFormat::Png)
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Ok(PhotoFormat::WebP)
    } else if heif::is_heif(bytes) {
        Ok(PhotoFormat::Heif)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Err(PrivacyError::Unsupported { format: "GIF" })
    } else if starts(b"BM") && bytes.len() >= 26 {
        Err(PrivacyError::Unsupported { format: "BMP" })
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Err(PrivacyError::Unsupported { format: "TIFF" })
    } else {
        Err(PrivacyError::UnknownFormat)
    }
}

/// What the photo `bytes` reveals through its metadata. Never panics; broken files give an
/// error saying what is wrong.
pub fn inspect(bytes: &[u8]) -> Result<PhotoReport, PrivacyError> {
    let format = format_of(bytes)?;
    let mut found = Findings::new(format);
    match format {
        PhotoFormat::Jpeg => jpeg::inspect(bytes, &mut found)?,
        PhotoFormat::Png => png::inspect(bytes, &mut found)?,
        PhotoFormat::WebP => webp::inspect(bytes, &mut found)?,
        PhotoFormat::Heif => heif::inspect(bytes, &mut found)?,
    }
    Ok(found.finish())
}

/// A copy of the photo `bytes` without its metadata, the picture data untouched (see the
/// module's documentation for what is kept), with what was removed.
pub fn clean(bytes: &[u8]) -> Result<Cleaned, PrivacyError> {
    match format_of(bytes)? {
        PhotoFormat::Jpeg => jpeg::strip(bytes),
        PhotoFormat::Png => png::strip(bytes),
        PhotoFormat::WebP => webp::strip(bytes),
        PhotoFormat::Heif => Err(PrivacyError::CannotStrip { format: "HEIC" }),
    }
}

/// The bytes of [`clean`]: the photo without its metadata.
pub fn strip(bytes: &[u8]) -> Result<Vec<u8>, PrivacyError> {
    clean(bytes).map(|cleaned| cleaned.bytes)
}
