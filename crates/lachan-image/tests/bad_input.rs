//! Untrusted bytes: every kind of bad input gets a clear error or a documented policy, never a
//! panic and never an allocation past the limits.

mod common;

use common::image_bytes;
use image::{DynamicImage, Frame, ImageBuffer, Rgba, RgbaImage};
use lachan_image::{DecodeLimits, ImageError, PixelLayout, PixelView, decode, hash_bytes, pdq};

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

/// CRC-32 (ISO-HDLC), as PNG chunks need.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A valid-looking PNG header claiming `width`×`height` RGB pixels, with a tiny IDAT (a zlib
/// stream of one stored, empty block) and IEND: a few dozen bytes.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter method, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(
        &mut png,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
        ],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn encode(image: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A 64×48 test card: a gradient with a bright square at (x0, y0).
fn card(x0: u32, y0: u32) -> RgbaImage {
    ImageBuffer::from_fn(64, 48, |x, y| {
        let inside = (x0..x0 + 16).contains(&x) && (y0..y0 + 16).contains(&y);
        let v = if inside { 250 } else { (x * 3 + y * 2) as u8 };
        Rgba([v, v / 2, 255 - v, 255])
    })
}

#[test]
fn empty_input_is_refused() {
    assert!(matches!(hash_bytes(&[], &limits()), Err(ImageError::Empty)));
}

#[test]
fn random_bytes_are_not_an_image() {
    let mut state = 0x9e37_79b9_u32;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let err = hash_bytes(&noise, &limits()).unwrap_err();
    assert!(matches!(err, ImageError::UnknownFormat), "{err:?}");
    println!("{err}");
    // Noise behind a real signature is a damaged file, not a panic.
    for signature in [
        &b"\xff\xd8\xff\xe0"[..],
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"BM",
    ] {
        let mut bytes = signature.to_vec();
        bytes.extend_from_slice(&noise);
        let err = hash_bytes(&bytes, &limits()).unwrap_err();
        assert!(
            matches!(
                err,
                ImageError::Corrupt { .. }
                    | ImageError::Truncated { .. }
                    | ImageError::ZeroSize { .. }
                    | ImageError::TooLarge { .. }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn truncated_files_are_reported_as_cut_short() {
    let jpeg = image_bytes("reg-test-input/dih/bridge-1-original.jpg");
    let progressive = image_bytes("reg-test-input/dih/bridge-2-rotate-90.jpg");
    let png = image_bytes("misc-images/c.png");
    let gif = encode(
        &DynamicImage::ImageRgba8(card(3, 3)),
        image::ImageFormat::Gif,
    );
    let webp = encode(
        &DynamicImage::ImageRgba8(card(3, 3)),
        image::ImageFormat::WebP,
    );
    for (name, bytes) in [
        ("JPEG", &jpeg),
        ("progressive JPEG", &progressive),
        ("PNG", &png),
        ("GIF", &gif),
        ("WebP", &webp),
    ] {
        for keep in [bytes.len() / 2, bytes.len() - 20, 40] {
            let err = hash_bytes(&bytes[..keep], &limits()).unwrap_err();
            println!("{name} cut to {keep} bytes: {err}");
            assert!(
                matches!(err, ImageError::Truncated { .. }),
                "{name} at {keep}: {err:?}"
            );
        }
    }
}

#[test]
fn decompression_bomb_is_refused_from_the_header() {
    // 100000×100000 RGB would be 30 GB; the file is 67 bytes.
    let bomb = png_claiming(100_000, 100_000);
    assert!(bomb.len() < 100);
    let err = hash_bytes(&bomb, &limits()).unwrap_err();
    println!("{err}");
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "{err:?}"
    );
    // Within each side limit, but too many pixels in all.
    let err = hash_bytes(&png_claiming(16_000, 16_000), &limits()).unwrap_err();
    assert!(
        matches!(err, ImageError::TooLarge { width: 16_000, .. }),
        "{err:?}"
    );
}

#[test]
fn huge_dimension_is_refused_even_when_thin() {
    // One pixel high, 20000 wide: few pixels, but over the side limit.
    let err = hash_bytes(&png_claiming(20_000, 1), &limits()).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                width: 20_000,
                height: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // A real image over a lowered memory limit is refused before decoding.
    let small_budget = DecodeLimits {
        max_alloc: 1 << 20,
        ..limits()
    };
    let err = hash_bytes(&image_bytes("bridge-mods/aaa-orig.jpg"), &small_budget).unwrap_err();
    println!("{err}");
    assert!(
        matches!(
            err,
            ImageError::OverMemoryLimit {
                width: 1600,
                height: 1004,
                ..
            }
        ),
        "{err:?}"
    );
    // And over the input size limit before anything is parsed.
    let tiny_input = DecodeLimits {
        max_input_bytes: 1000,
        ..limits()
    };
    let err = hash_bytes(&image_bytes("bridge-mods/aaa-orig.jpg"), &tiny_input).unwrap_err();
    assert!(
        matches!(err, ImageError::InputTooLarge { max: 1000, .. }),
        "{err:?}"
    );
}

#[test]
fn zero_size_image_is_refused() {
    // The PNG decoder refuses a zero dimension itself, as a damaged header.
    let err = hash_bytes(&png_claiming(0, 10), &limits()).unwrap_err();
    println!("PNG 0×10: {err}");
    assert!(matches!(err, ImageError::Corrupt { .. }), "{err:?}");
    // A GIF whose screen and only image are 0×0 gets past its decoder: the header check stops it.
    let mut gif = b"GIF89a\0\0\0\0\0\0\0".to_vec();
    gif.extend_from_slice(b"\x2c\0\0\0\0\0\0\0\0\0\x02\x02\x44\x01\0\x3b");
    let err = hash_bytes(&gif, &limits()).unwrap_err();
    println!("GIF 0×0: {err}");
    assert!(
        matches!(
            err,
            ImageError::ZeroSize {
                width: 0,
                height: 0
            }
        ),
        "{err:?}"
    );
}

#[test]
fn tiny_images_hash_to_zero_with_quality_zero() {
    // The reference's rule for sides under 5 pixels.
    let tiny = DynamicImage::ImageRgba8(ImageBuffer::from_pixel(4, 9, Rgba([200, 10, 10, 255])));
    let r = hash_bytes(&encode(&tiny, image::ImageFormat::Png), &limits()).unwrap();
    assert_eq!(r.quality, 0);
    assert_eq!(r.hashes.original, lachan_image::Hash256::ZERO);
    assert!(!r.is_matchable());
}

#[test]
fn unsupported_formats_are_named() {
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    let err = hash_bytes(&heic, &limits()).unwrap_err();
    println!("{err}");
    assert!(
        matches!(&err, ImageError::Unsupported { format } if format == "HEIC/HEIF"),
        "{err:?}"
    );
    let tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0".to_vec();
    let err = hash_bytes(&tiff, &limits()).unwrap_err();
    assert!(
        matches!(&err, ImageError::Unsupported { format } if format == "TIFF"),
        "{err:?}"
    );
}

#[test]
fn animated_gif_is_hashed_on_its_first_frame() {
    let first = card(4, 4);
    let second = card(44, 28);
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        encoder
            .encode_frames([Frame::new(first.clone()), Frame::new(second.clone())])
            .unwrap();
    }
    let from_gif = hash_bytes(&gif, &limits()).unwrap();
    let hash_of = |img: &RgbaImage| {
        let view = PixelView::new(64, 48, PixelLayout::Rgba8, img.as_raw()).unwrap();
        pdq::hash(&view).unwrap().hash
    };
    let (h1, h2) = (hash_of(&first), hash_of(&second));
    let (d1, d2) = (
        from_gif.hashes.original.hamming(&h1),
        from_gif.hashes.original.hamming(&h2),
    );
    println!("animated GIF: {d1} bits from frame 1, {d2} from frame 2");
    // GIF quantises colours to a palette, so "equal" means close; frame 2 is far.
    assert!(d1 <= 16 && d2 > 64, "{d1} {d2}");
}

#[test]
fn exif_orientation_is_applied_before_hashing() {
    let d = decode(
        &image_bytes("reg-test-input/exif-rotn/exif-rotn-6.jpg"),
        &limits(),
    )
    .unwrap();
    assert_eq!(d.stored_size(), (4032, 3024));
    assert_eq!((d.image().width(), d.image().height()), (4032, 3024));
    assert_eq!((d.pixels().width(), d.pixels().height()), (3024, 4032));
    assert_eq!(d.stored_transform(), lachan_image::Transform::Rotate90);
}

#[test]
fn mutated_files_never_panic() {
    // A bounded, deterministic mutation run over small real files: flipped bytes, cut tails.
    let files = [
        image_bytes("misc-images/wee.jpg"),
        image_bytes("misc-images/small.jpg"),
        image_bytes("pytx-test-resources/inline-random-image.png"),
        image_bytes("reg-test-input/labelme-subset/q0003.jpg"),
        encode(
            &DynamicImage::ImageRgba8(card(10, 10)),
            image::ImageFormat::Gif,
        ),
        encode(
            &DynamicImage::ImageRgba8(card(10, 10)),
            image::ImageFormat::Bmp,
        ),
        encode(
            &DynamicImage::ImageRgba8(card(10, 10)),
            image::ImageFormat::WebP,
        ),
    ];
    let mut state = 0x1234_5678_u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    let (mut ok, mut errors) = (0, 0);
    for file in &files {
        for round in 0..60 {
            let mut bytes = file.clone();
            for _ in 0..1 + round % 8 {
                let i = next() % bytes.len();
                bytes[i] ^= 1 << (next() % 8);
            }
            if round % 3 == 0 {
                bytes.truncate(next() % bytes.len() + 1);
            }
            match hash_bytes(&bytes, &limits()) {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    errors += 1;
                }
            }
        }
    }
    println!("mutations: {ok} hashed, {errors} refused with an error");
}

/// A RIFF chunk: four-character code, little-endian payload length, payload, pad byte.
fn riff_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], payload: &[u8]) {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
}

/// A WebP file holding `chunks` (four-character code and payload each).
fn webp_file(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (fourcc, payload) in chunks {
        riff_chunk(&mut body, fourcc, payload);
    }
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&body);
    file
}

/// The low three bytes of `v`, little-endian (WebP's 24-bit fields).
fn u24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// A VP8X payload: `flags` (0x02 animation, 0x08 EXIF, 0x10 alpha) and the canvas size.
fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut p = vec![flags, 0, 0, 0];
    p.extend_from_slice(&u24(width - 1));
    p.extend_from_slice(&u24(height - 1));
    p
}

/// An ANMF payload: the frame's place and size on the canvas, then its chunks.
fn anmf(x: u32, y: u32, width: u32, height: u32, chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut p = Vec::new();
    for field in [x / 2, y / 2, width - 1, height - 1, 100] {
        p.extend_from_slice(&u24(field));
    }
    p.push(0); // blend, no dispose
    for (fourcc, payload) in chunks {
        riff_chunk(&mut p, fourcc, payload);
    }
    p
}

/// A valid VP8 key frame of `width`×`height` grey pixels.
///
/// A boolean decoder reading zero bytes decodes every bit as 0, whatever its probability, and an
/// all-zero VP8 frame is a real picture: no segmentation or loop filter, quantiser 0, default
/// probabilities, and every macroblock predicted (B_PRED, DC sub-blocks, DC chroma) with an
/// end-of-block token for each block, i.e. grey. The two partitions are sized with room to spare
/// (about 4 and 6 bits per macroblock are read).
fn grey_vp8(width: u16, height: u16) -> Vec<u8> {
    let macroblocks = usize::from(width.div_ceil(16)) * usize::from(height.div_ceil(16));
    let first = macroblocks * 5 / 8 + 64;
    let tokens = macroblocks * 7 / 8 + 64;
    assert!(first < 1 << 19, "the first partition's size has 19 bits");
    let tag = (first as u32) << 5 | 1 << 4; // key frame, version 0, shown
    let mut frame = u24(tag).to_vec();
    frame.extend_from_slice(&[0x9d, 0x01, 0x2a]);
    frame.extend_from_slice(&width.to_le_bytes());
    frame.extend_from_slice(&height.to_le_bytes());
    frame.resize(frame.len() + first + tokens, 0);
    frame
}

/// The shape of the fuzz finding on target `image_hash`: a 40×30 VP8X canvas whose VP8 frame
/// claims 16336×16353 pixels.
fn fuzz_seed() -> Vec<u8> {
    let mut vp8 = grey_vp8(16, 16);
    vp8[6..10].copy_from_slice(&[0xd0, 0xff, 0xe1, 0xff]);
    webp_file(&[(b"VP8X", &vp8x(0, 40, 30)), (b"VP8 ", &vp8)])
}

/// Asserts that `err` is the refusal of a frame larger than its canvas.
fn assert_frame_over_canvas(err: &ImageError) {
    println!("{err}");
    assert!(
        matches!(err, ImageError::Corrupt { format, detail }
            if format == "WebP" && detail.contains("frame larger than canvas")),
        "{err:?}"
    );
}

#[test]
fn grey_vp8_frames_are_valid() {
    // The frame builder used below makes real pictures: alone, or in a VP8X file of its size.
    for (w, h) in [(40, 30), (1000, 700)] {
        let vp8 = grey_vp8(w, h);
        let simple = webp_file(&[(b"VP8 ", &vp8)]);
        let extended = webp_file(&[(b"VP8X", &vp8x(0, w.into(), h.into())), (b"VP8 ", &vp8)]);
        for bytes in [simple, extended] {
            let d = decode(&bytes, &limits()).unwrap();
            assert_eq!(d.stored_size(), (w.into(), h.into()));
            let rgb = d.image().to_rgb8();
            assert!(
                rgb.pixels()
                    .all(|p| p.0.iter().all(|&v| (120..=136).contains(&v)))
            );
        }
    }
}

#[test]
fn webp_frame_larger_than_its_canvas_is_refused_before_decoding() {
    let seed = fuzz_seed();
    // The fuzzer's limits: image-webp allocated 704 MB under them.
    let fuzz_limits = DecodeLimits {
        max_pixels: 1_000_000,
        max_alloc: 32 << 20,
        ..limits()
    };
    assert_frame_over_canvas(&hash_bytes(&seed, &fuzz_limits).unwrap_err());
    assert_frame_over_canvas(&hash_bytes(&seed, &limits()).unwrap_err());

    // A valid 12000×12000 grey VP8 frame in a 40×30 canvas.
    let big = grey_vp8(12_000, 12_000);
    let file = webp_file(&[(b"VP8X", &vp8x(0, 40, 30)), (b"VP8 ", &big)]);
    assert_frame_over_canvas(&hash_bytes(&file, &limits()).unwrap_err());
    // One pixel too wide is as wrong.
    let file = webp_file(&[(b"VP8X", &vp8x(0, 40, 30)), (b"VP8 ", &grey_vp8(41, 30))]);
    assert_frame_over_canvas(&hash_bytes(&file, &limits()).unwrap_err());

    // A lossless frame claiming 12000×12000 (14-bit width-1 and height-1 after 0x2f).
    let header = (12_000 - 1) | (12_000 - 1) << 14;
    let mut vp8l = vec![0x2f];
    vp8l.extend_from_slice(&u32::to_le_bytes(header));
    vp8l.extend_from_slice(&[0; 64]);
    let file = webp_file(&[(b"VP8X", &vp8x(0, 40, 30)), (b"VP8L", &vp8l)]);
    assert_frame_over_canvas(&hash_bytes(&file, &limits()).unwrap_err());
}

#[test]
fn webp_animation_frames_must_fit_the_canvas() {
    let anim = [0u8, 0, 0, 0, 0, 0]; // background colour, loop count
    let animated = |frame: &[u8]| {
        webp_file(&[
            (b"VP8X", &vp8x(0x02, 40, 30)),
            (b"ANIM", &anim),
            (b"ANMF", frame),
        ])
    };
    // A well-formed animation decodes (its first frame).
    let small = grey_vp8(40, 30);
    let ok = animated(&anmf(0, 0, 40, 30, &[(b"VP8 ", &small)]));
    assert_eq!(decode(&ok, &limits()).unwrap().stored_size(), (40, 30));
    let ok = animated(&anmf(10, 6, 24, 20, &[(b"VP8 ", &grey_vp8(24, 20))]));
    assert_eq!(decode(&ok, &limits()).unwrap().stored_size(), (40, 30));

    // An animation frame whose bitstream claims more than the frame.
    let big = grey_vp8(12_000, 12_000);
    let bad = animated(&anmf(0, 0, 40, 30, &[(b"VP8 ", &big)]));
    assert_frame_over_canvas(&hash_bytes(&bad, &limits()).unwrap_err());
    // The same behind an alpha chunk: image-webp decoded it without any size check and then
    // panicked (index out of bounds in its YUV conversion).
    let alpha = [0u8; 1 + 40 * 30];
    let bad = animated(&anmf(0, 0, 40, 30, &[(b"ALPH", &alpha), (b"VP8 ", &big)]));
    assert_frame_over_canvas(&hash_bytes(&bad, &limits()).unwrap_err());
    // An animation frame larger than the canvas, or placed past its edge.
    let bad = animated(&anmf(0, 0, 12_000, 12_000, &[(b"VP8 ", &big)]));
    assert_frame_over_canvas(&hash_bytes(&bad, &limits()).unwrap_err());
    let bad = animated(&anmf(2, 0, 40, 30, &[(b"VP8 ", &small)]));
    assert_frame_over_canvas(&hash_bytes(&bad, &limits()).unwrap_err());
}

#[test]
fn webp_exif_chunk_stating_more_than_the_file_holds_is_not_read() {
    // image-webp would allocate the stated 4 GiB before finding the file too short. The EXIF
    // block counts as unreadable: no orientation, the picture is hashed as stored.
    let vp8 = grey_vp8(40, 30);
    let mut file = webp_file(&[(b"VP8X", &vp8x(0x08, 40, 30)), (b"VP8 ", &vp8)]);
    file.extend_from_slice(b"EXIF\xf0\xff\xff\xffExif\0\0MM\0*");
    let riff_len = (file.len() - 8) as u32;
    file[4..8].copy_from_slice(&riff_len.to_le_bytes());
    let d = decode(&file, &limits()).unwrap();
    assert_eq!(d.stored_size(), (40, 30));
    assert_eq!(d.stored_transform(), lachan_image::Transform::Original);
}

/// A GIF with a `screen` logical screen, a graphic control extension and one image of `frame`
/// size whose data is a clear code and an end code (two colours, LZW minimum code size 2).
fn gif_claiming(screen: (u16, u16), frame: (u16, u16)) -> Vec<u8> {
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&screen.0.to_le_bytes());
    gif.extend_from_slice(&screen.1.to_le_bytes());
    gif.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    gif.extend_from_slice(&[0x21, 0xf9, 4, 0, 0, 0, 0, 0]);
    gif.extend_from_slice(&[0x2c, 0, 0, 0, 0]);
    gif.extend_from_slice(&frame.0.to_le_bytes());
    gif.extend_from_slice(&frame.1.to_le_bytes());
    gif.extend_from_slice(&[0, 2, 1, 0x2c, 0, 0x3b]);
    gif
}

/// `gif` with its logical screen set to `width`×`height`.
fn with_screen(mut gif: Vec<u8>, width: u16, height: u16) -> Vec<u8> {
    gif[6..8].copy_from_slice(&width.to_le_bytes());
    gif[8..10].copy_from_slice(&height.to_le_bytes());
    gif
}

#[test]
fn gif_first_frame_is_held_to_the_limits() {
    // The image crate decodes a frame larger than the screen into a buffer of the frame's size,
    // held to the memory limit only: 11000×11000 RGBA is 484 MB, under the 512 MiB default,
    // but 121 million pixels are over the 64 million limit.
    let err = hash_bytes(&gif_claiming((40, 30), (11_000, 11_000)), &limits()).unwrap_err();
    println!("{err}");
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                width: 11_000,
                height: 11_000,
                ..
            }
        ),
        "{err:?}"
    );
    // A real 2000×2000 frame on a 40×30 screen, under limits of 1 MP and 32 MiB (its 16 MB
    // buffer passed the memory limit; it was decoded in full).
    let plain =
        DynamicImage::ImageRgba8(ImageBuffer::from_pixel(2000, 2000, Rgba([9, 99, 199, 255])));
    let mut gif = Vec::new();
    image::codecs::gif::GifEncoder::new_with_speed(&mut gif, 30)
        .encode_frame(Frame::new(plain.to_rgba8()))
        .unwrap();
    let gif = with_screen(gif, 40, 30);
    let small = DecodeLimits {
        max_pixels: 1_000_000,
        max_alloc: 32 << 20,
        ..limits()
    };
    let err = hash_bytes(&gif, &small).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                width: 2000,
                height: 2000,
                ..
            }
        ),
        "{err:?}"
    );
    // Within the limits, a frame larger than the screen is legal GIF and still decoded, clipped
    // to the screen.
    let d = decode(&gif, &limits()).unwrap();
    assert_eq!(d.stored_size(), (40, 30));
    assert_eq!(
        d.image().to_rgba8().get_pixel(39, 29),
        &Rgba([9, 99, 199, 255])
    );
}

#[test]
fn apng_frame_larger_than_the_image_is_refused_by_its_decoder() {
    // The png crate checks every fcTL against IHDR while reading the header, and the first
    // frame is decoded into a buffer of the IHDR's size: no gap. A 40×30 image whose default
    // frame claims 12000×12000:
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&40u32.to_be_bytes());
    ihdr.extend_from_slice(&30u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"acTL", &[0, 0, 0, 1, 0, 0, 0, 0]);
    let mut fctl = 0u32.to_be_bytes().to_vec(); // sequence number
    for v in [12_000u32, 12_000, 0, 0] {
        fctl.extend_from_slice(&v.to_be_bytes());
    }
    fctl.extend_from_slice(&[0, 1, 0, 100, 0, 0]); // delay 1/100 s, no disposal, source
    png_chunk(&mut png, b"fcTL", &fctl);
    let rows = vec![0u8; 30 * 41];
    png_chunk(
        &mut png,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&rows, 6),
    );
    png_chunk(&mut png, b"IEND", &[]);
    let err = hash_bytes(&png, &limits()).unwrap_err();
    println!("{err}");
    assert!(matches!(err, ImageError::Corrupt { .. }), "{err:?}");
    // The same file with a matching frame size decodes.
    let at = png.windows(4).position(|w| w == b"fcTL").unwrap();
    let mut good = png[..at - 4].to_vec();
    fctl[4..12].copy_from_slice(&[0, 0, 0, 40, 0, 0, 0, 30]);
    png_chunk(&mut good, b"fcTL", &fctl);
    let idat = png.windows(4).position(|w| w == b"IDAT").unwrap();
    good.extend_from_slice(&png[idat - 4..]);
    assert_eq!(decode(&good, &limits()).unwrap().stored_size(), (40, 30));
}

#[test]
fn bmp_size_is_refused_from_its_header() {
    // BMP has one image, whose size is the header's: the header check covers it.
    let bmp_claiming = |width: i32, height: i32| {
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&(54u32 + 16).to_le_bytes());
        bmp.extend_from_slice(&[0, 0, 0, 0]);
        bmp.extend_from_slice(&54u32.to_le_bytes());
        bmp.extend_from_slice(&40u32.to_le_bytes());
        bmp.extend_from_slice(&width.to_le_bytes());
        bmp.extend_from_slice(&height.to_le_bytes());
        bmp.extend_from_slice(&1u16.to_le_bytes());
        bmp.extend_from_slice(&24u16.to_le_bytes());
        bmp.extend_from_slice(&[0; 24]); // no compression, sizes and colours unstated
        bmp.extend_from_slice(&[0x7f; 16]);
        bmp
    };
    for (w, h) in [(30_000, 30_000), (16_000, 16_000), (20_000, 1)] {
        let err = hash_bytes(&bmp_claiming(w, h), &limits()).unwrap_err();
        println!("BMP {w}×{h}: {err}");
        assert!(matches!(err, ImageError::TooLarge { .. }), "{err:?}");
    }
    // Over 65535 pixels a side, the BMP decoder refuses the header itself.
    let err = hash_bytes(&bmp_claiming(100_000, 100_000), &limits()).unwrap_err();
    assert!(matches!(err, ImageError::Corrupt { .. }), "{err:?}");
    // A top-down BMP states a negative height; the size is the same.
    let err = hash_bytes(&bmp_claiming(16_000, -16_000), &limits()).unwrap_err();
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err:?}");
}
