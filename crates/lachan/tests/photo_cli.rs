//! `lachan photo check|strip` end to end on ThreatExchange's phone photos: the plain report in
//! Vietnamese (the default) and English, the JSON lines, the cleaned copy (the same bytes as
//! the library's, revealing nothing), and the refusals: overwriting the input without
//! `--force`, HEIC, files that are not photos.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::shared;

const BIN: &str = env!("CARGO_BIN_EXE_lachan");

/// A phone photo with GPS tags, orientation 6.
fn phone_photo() -> PathBuf {
    shared("pdq/images/reg-test-input/exif-rotn/exif-rotn-6.jpg")
}

fn lachan(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("LACHAN_LOG", "warn")
        .env_remove("LACHAN_CONFIG")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn check_says_what_a_photo_reveals_in_vietnamese_then_english() {
    let photo = phone_photo();
    let vi = succeeded(&lachan(&["photo", "check", arg(&photo)]));
    for line in [
        "Ảnh này tiết lộ:",
        "Vị trí GPS: 38.97794, -77.02320 (chính xác ~1 m), độ cao 0 m",
        "Thời điểm chụp: 2017-11-07 22:14:06",
        "Máy ảnh: samsung SM-G930V",
        "Mã riêng của ảnh: C12QSJK01SM",
        "Ảnh thu nhỏ nhúng trong tệp: 504×376",
        "dữ liệu sau cuối ảnh 67 B",
        "Hướng xoay: 6",
    ] {
        assert!(vi.contains(line), "{line:?} missing from:\n{vi}");
    }
    let en = succeeded(&lachan(&["photo", "check", "--lang", "en", arg(&photo)]));
    for line in [
        "This photo reveals:",
        "GPS position: 38.97794, -77.02320 (accurate to ~1 m), altitude 0 m",
        "Taken: 2017-11-07 22:14:06",
        "GPS time: 2017-11-08 03:13:42 UTC",
        "Camera: samsung SM-G930V",
    ] {
        assert!(en.contains(line), "{line:?} missing from:\n{en}");
    }
}

#[test]
fn check_json_has_one_line_per_file_and_names_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes.jpg");
    std::fs::write(&notes, "not a photo at all, only a name that says so").unwrap();
    let out = lachan(&["photo", "check", "--json", arg(&phone_photo()), arg(&notes)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("1 of 2 files"),
        "{}",
        text(&out.stderr)
    );
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let photo = &lines[0];
    assert_eq!(photo["path"], arg(&phone_photo()));
    assert_eq!(photo["format"], "jpeg");
    let latitude = photo["gps"]["latitude"].as_f64().unwrap();
    assert!((latitude - 38.977935).abs() < 1e-6, "{latitude}");
    assert_eq!(photo["camera"], "samsung SM-G930V");
    assert_eq!(photo["orientation"], 6);
    assert_eq!(photo["thumbnail"]["width"], 504);
    assert_eq!(lines[1]["path"], arg(&notes));
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("not a JPEG, PNG, WebP or HEIC")
    );
}

#[test]
fn strip_writes_the_library_s_clean_copy_and_says_what_it_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("sạch.jpg");
    let stdout = succeeded(&lachan(&[
        "photo",
        "strip",
        arg(&phone_photo()),
        "-o",
        arg(&clean),
    ]));
    assert!(stdout.contains("Đã xoá: EXIF 18 KB"), "{stdout}");
    assert!(stdout.contains("dữ liệu sau cuối ảnh 67 B"), "{stdout}");
    assert!(stdout.contains("Giữ lại: hướng xoay 6"), "{stdout}");
    let original = std::fs::read(phone_photo()).unwrap();
    let written = std::fs::read(&clean).unwrap();
    assert!(written == lachan_image::privacy::strip(&original).unwrap());
    let check = succeeded(&lachan(&["photo", "check", "--lang", "en", arg(&clean)]));
    assert!(check.contains("No personal information found"), "{check}");
    assert!(check.contains("Orientation: 6"), "{check}");
    // Cleaning a clean copy removes nothing.
    let again = tmp.path().join("again.jpg");
    let stdout = succeeded(&lachan(&[
        "photo",
        "strip",
        "--lang",
        "en",
        arg(&clean),
        "-o",
        arg(&again),
    ]));
    assert!(stdout.contains("Nothing to remove."), "{stdout}");
}

#[test]
fn strip_replaces_the_input_only_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("copy.jpg");
    std::fs::copy(phone_photo(), &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let out = lachan(&["photo", "strip", arg(&copy), "-o", arg(&copy)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        std::fs::read(&copy).unwrap() == before,
        "the input was changed"
    );
    succeeded(&lachan(&[
        "photo",
        "strip",
        arg(&copy),
        "-o",
        arg(&copy),
        "--force",
    ]));
    let after = std::fs::read(&copy).unwrap();
    assert!(after == lachan_image::privacy::strip(&before).unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left");
}

#[test]
fn strip_refuses_heic_and_broken_files_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let heic = tmp.path().join("photo.heic");
    // A file-type box naming HEIC, and nothing else.
    std::fs::write(&heic, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").unwrap();
    let cut = tmp.path().join("cut.jpg");
    let original = std::fs::read(phone_photo()).unwrap();
    std::fs::write(&cut, &original[..original.len() / 2]).unwrap();
    for (input, expected) in [(&heic, "save it as JPEG"), (&cut, "cut short")] {
        let output = tmp.path().join("out.jpg");
        let out = lachan(&["photo", "strip", arg(input), "-o", arg(&output)]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
        assert!(!output.exists());
    }
    let check = succeeded(&lachan(&["photo", "check", arg(&heic)]));
    assert!(
        check.contains("(HEIC)") && check.contains("Không thấy thông tin cá nhân"),
        "{check}"
    );
}
