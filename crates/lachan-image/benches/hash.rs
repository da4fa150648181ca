//! PDQ throughput: decode + hash on ThreatExchange's test images, and the hash alone.
//!
//! `cargo bench -p lachan-image --bench hash`. Criterion prints elements/s = images per second
//! (one core: hashing is single-threaded).

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lachan_image::{DecodeLimits, PixelLayout, PixelView, hash_bytes, pdq};

fn images_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/pdq/images"
    ))
}

/// Every JPEG and PNG under `dir` (recursively), sorted by path.
fn image_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("shared/data/pdq/images")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            image_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("jpg" | "jpeg" | "png")
        ) {
            out.push(path);
        }
    }
}

fn threatexchange(c: &mut Criterion) {
    let mut paths = Vec::new();
    image_files(&images_dir(), &mut paths);
    let (phone, rest): (Vec<_>, Vec<_>) = paths
        .into_iter()
        .partition(|p| p.to_string_lossy().contains("exif-rotn"));
    let read = |ps: &[std::path::PathBuf]| -> Vec<Vec<u8>> {
        ps.iter()
            .map(|p| std::fs::read(p).expect("image"))
            .collect()
    };
    let (phone, rest) = (read(&phone), read(&rest));

    let mut group = c.benchmark_group("decode_and_hash");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let full = DecodeLimits::default();
    let shrunk = DecodeLimits {
        shrink_to: Some(512),
        ..DecodeLimits::default()
    };
    for (name, set) in [("threatexchange_set", &rest), ("phone_12mp", &phone)] {
        group.throughput(Throughput::Elements(set.len() as u64));
        for (policy, limits) in [("full_size", &full), ("shrink_512", &shrunk)] {
            group.bench_with_input(BenchmarkId::new(name, policy), set, |b, set| {
                b.iter(|| {
                    for bytes in set {
                        std::hint::black_box(hash_bytes(bytes, limits).expect("hashable"));
                    }
                })
            });
        }
    }
    group.finish();
}

fn hash_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("hash_only");
    group.sample_size(20).throughput(Throughput::Elements(1));
    for (w, h) in [(512usize, 512usize), (4032, 3024)] {
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        let view = PixelView::new(w, h, PixelLayout::Rgb8, &rgb).expect("buffer");
        group.bench_function(format!("dihedral_{w}x{h}"), |b| {
            b.iter(|| std::hint::black_box(pdq::dihedral(&view).expect("hash")))
        });
    }
    group.finish();
}

criterion_group!(benches, threatexchange, hash_only);
criterion_main!(benches);
