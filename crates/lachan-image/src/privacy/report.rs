//! What a photo reveals ([`PhotoReport`]) and what cleaning it removed ([`Cleaned`]).

use serde::Serialize;

/// Metres in one degree of latitude (and of longitude at the equator).
pub(crate) const METRES_PER_DEGREE: f64 = 111_320.0;

/// Finest precision reported, in metres: finer stored coordinates pin a place no better.
const FINEST_PRECISION_M: f64 = 1.0;

/// The photo container formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    /// JPEG (JFIF or EXIF).
    Jpeg,
    /// PNG.
    Png,
    /// WebP (RIFF).
    #[serde(rename = "webp")]
    WebP,
    /// HEIF: HEIC and AVIF (inspection only).
    Heif,
}

impl PhotoFormat {
    /// The format's usual name: "JPEG", "PNG", "WebP", "HEIC".
    pub fn name(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "JPEG",
            PhotoFormat::Png => "PNG",
            PhotoFormat::WebP => "WebP",
            PhotoFormat::Heif => "HEIC",
        }
    }

    /// The MIME type of files of this format.
    pub fn mime(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Png => "image/png",
            PhotoFormat::WebP => "image/webp",
            PhotoFormat::Heif => "image/heic",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "jpg",
            PhotoFormat::Png => "png",
            PhotoFormat::WebP => "webp",
            PhotoFormat::Heif => "heic",
        }
    }
}

/// Which kind of metadata a finding was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// EXIF (TIFF tags), as cameras and phones write it.
    Exif,
    /// XMP (Adobe's XML metadata).
    Xmp,
    /// IPTC-IIM (press metadata, inside Photoshop's APP13 block).
    Iptc,
    /// A PNG text chunk.
    Text,
    /// A JPEG comment.
    Comment,
}

/// Where the photo was taken, from GPS tags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpsPosition {
    /// Latitude in degrees, north positive.
    pub latitude: f64,
    /// Longitude in degrees, east positive.
    pub longitude: f64,
    /// Altitude in metres above sea level, when recorded.
    pub altitude_m: Option<f64>,
    /// How finely the coordinates are written down, in metres (the step of the stored numbers).
    pub resolution_m: f64,
    /// The receiver's own error estimate in metres, when recorded: the horizontal positioning
    /// error, else the dilution of precision times a nominal 5 m.
    pub error_m: Option<f64>,
    /// The metadata it was read from.
    pub source: Source,
}

impl GpsPosition {
    /// How closely the position pins a place, in metres: the coarser of the stored resolution
    /// and the receiver's error, at least 1 m.
    pub fn precision_m(&self) -> f64 {
        self.resolution_m
            .max(self.error_m.unwrap_or(0.0))
            .max(FINEST_PRECISION_M)
    }

    /// The decimals worth showing for the coordinates at this precision (0 to 6).
    pub fn decimals(&self) -> usize {
        let degrees = self.precision_m() / METRES_PER_DEGREE;
        let decimals = (-degrees.log10()).round();
        if decimals.is_finite() {
            decimals.clamp(0.0, 6.0) as usize
        } else {
            0
        }
    }

    /// "21.0285, 105.8542": latitude and longitude with [`GpsPosition::decimals`] decimals.
    pub fn coordinates(&self) -> String {
        let d = self.decimals();
        format!("{:.d$}, {:.d$}", self.latitude, self.longitude)
    }

    /// The precision in words without language: "1 m", "30 m", "1.9 km", "111 km".
    pub fn precision_text(&self) -> String {
        let m = self.precision_m();
        if m < 1000.0 {
            format!("{} m", round_to_two_digits(m))
        } else if m < 10_000.0 {
            format!("{:.1} km", m / 1000.0)
        } else {
            format!("{} km", (m / 1000.0).round())
        }
    }
}

/// `m` rounded to at most two significant digits (7, 18, 110, 930).
fn round_to_two_digits(m: f64) -> u32 {
    let step = if m < 100.0 { 1.0 } else { 10.0 };
    ((m / step).round() * step) as u32
}

/// When the photo was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureTime {
    /// Local date and time as recorded: "2017-11-07 22:14:06".
    pub local: String,
    /// The offset from UTC, when recorded: "+07:00".
    pub offset: Option<String>,
    /// The metadata it was read from.
    pub source: Source,
}

/// What a recorded name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameRole {
    /// The camera's owner.
    Owner,
    /// The photographer (EXIF Artist, PNG Author).
    Artist,
    /// The copyright holder.
    Copyright,
    /// The creator (XMP dc:creator).
    Creator,
    /// The byline (IPTC).
    Byline,
    /// Contact details: address, e-mail, telephone.
    Contact,
    /// Someone tagged in the picture (face regions, "person in image").
    Person,
}

/// A name or contact detail recorded in the photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    /// What it is.
    pub role: NameRole,
    /// The name.
    pub value: String,
    /// The metadata it was read from.
    pub source: Source,
}

/// Which part of an address a place name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceField {
    /// A named location ("Trường Tiểu học Kim Đồng").
    Location,
    /// A place inside a city: street, district, building.
    Sublocation,
    /// City.
    City,
    /// Province or state.
    State,
    /// Country (name or code).
    Country,
}

/// A place name recorded in the photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Which part of an address it is.
    pub field: PlaceField,
    /// The name.
    pub value: String,
    /// The metadata it was read from.
    pub source: Source,
}

/// A free text recorded in the photo: a description, title, comment or keywords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextNote {
    /// What the text is, as the file names it ("ImageDescription", "dc:title", "Comment").
    pub key: String,
    /// The text (at most 300 characters are kept).
    pub value: String,
    /// The metadata it was read from.
    pub source: Source,
}

/// A small preview picture stored inside the photo. It may show the picture before it was
/// cropped or edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thumbnail {
    /// Its size in bytes.
    pub bytes: usize,
    /// Its width in pixels, when readable.
    pub width: Option<u32>,
    /// Its height in pixels, when readable.
    pub height: Option<u32>,
}

/// The kinds of metadata blocks a photo file can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// EXIF with more than the orientation.
    Exif,
    /// EXIF holding only the orientation (what [`strip`](super::strip) keeps).
    Orientation,
    /// The camera maker's private EXIF data (may hold serial numbers and more).
    MakerNote,
    /// XMP.
    Xmp,
    /// Photoshop's block (IPTC, thumbnails, editing data).
    Photoshop,
    /// An ICC colour profile (kept: it describes colours, not people).
    Icc,
    /// A JPEG comment.
    Comment,
    /// A PNG text chunk.
    Text,
    /// The PNG last-modification time.
    Time,
    /// A JPEG multi-picture index (points at further pictures after the first).
    MultiPicture,
    /// Content credentials (C2PA / JUMBF): edit history and signer identity.
    Credentials,
    /// Bytes after the end of the picture: further pictures, a motion-photo video, maker data.
    Trailing,
    /// Another block this module does not know (removed all the same).
    Other,
}

impl BlockKind {
    /// Whether the block is kept by [`strip`](super::strip): it reveals nothing about people.
    pub fn is_kept(self) -> bool {
        matches!(self, BlockKind::Orientation | BlockKind::Icc)
    }
}

/// One metadata block found in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataBlock {
    /// What it is.
    pub kind: BlockKind,
    /// Its size in bytes.
    pub bytes: usize,
    /// More about it: a chunk or segment name, or why it could not be read.
    pub note: Option<String>,
}

/// Everything a photo reveals through its metadata (the picture itself is not looked at).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoReport {
    /// The container format.
    pub format: PhotoFormat,
    /// Where it was taken.
    pub gps: Option<GpsPosition>,
    /// The GPS receiver's date and time (UTC): "2017-11-08 03:13:42 UTC".
    pub gps_time: Option<String>,
    /// When it was taken.
    pub captured: Option<CaptureTime>,
    /// Camera maker and model: "samsung SM-G930V".
    pub camera: Option<String>,
    /// Lens maker and model.
    pub lens: Option<String>,
    /// The camera body's serial number.
    pub body_serial: Option<String>,
    /// The lens's serial number.
    pub lens_serial: Option<String>,
    /// An identifier unique to this picture (EXIF ImageUniqueID).
    pub unique_id: Option<String>,
    /// The software or firmware that wrote it.
    pub software: Option<String>,
    /// Names and contact details.
    pub names: Vec<Named>,
    /// Place names.
    pub places: Vec<Place>,
    /// Descriptions, titles, comments, keywords.
    pub texts: Vec<TextNote>,
    /// The largest embedded preview picture.
    pub thumbnail: Option<Thumbnail>,
    /// The EXIF orientation (1 to 8; 1 is upright).
    pub orientation: Option<u16>,
    /// Every metadata block in the file, in file order.
    pub blocks: Vec<MetadataBlock>,
}

impl PhotoReport {
    /// Whether the photo reveals nothing about who took it, where, when or with what: no
    /// finding at all, and no block other than those [`strip`](super::strip) keeps (the
    /// orientation and the colour profile).
    pub fn reveals_nothing(&self) -> bool {
        self.gps.is_none()
            && self.gps_time.is_none()
            && self.captured.is_none()
            && self.camera.is_none()
            && self.lens.is_none()
            && self.body_serial.is_none()
            && self.lens_serial.is_none()
            && self.unique_id.is_none()
            && self.software.is_none()
            && self.names.is_empty()
            && self.places.is_empty()
            && self.texts.is_empty()
            && self.thumbnail.is_none()
            && self.blocks.iter().all(|b| b.kind.is_kept())
    }
}

/// A photo without its metadata, and what was taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// The cleaned file.
    pub bytes: Vec<u8>,
    /// Its format (the input's).
    pub format: PhotoFormat,
    /// The blocks removed, in file order.
    pub removed: Vec<MetadataBlock>,
    /// The orientation kept (in a minimal EXIF block) so that viewers still turn the picture
    /// upright; `None` when the picture is upright or had none.
    pub kept_orientation: Option<u16>,
    /// Whether the ICC colour profile was kept.
    pub kept_icc: bool,
}
