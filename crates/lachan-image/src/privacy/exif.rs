//! Reading EXIF (a TIFF structure of tags, as phones and cameras write it) with the
//! `kamadak-exif` crate, and writing the minimal EXIF that keeps only the orientation.
//!
//! Only the tags named here are decoded: the parser reads field values lazily, so a hostile
//! block cannot make it decode thousands of large values.

use exif::{Context, Exif, Field, In, Rational, Reader, Tag, Value};

use super::MAX_EXIF_BYTES;
use super::findings::{Findings, clean_text, utf16_text};
use super::jpeg;
use super::report::{BlockKind, GpsPosition, METRES_PER_DEGREE, NameRole, Source, Thumbnail};

/// A nominal receiver error per unit of dilution of precision, in metres.
const METRES_PER_DOP: f64 = 5.0;

/// The "Exif\0\0" header that precedes the TIFF structure in JPEG (and sometimes elsewhere).
pub(crate) const EXIF_HEADER: &[u8] = b"Exif\0\0";

/// Windows' UTF-16 tags (XPTitle, XPComment, XPAuthor, XPKeywords, XPSubject).
const XP_TAGS: [(u16, &str); 5] = [
    (0x9C9B, "XPTitle"),
    (0x9C9C, "XPComment"),
    (0x9C9D, "XPAuthor"),
    (0x9C9E, "XPKeywords"),
    (0x9C9F, "XPSubject"),
];

/// The TIFF structure of an EXIF block, without the "Exif\0\0" header if it has one.
pub(crate) fn tiff_of(block: &[u8]) -> &[u8] {
    block.strip_prefix(EXIF_HEADER).unwrap_or(block)
}

/// The parsed EXIF of `tiff`, as much of it as is readable; `Err` says why none is.
fn parse(tiff: &[u8]) -> Result<Exif, String> {
    if tiff.len() > MAX_EXIF_BYTES {
        return Err(format!("not read: larger than {MAX_EXIF_BYTES} bytes"));
    }
    Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
        .or_else(|e| e.distill_partial_result(|_| {}))
        .map_err(|e| format!("not readable: {e}"))
}

/// The orientation (1 to 8) an EXIF block gives the picture, if any.
pub(crate) fn orientation(tiff: &[u8]) -> Option<u16> {
    let exif = parse(tiff).ok()?;
    orientation_of(&exif)
}

/// Whether an EXIF block holds the orientation and nothing else.
pub(crate) fn only_orientation(tiff: &[u8]) -> bool {
    parse(tiff).is_ok_and(|exif| exif.fields().len() == 1 && orientation_of(&exif).is_some())
}

fn orientation_of(exif: &Exif) -> Option<u16> {
    let field = exif.get_field(Tag::Orientation, In::PRIMARY)?;
    field
        .value
        .get_uint(0)
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
}

/// A minimal EXIF block (TIFF, big-endian, without the "Exif\0\0" header) holding only the
/// orientation `value`: one IFD with one SHORT entry.
pub(crate) fn orientation_only(value: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes()); // the first IFD follows the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&value.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // padding of the 4-byte value field
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff
}

/// Reads the EXIF block `block` (with or without the "Exif\0\0" header) into `found`, and
/// records the block (and its maker note) with `size` bytes as the container holds it.
pub(crate) fn read(block: &[u8], size: usize, found: &mut Findings) {
    let tiff = tiff_of(block);
    let exif = match parse(tiff) {
        Ok(exif) => exif,
        Err(note) => {
            found.block(BlockKind::Exif, size, Some(note));
            return;
        }
    };
    let orientation = orientation_of(&exif);
    found.orientation(orientation);
    let only_orientation = exif.fields().len() == 1 && orientation.is_some();
    let kind = if only_orientation {
        BlockKind::Orientation
    } else {
        BlockKind::Exif
    };
    let tags = match exif.fields().len() {
        1 => "1 tag".to_string(),
        n => format!("{n} tags"),
    };
    found.block(kind, size, Some(tags));
    if only_orientation {
        return;
    }
    let text = |tag: Tag| ascii(&exif, tag);
    if let Some(gps) = gps(&exif) {
        found.gps(gps);
    }
    found.gps_time(gps_time(&exif));
    for (time, offset) in [
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal),
        (Tag::DateTimeDigitized, Tag::OffsetTimeDigitized),
        (Tag::DateTime, Tag::OffsetTime),
    ] {
        found.captured(
            text(time).and_then(|t| date_time(&t)),
            text(offset),
            Source::Exif,
        );
    }
    found.camera(text(Tag::Make), text(Tag::Model));
    found.lens(text(Tag::LensMake), text(Tag::LensModel));
    found.body_serial(text(Tag::BodySerialNumber));
    found.lens_serial(text(Tag::LensSerialNumber));
    found.unique_id(text(Tag::ImageUniqueID));
    found.software(text(Tag::Software));
    found.name(NameRole::Owner, text(Tag::CameraOwnerName), Source::Exif);
    found.name(NameRole::Artist, text(Tag::Artist), Source::Exif);
    found.name(NameRole::Copyright, text(Tag::Copyright), Source::Exif);
    found.text(
        "ImageDescription",
        text(Tag::ImageDescription),
        Source::Exif,
    );
    found.text("UserComment", user_comment(&exif), Source::Exif);
    for (number, key) in XP_TAGS {
        let value = bytes(&exif, Tag(Context::Tiff, number)).and_then(|b| utf16_text(b, true));
        if key == "XPAuthor" {
            found.name(NameRole::Artist, value, Source::Exif);
        } else {
            found.text(key, value, Source::Exif);
        }
    }
    if let Some(note) = bytes(&exif, Tag::MakerNote) {
        found.block(
            BlockKind::MakerNote,
            note.len(),
            Some("camera maker's data".into()),
        );
    }
    if let Some(thumbnail) = thumbnail(&exif) {
        found.thumbnail(thumbnail);
    }
}

/// The first value of an ASCII tag of the main picture, tidied.
fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    match &field(exif, tag)?.value {
        Value::Ascii(parts) => parts.iter().find_map(|part| clean_text(part)),
        _ => None,
    }
}

/// The bytes of a BYTE or UNDEFINED tag of the main picture.
fn bytes(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &field(exif, tag)?.value {
        Value::Byte(b) | Value::Undefined(b, _) => Some(b),
        _ => None,
    }
}

fn field(exif: &Exif, tag: Tag) -> Option<&Field> {
    exif.get_field(tag, In::PRIMARY)
}

fn rationals(exif: &Exif, tag: Tag) -> Option<&[Rational]> {
    match &field(exif, tag)?.value {
        Value::Rational(r) => Some(r),
        _ => None,
    }
}

/// A rational as a number, `None` when its denominator is 0.
fn number(r: &Rational) -> Option<f64> {
    (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom))
}

/// "2017:11:07 22:14:06" as "2017-11-07 22:14:06"; `None` for blank or zero dates.
pub(crate) fn date_time(text: &str) -> Option<String> {
    let text = text.trim();
    let (date, time) = text.split_once(' ').unwrap_or((text, ""));
    let date = date.replace(':', "-");
    let zero = |s: &str| s.chars().all(|c| matches!(c, '0' | '-' | ':' | ' '));
    if date.is_empty() || zero(&date) {
        return None;
    }
    Some(format!("{date} {}", time.trim()).trim().to_string())
}

/// Degrees from the degrees, minutes and seconds rationals of a GPS coordinate, with the
/// finest step they are written with (in degrees).
fn degrees(parts: &[Rational]) -> Option<(f64, f64)> {
    let mut value = 0.0;
    let mut step = f64::INFINITY;
    for (part, unit) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        value += number(part)? / unit;
        step = step.min(1.0 / (f64::from(part.denom) * unit));
    }
    (step.is_finite() && value.is_finite()).then_some((value, step))
}

/// The GPS position of the main picture, if it has one that is not (0, 0).
fn gps(exif: &Exif) -> Option<GpsPosition> {
    let (lat, lat_step) = degrees(rationals(exif, Tag::GPSLatitude)?)?;
    let (lon, lon_step) = degrees(rationals(exif, Tag::GPSLongitude)?)?;
    if !(0.0..=90.0).contains(&lat) || !(0.0..=180.0).contains(&lon) || (lat == 0.0 && lon == 0.0) {
        return None;
    }
    let sign = |tag: Tag, negative: &str| match ascii(exif, tag) {
        Some(r) if r.eq_ignore_ascii_case(negative) => -1.0,
        _ => 1.0,
    };
    let latitude = lat * sign(Tag::GPSLatitudeRef, "S");
    let longitude = lon * sign(Tag::GPSLongitudeRef, "W");
    let lon_scale = latitude.to_radians().cos().abs();
    let resolution_m = (lat_step * METRES_PER_DEGREE).max(lon_step * METRES_PER_DEGREE * lon_scale);
    let below_sea = field(exif, Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
    let altitude_m = rationals(exif, Tag::GPSAltitude)
        .and_then(|r| number(r.first()?))
        .map(|a| if below_sea { -a } else { a });
    let error_m = rationals(exif, Tag::GPSHPositioningError)
        .and_then(|r| number(r.first()?))
        .or_else(|| {
            rationals(exif, Tag::GPSDOP)
                .and_then(|r| number(r.first()?))
                .map(|dop| dop * METRES_PER_DOP)
        })
        .filter(|e| *e > 0.0);
    Some(GpsPosition {
        latitude,
        longitude,
        altitude_m,
        resolution_m,
        error_m,
        source: Source::Exif,
    })
}

/// "2017-11-08 03:13:42 UTC" from the GPS date and time stamps.
fn gps_time(exif: &Exif) -> Option<String> {
    let date = date_time(&ascii(exif, Tag::GPSDateStamp)?)?;
    let Some(parts) = rationals(exif, Tag::GPSTimeStamp).filter(|p| p.len() == 3) else {
        return Some(format!("{date} UTC"));
    };
    let mut hms = [0u32; 3];
    for (slot, part) in hms.iter_mut().zip(parts) {
        let value = number(part)?;
        if !(0.0..61.0).contains(&value) {
            return None;
        }
        *slot = value as u32;
    }
    Some(format!(
        "{date} {:02}:{:02}:{:02} UTC",
        hms[0], hms[1], hms[2]
    ))
}

/// The user comment: 8 bytes naming the character set, then the text.
fn user_comment(exif: &Exif) -> Option<String> {
    let raw = bytes(exif, Tag::UserComment)?;
    let (charset, text) = raw.split_at_checked(8)?;
    let upto_nul = |t: &[u8]| t.split(|&b| b == 0).next().map(<[u8]>::to_vec);
    match charset {
        b"ASCII\0\0\0" | b"\0\0\0\0\0\0\0\0" => clean_text(&upto_nul(text)?),
        b"UNICODE\0" => utf16_text(text, exif.little_endian()),
        _ => None,
    }
}

/// The EXIF thumbnail (a JPEG inside the block) with its size, when there is one.
fn thumbnail(exif: &Exif) -> Option<Thumbnail> {
    let uint = |tag| {
        exif.get_field(tag, In::THUMBNAIL)
            .and_then(|f| f.value.get_uint(0))
    };
    let start = usize::try_from(uint(Tag::JPEGInterchangeFormat)?).ok()?;
    let length = usize::try_from(uint(Tag::JPEGInterchangeFormatLength)?).ok()?;
    let end = start.checked_add(length)?;
    let picture = exif.buf().get(start..end).filter(|p| !p.is_empty())?;
    let size = jpeg::dimensions(picture);
    Some(Thumbnail {
        bytes: picture.len(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::report::PhotoFormat;

    #[test]
    fn the_minimal_block_holds_the_orientation_alone() {
        for value in 1..=8 {
            let tiff = orientation_only(value);
            assert_eq!(orientation(&tiff), Some(value));
            let mut found = Findings::new(PhotoFormat::Jpeg);
            read(&tiff, tiff.len(), &mut found);
            let report = found.finish();
            assert!(report.reveals_nothing(), "{report:?}");
            assert_eq!(report.blocks[0].kind, BlockKind::Orientation);
        }
    }

    #[test]
    fn dates_read_as_iso_and_zero_dates_are_none() {
        assert_eq!(
            date_time("2017:11:07 22:14:06").as_deref(),
            Some("2017-11-07 22:14:06")
        );
        assert_eq!(date_time("2017:11:08").as_deref(), Some("2017-11-08"));
        assert_eq!(date_time("0000:00:00 00:00:00"), None);
        assert_eq!(date_time("   "), None);
    }

    #[test]
    fn broken_blocks_are_reported_not_read() {
        let mut found = Findings::new(PhotoFormat::Jpeg);
        read(b"Exif\0\0XX*\0\0\0\0\x08", 16, &mut found);
        let report = found.finish();
        assert_eq!(report.blocks.len(), 1);
        assert_eq!(report.blocks[0].kind, BlockKind::Exif);
        assert!(
            report.blocks[0]
                .note
                .as_deref()
                .unwrap()
                .starts_with("not readable")
        );
    }
}
