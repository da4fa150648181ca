//! Photoshop's image resource blocks (JPEG APP13) and the IPTC-IIM records inside them: the
//! press fields that name the photographer and the place, and Photoshop's own thumbnail.

use super::findings::{Findings, clean_text};
use super::report::{BlockKind, NameRole, PlaceField, Source, Thumbnail};
use super::{exif, xmp};

/// Resource ids read.
const IPTC: u16 = 0x0404;
const THUMBNAIL_OLD: u16 = 0x0409;
const THUMBNAIL: u16 = 0x040C;
const EXIF_DATA: u16 = 0x0422;
const XMP_DATA: u16 = 0x0424;

/// Reads Photoshop's resource blocks (after the "Photoshop 3.0\0" header) of a segment of
/// `size` bytes into `found`, recording the block.
pub(crate) fn read(data: &[u8], size: usize, found: &mut Findings) {
    found.block(BlockKind::Photoshop, size, None);
    let mut rest = data;
    // Each round consumes at least the 12-byte resource header, so this ends.
    while let Some((id, body, next)) = resource(rest) {
        match id {
            IPTC => read_iptc(body, found),
            THUMBNAIL | THUMBNAIL_OLD if body.len() > 28 => {
                let word = |at: usize| {
                    u32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]])
                };
                found.thumbnail(Thumbnail {
                    bytes: body.len() - 28,
                    width: Some(word(4)),
                    height: Some(word(8)),
                });
            }
            EXIF_DATA => exif::read(body, body.len(), found),
            XMP_DATA => xmp::read(body, body.len(), found),
            _ => {}
        }
        rest = next;
    }
}

/// The first resource of `data`: its id, its body, and what follows it.
fn resource(data: &[u8]) -> Option<(u16, &[u8], &[u8])> {
    if data.get(..4)? != b"8BIM" {
        return None;
    }
    let id = u16::from_be_bytes([*data.get(4)?, *data.get(5)?]);
    // A Pascal string padded to an even length (length byte included).
    let name_len = usize::from(*data.get(6)?);
    let mut pos = 6 + name_len + 1;
    pos += pos % 2;
    let size = data.get(pos..pos + 4)?;
    let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]) as usize;
    let body_start = pos + 4;
    let body = data.get(body_start..body_start.checked_add(size)?)?;
    let next = body_start + size + size % 2;
    Some((id, body, data.get(next..).unwrap_or(&[])))
}

/// Reads IPTC-IIM datasets into `found`.
pub(crate) fn read_iptc(data: &[u8], found: &mut Findings) {
    let mut pos = 0;
    let (mut date, mut time) = (None, None);
    // Each round moves past one dataset header at least, so this ends.
    while data.get(pos) == Some(&0x1C) {
        let (Some(&record), Some(&dataset), Some(len)) = (
            data.get(pos + 1),
            data.get(pos + 2),
            data.get(pos + 3..pos + 5),
        ) else {
            break;
        };
        let mut len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        pos += 5;
        if len & 0x8000 != 0 {
            // Extended length: the next (len & 0x7FFF) bytes hold it (at most 4 read).
            let count = len & 0x7FFF;
            let Some(bytes) = data.get(pos..pos + count).filter(|b| b.len() <= 4) else {
                break;
            };
            len = bytes.iter().fold(0, |acc, &b| (acc << 8) | usize::from(b));
            pos += count;
        }
        let Some(value) = pos.checked_add(len).and_then(|end| data.get(pos..end)) else {
            break;
        };
        pos += len;
        if record != 2 {
            continue;
        }
        let text = clean_text(value);
        let source = Source::Iptc;
        match dataset {
            80 => found.name(NameRole::Byline, text, source),
            116 => found.name(NameRole::Copyright, text, source),
            118 => found.name(NameRole::Contact, text, source),
            90 => found.place(PlaceField::City, text, source),
            92 => found.place(PlaceField::Sublocation, text, source),
            95 => found.place(PlaceField::State, text, source),
            100 | 101 => found.place(PlaceField::Country, text, source),
            5 => found.text("ObjectName", text, source),
            25 => found.text("Keywords", text, source),
            105 => found.text("Headline", text, source),
            120 => found.text("Caption", text, source),
            55 => date = text,
            60 => time = text,
            _ => {}
        }
    }
    if let Some(date) = date.filter(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit())) {
        let mut local = format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]);
        let mut offset = None;
        if let Some(time) = time.filter(|t| t.len() >= 6 && t.is_char_boundary(6)) {
            let (clock, zone) = time.split_at(6);
            if clock.bytes().all(|b| b.is_ascii_digit()) {
                local = format!("{local} {}:{}:{}", &clock[..2], &clock[2..4], &clock[4..]);
            }
            if zone.len() == 5 && zone.is_char_boundary(3) {
                offset = Some(format!("{}:{}", &zone[..3], &zone[3..]));
            }
        }
        found.captured(Some(local), offset, Source::Iptc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::report::PhotoFormat;

    fn dataset(number: u8, value: &str) -> Vec<u8> {
        let mut out = vec![0x1C, 2, number];
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value.as_bytes());
        out
    }

    #[test]
    fn iptc_fields_inside_a_resource_are_read() {
        let mut iim = Vec::new();
        for (n, v) in [
            (80, "Trần Thị B"),
            (90, "Đà Nẵng"),
            (55, "20240501"),
            (60, "073012+0700"),
        ] {
            iim.extend(dataset(n, v));
        }
        let mut block = b"8BIM\x04\x04\0\0".to_vec();
        block.extend_from_slice(&(iim.len() as u32).to_be_bytes());
        block.extend_from_slice(&iim);
        let mut found = Findings::new(PhotoFormat::Jpeg);
        read(&block, block.len(), &mut found);
        let report = found.finish();
        assert_eq!(report.names[0].value, "Trần Thị B");
        assert_eq!(report.places[0].value, "Đà Nẵng");
        let captured = report.captured.unwrap();
        assert_eq!(captured.local, "2024-05-01 07:30:12");
        assert_eq!(captured.offset.as_deref(), Some("+07:00"));
    }

    #[test]
    fn cut_resources_end_the_walk() {
        let block = b"8BIM\x04\x04\0\0\0\0\xff\xff\x1c\x02\x50";
        for cut in 0..block.len() {
            let mut found = Findings::new(PhotoFormat::Jpeg);
            read(&block[..cut], cut, &mut found);
        }
    }
}
