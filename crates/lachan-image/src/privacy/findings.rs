//! Gathering findings from the metadata blocks of one file into a [`PhotoReport`]: the first
//! value of a single-valued finding wins (EXIF is read before XMP and IPTC), lists drop
//! duplicates and stay short.

use super::report::{
    BlockKind, CaptureTime, GpsPosition, MetadataBlock, NameRole, Named, PhotoFormat, PhotoReport,
    Place, PlaceField, Source, TextNote, Thumbnail,
};

/// Longest text kept in a report, in characters.
const MAX_TEXT_CHARS: usize = 300;

/// Most entries kept in each list of a report (names, places, texts, blocks).
const MAX_LIST: usize = 64;

/// The findings of one file so far.
#[derive(Debug)]
pub(crate) struct Findings {
    report: PhotoReport,
}

/// Sets `slot` to `value` unless it holds one already.
fn first<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

impl Findings {
    /// No findings yet in a file of `format`.
    pub(crate) fn new(format: PhotoFormat) -> Findings {
        Findings {
            report: PhotoReport {
                format,
                gps: None,
                gps_time: None,
                captured: None,
                camera: None,
                lens: None,
                body_serial: None,
                lens_serial: None,
                unique_id: None,
                software: None,
                names: Vec::new(),
                places: Vec::new(),
                texts: Vec::new(),
                thumbnail: None,
                orientation: None,
                blocks: Vec::new(),
            },
        }
    }

    /// The report.
    pub(crate) fn finish(self) -> PhotoReport {
        self.report
    }

    /// Records a GPS position: the first one, except that EXIF's (the receiver's own numbers)
    /// replaces one copied into XMP.
    pub(crate) fn gps(&mut self, gps: GpsPosition) {
        let replaces = self
            .report
            .gps
            .as_ref()
            .is_none_or(|known| known.source == Source::Xmp && gps.source == Source::Exif);
        if replaces {
            self.report.gps = Some(gps);
        }
    }

    pub(crate) fn gps_time(&mut self, time: Option<String>) {
        first(&mut self.report.gps_time, time);
    }

    pub(crate) fn captured(
        &mut self,
        local: Option<String>,
        offset: Option<String>,
        source: Source,
    ) {
        if let Some(local) = local {
            first(
                &mut self.report.captured,
                Some(CaptureTime {
                    local,
                    offset,
                    source,
                }),
            );
        }
    }

    /// The camera (or lens) from its maker and model; the maker is left out when the model
    /// starts with it ("Canon" + "Canon EOS 5D").
    fn maker_model(make: Option<String>, model: Option<String>) -> Option<String> {
        match (make, model) {
            (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
                Some(model)
            }
            (Some(make), Some(model)) => Some(format!("{make} {model}")),
            (make, model) => make.or(model),
        }
    }

    pub(crate) fn camera(&mut self, make: Option<String>, model: Option<String>) {
        first(&mut self.report.camera, Self::maker_model(make, model));
    }

    pub(crate) fn lens(&mut self, make: Option<String>, model: Option<String>) {
        first(&mut self.report.lens, Self::maker_model(make, model));
    }

    pub(crate) fn body_serial(&mut self, serial: Option<String>) {
        first(&mut self.report.body_serial, serial);
    }

    pub(crate) fn lens_serial(&mut self, serial: Option<String>) {
        first(&mut self.report.lens_serial, serial);
    }

    pub(crate) fn unique_id(&mut self, id: Option<String>) {
        first(&mut self.report.unique_id, id);
    }

    pub(crate) fn software(&mut self, software: Option<String>) {
        first(&mut self.report.software, software);
    }

    pub(crate) fn orientation(&mut self, orientation: Option<u16>) {
        first(&mut self.report.orientation, orientation);
    }

    pub(crate) fn name(&mut self, role: NameRole, value: Option<String>, source: Source) {
        let Some(value) = value else { return };
        let list = &mut self.report.names;
        if list.len() < MAX_LIST && !list.iter().any(|n| n.role == role && n.value == value) {
            list.push(Named {
                role,
                value,
                source,
            });
        }
    }

    pub(crate) fn place(&mut self, field: PlaceField, value: Option<String>, source: Source) {
        let Some(value) = value else { return };
        let list = &mut self.report.places;
        if list.len() < MAX_LIST && !list.iter().any(|p| p.field == field && p.value == value) {
            list.push(Place {
                field,
                value,
                source,
            });
        }
    }

    pub(crate) fn text(&mut self, key: &str, value: Option<String>, source: Source) {
        let Some(value) = value else { return };
        let list = &mut self.report.texts;
        if list.len() < MAX_LIST && !list.iter().any(|t| t.key == key && t.value == value) {
            list.push(TextNote {
                key: key.to_string(),
                value,
                source,
            });
        }
    }

    /// Records a preview picture; the largest one is reported.
    pub(crate) fn thumbnail(&mut self, thumbnail: Thumbnail) {
        if self
            .report
            .thumbnail
            .is_none_or(|known| known.bytes < thumbnail.bytes)
        {
            self.report.thumbnail = Some(thumbnail);
        }
    }

    pub(crate) fn block(&mut self, kind: BlockKind, bytes: usize, note: Option<String>) {
        if self.report.blocks.len() < MAX_LIST {
            self.report.blocks.push(MetadataBlock { kind, bytes, note });
        }
    }
}

/// Text as a report shows it: UTF-8 (else Latin-1) without control characters or NULs, trimmed,
/// at most [`MAX_TEXT_CHARS`] characters; `None` when nothing readable is left.
pub(crate) fn clean_text(bytes: &[u8]) -> Option<String> {
    let decoded = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    tidy(&decoded)
}

/// [`clean_text`] of a string.
pub(crate) fn tidy(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if out.chars().count() >= MAX_TEXT_CHARS {
            out.push('…');
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

/// UTF-16 text (little- or big-endian) up to its first NUL, as [`tidy`] leaves it.
pub(crate) fn utf16_text(bytes: &[u8], little_endian: bool) -> Option<String> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| {
            let pair = [pair[0], pair[1]];
            if little_endian {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        })
        .take_while(|&unit| unit != 0)
        .collect();
    tidy(&String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_tidied_and_cut() {
        assert_eq!(
            clean_text(b"  Nguy\xe1\xbb\x85n\n\tVan A\0\0").as_deref(),
            Some("Nguyễn Van A")
        );
        assert_eq!(clean_text(b"caf\xe9").as_deref(), Some("café"));
        assert_eq!(clean_text(b"\n\0\0\0"), None);
        let long = "a".repeat(1000);
        assert_eq!(tidy(&long).unwrap().chars().count(), MAX_TEXT_CHARS + 1);
        assert_eq!(utf16_text(b"A\0n\0\0\0x\0", true).as_deref(), Some("An"));
    }

    #[test]
    fn the_maker_is_not_repeated() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            Findings::maker_model(s("Canon"), s("Canon EOS 5D")),
            s("Canon EOS 5D")
        );
        assert_eq!(
            Findings::maker_model(s("samsung"), s("SM-G930V")),
            s("samsung SM-G930V")
        );
        assert_eq!(Findings::maker_model(None, s("X")), s("X"));
    }
}
