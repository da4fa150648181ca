//! PNG, through `img-parts`: the chunks that carry metadata (eXIf, the text chunks tEXt, zTXt
//! and iTXt — which also hold XMP and ImageMagick's raw EXIF/IPTC profiles —, tIME) and their
//! removal.
//!
//! What cleaning keeps: the critical chunks (header, palette, picture data, end: a decoder
//! cannot do without them) and the ancillary chunks that only say how to show the pixels
//! (transparency, colour space and ICC profile, gamma, physical size, background, animation
//! control), plus the orientation (see [`super`]). Every other ancillary chunk is dropped,
//! known or not, and so are bytes after the end chunk.

use img_parts::Bytes;
use img_parts::png::{Png, PngChunk};
use miniz_oxide::inflate::decompress_to_vec_zlib_with_limit;

use super::exif;
use super::findings::{Findings, clean_text};
use super::report::{BlockKind, Cleaned, MetadataBlock, NameRole, PhotoFormat, Source};
use super::{MAX_TEXT_BYTES, PrivacyError, photoshop, xmp};

const FORMAT: &str = "PNG";

/// Ancillary chunks kept: they describe how to show the pixels, nothing about people.
const KEPT: [&[u8; 4]; 16] = [
    b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD",
    b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
];

/// Most bytes inflated from all the compressed text chunks of one file.
const INFLATE_BUDGET: usize = 8 * MAX_TEXT_BYTES;

fn parse(bytes: &[u8]) -> Result<Png, PrivacyError> {
    let png = Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|e| match e {
        img_parts::Error::Truncated => PrivacyError::Truncated {
            format: FORMAT,
            what: "a chunk runs past the end".into(),
        },
        img_parts::Error::BadCRC => PrivacyError::Corrupt {
            format: FORMAT,
            what: "a chunk's checksum is wrong".into(),
        },
        img_parts::Error::WrongSignature => PrivacyError::Corrupt {
            format: FORMAT,
            what: "the signature is wrong".into(),
        },
    })?;
    let kinds: Vec<[u8; 4]> = png.chunks().iter().map(PngChunk::kind).collect();
    if kinds.first() != Some(b"IHDR") {
        return Err(PrivacyError::Corrupt {
            format: FORMAT,
            what: "it does not start with a header chunk".into(),
        });
    }
    if kinds.last() != Some(b"IEND") {
        return Err(PrivacyError::Truncated {
            format: FORMAT,
            what: "it has no end chunk".into(),
        });
    }
    Ok(png)
}

/// Whether a chunk is kept by cleaning (before the orientation is added back).
fn is_kept(kind: &[u8; 4]) -> bool {
    kind[0].is_ascii_uppercase() || KEPT.contains(&kind)
}

/// The name of a chunk type, for notes.
fn name(kind: &[u8; 4]) -> String {
    String::from_utf8_lossy(kind).into_owned()
}

/// The bytes a chunk takes in the file.
fn size(chunk: &PngChunk) -> usize {
    chunk.len()
}

/// Reads what a PNG reveals into `found`.
pub(crate) fn inspect(bytes: &[u8], found: &mut Findings) -> Result<(), PrivacyError> {
    let png = parse(bytes)?;
    let mut budget = INFLATE_BUDGET;
    for chunk in png.chunks() {
        let kind = chunk.kind();
        let data = chunk.contents();
        match &kind {
            b"eXIf" => exif::read(data, size(chunk), found),
            b"tEXt" | b"zTXt" | b"iTXt" => {
                let text = text_chunk(&kind, data, &mut budget);
                let note = Some(text.as_ref().map_or_else(
                    || format!("{}: not readable", name(&kind)),
                    |(key, _)| format!("{}: {key}", name(&kind)),
                ));
                found.block(text_kind(data), size(chunk), note);
                if let Some((key, value)) = text {
                    read_text(&key, &value, found);
                }
            }
            b"tIME" => found.block(BlockKind::Time, size(chunk), time(data)),
            b"iCCP" => found.block(BlockKind::Icc, size(chunk), None),
            kind if !is_kept(kind) => found.block(BlockKind::Other, size(chunk), Some(name(kind))),
            _ => {}
        }
    }
    let length = png.len();
    if bytes.len() > length {
        found.block(BlockKind::Trailing, bytes.len() - length, None);
    }
    Ok(())
}

/// A copy of the PNG without its metadata (see the module's documentation).
pub(crate) fn strip(bytes: &[u8]) -> Result<Cleaned, PrivacyError> {
    let mut png = parse(bytes)?;
    let parsed_length = png.len();
    let orientation = png
        .chunks()
        .iter()
        .filter(|c| c.kind() == *b"eXIf")
        .find_map(|c| exif::orientation(exif::tiff_of(c.contents())))
        .filter(|&o| o != 1);
    let mut removed = Vec::new();
    for chunk in png.chunks() {
        let kind = chunk.kind();
        if is_kept(&kind) {
            continue;
        }
        let only_orientation =
            kind == *b"eXIf" && exif::only_orientation(exif::tiff_of(chunk.contents()));
        if !only_orientation {
            removed.push(MetadataBlock {
                kind: match &kind {
                    b"eXIf" => BlockKind::Exif,
                    b"tEXt" | b"zTXt" | b"iTXt" => text_kind(chunk.contents()),
                    b"tIME" => BlockKind::Time,
                    _ => BlockKind::Other,
                },
                bytes: size(chunk),
                note: Some(name(&kind)),
            });
        }
    }
    png.chunks_mut().retain(|c| is_kept(&c.kind()));
    if let Some(value) = orientation {
        // Right after the header, before the picture data, as the specification asks.
        let chunk = PngChunk::new(*b"eXIf", Bytes::from(exif::orientation_only(value)));
        png.chunks_mut().insert(1, chunk);
    }
    let kept_icc = png.chunk_by_type(*b"iCCP").is_some();
    if bytes.len() > parsed_length {
        removed.push(MetadataBlock {
            kind: BlockKind::Trailing,
            bytes: bytes.len() - parsed_length,
            note: None,
        });
    }
    Ok(Cleaned {
        bytes: png.encoder().bytes().to_vec(),
        format: PhotoFormat::Png,
        removed,
        kept_orientation: orientation,
        kept_icc,
    })
}

/// How a text chunk is reported: as XMP when its keyword says it holds XMP.
fn text_kind(data: &[u8]) -> BlockKind {
    if data.starts_with(b"XML:com.adobe.xmp\0") {
        BlockKind::Xmp
    } else {
        BlockKind::Text
    }
}

/// The keyword and text of a text chunk, inflating compressed text within `budget` bytes;
/// `None` when it is not readable.
fn text_chunk(kind: &[u8; 4], data: &[u8], budget: &mut usize) -> Option<(String, Vec<u8>)> {
    let nul = data.iter().position(|&b| b == 0)?;
    let key = clean_text(&data[..nul])?;
    let rest = &data[nul + 1..];
    let text = match kind {
        b"tEXt" => rest.to_vec(),
        b"zTXt" => inflate(rest.get(1..)?, budget)?,
        _ => {
            // iTXt: compression flag, method, language tag, translated keyword, text.
            let (&compressed, rest) = rest.split_first()?;
            let rest = rest.get(1..)?;
            let lang_end = rest.iter().position(|&b| b == 0)?;
            let rest = &rest[lang_end + 1..];
            let translated_end = rest.iter().position(|&b| b == 0)?;
            let rest = &rest[translated_end + 1..];
            if compressed == 1 {
                inflate(rest, budget)?
            } else {
                rest.to_vec()
            }
        }
    };
    Some((key, text))
}

/// Inflates zlib data within `budget` bytes (and at most [`MAX_TEXT_BYTES`]).
fn inflate(data: &[u8], budget: &mut usize) -> Option<Vec<u8>> {
    let limit = (*budget).min(MAX_TEXT_BYTES);
    let out = decompress_to_vec_zlib_with_limit(data, limit).ok()?;
    *budget -= out.len();
    Some(out)
}

/// Reads a text chunk's keyword and text into `found`.
fn read_text(key: &str, value: &[u8], found: &mut Findings) {
    let source = Source::Text;
    match key {
        "XML:com.adobe.xmp" => {
            // The chunk was recorded already; only its properties are read here.
            let _ = xmp::read_fields(value, found);
        }
        "Raw profile type exif" | "Raw profile type APP1" => {
            if let Some(block) = raw_profile(value) {
                exif::read(&block, block.len(), found);
            }
        }
        "Raw profile type iptc" | "Raw profile type 8bim" => {
            if let Some(block) = raw_profile(value) {
                match block.strip_prefix(b"Photoshop 3.0\0") {
                    Some(resources) => photoshop::read(resources, block.len(), found),
                    None if block.starts_with(b"8BIM") => {
                        photoshop::read(&block, block.len(), found);
                    }
                    None => photoshop::read_iptc(&block, found),
                }
            }
        }
        "Raw profile type xmp" => {
            if let Some(block) = raw_profile(value) {
                let _ = xmp::read_fields(&block, found);
            }
        }
        "Author" => found.name(NameRole::Artist, clean_text(value), source),
        "Copyright" => found.name(NameRole::Copyright, clean_text(value), source),
        "Software" => found.software(clean_text(value)),
        "Creation Time" => found.captured(clean_text(value), None, source),
        "Source" => found.camera(None, clean_text(value)),
        _ => found.text(key, clean_text(value), source),
    }
}

/// The bytes of an ImageMagick raw profile: "\nNAME\n   LENGTH\nHEX…".
fn raw_profile(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?;
    let mut lines = text.trim_start().splitn(3, '\n');
    let _name = lines.next()?;
    let length: usize = lines.next()?.trim().parse().ok()?;
    let hex: Vec<u8> = lines
        .next()?
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(length.min(MAX_TEXT_BYTES) * 2)
        .collect();
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    hex.chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// The tIME chunk's date: "2024-05-01 10:20:30 UTC".
fn time(data: &[u8]) -> Option<String> {
    let [y1, y2, month, day, hour, minute, second] = *data else {
        return None;
    };
    Some(format!(
        "{:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC",
        u16::from_be_bytes([y1, y2])
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_profiles_decode_from_hex() {
        let text = b"\nexif\n       6\n457869660000\n";
        assert_eq!(raw_profile(text).as_deref(), Some(&b"Exif\0\0"[..]));
        assert_eq!(raw_profile(b"\nexif\n  x\n00"), None);
    }

    #[test]
    fn text_chunks_of_every_kind_are_read() {
        let mut budget = INFLATE_BUDGET;
        let plain = text_chunk(b"tEXt", b"Author\0Tran Thi B", &mut budget).unwrap();
        assert_eq!(plain, ("Author".to_string(), b"Tran Thi B".to_vec()));
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(b"Ha Noi", 6);
        let mut z = b"Comment\0\0".to_vec();
        z.extend_from_slice(&packed);
        assert_eq!(text_chunk(b"zTXt", &z, &mut budget).unwrap().1, b"Ha Noi");
        let mut i = b"Title\0\x01\0vi\0Tieu de\0".to_vec();
        i.extend_from_slice(&packed);
        assert_eq!(text_chunk(b"iTXt", &i, &mut budget).unwrap().1, b"Ha Noi");
        assert_eq!(text_chunk(b"iTXt", b"Title\0\x01", &mut budget), None);
    }

    #[test]
    fn a_bomb_in_a_text_chunk_is_not_inflated() {
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![b'a'; 4 * MAX_TEXT_BYTES], 10);
        let mut z = b"Comment\0\0".to_vec();
        z.extend_from_slice(&bomb);
        let mut budget = INFLATE_BUDGET;
        assert_eq!(text_chunk(b"zTXt", &z, &mut budget), None);
    }

    #[test]
    fn the_time_chunk_reads_as_utc() {
        assert_eq!(
            time(&[7, 232, 5, 1, 10, 20, 30]).as_deref(),
            Some("2024-05-01 10:20:30 UTC")
        );
        assert_eq!(time(&[1, 2]), None);
    }
}
