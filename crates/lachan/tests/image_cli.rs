//! The image commands end to end on ThreatExchange's PDQ test images: `lachan image hash
//! --json` has the documented shape, gives the reference hashes and names broken files;
//! `lachan image bank import` reads hex and CSV files, skipping and naming bad lines and
//! counting duplicates; `bank list` and `bank remove`; `lachan image match` finds every
//! rotation and flip of a photo whose original is banked, with the transform that matched.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{lachan, shared, succeeded, text};

/// ThreatExchange's reference hash of `dih/bridge-1-original.jpg` (vectors.tsv, class=exact).
const BRIDGE: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/// A test image (path under `pdq/images/`).
fn image(relative: &str) -> PathBuf {
    shared("pdq/images").join(relative)
}

/// The JSON lines of standard output.
fn json_lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn hash_json_has_the_documented_shape_and_names_broken_files() {
    let tmp = tempfile::tempdir().unwrap();
    let original = image("reg-test-input/dih/bridge-1-original.jpg");
    let turned = image("reg-test-input/dih/bridge-2-rotate-90.jpg");
    let cut = tmp.path().join("cut.jpg");
    let bytes = std::fs::read(&original).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let notes = image("reg-test-input/needles.txt");
    let faint = image("reg-test-input/labelme-subset/q0003.jpg");
    let paths: Vec<&Path> = vec![&original, &turned, &cut, &notes, &faint];
    let mut args = vec!["image", "hash", "--json"];
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let out = lachan(tmp.path(), &args);
    assert!(!out.status.success(), "two files are not images");
    assert!(
        text(&out.stderr).contains("2 of 5 files"),
        "{}",
        text(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5);

    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let hashed = ["matchable", "path", "pdq", "quality", "transforms"];
    for (line, name) in lines.iter().zip(&names) {
        assert_eq!(line["path"], name.as_str());
    }
    assert_eq!(
        keys(&lines[0]),
        hashed.iter().map(|k| k.to_string()).collect()
    );
    assert_eq!(lines[0]["pdq"], BRIDGE);
    assert_eq!(lines[0]["quality"], 100);
    assert_eq!(lines[0]["matchable"], true);
    let transforms = lines[0]["transforms"].as_object().unwrap();
    let expected: BTreeSet<&str> = [
        "original",
        "rotate90",
        "rotate180",
        "rotate270",
        "flipx",
        "flipy",
        "flipplus1",
        "flipminus1",
    ]
    .into();
    assert_eq!(
        transforms
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(transforms["original"], BRIDGE);
    for hash in transforms.values() {
        let hash = hash.as_str().unwrap();
        assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    // The turned copy turned back is the original.
    assert_eq!(lines[1]["transforms"]["rotate270"], BRIDGE);

    for broken in &lines[2..4] {
        assert_eq!(keys(broken), ["error", "path"].map(String::from).into());
    }
    assert!(
        lines[2]["error"].as_str().unwrap().contains("cut short"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3]["error"].as_str().unwrap().contains("not an image"),
        "{}",
        lines[3]
    );
    assert_eq!(lines[4]["matchable"], false);
    assert!(lines[4]["quality"].as_u64().unwrap() < 50);

    // The plain form says the same in words.
    let out = lachan(tmp.path(), &["image", "hash", &names[0], &names[4]]);
    succeeded(&out);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&format!("pdq {BRIDGE}  quality 100")),
        "{shown}"
    );
    assert!(shown.contains("(below 50: not matchable)"), "{shown}");
    assert_eq!(shown.matches("flipminus1").count(), 2, "{shown}");
}

#[test]
fn banks_are_imported_from_hex_and_csv_listed_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let haystack = image("reg-test-input/haystack.txt");
    let lines = std::fs::read_to_string(&haystack).unwrap().lines().count();

    let hex = haystack.display().to_string();
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "hay",
            "--category",
            "custom",
            &hex,
        ],
    );
    succeeded(&out);
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "{lines} hashes read, {lines} added, 0 already in the bank, 0 bad lines"
        )),
        "{said}"
    );
    // Again: all duplicates.
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "hay",
            "--category",
            "custom",
            &hex,
        ],
    );
    succeeded(&out);
    assert!(
        text(&out.stdout).contains(&format!("0 added, {lines} already in the bank")),
        "{}",
        text(&out.stdout)
    );
    // Into the same bank with another category: refused.
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "hay",
            "--category",
            "terror",
            &hex,
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("holds custom hashes, not terror"));

    // A hex file with comments, blank lines, bad lines and a repeated hash.
    let needles: Vec<String> = std::fs::read_to_string(image("reg-test-input/needles.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let file = tmp.path().join("mixed.txt");
    std::fs::write(
        &file,
        format!(
            "# three hashes, one twice\n{}\n\n{}\nnot a hash\n{}\n{},label\n{}\n",
            needles[0],
            needles[1],
            &needles[2][..63],
            needles[3],
            needles[0].to_uppercase()
        ),
    )
    .unwrap();
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "mixed",
            "--category",
            "ncii",
            &file.display().to_string(),
        ],
    );
    succeeded(&out);
    let said = text(&out.stdout);
    assert!(
        said.contains("3 hashes read, 2 added, 1 already in the bank, 3 bad lines skipped"),
        "{said}"
    );
    let errors = text(&out.stderr);
    let path = file.display();
    assert!(errors.contains(&format!("{path}:5: skipped:")), "{errors}");
    assert!(
        errors.contains(&format!(
            "{path}:6: skipped: a PDQ hash is 64 hex digits, this one has 63"
        )),
        "{errors}"
    );
    assert!(errors.contains(&format!("{path}:7: skipped:")), "{errors}");
    assert!(errors.contains("use --format csv for labels"), "{errors}");

    // CSV with a header and labels.
    let csv = tmp.path().join("bank.csv");
    std::fs::write(
        &csv,
        format!(
            "pdq,case,note\n{},4411,\"first, seen 2025\"\n{}\n{}x,1\n",
            needles[4], needles[5], needles[6]
        ),
    )
    .unwrap();
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "hotline",
            "--category",
            "sexual_minors",
            "--format",
            "csv",
            "--source",
            "hotline export 2026-11",
            &csv.display().to_string(),
        ],
    );
    succeeded(&out);
    assert!(
        text(&out.stdout).contains("2 hashes read, 2 added, 0 already in the bank, 1 bad lines"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains(":1: header skipped: pdq,case,note"));
    assert!(text(&out.stderr).contains(":4: skipped: first column"));

    // A CSV file read as hex has no hash at all: nothing is imported, no bank left behind.
    let labelled = tmp.path().join("labelled.csv");
    std::fs::write(&labelled, format!("{},a\n{},b\n", needles[7], needles[8])).unwrap();
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "wrong",
            "--category",
            "custom",
            &labelled.display().to_string(),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("nothing was imported; is it a --format csv file?"));

    let out = lachan(&data, &["image", "bank", "list", "--json"]);
    succeeded(&out);
    let listed: Vec<(String, String, u64, Option<String>)> = json_lines(&out)
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["category"].as_str().unwrap().to_string(),
                b["hashes"].as_u64().unwrap(),
                b["source"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "hay".into(),
                "custom".into(),
                lines as u64,
                Some(format!("imported from {hex}"))
            ),
            (
                "hotline".into(),
                "sexual_minors".into(),
                2,
                Some("hotline export 2026-11".into())
            ),
            (
                "mixed".into(),
                "ncii".into(),
                2,
                Some(format!("imported from {}", file.display()))
            ),
        ]
    );
    let out = lachan(&data, &["image", "bank", "list"]);
    succeeded(&out);
    assert!(
        text(&out.stdout).contains("hotline"),
        "{}",
        text(&out.stdout)
    );

    let out = lachan(&data, &["image", "bank", "remove", "hay"]);
    succeeded(&out);
    assert!(text(&out.stdout).contains(&format!("removed with its {lines} hashes")));
    let out = lachan(&data, &["image", "bank", "remove", "hay"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no hash bank is named 'hay'"));
    let names: Vec<Value> = json_lines(&lachan(&data, &["image", "bank", "list", "--json"]))
        .into_iter()
        .map(|b| b["name"].clone())
        .collect();
    assert_eq!(names, ["hotline", "mixed"]);
}

#[test]
fn every_rotation_and_flip_of_a_banked_photo_matches() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = tmp.path().join("original.txt");
    std::fs::write(&file, format!("{BRIDGE}\n")).unwrap();
    let out = lachan(
        &data,
        &[
            "image",
            "bank",
            "import",
            "ncmec",
            "--category",
            "sexual_minors",
            &file.display().to_string(),
        ],
    );
    succeeded(&out);

    let dih = [
        ("bridge-2-rotate-90.jpg", "rotate270"),
        ("bridge-3-rotate-180.jpg", "rotate180"),
        ("bridge-4-rotate-270.jpg", "rotate90"),
        ("bridge-5-flipx.jpg", "flipx"),
        ("bridge-6-flipy.jpg", "flipy"),
        ("bridge-7-flip-plus-1.jpg", "flipplus1"),
        ("bridge-8-flip-minus-1.jpg", "flipminus1"),
    ];
    let mut args = vec![
        "image".to_string(),
        "match".into(),
        "--json".into(),
        "--bank".into(),
        "ncmec".into(),
    ];
    for (name, _) in dih {
        args.push(
            image(&format!("reg-test-input/dih/{name}"))
                .display()
                .to_string(),
        );
    }
    args.push(
        image("reg-test-input/pen-and-coaster.png")
            .display()
            .to_string(),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lachan(&data, &args);
    succeeded(&out);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 8);
    for (line, (name, transform)) in lines.iter().zip(dih) {
        assert!(line["path"].as_str().unwrap().ends_with(name), "{line}");
        assert_eq!(line["action"], "block", "{line}");
        let matches = line["matches"].as_array().unwrap();
        assert_eq!(matches.len(), 1, "{line}");
        assert_eq!(matches[0]["bank"], "ncmec");
        assert_eq!(matches[0]["category"], "sexual_minors");
        assert_eq!(matches[0]["transform"], transform, "{line}");
        let distance = matches[0]["distance"].as_u64().unwrap();
        assert!(distance <= 31, "{line}");
        println!("{name}: {transform} at distance {distance}");
        assert_eq!(line["sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(lines[7]["action"], "allow");
    assert_eq!(lines[7]["matches"], Value::Array(vec![]));

    // In words, and with a bank that does not exist.
    let out = lachan(
        &data,
        &[
            "image",
            "match",
            &image("reg-test-input/dih/bridge-5-flipx.jpg")
                .display()
                .to_string(),
        ],
    );
    succeeded(&out);
    let said = text(&out.stdout);
    assert!(said.contains("bridge-5-flipx.jpg: block"), "{said}");
    assert!(said.contains("match  ncmec  [sexual_minors]"), "{said}");
    let out = lachan(
        &data,
        &[
            "image",
            "match",
            "--bank",
            "nope",
            &image("misc-images/c.png").display().to_string(),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no hash bank is named 'nope'"));
}

/// The file name's extension is never trusted: an image is read by its content, so a JPEG saved
/// as `.png` hashes exactly as under its own name, and a text file named `.jpg` is named as not
/// an image.
#[test]
fn extensions_are_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let misnamed = tmp.path().join("photo.png");
    std::fs::copy(image("reg-test-input/dih/bridge-1-original.jpg"), &misnamed).unwrap();
    let pretender = tmp.path().join("notes.jpg");
    std::fs::copy(image("reg-test-input/needles.txt"), &pretender).unwrap();

    let out = lachan(
        tmp.path(),
        &[
            "image",
            "hash",
            "--json",
            &misnamed.display().to_string(),
            &pretender.display().to_string(),
        ],
    );
    assert!(!out.status.success(), "one file is not an image");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["pdq"], BRIDGE);
    assert!(lines[0].get("error").is_none(), "{}", lines[0]);
    assert!(lines[1]["pdq"].is_null(), "{}", lines[1]);
    assert!(
        !lines[1]["error"].as_str().unwrap_or_default().is_empty(),
        "{}",
        lines[1]
    );
}
