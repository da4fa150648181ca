//! The eight rotations and flips derived from one DCT, checked against real rotated files.

mod common;

use common::{image_bytes, vectors};
use lachan_image::{DecodeLimits, Transform, hash_bytes};

/// Rotating or flipping pixels and rotating or flipping DCT coefficients differ only by the box
/// filter's and the decimation's edge handling (and, for these JPEGs, re-encoding): a few bits.
const FEW_BITS: u32 = 12;

#[test]
fn each_dihedral_file_matches_the_same_transform_of_the_base() {
    let limits = DecodeLimits::default();
    let base = hash_bytes(
        &image_bytes("reg-test-input/dih/bridge-1-original.jpg"),
        &limits,
    )
    .unwrap()
    .hashes;
    let files = [
        ("bridge-1-original.jpg", Transform::Original),
        ("bridge-2-rotate-90.jpg", Transform::Rotate90),
        ("bridge-3-rotate-180.jpg", Transform::Rotate180),
        ("bridge-4-rotate-270.jpg", Transform::Rotate270),
        ("bridge-5-flipx.jpg", Transform::FlipX),
        ("bridge-6-flipy.jpg", Transform::FlipY),
        ("bridge-7-flip-plus-1.jpg", Transform::FlipPlus1),
        ("bridge-8-flip-minus-1.jpg", Transform::FlipMinus1),
    ];
    for (file, t) in files {
        let own = hash_bytes(&image_bytes(&format!("reg-test-input/dih/{file}")), &limits)
            .unwrap()
            .hashes;
        let derived = base.get(t);
        let distance = own.original.hamming(&derived);
        // The nearest of the base's eight must be the right one, by a wide margin.
        let (nearest, nearest_distance) = base
            .iter()
            .map(|(other, h)| (other, h.hamming(&own.original)))
            .min_by_key(|&(_, d)| d)
            .unwrap();
        println!("{file}: {distance} bits from base.{t} (nearest: {nearest}, {nearest_distance})");
        assert!(
            distance <= FEW_BITS,
            "{file}: {distance} bits from base.{t}"
        );
        assert_eq!(nearest, t, "{file}");
        // And the other way round: undoing the transform from the file's own DCT gives the base.
        let back = own.get(t.inverse());
        assert!(
            back.hamming(&base.original) <= FEW_BITS,
            "{file} back to original"
        );
    }
}

/// `pdqhash.compute_dihedral` (PyPI `pdqhash` 0.2.8, the reference C++ core) on Pillow's RGB
/// decode of two PNG files, in the reference's order (original, rotate90, rotate180, rotate270,
/// flipx, flipy, flipplus1, flipminus1). Computed once for this test.
const REFERENCE_DIHEDRAL: [(&str, [&str; 8]); 2] = [
    (
        "pytx-test-resources/LA.png",
        [
            "accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715",
            "86f89b3ef2bde5e0c65c0b2e0af7af78b4b860057ffaa640db20f0288e5c3c06",
            "f99ec79331d597524709264cef30a2d7b2a064cdf28c145deda691ac4421cdbf",
            "d3ad3194afe84f4a9309a1a45fa205d2e1edcaaf2aaf0cea8e755a82db0996ac",
            "accb92c664a0ca07327e3319ba6fff82e7f53198a6f94108b8f3c4e9137488ea",
            "f99e386c31f560ad472b99b3ef3a5528b2a09b32f7aceba2eda66e4346212240",
            "86a860c1f2bd1a1ec65cf4d10ab55087b4b89f7857da59bbd9200fd5845cc3f9",
            "d3adca6ba7e8b0b482095e5b5fa0fa0de1ed3550028ff3118c75a57dd1096953",
        ],
    ),
    (
        "misc-images/c.png",
        [
            "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064",
            "c3c27add1d1bc31078245e6b03c4b83f471853e4207bf90fc7e07efe2054f719",
            "d11da322493792aaed94db72f6cd4d26c24c39914d6c8e58e5b5b4a9a5349ace",
            "9697d0574a4e69ba2d71f4c1569112d5124df94e752e57a592b5d45475015db3",
            "c44c76771c62c7ff38418e37a398187397196dc41839db0d30e0e1fcf061cf9b",
            "9119dcdd49376d556d14248dd6cdb2d9c24cc66e0d6c71a765b54b56a5346531",
            "cfebcd229f1b3cef78e6a19c83cc47c85f18ec1b207b4ef0c7e4810130544cee",
            "de9fafa84a4e96452d710b3e5691ed6a1a4d06b1752eac5a92b5abab7501a24c",
        ],
    ),
];

#[test]
fn dihedral_hashes_equal_the_reference_dihedral() {
    for (image, expected) in REFERENCE_DIHEDRAL {
        let ours = hash_bytes(&image_bytes(image), &DecodeLimits::default()).unwrap();
        assert_eq!(ours.quality, 100);
        for (t, hex) in Transform::ALL.into_iter().zip(expected) {
            assert_eq!(ours.hashes.get(t).to_hex(), hex, "{image} {t}");
        }
    }
}

#[test]
fn derived_transforms_of_la_png_are_nearest_to_the_pixel_transformed_vectors() {
    // vectors.tsv states, exactly, the hash of LA.png after each pixel transform. LA.png is full
    // of fine detail and its 2-pixel box window and 4-pixel sampling grid are not mirror-symmetric,
    // so a sign-flipped DCT lands 64-92 bits from the re-hashed pixels (the reference behaves the
    // same: see the test above). Transposition flips no sign and is exact. Each derived hash is
    // still nearest to its own transform.
    let derived = hash_bytes(
        &image_bytes("pytx-test-resources/LA.png"),
        &DecodeLimits::default(),
    )
    .unwrap()
    .hashes;
    let rows: Vec<_> = vectors()
        .into_iter()
        .filter(|v| v.image == "pytx-test-resources/LA.png" && v.tag("apply").is_some())
        .collect();
    assert_eq!(rows.len(), 8);
    for v in rows {
        let t: Transform = v.tag("apply").unwrap().parse().unwrap();
        let distance = derived.get(t).hamming(&v.pdq);
        let others = Transform::ALL
            .into_iter()
            .filter(|&o| o != t)
            .map(|o| derived.get(o).hamming(&v.pdq))
            .min()
            .unwrap();
        println!(
            "LA.png {t}: derived {distance} bits from the pixel-transformed hash, others >= {others}"
        );
        assert!(distance < others, "{t}: {distance} vs {others}");
        if matches!(t, Transform::Original | Transform::FlipPlus1) {
            assert_eq!(distance, 0, "{t}");
        }
    }
}

#[test]
fn turned_views_hash_exactly_like_turned_copies() {
    // vectors.tsv states the hash of LA.png after each pixel transform (Pillow, re-encoded as
    // PNG): a view turned without copying must give exactly those.
    let decoded = lachan_image::decode(
        &image_bytes("pytx-test-resources/LA.png"),
        &DecodeLimits::default(),
    )
    .unwrap();
    let rows: Vec<_> = vectors()
        .into_iter()
        .filter(|v| v.image == "pytx-test-resources/LA.png" && v.tag("apply").is_some())
        .collect();
    assert_eq!(rows.len(), 8);
    for v in rows {
        let t: Transform = v.tag("apply").unwrap().parse().unwrap();
        let got = lachan_image::pdq::hash(&decoded.pixels().transformed(t)).unwrap();
        assert_eq!(got.hash, v.pdq, "{t}");
    }
}
