//! Everything that can go wrong between untrusted bytes and a hash.

use thiserror::Error;

use crate::pdq::PixelLayout;

/// Why an image could not be decoded or hashed. Each message says what was wrong and what to do.
#[derive(Debug, Error)]
pub enum ImageError {
    /// No bytes at all.
    #[error("the file is empty (0 bytes): send the image file itself")]
    Empty,
    /// More input bytes than the limits allow.
    #[error(
        "the file is {len} bytes, over the {max}-byte limit: send a smaller file or raise the limit"
    )]
    InputTooLarge {
        /// Bytes given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The first bytes are not the signature of any known image format.
    #[error(
        "the bytes are not an image this program reads (no JPEG, PNG, WebP, GIF or BMP signature): check that the file is an image and not, say, an HTML error page"
    )]
    UnknownFormat,
    /// A known image format that this build does not decode.
    #[error("{format} images are not supported: convert the image to JPEG, PNG, WebP, GIF or BMP")]
    Unsupported {
        /// The format's name.
        format: String,
    },
    /// The header claims a width or height of zero.
    #[error(
        "the image header claims {width}×{height} pixels: an image needs at least one pixel; the file is damaged"
    )]
    ZeroSize {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
    },
    /// The header claims more pixels than the limits allow (e.g. a decompression bomb).
    #[error(
        "the image header claims {width}×{height} pixels, over the limit ({limit}); nothing was decoded: shrink the image or raise the limit"
    )]
    TooLarge {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
        /// The limit that was exceeded, in words.
        limit: String,
    },
    /// Decoding and hashing would need more memory than the limits allow.
    #[error(
        "decoding this {width}×{height} image would need about {needed} bytes of memory, over the {max}-byte limit: shrink the image or raise the limit"
    )]
    OverMemoryLimit {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Estimated bytes.
        needed: u64,
        /// The limit.
        max: u64,
    },
    /// The decoder itself asked for more memory than the limit while decoding.
    #[error(
        "decoding this {format} file needed more than the {max}-byte memory limit: shrink the image or raise the limit"
    )]
    DecoderMemoryLimit {
        /// The format's name.
        format: String,
        /// The limit.
        max: u64,
    },
    /// The data stops before the image is complete.
    #[error("the {format} file is cut short ({detail}): upload the complete file again")]
    Truncated {
        /// The format's name.
        format: String,
        /// What the decoder said.
        detail: String,
    },
    /// The data is damaged or not valid for its format.
    #[error(
        "the {format} file is damaged ({detail}): re-save it with an image editor or send another copy"
    )]
    Corrupt {
        /// The format's name.
        format: String,
        /// What the decoder said.
        detail: String,
    },
    /// The memory for hashing could not be reserved.
    #[error("not enough memory to hash this image: try again later or with a smaller image")]
    OutOfMemory,
    /// A caller passed a pixel buffer whose length does not fit its dimensions.
    #[error(
        "a {width}×{height} {layout:?} image needs width×height×{bpp} bytes, the buffer has {len}: pass the whole pixel buffer",
        bpp = layout.bytes_per_pixel()
    )]
    BufferSize {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// Pixel layout.
        layout: PixelLayout,
        /// Bytes given.
        len: usize,
    },
}
