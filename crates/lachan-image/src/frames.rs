//! Frame headers inside WebP and GIF files, read before decoding.
//!
//! `decode` checks the size a file's header gives against the limits, but the decoders size
//! their buffers from each frame's own header. In an extended WebP file the canvas (VP8X) and
//! the bitstream (VP8, VP8L, or one inside an ANMF animation frame) state their sizes apart:
//! `image-webp` allocates and decodes a VP8 frame in full before it compares its size with the
//! canvas, so a 40×30 canvas holding a 12000×12000 frame cost 231 MB whatever the limits said.
//! A GIF's first frame may be larger than its logical screen; the `image` crate holds its
//! buffer to the memory limit only, not to the pixel limits.
//!
//! This module walks the containers without decoding anything: WebP's RIFF chunks (and the
//! chunks inside each animation frame), GIF's blocks up to the first image descriptor. Each walk
//! only moves forward by the lengths it reads, so it ends within the input; all arithmetic is
//! checked. A WebP frame must fit the canvas (or animation frame) it is drawn into, which keeps it
//! within the limits the canvas was checked against; a GIF frame larger than the screen is legal
//! (the `image` crate clips it), so [`gif_first_frame`] only reports its size for the limits.

/// A RIFF chunk: its four-character code, where its payload starts and its stated length.
struct Chunk {
    fourcc: [u8; 4],
    start: usize,
    len: u64,
}

impl Chunk {
    /// The payload as far as the file holds it.
    fn payload<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        let end = u64::try_from(self.start)
            .ok()
            .and_then(|start| start.checked_add(self.len))
            .and_then(|end| usize::try_from(end).ok())
            .map_or(bytes.len(), |end| end.min(bytes.len()));
        bytes.get(self.start..end).unwrap_or(&[])
    }

    /// Whether the stated length runs past the end of the file.
    fn past_end(&self, bytes: &[u8]) -> bool {
        (self.payload(bytes).len() as u64) < self.len
    }
}

/// The chunks whose 8-byte headers lie in `bytes[from..to]`, each following the previous one's
/// stated length padded to an even number, as RIFF readers find them. Every step moves forward
/// by at least 8 bytes, so the walk ends.
fn chunks(bytes: &[u8], from: usize, to: usize) -> impl Iterator<Item = Chunk> + '_ {
    let to = to.min(bytes.len());
    let mut next = Some(from);
    std::iter::from_fn(move || {
        let at = next.take()?;
        let start = at.checked_add(8).filter(|&start| start <= to)?;
        let header = bytes.get(at..start)?;
        let fourcc = [header[0], header[1], header[2], header[3]];
        let len = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        next = u64::try_from(start)
            .ok()
            .and_then(|start| start.checked_add(len + (len & 1)))
            .and_then(|after| usize::try_from(after).ok());
        Some(Chunk { fourcc, start, len })
    })
}

/// What a WebP file's chunks show before decoding.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WebpChunks {
    /// Why a frame is larger than the canvas or animation frame it is drawn into, if one is.
    pub(crate) frame_over_canvas: Option<String>,
    /// Whether an EXIF chunk states more bytes than the file has left: `image-webp` allocates
    /// the stated length (up to 4 GiB) before reading it.
    pub(crate) exif_past_end: bool,
}

/// Walks an extended (VP8X) WebP file whose canvas is `canvas`. A simple file (VP8 or VP8L
/// first) has no separate canvas: its decoder reads the size from the bitstream itself, and
/// reads no other chunk.
pub(crate) fn webp_chunks(bytes: &[u8], canvas: (u32, u32)) -> WebpChunks {
    let mut found = WebpChunks::default();
    if bytes.get(12..16) != Some(b"VP8X") {
        return found;
    }
    for chunk in chunks(bytes, 12, bytes.len()) {
        let problem = match &chunk.fourcc {
            b"ANMF" => animation_frame(bytes, &chunk, canvas, &mut found.exif_past_end),
            _ => {
                found.exif_past_end |= exif_past_end(bytes, &chunk);
                bitstream_over(bytes, &chunk, canvas, "canvas")
            }
        };
        if problem.is_some() {
            found.frame_over_canvas = problem;
            break;
        }
    }
    found
}

/// Whether `chunk` is an EXIF chunk stating more bytes than the file has left.
fn exif_past_end(bytes: &[u8], chunk: &Chunk) -> bool {
    &chunk.fourcc == b"EXIF" && chunk.past_end(bytes)
}

/// Checks an ANMF chunk: its rectangle must lie on the canvas and its bitstream fit the
/// rectangle. Its sub-chunks' headers lie inside it; their payloads are read from the whole
/// file, as `image-webp` reads the first frame's.
fn animation_frame(
    bytes: &[u8],
    anmf: &Chunk,
    canvas: (u32, u32),
    exif_past_end_found: &mut bool,
) -> Option<String> {
    let payload = anmf.payload(bytes);
    let field = |i: usize| {
        payload
            .get(3 * i..3 * i + 3)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]))
    };
    // Offsets are stored halved, sizes less one; 24 bits each, so nothing here overflows u64.
    let (x, y) = (u64::from(field(0)?) * 2, u64::from(field(1)?) * 2);
    let (width, height) = (field(2)? + 1, field(3)? + 1);
    if x + u64::from(width) > u64::from(canvas.0) || y + u64::from(height) > u64::from(canvas.1) {
        return Some(format!(
            "frame larger than canvas: a {width}×{height} animation frame at ({x}, {y}) does \
             not fit the {}×{} canvas",
            canvas.0, canvas.1
        ));
    }
    let end = anmf.start.saturating_add(payload.len());
    for chunk in chunks(bytes, anmf.start.saturating_add(16), end) {
        *exif_past_end_found |= exif_past_end(bytes, &chunk);
        let problem = bitstream_over(bytes, &chunk, (width, height), "animation frame");
        if problem.is_some() {
            return problem;
        }
    }
    None
}

/// If `chunk` is a VP8 or VP8L bitstream larger than `room` (the canvas or an animation
/// frame, named by `room_name`), says so.
fn bitstream_over(
    bytes: &[u8],
    chunk: &Chunk,
    room: (u32, u32),
    room_name: &str,
) -> Option<String> {
    let (kind, (width, height)) = match &chunk.fourcc {
        b"VP8 " => ("VP8", vp8_size(chunk.payload(bytes))?),
        b"VP8L" => ("VP8L", vp8l_size(chunk.payload(bytes))?),
        _ => return None,
    };
    (width > room.0 || height > room.1).then(|| {
        format!(
            "frame larger than canvas: its {kind} frame is {width}×{height} pixels, \
             its {room_name} {}×{}",
            room.0, room.1
        )
    })
}

/// The size in a VP8 key frame's header: a 3-byte frame tag (bit 0 clear for a key frame),
/// the start code 9d 01 2a, then 14-bit width and height (the top 2 bits are scaling).
/// `None` for anything else, which the decoder refuses before allocating.
fn vp8_size(payload: &[u8]) -> Option<(u32, u32)> {
    let h = payload.get(..10)?;
    if h[0] & 1 != 0 || h[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let side = |lo: u8, hi: u8| u32::from(u16::from_le_bytes([lo, hi]) & 0x3fff);
    Some((side(h[6], h[7]), side(h[8], h[9])))
}

/// The size in a VP8L header: the signature 0x2f, then 14-bit width-1 and height-1.
fn vp8l_size(payload: &[u8]) -> Option<(u32, u32)> {
    let h = payload.get(..5)?;
    if h[0] != 0x2f {
        return None;
    }
    let bits = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
    Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
}

/// The size of a GIF's first image (the only one decoded), or `None` if its blocks end or go
/// wrong before one (the decoder then reports the error itself).
///
/// After the 13-byte header and the global colour table come extension blocks (0x21, a
/// label, then sub-blocks of a length byte and that many bytes, ended by a zero length) and
/// image descriptors (0x2c: left, top, width, height as 16-bit values, then flags).
pub(crate) fn gif_first_frame(bytes: &[u8]) -> Option<(u32, u32)> {
    let flags = *bytes.get(10)?;
    let global_table = if flags & 0x80 != 0 {
        3 << ((flags & 0x07) + 1)
    } else {
        0
    };
    let mut at = 13 + global_table;
    // Every step moves `at` forward, so the walk ends within the input.
    loop {
        match *bytes.get(at)? {
            0x21 => {
                at += 2;
                loop {
                    let len = usize::from(*bytes.get(at)?);
                    at += 1 + len;
                    if len == 0 {
                        break;
                    }
                }
            }
            0x2c => {
                let d = bytes.get(at + 5..at + 9)?;
                let width = u16::from_le_bytes([d[0], d[1]]);
                let height = u16::from_le_bytes([d[2], d[3]]);
                return Some((width.into(), height.into()));
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{chunks, gif_first_frame, vp8_size, vp8l_size, webp_chunks};

    fn chunk(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut c = fourcc.to_vec();
        c.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        c.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn extended(rest: &[u8]) -> Vec<u8> {
        // VP8X: no flags, canvas 40×30 (stored less one, 24 bits each).
        let mut f = b"RIFF\0\0\0\0WEBP".to_vec();
        f.extend(chunk(b"VP8X", &[0, 0, 0, 0, 39, 0, 0, 29, 0, 0]));
        f.extend_from_slice(rest);
        f
    }

    const VP8_40X30: [u8; 10] = [0x10, 0, 0, 0x9d, 0x01, 0x2a, 40, 0, 30, 0];

    #[test]
    fn chunk_walk_follows_padded_lengths_and_stops() {
        let mut f = chunk(b"ABCD", &[1, 2, 3]);
        f.extend(chunk(b"EFGH", &[]));
        f.extend_from_slice(b"IJKL\xff\xff\xff\xff");
        let found: Vec<_> = chunks(&f, 0, f.len())
            .map(|c| (c.fourcc, c.start, c.len))
            .collect();
        assert_eq!(
            found,
            [
                (*b"ABCD", 8, 3),
                (*b"EFGH", 20, 0),
                (*b"IJKL", 28, 0xffff_ffff)
            ]
        );
        // Headers cut short or outside the range are not chunks.
        assert_eq!(chunks(&f, 0, 7).count(), 0);
        assert_eq!(chunks(&f, f.len() - 4, f.len()).count(), 0);
        assert_eq!(chunks(&f, usize::MAX - 3, usize::MAX).count(), 0);
    }

    #[test]
    fn frame_headers_are_read() {
        assert_eq!(vp8_size(&VP8_40X30), Some((40, 30)));
        // Scaling bits are not part of the size.
        assert_eq!(
            vp8_size(&[0x10, 0, 0, 0x9d, 0x01, 0x2a, 0xd0, 0xff, 0xe1, 0xff]),
            Some((16336, 16353))
        );
        // An inter frame, a wrong start code, a short header.
        assert_eq!(
            vp8_size(&[0x11, 0, 0, 0x9d, 0x01, 0x2a, 40, 0, 30, 0]),
            None
        );
        assert_eq!(
            vp8_size(&[0x10, 0, 0, 0x9d, 0x01, 0x2b, 40, 0, 30, 0]),
            None
        );
        assert_eq!(vp8_size(&VP8_40X30[..9]), None);
        let bits: u32 = 39 | 29 << 14;
        let mut vp8l = vec![0x2f];
        vp8l.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(vp8l_size(&vp8l), Some((40, 30)));
        assert_eq!(
            vp8l_size(&[0x2f, 0xff, 0xff, 0xff, 0x0f]),
            Some((16384, 16384))
        );
        vp8l[0] = 0x2e;
        assert_eq!(vp8l_size(&vp8l), None);
    }

    #[test]
    fn webp_frames_are_held_to_the_canvas() {
        let fits = extended(&chunk(b"VP8 ", &VP8_40X30));
        assert_eq!(webp_chunks(&fits, (40, 30)), Default::default());
        let found = webp_chunks(&fits, (40, 29));
        assert!(found.frame_over_canvas.unwrap().contains("40×30"));
        // A simple file has no canvas apart from its bitstream: nothing to compare.
        let mut simple = b"RIFF\0\0\0\0WEBP".to_vec();
        simple.extend(chunk(b"VP8 ", &VP8_40X30));
        assert_eq!(webp_chunks(&simple, (1, 1)), Default::default());
        // A cut chunk's header is still read as far as the file holds it.
        let mut cut = extended(b"VP8 \xff\xff\xff\x00");
        cut.extend_from_slice(&VP8_40X30);
        assert!(webp_chunks(&cut, (20, 30)).frame_over_canvas.is_some());
    }

    #[test]
    fn exif_stating_more_than_the_file_holds_is_noticed() {
        let mut f = extended(&chunk(b"VP8 ", &VP8_40X30));
        f.extend(chunk(b"EXIF", b"Exif\0\0"));
        assert!(!webp_chunks(&f, (40, 30)).exif_past_end);
        f.extend_from_slice(b"EXIF\xf0\xff\xff\xffExif\0\0");
        assert!(webp_chunks(&f, (40, 30)).exif_past_end);
    }

    #[test]
    fn gif_first_frame_is_found_past_extensions() {
        let mut gif = b"GIF89a\x28\0\x1e\0\x80\0\0".to_vec();
        gif.extend_from_slice(&[0; 6]); // two-colour global table
        gif.extend_from_slice(b"\x21\xf9\x04\0\0\0\0\0"); // graphic control extension
        gif.extend_from_slice(b"\x21\xfe\x02hi\x01!\0"); // comment in two sub-blocks
        gif.extend_from_slice(b"\x2c\0\0\0\0\xf8\x2a\xf8\x2a\0\x02\x01\x2c\0\x3b");
        assert_eq!(gif_first_frame(&gif), Some((11000, 11000)));
        for cut in 0..gif.len() - 6 {
            assert_eq!(gif_first_frame(&gif[..cut]), None, "cut at {cut}");
        }
        assert_eq!(gif_first_frame(b"GIF89a\x28\0\x1e\0\0\0\0\x3b"), None);
    }
}
