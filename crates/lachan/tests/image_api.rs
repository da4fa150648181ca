//! Image safety in the whole system (`lachan serve` in-process, a file database): a hash bank
//! imported with `lachan image bank import` while the server runs is used by the very next
//! `POST /api/v1/images/check`; a platform token's upload of a rotated copy of a banked image
//! is blocked and files a hotline report with the hashes and the platform's reference, while
//! the image's bytes land nowhere in the data directory; the banks are loaded again after a
//! restart, and a bank removed while serving stops matching.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lachan_store::{Channel, Store};
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{ManualClock, System, shared};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_lachan");

/// Guard against a hung exchange, far above any real answer time.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// `lachan ARGS` on the system's configuration and data directory; standard output.
fn lachan(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(dir.join("lachan.toml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("LACHAN_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn image(relative: &str) -> PathBuf {
    shared("pdq/images").join(relative)
}

/// `POST /api/v1/images/check?reference=…` with `token` and `bytes` as `image/jpeg`.
async fn check(system: &System, token: &str, reference: &str, bytes: &[u8]) -> (u16, Value) {
    let addr = system.web.trim_start_matches("http://").to_string();
    let mut request = format!(
        "POST /api/v1/images/check?reference={reference} HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        bytes.len()
    )
    .into_bytes();
    request.extend_from_slice(bytes);
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(&request).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        String::from_utf8(raw).unwrap()
    };
    let reply = tokio::time::timeout(HANG_GUARD, exchange).await.unwrap();
    let status = reply.split(' ').nth(1).unwrap().parse().unwrap();
    let (_, body) = reply.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, bytes));
            }
        }
    }
    found.sort();
    found
}

/// Whether `haystack` holds `needle`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banked_image_uploaded_while_serving_is_blocked_reported_and_never_stored() {
    let clock = ManualClock::at("2026-11-28T03:00:00Z");
    let system = System::start("", clock.clone()).await;
    let dir = system.dir.path().to_path_buf();
    let token = lachan(
        &dir,
        &[
            "token", "create", "--role", "platform", "--name", "game-app",
        ],
    );
    let token = token.trim().to_string();
    let upload = std::fs::read(image("reg-test-input/dih/bridge-4-rotate-270.jpg")).unwrap();

    // Before any bank: allowed.
    let (status, answer) = check(&system, &token, "upload-1", &upload).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["action"], "allow", "{answer}");

    // The hotline's bank, imported while the server runs, holds the photo's original.
    let original = lachan(
        &dir,
        &[
            "image",
            "hash",
            "--json",
            &image("reg-test-input/dih/bridge-1-original.jpg")
                .display()
                .to_string(),
        ],
    );
    let original: Value = serde_json::from_str(original.trim()).unwrap();
    let bank_file = dir.join("ncmec.csv");
    std::fs::write(
        &bank_file,
        format!(
            "hash,case\n{},case 4411\n",
            original["pdq"].as_str().unwrap()
        ),
    )
    .unwrap();
    let said = lachan(
        &dir,
        &[
            "image",
            "bank",
            "import",
            "ncmec",
            "--category",
            "sexual_minors",
            "--format",
            "csv",
            &bank_file.display().to_string(),
        ],
    );
    assert!(said.contains("1 added"), "{said}");

    let data = dir.join("data");
    let before: Vec<PathBuf> = files(&data).into_iter().map(|(p, _)| p).collect();
    let (status, answer) = check(&system, &token, "upload-2", &upload).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["action"], "block", "{answer}");
    assert_eq!(answer["matches"][0]["bank"], "ncmec");
    assert_eq!(answer["matches"][0]["transform"], "rotate90");
    assert_eq!(answer["matches"][0]["label"], "case 4411");
    let id = answer["report"].as_i64().expect("a report");

    // The report names the upload by its hashes and reference.
    let store = Store::open(&data).await.unwrap();
    let report = store.report(id).await.unwrap().unwrap().filed;
    let sha256: String = Sha256::digest(&upload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(report.source, Channel::ImageMatch);
    assert_eq!(report.platform_reference.as_deref(), Some("upload-2"));
    assert_eq!(report.reporter.as_deref(), Some("token:game-app"));
    assert_eq!(report.sha256.as_deref(), Some(sha256.as_str()));
    assert_eq!(report.pdq.as_deref(), answer["pdq"].as_str());
    let matched = report.image_match.unwrap();
    let distance = answer["matches"][0]["distance"].as_u64().unwrap();
    assert!(distance <= 31, "{answer}");
    assert_eq!(
        (matched.bank.as_str(), u64::from(matched.distance)),
        ("ncmec", distance)
    );
    drop(store);

    // No file was added to the data directory, and no file there holds any part of the image.
    let after = files(&data);
    let after_paths: Vec<PathBuf> = after.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(after_paths, before, "the upload created a file");
    let samples: Vec<&[u8]> = [0, upload.len() / 3, upload.len() / 2, upload.len() - 256]
        .iter()
        .map(|&at| &upload[at..at + 256])
        .collect();
    for (path, bytes) in files(&dir) {
        for sample in &samples {
            assert!(
                !contains(&bytes, sample),
                "{} holds bytes of the uploaded image",
                path.display()
            );
        }
    }

    // After a restart the bank is loaded from the store; removed while serving, it stops
    // matching.
    let system = system.restart(clock).await;
    let (_, answer) = check(&system, &token, "upload-3", &upload).await;
    assert_eq!(answer["action"], "block", "{answer}");
    let said = lachan(&dir, &["image", "bank", "remove", "ncmec"]);
    assert!(said.contains("removed"), "{said}");
    let (_, answer) = check(&system, &token, "upload-4", &upload).await;
    assert_eq!(answer["action"], "allow", "{answer}");
    assert_eq!(answer["report"], Value::Null);
    system.stop().await;
}
