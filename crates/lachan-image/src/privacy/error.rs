//! Why a photo could not be inspected or cleaned.

/// Why [`inspect`](super::inspect) or [`strip`](super::strip) refused a file. The message says
/// what was wrong and what to do, in words for a parent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyError {
    /// The file has no bytes.
    #[error("the file is empty; choose the photo file itself")]
    Empty,
    /// The file is larger than [`MAX_PHOTO_BYTES`](super::MAX_PHOTO_BYTES).
    #[error(
        "the file is {bytes} bytes, more than the {max} bytes a photo may have here; send a smaller \
         photo (a phone photo is a few MB)"
    )]
    TooLarge {
        /// The file's size.
        bytes: usize,
        /// The largest size accepted.
        max: usize,
    },
    /// The bytes are no photo format this module knows.
    #[error(
        "this is not a JPEG, PNG, WebP or HEIC photo (perhaps another kind of file with a photo's \
         name); open it in a photo app and save it as JPEG"
    )]
    UnknownFormat,
    /// A known image format that holds no camera photos this module handles.
    #[error(
        "{format} files are not handled here; open the picture in a photo app and save it as JPEG or PNG"
    )]
    Unsupported {
        /// The format's name, e.g. "GIF".
        format: &'static str,
    },
    /// A format whose metadata can be read but not removed without re-encoding the picture.
    #[error(
        "{format} photos can be checked but not cleaned here, because that would mean re-encoding \
         the picture; save it as JPEG first (on an iPhone: Settings › Camera › Formats › Most \
         Compatible, or share the photo as JPEG) and clean that copy"
    )]
    CannotStrip {
        /// The format's name, e.g. "HEIC".
        format: &'static str,
    },
    /// The file ends before its structure does.
    #[error("the {format} file is cut short ({what}); send the whole file again")]
    Truncated {
        /// The format's name.
        format: &'static str,
        /// Where it ends.
        what: String,
    },
    /// The file's structure is broken.
    #[error("the {format} file is damaged ({what}); open it in a photo app and save it again")]
    Corrupt {
        /// The format's name.
        format: &'static str,
        /// What is broken.
        what: String,
    },
}
