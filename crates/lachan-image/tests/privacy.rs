//! Photo privacy on real files: ThreatExchange's four phone photos (GPS, capture time, camera,
//! maker note, thumbnail, Samsung trailer) and PNG / WebP / JPEG files given metadata of every
//! kind here. [`privacy::inspect`] finds it; after [`privacy::strip`] the decoded pixels are
//! identical, the compressed picture data is byte-identical, nothing personal is found (nor
//! left anywhere in the bytes), and the orientation is kept. Broken files give clear errors,
//! and damaged bytes never panic.

mod common;

use common::image_bytes;
use image::{DynamicImage, ImageDecoder, ImageReader};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF, ImageICC};
use lachan_image::privacy::{
    self, BlockKind, MAX_PHOTO_BYTES, NameRole, PhotoFormat, PhotoReport, PlaceField, PrivacyError,
};

/// The phone photos and their EXIF orientation.
const PHONE_PHOTOS: [(&str, u16); 4] = [
    ("reg-test-input/exif-rotn/exif-rotn-1.jpg", 1),
    ("reg-test-input/exif-rotn/exif-rotn-3.jpg", 3),
    ("reg-test-input/exif-rotn/exif-rotn-6.jpg", 6),
    ("reg-test-input/exif-rotn/exif-rotn-8.jpg", 8),
];

/// Texts of the phone photos' metadata that must not survive cleaning: model, firmware,
/// unique id, and Samsung's trailer.
const PHONE_SECRETS: [&[u8]; 4] = [
    b"SM-G930V",
    b"G930VVRS4BQI1",
    b"C12QSJK01SM",
    b"Image_UTC_Data",
];

/// An XMP packet naming a place, a person and a GPS position.
const XMP: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
  xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
  xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
  photoshop:City="Hà Nội" exif:GPSLatitude="21,1.71N" exif:GPSLongitude="105,51.25E">
 <dc:creator><rdf:Seq><rdf:li>Nguyễn Văn An</rdf:li></rdf:Seq></dc:creator>
 <Iptc4xmpExt:LocationCreated><rdf:Bag><rdf:li rdf:parseType="Resource">
   <Iptc4xmpExt:Sublocation>Trường Tiểu học Kim Đồng</Iptc4xmpExt:Sublocation>
 </rdf:li></rdf:Bag></Iptc4xmpExt:LocationCreated>
 <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>
   <rdf:li rdf:parseType="Resource"><mwg-rs:Name>Bé Minh Anh</mwg-rs:Name></rdf:li>
 </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;

/// Texts of [`XMP`] and the other added metadata that must not survive cleaning.
const ADDED_SECRETS: [&str; 6] = [
    "Kim Đồng",
    "Nguyễn Văn An",
    "Minh Anh",
    "Tran Thi Binh",
    "Nha cua be",
    "21,1.71N",
];

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("decodes")
}

/// The EXIF orientation the `image` crate's decoder reads (as a viewer would apply it).
fn decoder_orientation(bytes: &[u8]) -> image::metadata::Orientation {
    let reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .unwrap();
    reader.into_decoder().unwrap().orientation().unwrap()
}

fn assert_same_pixels(original: &[u8], cleaned: &[u8]) {
    let (a, b) = (decode(original), decode(cleaned));
    assert_eq!(
        (a.width(), a.height(), a.color()),
        (b.width(), b.height(), b.color())
    );
    assert!(a.as_bytes() == b.as_bytes(), "the pixels differ");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_nothing_left(cleaned: &[u8], secrets: &[&[u8]]) {
    for secret in secrets {
        assert!(
            !contains(cleaned, secret),
            "{:?} is still in the file",
            String::from_utf8_lossy(secret)
        );
    }
}

fn assert_reveals_nothing(report: &PhotoReport) {
    assert!(report.reveals_nothing(), "still reveals: {report:#?}");
}

/// A baseline JPEG's compressed picture data: from its scan header to its end-of-image
/// marker (found with a walk of our own, independent of the module's).
fn jpeg_scan(bytes: &[u8]) -> &[u8] {
    let mut pos = 2;
    while bytes[pos + 1] != 0xDA {
        assert_eq!(bytes[pos], 0xFF, "marker expected at {pos}");
        pos += 2 + usize::from(u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]));
    }
    let end = pos
        + bytes[pos..]
            .windows(2)
            .position(|w| w == [0xFF, 0xD9])
            .unwrap()
        + 2;
    &bytes[pos..end]
}

/// The TIFF structure of a phone photo's EXIF (its first segment is APP1 "Exif\0\0").
fn phone_exif() -> Vec<u8> {
    let bytes = image_bytes(PHONE_PHOTOS[2].0);
    assert_eq!(&bytes[2..4], [0xFF, 0xE1]);
    let length = usize::from(u16::from_be_bytes([bytes[4], bytes[5]]));
    assert_eq!(&bytes[6..12], b"Exif\0\0");
    bytes[12..4 + length].to_vec()
}

#[test]
fn phone_photos_reveal_place_time_camera_and_thumbnail() {
    for (path, orientation) in PHONE_PHOTOS {
        let report = privacy::inspect(&image_bytes(path)).unwrap();
        assert_eq!(report.format, PhotoFormat::Jpeg);
        let gps = report
            .gps
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: no GPS"));
        assert!((38.9..39.0).contains(&gps.latitude), "{path}: {gps:?}");
        assert!((-77.1..-77.0).contains(&gps.longitude), "{path}: {gps:?}");
        assert_eq!(
            gps.precision_text(),
            "1 m",
            "{path}: stored to the millimetre"
        );
        assert_eq!(gps.decimals(), 5);
        assert_eq!(report.camera.as_deref(), Some("samsung SM-G930V"));
        assert!(
            report
                .captured
                .as_ref()
                .unwrap()
                .local
                .starts_with("2017-11-"),
            "{path}"
        );
        assert!(report.gps_time.as_ref().unwrap().ends_with("UTC"));
        assert!(
            report.unique_id.is_some() && report.software.is_some(),
            "{path}"
        );
        let thumbnail = report.thumbnail.unwrap();
        assert!(
            thumbnail.bytes > 1000 && thumbnail.width.unwrap() > 100,
            "{thumbnail:?}"
        );
        assert_eq!(report.orientation, Some(orientation));
        let kinds: Vec<BlockKind> = report.blocks.iter().map(|b| b.kind).collect();
        for kind in [BlockKind::Exif, BlockKind::MakerNote, BlockKind::Trailing] {
            assert!(kinds.contains(&kind), "{path}: {kinds:?}");
        }
        assert!(!report.reveals_nothing());
    }
    let six = privacy::inspect(&image_bytes(PHONE_PHOTOS[2].0)).unwrap();
    assert_eq!(six.gps.unwrap().coordinates(), "38.97794, -77.02320");
    assert_eq!(six.captured.unwrap().local, "2017-11-07 22:14:06");
    assert_eq!(six.gps_time.as_deref(), Some("2017-11-08 03:13:42 UTC"));
    assert_eq!(six.unique_id.as_deref(), Some("C12QSJK01SM"));
}

#[test]
fn cleaned_phone_photos_keep_every_pixel_and_their_orientation_and_nothing_else() {
    for (path, orientation) in PHONE_PHOTOS {
        let original = image_bytes(path);
        let cleaned = privacy::clean(&original).unwrap();
        let report = privacy::inspect(&cleaned.bytes).unwrap();
        assert_reveals_nothing(&report);
        assert_nothing_left(&cleaned.bytes, &PHONE_SECRETS);
        // Upright photos keep no EXIF at all; the others only their orientation.
        let kept = (orientation != 1).then_some(orientation);
        assert_eq!(cleaned.kept_orientation, kept, "{path}");
        assert_eq!(report.orientation, kept, "{path}");
        assert_eq!(
            decoder_orientation(&cleaned.bytes),
            decoder_orientation(&original)
        );
        // The compressed picture is copied byte for byte, and nothing follows its end.
        assert!(
            jpeg_scan(&original) == jpeg_scan(&cleaned.bytes),
            "{path}: scan changed"
        );
        assert!(cleaned.bytes.ends_with(&[0xFF, 0xD9]));
        assert_same_pixels(&original, &cleaned.bytes);
        let removed: Vec<BlockKind> = cleaned.removed.iter().map(|b| b.kind).collect();
        assert!(removed.contains(&BlockKind::Exif) && removed.contains(&BlockKind::Trailing));
        assert!(
            original.len() - cleaned.bytes.len() > 15_000,
            "the EXIF is 15 kB or more"
        );
        // Cleaning a clean file changes nothing.
        let again = privacy::clean(&cleaned.bytes).unwrap();
        assert!(
            again.bytes == cleaned.bytes,
            "{path}: cleaning is not idempotent"
        );
        assert!(again.removed.is_empty(), "{:?}", again.removed);
    }
}

/// A PNG (ThreatExchange's c.png: ICC profile, an XMP text chunk, Apple's iDOT chunk) given
/// more: a phone's EXIF, an author, a compressed comment, an XMP packet naming a place,
/// a modification time, a private chunk, and bytes after its end.
fn png_with_metadata() -> Vec<u8> {
    let mut png = Png::from_bytes(Bytes::from(image_bytes("misc-images/c.png"))).unwrap();
    let chunks = png.chunks_mut();
    let mut add = |kind: &[u8; 4], data: Vec<u8>| {
        chunks.insert(1, PngChunk::new(*kind, Bytes::from(data)));
    };
    add(b"eXIf", phone_exif());
    add(b"tEXt", b"Author\0Tran Thi Binh".to_vec());
    let mut comment = b"Comment\0\0".to_vec();
    comment.extend(miniz_oxide::deflate::compress_to_vec_zlib(
        b"Nha cua be o ngo 5",
        6,
    ));
    add(b"zTXt", comment);
    let mut xmp = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    xmp.extend_from_slice(XMP.as_bytes());
    add(b"iTXt", xmp);
    add(b"tIME", vec![7, 232, 5, 1, 10, 20, 30]);
    add(b"prVt", b"private".to_vec());
    let mut bytes = png.encoder().bytes().to_vec();
    bytes.extend_from_slice(b"after the end: Tran Thi Binh");
    bytes
}

/// The concatenated data of every IDAT chunk (the compressed picture).
fn idat(bytes: &[u8]) -> Vec<u8> {
    let png = Png::from_bytes(Bytes::copy_from_slice(bytes)).unwrap();
    png.chunks_by_type(*b"IDAT")
        .flat_map(|c| c.contents().to_vec())
        .collect()
}

#[test]
fn png_metadata_of_every_kind_is_found_and_removed() {
    let original = png_with_metadata();
    let report = privacy::inspect(&original).unwrap();
    assert_eq!(report.format, PhotoFormat::Png);
    // The XMP chunk comes first, but EXIF's position wins over the one copied into XMP.
    assert!((38.9..39.0).contains(&report.gps.as_ref().unwrap().latitude));
    assert_eq!(report.camera.as_deref(), Some("samsung SM-G930V"));
    let names: Vec<(NameRole, &str)> = report
        .names
        .iter()
        .map(|n| (n.role, n.value.as_str()))
        .collect();
    assert!(
        names.contains(&(NameRole::Artist, "Tran Thi Binh")),
        "{names:?}"
    );
    assert!(
        names.contains(&(NameRole::Creator, "Nguyễn Văn An")),
        "{names:?}"
    );
    assert!(
        names.contains(&(NameRole::Person, "Bé Minh Anh")),
        "{names:?}"
    );
    let places: Vec<(PlaceField, &str)> = report
        .places
        .iter()
        .map(|p| (p.field, p.value.as_str()))
        .collect();
    assert!(places.contains(&(PlaceField::City, "Hà Nội")), "{places:?}");
    assert!(places.contains(&(PlaceField::Sublocation, "Trường Tiểu học Kim Đồng")));
    assert!(
        report
            .texts
            .iter()
            .any(|t| t.key == "Comment" && t.value == "Nha cua be o ngo 5")
    );
    let kinds: Vec<BlockKind> = report.blocks.iter().map(|b| b.kind).collect();
    for kind in [
        BlockKind::Exif,
        BlockKind::Text,
        BlockKind::Xmp,
        BlockKind::Time,
        BlockKind::Icc,
        BlockKind::Other,
        BlockKind::Trailing,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }

    let cleaned = privacy::clean(&original).unwrap();
    assert_reveals_nothing(&privacy::inspect(&cleaned.bytes).unwrap());
    let secrets: Vec<&[u8]> = ADDED_SECRETS
        .iter()
        .map(|s| s.as_bytes())
        .chain(PHONE_SECRETS)
        .collect();
    assert_nothing_left(&cleaned.bytes, &secrets);
    assert!(!contains(&cleaned.bytes, b"iDOT") && !contains(&cleaned.bytes, b"prVt"));
    assert_eq!(cleaned.kept_orientation, Some(6));
    assert!(cleaned.kept_icc);
    assert!(
        idat(&original) == idat(&cleaned.bytes),
        "the picture data changed"
    );
    assert_same_pixels(&original, &cleaned.bytes);
    assert_eq!(
        decoder_orientation(&cleaned.bytes),
        image::metadata::Orientation::Rotate90
    );
    assert!(privacy::strip(&cleaned.bytes).unwrap() == cleaned.bytes);
}

/// The VP8X flags byte and the RIFF size of a WebP file.
fn webp_header(bytes: &[u8]) -> (Option<u8>, usize) {
    let webp = WebP::from_bytes(Bytes::copy_from_slice(bytes)).unwrap();
    let flags = webp
        .chunk_by_id(*b"VP8X")
        .and_then(|c| c.content().data().and_then(|d| d.first().copied()));
    let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    (flags, riff)
}

/// Adds EXIF, XMP (with its flag), an ICC profile and a private chunk to a WebP file.
fn webp_with_metadata(bytes: Vec<u8>, icc: Option<Bytes>) -> Vec<u8> {
    let mut webp = WebP::from_bytes(Bytes::from(bytes)).unwrap();
    webp.set_exif(Some(Bytes::from(phone_exif())));
    webp.set_icc_profile(icc);
    let chunks = webp.chunks_mut();
    chunks.push(RiffChunk::new(
        *b"XMP ",
        RiffContent::Data(Bytes::from(XMP)),
    ));
    chunks.push(RiffChunk::new(
        *b"prVt",
        RiffContent::Data(Bytes::from_static(b"Tran Thi Binh")),
    ));
    if let RiffContent::Data(data) = chunks[0].content_mut() {
        let mut header = data.to_vec();
        header[0] |= 0b0000_0100; // XMP present
        *data = Bytes::from(header);
    }
    webp.encoder().bytes().to_vec()
}

#[test]
fn webp_metadata_is_removed_and_the_header_corrected() {
    let icc = Png::from_bytes(Bytes::from(image_bytes("misc-images/c.png")))
        .unwrap()
        .icc_profile();
    assert!(icc.is_some());
    let lossy = image_bytes("misc-images/modes/PA.webp");
    let rgba = decode(&image_bytes("misc-images/c.png")).to_rgba8();
    let mut lossless = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut lossless)
        .encode(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    for (name, plain, icc) in [
        ("lossy", lossy, icc),
        ("lossless with alpha", lossless, None),
    ] {
        let original = webp_with_metadata(plain, icc.clone());
        let report = privacy::inspect(&original).unwrap();
        assert_eq!(report.format, PhotoFormat::WebP);
        assert!(report.gps.is_some() && report.camera.is_some(), "{name}");
        assert!(report.places.iter().any(|p| p.value == "Hà Nội"), "{name}");
        assert_eq!(
            webp_header(&original).0.map(|f| f & 0b0010_1100),
            Some(if icc.is_some() {
                0b0010_1100
            } else {
                0b0000_1100
            })
        );

        let cleaned = privacy::clean(&original).unwrap();
        assert_reveals_nothing(&privacy::inspect(&cleaned.bytes).unwrap());
        let secrets: Vec<&[u8]> = ADDED_SECRETS
            .iter()
            .map(|s| s.as_bytes())
            .chain(PHONE_SECRETS)
            .collect();
        assert_nothing_left(&cleaned.bytes, &secrets);
        let (flags, riff) = webp_header(&cleaned.bytes);
        assert_eq!(riff, cleaned.bytes.len() - 8, "{name}: RIFF size");
        // EXIF (the orientation) stays, XMP goes, ICC as before.
        let flags = flags.unwrap();
        assert_eq!(flags & 0b0000_1000, 0b0000_1000, "{name}: EXIF flag");
        assert_eq!(flags & 0b0000_0100, 0, "{name}: XMP flag");
        assert_eq!(flags & 0b0010_0000 != 0, icc.is_some(), "{name}: ICC flag");
        assert_eq!(cleaned.kept_icc, icc.is_some());
        assert_eq!(cleaned.kept_orientation, Some(6));
        let picture = |bytes: &[u8]| {
            let webp = WebP::from_bytes(Bytes::copy_from_slice(bytes)).unwrap();
            let chunk = webp
                .chunks()
                .iter()
                .find(|c| matches!(&c.id(), b"VP8 " | b"VP8L"))
                .unwrap();
            chunk.content().data().unwrap().clone()
        };
        assert!(
            picture(&original) == picture(&cleaned.bytes),
            "{name}: picture changed"
        );
        assert_same_pixels(&original, &cleaned.bytes);
        assert!(privacy::strip(&cleaned.bytes).unwrap() == cleaned.bytes);
    }
}

/// A JPEG segment.
fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// An IPTC-IIM dataset of record 2.
fn iptc(number: u8, value: &str) -> Vec<u8> {
    let mut out = vec![0x1C, 2, number];
    out.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    out.extend_from_slice(value.as_bytes());
    out
}

/// ThreatExchange's wee.jpg given XMP, Photoshop/IPTC, a comment, a multi-picture index,
/// content credentials, and a second picture after its end.
fn jpeg_with_metadata() -> Vec<u8> {
    let plain = image_bytes("misc-images/wee.jpg");
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(XMP.as_bytes());
    let mut records = iptc(80, "Tran Thi Binh");
    records.extend(iptc(92, "Ngõ 5 Nguyễn Trãi"));
    let mut photoshop = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    photoshop.extend_from_slice(&u32::try_from(records.len()).unwrap().to_be_bytes());
    photoshop.extend_from_slice(&records);
    let mut out = plain[..2].to_vec();
    for part in [
        segment(0xE1, &xmp),
        segment(0xED, &photoshop),
        segment(0xFE, b"Nha cua be"),
        segment(0xE2, b"MPF\0MM\0\x2a\0\0\0\x08"),
        segment(0xEB, b"JP\0\0\0\0\0\x01c2pa"),
    ] {
        out.extend(part);
    }
    out.extend_from_slice(&plain[2..]);
    out.extend_from_slice(&plain);
    out
}

#[test]
fn jpeg_xmp_iptc_comments_and_extra_pictures_are_found_and_removed() {
    let original = jpeg_with_metadata();
    let report = privacy::inspect(&original).unwrap();
    assert_eq!(
        report.gps.as_ref().unwrap().coordinates(),
        "21.0285, 105.8542"
    );
    let places: Vec<&str> = report.places.iter().map(|p| p.value.as_str()).collect();
    assert!(
        places.contains(&"Ngõ 5 Nguyễn Trãi") && places.contains(&"Hà Nội"),
        "{places:?}"
    );
    assert!(
        report
            .names
            .iter()
            .any(|n| n.role == NameRole::Byline && n.value == "Tran Thi Binh")
    );
    assert!(report.texts.iter().any(|t| t.value == "Nha cua be"));
    let kinds: Vec<BlockKind> = report.blocks.iter().map(|b| b.kind).collect();
    for kind in [
        BlockKind::Xmp,
        BlockKind::Photoshop,
        BlockKind::Comment,
        BlockKind::MultiPicture,
        BlockKind::Credentials,
        BlockKind::Trailing,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }
    let cleaned = privacy::clean(&original).unwrap();
    assert_reveals_nothing(&privacy::inspect(&cleaned.bytes).unwrap());
    let secrets: Vec<&[u8]> = ADDED_SECRETS
        .iter()
        .map(|s| s.as_bytes())
        .chain([&b"c2pa"[..], b"MPF\0"])
        .collect();
    assert_nothing_left(&cleaned.bytes, &secrets);
    assert_eq!(cleaned.kept_orientation, None);
    let removed: Vec<BlockKind> = cleaned.removed.iter().map(|b| b.kind).collect();
    assert_eq!(
        removed.len(),
        9,
        "wee.jpg has EXIF, Photoshop and XMP blocks of its own"
    );
    assert!(
        kinds.iter().all(|k| k.is_kept() || removed.contains(k)),
        "{removed:?}"
    );
    assert!(jpeg_scan(&original) == jpeg_scan(&cleaned.bytes));
    assert_same_pixels(&original, &cleaned.bytes);
    // The plain file is what is left: its JFIF header and tables, its picture.
    assert!(cleaned.bytes == privacy::strip(&image_bytes("misc-images/wee.jpg")).unwrap());
}

/// A HEIF file with one EXIF item stored in the meta box's item data.
fn heif_with_exif(tiff: &[u8]) -> Vec<u8> {
    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(body.len() + 8)
            .unwrap()
            .to_be_bytes()
            .to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }
    let ftyp = boxed(b"ftyp", b"heic\0\0\0\0mif1heic");
    let infe = boxed(b"infe", b"\x02\0\0\0\0\x01\0\0Exif\0");
    let iinf = boxed(b"iinf", &[&[0, 0, 0, 0, 0, 1][..], &infe].concat());
    let mut item = vec![0, 0, 0, 0];
    item.extend_from_slice(tiff);
    let mut iloc = vec![
        1, 0, 0, 0, 0x44, 0x00, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
    ];
    iloc.extend_from_slice(&u32::try_from(item.len()).unwrap().to_be_bytes());
    let meta_body = [
        &[0, 0, 0, 0][..],
        &iinf,
        &boxed(b"iloc", &iloc),
        &boxed(b"idat", &item),
    ]
    .concat();
    [ftyp, boxed(b"meta", &meta_body)].concat()
}

#[test]
fn heic_photos_are_inspected_but_not_cleaned() {
    let heic = heif_with_exif(&phone_exif());
    let report = privacy::inspect(&heic).unwrap();
    assert_eq!(report.format, PhotoFormat::Heif);
    assert!(
        report.gps.is_some() && report.camera.is_some(),
        "{report:?}"
    );
    let refused = privacy::strip(&heic).unwrap_err();
    assert_eq!(refused, PrivacyError::CannotStrip { format: "HEIC" });
    assert!(refused.to_string().contains("save it as JPEG"), "{refused}");
}

/// Whether an error is the one expected.
type Expected = fn(&PrivacyError) -> bool;

#[test]
fn broken_files_get_clear_errors() {
    let phone = image_bytes(PHONE_PHOTOS[0].0);
    let png = png_with_metadata();
    let webp = webp_with_metadata(image_bytes("misc-images/modes/F.webp"), None);
    let mut bad_crc = png.clone();
    bad_crc[40] ^= 0xFF;
    let cases: Vec<(&str, Vec<u8>, Expected)> = vec![
        ("empty", Vec::new(), |e| *e == PrivacyError::Empty),
        ("huge", vec![0; MAX_PHOTO_BYTES + 1], |e| {
            matches!(e, PrivacyError::TooLarge { .. })
        }),
        (
            "text",
            b"these are not the pixels you are looking for".to_vec(),
            |e| *e == PrivacyError::UnknownFormat,
        ),
        ("gif", b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(), |e| {
            *e == PrivacyError::Unsupported { format: "GIF" }
        }),
        (
            "jpeg cut in the picture",
            phone[..phone.len() / 2].to_vec(),
            |e| matches!(e, PrivacyError::Truncated { format: "JPEG", .. }),
        ),
        ("jpeg cut in its EXIF", phone[..5000].to_vec(), |e| {
            matches!(e, PrivacyError::Truncated { format: "JPEG", .. })
        }),
        (
            "jpeg without a frame",
            [&[0xFF, 0xD8][..], &segment(0xDA, &[0; 6]), &[0xFF, 0xD9]].concat(),
            |e| matches!(e, PrivacyError::Corrupt { format: "JPEG", .. }),
        ),
        ("png with a bad checksum", bad_crc, |e| {
            matches!(e, PrivacyError::Corrupt { format: "PNG", .. })
        }),
        ("png cut", png[..png.len() / 2].to_vec(), |e| {
            matches!(e, PrivacyError::Truncated { format: "PNG", .. })
        }),
        ("webp cut", webp[..webp.len() - 100].to_vec(), |e| {
            matches!(e, PrivacyError::Truncated { format: "WebP", .. })
        }),
    ];
    for (name, bytes, expected) in cases {
        for result in [
            privacy::inspect(&bytes).map(|_| ()),
            privacy::strip(&bytes).map(|_| ()),
        ] {
            let error = result.expect_err(name);
            assert!(expected(&error), "{name}: {error:?}");
            assert!(error.to_string().len() > 30, "{name}: {error}");
        }
    }
}

/// A small deterministic generator (xorshift) for damaging files.
struct Noise(u64);

impl Noise {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

#[test]
fn damaged_files_never_panic_and_what_cleaning_gives_reveals_nothing() {
    let small_png = {
        let mut png = Png::from_bytes(Bytes::from(image_bytes("misc-images/modes/P.png"))).unwrap();
        png.chunks_mut()
            .insert(1, PngChunk::new(*b"eXIf", Bytes::from(phone_exif())));
        png.encoder().bytes().to_vec()
    };
    let small_webp = webp_with_metadata(image_bytes("misc-images/modes/F.webp"), None);
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let mut cleaned_count = 0;
    for file in [jpeg_with_metadata(), small_png, small_webp] {
        for round in 0..300 {
            let mut bytes = file.clone();
            match round % 3 {
                0 => bytes.truncate(noise.next(bytes.len())),
                1 => {
                    for _ in 0..1 + noise.next(8) {
                        let at = noise.next(bytes.len().min(40_000));
                        bytes[at] = noise.next(256) as u8;
                    }
                }
                _ => {
                    let at = noise.next(bytes.len().min(40_000));
                    let len = noise.next(64).min(bytes.len() - at);
                    bytes.drain(at..at + len);
                }
            }
            let _ = privacy::inspect(&bytes);
            if let Ok(cleaned) = privacy::strip(&bytes) {
                cleaned_count += 1;
                let report = privacy::inspect(&cleaned).expect("a cleaned file reads");
                assert_reveals_nothing(&report);
            }
        }
    }
    assert!(
        cleaned_count > 100,
        "only {cleaned_count} damaged files could be cleaned"
    );
}
