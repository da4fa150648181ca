//! Bounded decoding of untrusted image bytes into 8-bit pixels ready for hashing.
//!
//! Policy, in order:
//! 1. Refuse empty input and input over [`DecodeLimits::max_input_bytes`].
//! 2. Recognise the format from the bytes' signature (never from a file name). JPEG, PNG, WebP,
//!    GIF and BMP are decoded; HEIC/HEIF, TIFF, AVIF and others are refused by name.
//! 3. Read only the header and refuse, before any pixel buffer is allocated, a zero width or
//!    height, a side over the limit, more pixels than the limit, or an estimated memory use over
//!    [`DecodeLimits::max_alloc`]. A decompression bomb (a small file claiming 100000×100000)
//!    stops here. The same limits are also handed to the `image` crate's decoders.
//!    A JPEG must also reach its end-of-image marker (the JPEG decoder would otherwise fill a
//!    cut-off file with grey and hash a different picture) and a WebP file must be as long as
//!    its RIFF header says.
//!    Frames are held to the same limits, read from their own headers before decoding (the
//!    decoders size their buffers from those, not from the canvas): a WebP frame (VP8, VP8L or
//!    animation frame) larger than its canvas is refused as damaged, and a GIF's first frame,
//!    which may be larger than its logical screen, must be within the limits itself.
//! 4. Decode the first frame only. Animated GIF, PNG (APNG) and WebP files are hashed on their
//!    first frame, as python-threatexchange does (Pillow opens the first frame); later frames are
//!    not looked at.
//! 5. Apply the EXIF orientation (JPEG, PNG, WebP), so the pixels are hashed upright as a viewer
//!    shows them. The pixels stay as stored; [`DecodedImage::pixels`] reads them turned, which
//!    gives the same hash as a turned copy without the cost of one. An unreadable EXIF block
//!    counts as "no orientation", not as an error; so does a WebP EXIF chunk stating more bytes
//!    than the file has left, which is not read at all (the decoder would allocate its length).
//!    Tools that ignore EXIF (the reference's, python-threatexchange) hash the stored pixels:
//!    see [`DecodedImage::stored_transform`].
//! 6. Convert to 8-bit: 16-bit channels are scaled (v/257, rounded). Alpha is kept in the buffer
//!    but ignored by the hash, as the reference's callers drop it.
//! 7. Optionally shrink (see [`DecodeLimits::shrink_to`]); never enlarge.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use crate::ImageError;
use crate::pdq::{PixelLayout, PixelView, Transform};

/// Limits and size policy for decoding untrusted images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest input accepted, in bytes. Default 64 MiB.
    pub max_input_bytes: usize,
    /// Largest width, in pixels. Default 16384.
    pub max_width: u32,
    /// Largest height, in pixels. Default 16384.
    pub max_height: u32,
    /// Largest width×height. Default 64 million (a 48-50 MP phone photo fits).
    pub max_pixels: u64,
    /// Largest estimated memory for the decoded pixels and one converted copy of them, in
    /// bytes. Default 512 MiB, which a 64 MP RGB image needs. Hashing itself needs only
    /// a few dozen rows; decoder internals (e.g. a progressive JPEG's coefficients) come on top.
    pub max_alloc: u64,
    /// If set, an image whose longer side exceeds this many pixels is first shrunk (triangle
    /// filter, aspect kept) so that its longer side is this long; smaller images are never
    /// enlarged. Default `None`: hash at full size, exactly as the reference's callers
    /// (python-threatexchange, HMA) do.
    ///
    /// Shrinking trades accuracy for little speed. On the 25 ThreatExchange test files over 512
    /// pixels, a 512 shrink moves hashes a median 6 bits, at most 12, of the 31 a match may
    /// differ (the project's baseline with Pillow's resize: median 9-10, at most 18). Decoding,
    /// which shrinking does not shorten, dominates: on one core, 12 MP phone photos go from 7.6
    /// to 8.7 images/s, and 1600×1004 photos get slower (113 to 68 images/s, the resize costing
    /// more than full-size hashing). Enlarging is never done: it moves hashes by up to 76 bits.
    pub shrink_to: Option<u32>,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_input_bytes: 64 << 20,
            max_width: 16384,
            max_height: 16384,
            max_pixels: 64_000_000,
            max_alloc: 512 << 20,
            shrink_to: None,
        }
    }
}

/// An image decoded under [`DecodeLimits`]: 8-bit, first frame, with its EXIF orientation.
#[derive(Clone, Debug)]
pub struct DecodedImage {
    image: DynamicImage,
    layout: PixelLayout,
    format: ImageFormat,
    orientation: Orientation,
    stored_size: (u32, u32),
}

impl DecodedImage {
    /// The pixels upright (EXIF orientation applied), for hashing.
    pub fn pixels(&self) -> PixelView<'_> {
        PixelView::from_parts(
            self.image.width() as usize,
            self.image.height() as usize,
            self.layout,
            self.image.as_bytes(),
        )
        .transformed(self.stored_transform().inverse())
    }

    /// The decoded image as stored in the file (8-bit, before EXIF orientation).
    pub fn image(&self) -> &DynamicImage {
        &self.image
    }

    /// The format the bytes were in.
    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// The EXIF orientation that was applied (`NoTransforms` when there was none).
    pub fn orientation(&self) -> Orientation {
        self.orientation
    }

    /// The transform that turns the upright image back into the pixels as stored in the file.
    ///
    /// Tools that ignore EXIF orientation (the reference's CImg tool, python-threatexchange)
    /// hash the stored pixels; their hash is close to this transform's hash of the upright image.
    pub fn stored_transform(&self) -> Transform {
        match self.orientation {
            Orientation::NoTransforms => Transform::Original,
            // EXIF 6: shown after a clockwise quarter turn, so stored turned counter-clockwise.
            Orientation::Rotate90 => Transform::Rotate90,
            Orientation::Rotate180 => Transform::Rotate180,
            Orientation::Rotate270 => Transform::Rotate270,
            Orientation::FlipHorizontal => Transform::FlipY,
            Orientation::FlipVertical => Transform::FlipX,
            Orientation::Rotate90FlipH => Transform::FlipPlus1,
            Orientation::Rotate270FlipH => Transform::FlipMinus1,
        }
    }

    /// Width and height as stored in the file, before orientation and shrinking (the upright
    /// size is `pixels().width()` × `pixels().height()`).
    pub fn stored_size(&self) -> (u32, u32) {
        self.stored_size
    }
}

/// The formats decoded, and the only ones the `image` crate is built with.
const DECODED: [ImageFormat; 5] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Gif,
    ImageFormat::Bmp,
];

/// Decodes untrusted `bytes` under `limits` (see the module documentation for the policy).
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DecodedImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ImageError::InputTooLarge {
            len: bytes.len(),
            max: limits.max_input_bytes,
        });
    }
    let format = sniff(bytes)?;
    let name = format_name(format);
    if let Some(detail) = crate::complete::missing_end(format, bytes) {
        return Err(ImageError::Truncated {
            format: name,
            detail: detail.to_string(),
        });
    }

    // The header is read with only the memory limit set, so that a size over the limits is
    // reported by `check_header` with the claimed dimensions; then all limits go to the decoder.
    let mut crate_limits = image::Limits::default();
    crate_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(crate_limits.clone());
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_error(e, &name, None, limits))?;
    let (width, height) = decoder.dimensions();
    check_header(width, height, decoder.total_bytes(), limits)?;
    let exif_readable = check_frames(format, bytes, (width, height), limits)?;
    crate_limits.max_image_width = Some(limits.max_width);
    crate_limits.max_image_height = Some(limits.max_height);
    let dims = Some((width, height));
    decoder
        .set_limits(crate_limits)
        .map_err(|e| map_error(e, &name, dims, limits))?;
    let orientation = if exif_readable {
        decoder.orientation().unwrap_or(Orientation::NoTransforms)
    } else {
        Orientation::NoTransforms
    };

    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| map_error(e, &name, dims, limits))?;
    let mut image = to_8bit(image);
    if let Some(side) = limits.shrink_to {
        image = shrink(image, side);
    }
    let layout = match &image {
        DynamicImage::ImageRgba8(_) => PixelLayout::Rgba8,
        DynamicImage::ImageLuma8(_) => PixelLayout::Luma8,
        DynamicImage::ImageLumaA8(_) => PixelLayout::LumaAlpha8,
        _ => PixelLayout::Rgb8,
    };
    // `to_8bit` leaves only the four layouts above; checking the buffer keeps that a fact.
    PixelView::new(
        image.width() as usize,
        image.height() as usize,
        layout,
        image.as_bytes(),
    )?;
    Ok(DecodedImage {
        image,
        layout,
        format,
        orientation,
        stored_size: (width, height),
    })
}

/// The format from the bytes' signature, or an error naming what was found instead.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImageError> {
    // HEIF (iPhone photos) is an ISO-BMFF `ftyp` box with a HEIF brand; name it in the error.
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        const HEIF_BRANDS: [&[u8; 4]; 9] = [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
        ];
        if HEIF_BRANDS.iter().any(|b| &bytes[8..12] == *b) {
            return Err(ImageError::Unsupported {
                format: "HEIC/HEIF".to_string(),
            });
        }
    }
    match image::guess_format(bytes) {
        Ok(format) if DECODED.contains(&format) => Ok(format),
        Ok(format) => Err(ImageError::Unsupported {
            format: format_name(format),
        }),
        Err(_) => Err(ImageError::UnknownFormat),
    }
}

/// Refuses, from the header alone, sizes that are empty or over the limits.
fn check_header(
    width: u32,
    height: u32,
    decoded_bytes: u64,
    limits: &DecodeLimits,
) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::ZeroSize { width, height });
    }
    let too_large = |limit: String| ImageError::TooLarge {
        width,
        height,
        limit,
    };
    if width > limits.max_width || height > limits.max_height {
        return Err(too_large(format!(
            "at most {}×{} pixels",
            limits.max_width, limits.max_height
        )));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(too_large(format!("at most {} pixels", limits.max_pixels)));
    }
    // The decoded buffer and, for 16-bit images, an 8-bit copy of it.
    let needed = decoded_bytes.saturating_mul(2);
    if needed > limits.max_alloc {
        return Err(ImageError::OverMemoryLimit {
            width,
            height,
            needed,
            max: limits.max_alloc,
        });
    }
    Ok(())
}

/// Refuses frames whose own headers claim more than the canvas (WebP) or the limits (GIF's
/// first frame) allow; see [`crate::frames`]. Returns whether the EXIF block may be read.
fn check_frames(
    format: ImageFormat,
    bytes: &[u8],
    canvas: (u32, u32),
    limits: &DecodeLimits,
) -> Result<bool, ImageError> {
    match format {
        ImageFormat::WebP => {
            let found = crate::frames::webp_chunks(bytes, canvas);
            match found.frame_over_canvas {
                Some(detail) => Err(ImageError::Corrupt {
                    format: format_name(format),
                    detail,
                }),
                None => Ok(!found.exif_past_end),
            }
        }
        ImageFormat::Gif => {
            // An empty frame allocates nothing; the decoder shows the screen blank, as before.
            let first = crate::frames::gif_first_frame(bytes).filter(|&(w, h)| w > 0 && h > 0);
            if let Some((width, height)) = first {
                // The `image` crate decodes a frame that differs from the screen into an RGBA
                // buffer of its own size before copying the visible part.
                let rgba = u64::from(width) * u64::from(height) * 4;
                check_header(width, height, rgba, limits)?;
            }
            Ok(true)
        }
        _ => Ok(true),
    }
}

/// Keeps 8-bit layouts as they are; converts 16-bit and float images to 8-bit.
fn to_8bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_) => image,
        DynamicImage::ImageLuma16(_) | DynamicImage::ImageLumaA16(_) => {
            DynamicImage::ImageLuma8(image.to_luma8())
        }
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// Shrinks so that the longer side is `side` pixels, if it is longer; never enlarges.
fn shrink(image: DynamicImage, side: u32) -> DynamicImage {
    if image.width().max(image.height()) <= side.max(1) {
        return image;
    }
    image.resize(
        side.max(1),
        side.max(1),
        image::imageops::FilterType::Triangle,
    )
}

/// The usual written name of a format.
fn format_name(format: ImageFormat) -> String {
    match format {
        ImageFormat::Jpeg => "JPEG".to_string(),
        ImageFormat::WebP => "WebP".to_string(),
        other => format!("{other:?}").to_uppercase(),
    }
}

/// Turns the `image` crate's error into ours; `dims` is the header's size once known.
fn map_error(
    error: image::ImageError,
    format: &str,
    dims: Option<(u32, u32)>,
    limits: &DecodeLimits,
) -> ImageError {
    use image::error::LimitErrorKind;
    let format = format.to_string();
    let (width, height) = dims.unwrap_or((0, 0));
    match error {
        image::ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Truncated {
                format,
                detail: e.to_string(),
            }
        }
        image::ImageError::Decoding(e) if looks_truncated(&e.to_string()) => {
            ImageError::Truncated {
                format,
                detail: e.to_string(),
            }
        }
        image::ImageError::Limits(e) => match e.kind() {
            LimitErrorKind::DimensionError => ImageError::TooLarge {
                width,
                height,
                limit: format!("at most {}×{} pixels", limits.max_width, limits.max_height),
            },
            _ => ImageError::DecoderMemoryLimit {
                format,
                max: limits.max_alloc,
            },
        },
        image::ImageError::Unsupported(e) => ImageError::Corrupt {
            format,
            detail: format!("uses a feature this decoder does not support: {e}"),
        },
        other => ImageError::Corrupt {
            format,
            detail: other.to_string(),
        },
    }
}

/// Decoders report running out of data in words; these are the ones they use.
fn looks_truncated(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "eof",
        "end of file",
        "unexpected end",
        "truncated",
        "no more bytes",
        "not enough data",
    ]
    .iter()
    .any(|w| m.contains(w))
}
