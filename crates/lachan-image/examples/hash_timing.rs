//! Times decoding and PDQ hashing of image files, one JSON line per file (for
//! `bench/image_hash/run.sh`, which sets the same files before the reference C++ implementation).
//!
//! ```sh
//! cargo run --release -p lachan-image --example hash_timing -- [--shrink SIDE] [--repeat N] FILE...
//! ```
//!
//! Each file is read into memory first (reading is not timed). Then, `N` times (default 1),
//! [`lachan_image::decode`] under the default limits (or with `shrink_to = SIDE`) and
//! [`lachan_image::pdq::dihedral`] (all eight hashes, as `hash_bytes` computes them) are timed
//! apart; the medians are printed, in milliseconds. One thread, no parallelism.
//!
//! Printed per file: `path`, `bytes`, `format`, `width` and `height` as hashed (upright, after any
//! shrink), `decode_ms`, `hash_ms`, `quality`, `pdq` (the upright image's hash, what Lachan
//! matches) and `stored`: the eight hashes (reference order) of the pixels as stored in the file,
//! before EXIF orientation, which is what the reference's callers hash. For an upright file they
//! are the timed result; otherwise they are hashed again, untimed. An unreadable or refused file
//! gives `path` and `error`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use lachan_image::{DecodeLimits, DihedralResult, Transform, decode, pdq};

/// What one file gave.
struct Timed {
    bytes: usize,
    format: String,
    width: usize,
    height: usize,
    decode: Duration,
    hash: Duration,
    upright: DihedralResult,
    stored: DihedralResult,
}

fn main() -> ExitCode {
    let mut limits = DecodeLimits::default();
    let mut repeat = 1usize;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = |name: &str, v: Option<String>| -> Result<u32, String> {
            v.and_then(|s| s.parse().ok())
                .filter(|&n: &u32| n > 0)
                .ok_or_else(|| format!("{name} needs a positive whole number"))
        };
        let parsed = match arg.as_str() {
            "--shrink" => value("--shrink", args.next()).map(|n| limits.shrink_to = Some(n)),
            "--repeat" => value("--repeat", args.next()).map(|n| repeat = n as usize),
            _ => {
                files.push(arg);
                Ok(())
            }
        };
        if let Err(message) = parsed {
            eprintln!("hash_timing: {message}");
            return ExitCode::from(2);
        }
    }
    for path in &files {
        let line = match time_file(path, &limits, repeat) {
            Ok(t) => success_json(path, &t),
            Err(error) => format!(
                "{{\"path\":{},\"error\":{}}}",
                json_string(path),
                json_string(&error)
            ),
        };
        println!("{line}");
    }
    ExitCode::SUCCESS
}

/// Reads `path`, then decodes and hashes it `repeat` times; medians of each step.
fn time_file(path: &str, limits: &DecodeLimits, repeat: usize) -> Result<Timed, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut decode_times = Vec::with_capacity(repeat);
    let mut hash_times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let decoded = decode(&bytes, limits).map_err(|e| e.to_string())?;
        let decoded_at = Instant::now();
        let result = pdq::dihedral(&decoded.pixels()).map_err(|e| e.to_string())?;
        let hashed_at = Instant::now();
        decode_times.push(decoded_at - start);
        hash_times.push(hashed_at - decoded_at);
        last = Some((decoded, result));
    }
    let (decoded, upright) = last.ok_or("--repeat must be at least 1")?;
    let stored = if decoded.stored_transform() == Transform::Original {
        upright
    } else {
        let view = decoded.pixels().transformed(Transform::Original);
        pdq::dihedral(&view).map_err(|e| e.to_string())?
    };
    let view = decoded.pixels();
    Ok(Timed {
        bytes: bytes.len(),
        format: format!("{:?}", decoded.format()),
        width: view.width(),
        height: view.height(),
        decode: median(&mut decode_times),
        hash: median(&mut hash_times),
        upright,
        stored,
    })
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn success_json(path: &str, t: &Timed) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let stored: Vec<String> = t
        .stored
        .hashes
        .iter()
        .map(|(_, h)| format!("\"{}\"", h.to_hex()))
        .collect();
    format!(
        "{{\"path\":{},\"bytes\":{},\"format\":\"{}\",\"width\":{},\"height\":{},\
         \"decode_ms\":{:.3},\"hash_ms\":{:.3},\"quality\":{},\"pdq\":\"{}\",\"stored\":[{}]}}",
        json_string(path),
        t.bytes,
        t.format,
        t.width,
        t.height,
        ms(t.decode),
        ms(t.hash),
        t.upright.quality,
        t.upright.hashes.original.to_hex(),
        stored.join(",")
    )
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
