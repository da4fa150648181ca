//! Reading XMP (Adobe's XML metadata) with `roxmltree`: the properties that place, date or
//! name a photo, wherever they sit in the RDF tree (as attributes or elements, inside
//! structures such as IPTC's "location created" or face regions).

use roxmltree::{Document, Node, ParsingOptions};

use super::MAX_XMP_BYTES;
use super::exif::date_time;
use super::findings::{Findings, tidy};
use super::report::{BlockKind, GpsPosition, METRES_PER_DEGREE, NameRole, PlaceField, Source};

/// Most XML nodes parsed in one packet.
const MAX_NODES: u32 = 200_000;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const EXIF: &str = "http://ns.adobe.com/exif/1.0/";
const EXIF_EX: &str = "http://cipa.jp/exif/1.0/";
const AUX: &str = "http://ns.adobe.com/exif/1.0/aux/";
const TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const RIGHTS: &str = "http://ns.adobe.com/xap/1.0/rights/";
const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const IPTC_CORE: &str = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";
const IPTC_EXT: &str = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
const MWG_REGIONS: &str = "http://www.metadataworkinggroup.com/schemas/regions/";
const MS_REGIONS: &str = "http://ns.microsoft.com/photo/1.2/t/Region#";

/// What a property tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    Latitude,
    Longitude,
    Altitude,
    AltitudeRef,
    Captured,
    Make,
    Model,
    Lens,
    BodySerial,
    LensSerial,
    Software,
    Name(NameRole),
    Place(PlaceField),
    Text(&'static str),
}

/// The properties read: namespace, local name, meaning.
const PROPS: &[(&str, &str, Prop)] = &[
    (EXIF, "GPSLatitude", Prop::Latitude),
    (EXIF, "GPSLongitude", Prop::Longitude),
    (EXIF, "GPSAltitude", Prop::Altitude),
    (EXIF, "GPSAltitudeRef", Prop::AltitudeRef),
    (EXIF, "DateTimeOriginal", Prop::Captured),
    (EXIF, "UserComment", Prop::Text("exif:UserComment")),
    (PHOTOSHOP, "DateCreated", Prop::Captured),
    (XMP, "CreateDate", Prop::Captured),
    (TIFF, "Make", Prop::Make),
    (TIFF, "Model", Prop::Model),
    (TIFF, "Artist", Prop::Name(NameRole::Artist)),
    (TIFF, "Copyright", Prop::Name(NameRole::Copyright)),
    (AUX, "Lens", Prop::Lens),
    (AUX, "SerialNumber", Prop::BodySerial),
    (AUX, "LensSerialNumber", Prop::LensSerial),
    (AUX, "OwnerName", Prop::Name(NameRole::Owner)),
    (EXIF_EX, "LensModel", Prop::Lens),
    (EXIF_EX, "BodySerialNumber", Prop::BodySerial),
    (EXIF_EX, "LensSerialNumber", Prop::LensSerial),
    (EXIF_EX, "CameraOwnerName", Prop::Name(NameRole::Owner)),
    (XMP, "CreatorTool", Prop::Software),
    (RIGHTS, "Owner", Prop::Name(NameRole::Copyright)),
    (DC, "creator", Prop::Name(NameRole::Creator)),
    (DC, "rights", Prop::Name(NameRole::Copyright)),
    (DC, "title", Prop::Text("dc:title")),
    (DC, "description", Prop::Text("dc:description")),
    (DC, "subject", Prop::Text("dc:subject")),
    (PHOTOSHOP, "Headline", Prop::Text("photoshop:Headline")),
    (PHOTOSHOP, "City", Prop::Place(PlaceField::City)),
    (PHOTOSHOP, "State", Prop::Place(PlaceField::State)),
    (PHOTOSHOP, "Country", Prop::Place(PlaceField::Country)),
    (IPTC_CORE, "Location", Prop::Place(PlaceField::Location)),
    (IPTC_CORE, "CountryCode", Prop::Place(PlaceField::Country)),
    (IPTC_CORE, "CiAdrExtadr", Prop::Name(NameRole::Contact)),
    (IPTC_CORE, "CiAdrCity", Prop::Name(NameRole::Contact)),
    (IPTC_CORE, "CiEmailWork", Prop::Name(NameRole::Contact)),
    (IPTC_CORE, "CiTelWork", Prop::Name(NameRole::Contact)),
    (IPTC_EXT, "LocationName", Prop::Place(PlaceField::Location)),
    (
        IPTC_EXT,
        "Sublocation",
        Prop::Place(PlaceField::Sublocation),
    ),
    (IPTC_EXT, "City", Prop::Place(PlaceField::City)),
    (IPTC_EXT, "ProvinceState", Prop::Place(PlaceField::State)),
    (IPTC_EXT, "CountryName", Prop::Place(PlaceField::Country)),
    (IPTC_EXT, "PersonInImage", Prop::Name(NameRole::Person)),
    (MWG_REGIONS, "Name", Prop::Name(NameRole::Person)),
    (
        MS_REGIONS,
        "PersonDisplayName",
        Prop::Name(NameRole::Person),
    ),
];

fn prop(namespace: Option<&str>, name: &str) -> Option<Prop> {
    let namespace = namespace?;
    PROPS
        .iter()
        .find(|(ns, local, _)| *ns == namespace && *local == name)
        .map(|&(.., prop)| prop)
}

/// Reads an XMP packet of `size` bytes in its container into `found`, recording the block.
pub(crate) fn read(xml: &[u8], size: usize, found: &mut Findings) {
    let note = read_fields(xml, found).err();
    found.block(BlockKind::Xmp, size, note);
}

/// Reads the properties of an XMP packet into `found`; `Err` says why it could not be read.
pub(crate) fn read_fields(xml: &[u8], found: &mut Findings) -> Result<(), String> {
    if xml.len() > MAX_XMP_BYTES {
        return Err(format!("not read: larger than {MAX_XMP_BYTES} bytes"));
    }
    let text = String::from_utf8_lossy(xml);
    let text = text.trim_start_matches('\u{feff}').trim_end_matches('\0');
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc =
        Document::parse_with_options(text, options).map_err(|e| format!("not readable: {e}"))?;
    let mut gps = Gps::default();
    let (mut make, mut model) = (None, None);
    for node in doc.descendants().filter(Node::is_element) {
        let tag = node.tag_name();
        let mut values: Vec<(Prop, String)> = node
            .attributes()
            .filter_map(|a| Some((prop(a.namespace(), a.name())?, a.value().to_string())))
            .collect();
        if let Some(p) = prop(tag.namespace(), tag.name()) {
            values.extend(element_values(node).into_iter().map(|v| (p, v)));
        }
        for (p, value) in values {
            let Some(value) = tidy(&value) else { continue };
            match p {
                Prop::Latitude => gps.latitude.get_or_insert(value),
                Prop::Longitude => gps.longitude.get_or_insert(value),
                Prop::Altitude => gps.altitude.get_or_insert(value),
                Prop::AltitudeRef => gps.altitude_ref.get_or_insert(value),
                Prop::Make => make.get_or_insert(value),
                Prop::Model => model.get_or_insert(value),
                other => {
                    apply(other, value, found);
                    continue;
                }
            };
        }
    }
    found.camera(make, model);
    if let Some(position) = gps.position() {
        found.gps(position);
    }
    Ok(())
}

/// Records one property's value.
fn apply(p: Prop, value: String, found: &mut Findings) {
    let source = Source::Xmp;
    match p {
        Prop::Captured => {
            let (local, offset) = xmp_date(&value);
            found.captured(local, offset, source);
        }
        Prop::Lens => found.lens(None, Some(value)),
        Prop::BodySerial => found.body_serial(Some(value)),
        Prop::LensSerial => found.lens_serial(Some(value)),
        Prop::Software => found.software(Some(value)),
        Prop::Name(role) => found.name(role, Some(value), source),
        Prop::Place(field) => found.place(field, Some(value), source),
        Prop::Text(key) => found.text(key, Some(value), source),
        Prop::Latitude
        | Prop::Longitude
        | Prop::Altitude
        | Prop::AltitudeRef
        | Prop::Make
        | Prop::Model => {}
    }
}

/// The values of a property element: the items of its `rdf:Seq` / `rdf:Bag` (the first of an
/// `rdf:Alt`), else its own text when it holds no elements (a structure has no value itself).
fn element_values(node: Node<'_, '_>) -> Vec<String> {
    let children: Vec<Node<'_, '_>> = node.children().filter(Node::is_element).collect();
    if children.is_empty() {
        let text: String = node.children().filter_map(|c| c.text()).collect();
        return vec![text];
    }
    let mut values = Vec::new();
    for array in children
        .iter()
        .filter(|c| c.tag_name().namespace() == Some(RDF))
    {
        let alt = array.tag_name().name() == "Alt";
        let items = array
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "li");
        for item in items {
            if item.children().any(|c| c.is_element()) {
                continue;
            }
            values.push(item.children().filter_map(|c| c.text()).collect());
            if alt {
                break;
            }
        }
    }
    values
}

/// An XMP date ("2017-11-07T22:14:06.123+07:00") as the local time and the offset.
fn xmp_date(value: &str) -> (Option<String>, Option<String>) {
    let value = value.trim();
    let (date, time) = value.split_once('T').unwrap_or((value, ""));
    let zone_at = time.find(['+', '-', 'Z']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let clock = clock.split('.').next().unwrap_or("");
    let offset = match zone {
        "" => None,
        "Z" => Some("+00:00".to_string()),
        z => Some(z.to_string()),
    };
    (
        date_time(&format!("{} {clock}", date.replace('-', ":"))),
        offset,
    )
}

/// The GPS properties of a packet, as written.
#[derive(Debug, Default)]
struct Gps {
    latitude: Option<String>,
    longitude: Option<String>,
    altitude: Option<String>,
    altitude_ref: Option<String>,
}

impl Gps {
    fn position(&self) -> Option<GpsPosition> {
        let (latitude, lat_step) = coordinate(self.latitude.as_deref()?, ['N', 'S'])?;
        let (longitude, lon_step) = coordinate(self.longitude.as_deref()?, ['E', 'W'])?;
        if latitude.abs() > 90.0 || longitude.abs() > 180.0 || (latitude == 0.0 && longitude == 0.0)
        {
            return None;
        }
        let lon_scale = latitude.to_radians().cos().abs();
        let below_sea = self.altitude_ref.as_deref() == Some("1");
        let altitude_m = self
            .altitude
            .as_deref()
            .and_then(rational)
            .map(|a| if below_sea { -a } else { a });
        Some(GpsPosition {
            latitude,
            longitude,
            altitude_m,
            resolution_m: (lat_step * METRES_PER_DEGREE)
                .max(lon_step * METRES_PER_DEGREE * lon_scale),
            error_m: None,
            source: Source::Xmp,
        })
    }
}

/// An XMP GPS coordinate, "DDD,MM,SSk" or "DDD,MM.mmk" (k a compass letter; the second of
/// `letters` is negative), as signed degrees with the step it is written with.
fn coordinate(text: &str, letters: [char; 2]) -> Option<(f64, f64)> {
    let text = text.trim();
    let last = text.chars().last()?.to_ascii_uppercase();
    let sign = match last {
        l if l == letters[0] => 1.0,
        l if l == letters[1] => -1.0,
        _ => return None,
    };
    let body = &text[..text.len() - 1];
    let parts: Vec<&str> = body.split(',').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let (mut value, mut step) = (0.0, f64::INFINITY);
    for (part, unit) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        let part = part.trim();
        let number: f64 = part.parse().ok()?;
        let decimals = part.split_once('.').map_or(0, |(_, d)| d.len()).min(12);
        value += number / unit;
        step = step.min(10f64.powi(-(decimals as i32)) / unit);
    }
    value.is_finite().then_some((sign * value, step))
}

/// "1234/100" (or "12.34") as a number.
fn rational(text: &str) -> Option<f64> {
    let value = match text.split_once('/') {
        Some((num, den)) => {
            let den: f64 = den.trim().parse().ok()?;
            (den != 0.0).then_some(num.trim().parse::<f64>().ok()? / den)?
        }
        None => text.trim().parse().ok()?,
    };
    value.is_finite().then_some(value)
}

/// The chunks of an extended XMP packet (split over several JPEG segments), put together.
#[derive(Debug, Default)]
pub(crate) struct Extension {
    guid: Option<Vec<u8>>,
    packet: Vec<u8>,
}

impl Extension {
    /// Adds one chunk: a 32-byte GUID, the packet's full length, this chunk's offset, data.
    /// Chunks of another packet than the first, or out of range, are ignored.
    pub(crate) fn add(&mut self, chunk: &[u8]) {
        let (Some(guid), Some(full), Some(offset), Some(data)) = (
            chunk.get(..32),
            chunk.get(32..36),
            chunk.get(36..40),
            chunk.get(40..),
        ) else {
            return;
        };
        let full = u32::from_be_bytes([full[0], full[1], full[2], full[3]]) as usize;
        let offset = u32::from_be_bytes([offset[0], offset[1], offset[2], offset[3]]) as usize;
        if full > MAX_XMP_BYTES || self.guid.as_deref().is_some_and(|g| g != guid) {
            return;
        }
        if self.guid.is_none() {
            self.guid = Some(guid.to_vec());
            self.packet = vec![b' '; full];
        }
        if let Some(slot) = offset
            .checked_add(data.len())
            .and_then(|end| self.packet.get_mut(offset..end))
        {
            slot.copy_from_slice(data);
        }
    }

    /// The packet, if any chunk was added.
    pub(crate) fn assembled(self) -> Option<Vec<u8>> {
        self.guid.map(|_| self.packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::report::PhotoFormat;

    #[test]
    fn coordinates_read_with_their_step() {
        let (lat, step) = coordinate("21,1.71N", ['N', 'S']).unwrap();
        assert!((lat - (21.0 + 1.71 / 60.0)).abs() < 1e-9);
        assert!((step - 0.01 / 60.0).abs() < 1e-12);
        let (lon, _) = coordinate("105,51,15W", ['E', 'W']).unwrap();
        assert!((lon + (105.0 + 51.0 / 60.0 + 15.0 / 3600.0)).abs() < 1e-9);
        assert_eq!(coordinate("21,1.71", ['N', 'S']), None);
        assert_eq!(coordinate("x,yN", ['N', 'S']), None);
    }

    #[test]
    fn dates_keep_their_offset() {
        assert_eq!(
            xmp_date("2024-05-01T07:30:12.55+07:00"),
            (Some("2024-05-01 07:30:12".into()), Some("+07:00".into()))
        );
        assert_eq!(xmp_date("2024-05-01"), (Some("2024-05-01".into()), None));
    }

    #[test]
    fn attributes_elements_and_structures_are_read() {
        let xml = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
  xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
  photoshop:City="Hà Nội" exif:GPSLatitude="21,1.71N" exif:GPSLongitude="105,51.25E">
 <dc:creator><rdf:Seq><rdf:li>Nguyễn Văn A</rdf:li></rdf:Seq></dc:creator>
 <Iptc4xmpExt:LocationCreated><rdf:Bag><rdf:li rdf:parseType="Resource">
   <Iptc4xmpExt:Sublocation>Trường Tiểu học Kim Đồng</Iptc4xmpExt:Sublocation>
 </rdf:li></rdf:Bag></Iptc4xmpExt:LocationCreated>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;
        let mut found = Findings::new(PhotoFormat::Jpeg);
        read_fields(xml.as_bytes(), &mut found).unwrap();
        let report = found.finish();
        let gps = report.gps.unwrap();
        assert_eq!(gps.coordinates(), "21.0285, 105.8542");
        assert_eq!(gps.precision_text(), "19 m");
        let places: Vec<&str> = report.places.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(places, ["Hà Nội", "Trường Tiểu học Kim Đồng"]);
        assert_eq!(report.names[0].value, "Nguyễn Văn A");
    }

    #[test]
    fn broken_xml_and_dtds_are_refused() {
        let mut found = Findings::new(PhotoFormat::Jpeg);
        assert!(read_fields(b"<a><b></a>", &mut found).is_err());
        let dtd = b"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
        assert!(read_fields(dtd, &mut found).is_err());
    }
}
