//! HEIF (HEIC, AVIF): the EXIF item, read with `kamadak-exif`'s ISO base media file walker.
//! Cleaning is refused: removing an item means rewriting the file's item locations, and no
//! maintained Rust crate does that without re-encoding (see [`PrivacyError::CannotStrip`]).

use std::io::Cursor;

use super::PrivacyError;
use super::exif;
use super::findings::Findings;
use super::report::BlockKind;

/// The brands (major or compatible) of the HEIF family.
const BRANDS: [&[u8; 4]; 12] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
    b"avif", b"avis",
];

/// Whether `bytes` start with a file-type box naming a HEIF brand.
pub(crate) fn is_heif(bytes: &[u8]) -> bool {
    let Some(size) = bytes.get(..4) else {
        return false;
    };
    let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]) as usize;
    if bytes.get(4..8) != Some(b"ftyp") || size < 16 {
        return false;
    }
    let Some(body) = bytes.get(8..size) else {
        return false;
    };
    // The major brand, the minor version, then compatible brands.
    body.chunks_exact(4)
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .any(|(_, brand)| BRANDS.iter().any(|b| b[..] == *brand))
}

/// Reads what a HEIF file reveals through its EXIF item into `found`. XMP items are not read
/// (the block's note says so).
pub(crate) fn inspect(bytes: &[u8], found: &mut Findings) -> Result<(), PrivacyError> {
    let read = ::exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_| {}));
    match read {
        Ok(parsed) => {
            let tiff = parsed.buf();
            exif::read(tiff, tiff.len(), found);
            Ok(())
        }
        Err(::exif::Error::NotFound(_)) => Ok(()),
        Err(::exif::Error::Io(_)) => Err(PrivacyError::Truncated {
            format: "HEIC",
            what: "a box runs past the end".into(),
        }),
        Err(error) => {
            found.block(BlockKind::Exif, 0, Some(format!("not readable: {error}")));
            Ok(())
        }
    }
}
