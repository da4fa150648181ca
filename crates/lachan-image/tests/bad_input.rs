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
