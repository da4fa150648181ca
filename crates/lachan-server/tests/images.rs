//! The image-safety API over real loopback HTTP, on ThreatExchange's PDQ test images: a
//! platform token uploads a rotated copy of an image whose hash is in a `sexual_minors` bank
//! and gets `block` with a hotline report holding hashes and its reference (never bytes);
//! raw bodies and multipart forms answer alike; `ncii`, `terror` and `custom` banks block or
//! ask for review without a report; featureless images are not matched; banks changed while
//! serving are used at once; guardians get 403; oversized, corrupt, unsupported and bomb
//! uploads get clear errors.

mod common;

use common::{Reply, Server};
use lachan_image::{DecodeLimits, Hash256, hash_bytes};
use lachan_server::{ImageOptions, create_token};
use lachan_store::{BankCategory, Channel, NewBankHash, ReportStatus, Role};
use serde_json::Value;
use sha2::{Digest, Sha256};

const T0: i64 = 1_780_000_000_000;
const CHECK: &str = "/api/v1/images/check";

/// The bytes of a ThreatExchange test image (path under `images/`).
fn image(relative: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/data/pdq/images/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The PDQ hash of an image as given, computed here.
fn pdq(bytes: &[u8]) -> Hash256 {
    hash_bytes(bytes, &DecodeLimits::default())
        .unwrap()
        .hashes
        .original
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A bearer token of `role` (guardians get a household).
async fn token(server: &Server, name: &str, role: Role) -> String {
    let household = (role == Role::Guardian).then_some("nha-an");
    create_token(&server.store, name, role, household)
        .await
        .unwrap()
}

/// Adds the hashes of `images` (with labels) to a bank, made if needed, and finishes the import.
async fn bank(server: &Server, name: &str, category: BankCategory, images: &[(&str, &str)]) {
    let store = &server.store;
    let bank = store
        .open_image_bank(name, category, Some("test"), T0)
        .await
        .unwrap();
    let hashes: Vec<NewBankHash> = images
        .iter()
        .map(|(file, label)| NewBankHash {
            hash: pdq(&image(file)).to_bytes(),
            label: Some(label.to_string()),
        })
        .collect();
    store.add_image_bank_hashes(bank.id, &hashes).await.unwrap();
    store.finish_image_bank_import(bank.id, T0).await.unwrap();
}

/// `POST path` with `token`, the body `body` of `content_type`, and `extra` header lines.
async fn post(
    server: &Server,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Reply {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("\r\nAuthorization: Bearer {token}"));
    }
    server.send(&head, body).await
}

/// A multipart form with the image `file` and, if given, `reference`.
fn form(file: &[u8], reference: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "lachan-test-boundary-7d1";
    let mut body = Vec::new();
    if let Some(reference) = reference {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"reference\"\r\n\r\n\
                 {reference}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Checks that `reply` is an error with `status` whose message says `says`.
fn assert_error(reply: &Reply, status: u16, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.assert_error_body();
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains(says), "{error}");
}

#[tokio::test]
async fn a_rotated_copy_of_a_banked_image_is_blocked_and_reported_without_its_bytes() {
    let server = Server::start().await;
    let platform = token(&server, "game-app", Role::Platform).await;
    bank(
        &server,
        "ncmec",
        BankCategory::SexualMinors,
        &[("reg-test-input/dih/bridge-1-original.jpg", "case 4411")],
    )
    .await;
    let upload = image("reg-test-input/dih/bridge-2-rotate-90.jpg");
    let reply = post(
        &server,
        &format!("{CHECK}?reference=upload-17"),
        Some(&platform),
        "image/jpeg",
        &upload,
    )
    .await;
    reply.assert_status(200);
    let answer = reply.json();
    assert_eq!(answer["action"], "block", "{answer}");
    assert_eq!(answer["pdq"], pdq(&upload).to_hex());
    assert_eq!(answer["sha256"], sha256_hex(&upload));
    assert_eq!(answer["matchable"], true);
    assert!(answer["quality"].as_u64().unwrap() >= 50);
    let matches = answer["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{answer}");
    let hit = &matches[0];
    assert_eq!(hit["bank"], "ncmec");
    assert_eq!(hit["category"], "sexual_minors");
    assert_eq!(hit["label"], "case 4411");
    // Turning the upload a quarter turn clockwise gives the original back.
    assert_eq!(hit["transform"], "rotate270", "{answer}");
    let distance = hit["distance"].as_u64().unwrap();
    assert!(distance <= 31, "{answer}");
    println!("rotated copy: distance {distance}");

    let id = answer["report"].as_i64().expect("a report id");
    let report = server.store.report(id).await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::New);
    let filed = &report.filed;
    assert_eq!(filed.source, Channel::ImageMatch);
    assert_eq!(filed.category, lachan_policy::Category::SexualMinors);
    assert_eq!(filed.reporter.as_deref(), Some("token:game-app"));
    assert!(filed.token_id.is_some());
    assert_eq!(filed.platform_reference.as_deref(), Some("upload-17"));
    assert_eq!(filed.pdq.as_deref(), answer["pdq"].as_str());
    assert_eq!(filed.sha256.as_deref(), Some(sha256_hex(&upload).as_str()));
    let matched = filed.image_match.as_ref().unwrap();
    assert_eq!(
        (
            matched.bank.as_str(),
            matched.bank_label.as_deref(),
            u64::from(matched.distance),
            matched.transform.as_str()
        ),
        ("ncmec", Some("case 4411"), distance, "rotate270")
    );

    // Every flip and rotation of the photo is caught the same way.
    for file in [
        "bridge-3-rotate-180.jpg",
        "bridge-4-rotate-270.jpg",
        "bridge-5-flipx.jpg",
        "bridge-6-flipy.jpg",
        "bridge-7-flip-plus-1.jpg",
        "bridge-8-flip-minus-1.jpg",
    ] {
        let bytes = image(&format!("reg-test-input/dih/{file}"));
        let reply = post(&server, CHECK, Some(&platform), "image/jpeg", &bytes).await;
        reply.assert_status(200);
        let answer = reply.json();
        assert_eq!(answer["action"], "block", "{file}: {answer}");
        assert!(answer["report"].is_i64(), "{file}: {answer}");
    }

    // An unrelated image is allowed and files nothing.
    let reports = server.store.reports(100).await.unwrap().len();
    let other = image("reg-test-input/pen-and-coaster.png");
    let reply = post(&server, CHECK, Some(&platform), "image/png", &other).await;
    reply.assert_status(200);
    let answer = reply.json();
    assert_eq!(answer["action"], "allow", "{answer}");
    assert_eq!(answer["matches"], Value::Array(vec![]));
    assert_eq!(answer["report"], Value::Null);
    assert_eq!(server.store.reports(100).await.unwrap().len(), reports);
    server.stop().await;
}

#[tokio::test]
async fn a_multipart_form_answers_as_the_raw_body_does() {
    let server = Server::start().await;
    let platform = token(&server, "school-app", Role::Platform).await;
    bank(
        &server,
        "hotline",
        BankCategory::SexualMinors,
        &[("bridge-mods/aaa-orig.jpg", "x")],
    )
    .await;
    let upload = image("bridge-mods/shrink-a-lot.jpg");
    let raw = post(&server, CHECK, Some(&platform), "image/jpeg", &upload).await;
    let (content_type, body) = form(&upload, Some("post-9/photo-2"));
    let formed = post(&server, CHECK, Some(&platform), &content_type, &body).await;
    raw.assert_status(200);
    formed.assert_status(200);
    let (mut raw, mut formed) = (raw.json(), formed.json());
    let report = formed["report"].as_i64().unwrap();
    assert_ne!(raw["report"], formed["report"], "one report per upload");
    raw["report"] = Value::Null;
    formed["report"] = Value::Null;
    assert_eq!(raw, formed);
    assert_eq!(formed["action"], "block");
    let filed = server.store.report(report).await.unwrap().unwrap().filed;
    assert_eq!(filed.platform_reference.as_deref(), Some("post-9/photo-2"));

    // The form's own mistakes are named.
    let (content_type, mut body) = form(&upload, None);
    body = String::from_utf8_lossy(&body)
        .replace("name=\"file\"", "name=\"image\"")
        .into_bytes();
    let reply = post(&server, CHECK, Some(&platform), &content_type, &body).await;
    assert_error(&reply, 400, "unknown field \"image\"");
    let (content_type, body) = form(b"", Some("x"));
    let body = String::from_utf8_lossy(&body).replace("name=\"file\"", "name=\"reference\"");
    let reply = post(
        &server,
        CHECK,
        Some(&platform),
        &content_type,
        body.as_bytes(),
    )
    .await;
    assert_error(&reply, 400, "more than one field named \"reference\"");
    let (content_type, body) = form(&upload, Some("in-form"));
    let reply = post(
        &server,
        &format!("{CHECK}?reference=in-query"),
        Some(&platform),
        &content_type,
        &body,
    )
    .await;
    assert_error(&reply, 400, "given twice");
    server.stop().await;
}

#[tokio::test]
async fn the_bank_category_decides_the_action_and_only_csam_is_reported() {
    let server = Server::start().await;
    let platform = token(&server, "chat", Role::Platform).await;
    bank(
        &server,
        "stopncii",
        BankCategory::Ncii,
        &[("pytx-test-resources/rgb.jpeg", "n1")],
    )
    .await;
    bank(
        &server,
        "gifct",
        BankCategory::Terror,
        &[("misc-images/c.png", "t1")],
    )
    .await;
    bank(
        &server,
        "own",
        BankCategory::Custom,
        &[("reg-test-input/labelme-subset/q0122.jpg", "c1")],
    )
    .await;
    for (file, action, bank) in [
        ("pytx-test-resources/rgb.jpeg", "block", "stopncii"),
        ("misc-images/c.png", "block", "gifct"),
        ("reg-test-input/labelme-subset/q0122.jpg", "review", "own"),
    ] {
        let reply = post(
            &server,
            CHECK,
            Some(&platform),
            "application/octet-stream",
            &image(file),
        )
        .await;
        reply.assert_status(200);
        let answer = reply.json();
        assert_eq!(answer["action"], action, "{file}: {answer}");
        assert_eq!(answer["matches"][0]["bank"], bank, "{file}: {answer}");
        assert_eq!(answer["matches"][0]["distance"], 0, "{file}: {answer}");
        assert_eq!(answer["report"], Value::Null, "{file}: {answer}");
    }
    assert!(server.store.reports(10).await.unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_featureless_image_is_not_matched_even_when_banked() {
    let server = Server::start().await;
    let platform = token(&server, "game", Role::Platform).await;
    let file = "reg-test-input/labelme-subset/q0003.jpg";
    bank(&server, "csam", BankCategory::SexualMinors, &[(file, "q3")]).await;
    let reply = post(&server, CHECK, Some(&platform), "image/jpeg", &image(file)).await;
    reply.assert_status(200);
    let answer = reply.json();
    assert_eq!(answer["matchable"], false, "{answer}");
    assert!(answer["quality"].as_u64().unwrap() < 50);
    assert_eq!(answer["action"], "allow");
    assert_eq!(answer["matches"], Value::Array(vec![]));
    assert_eq!(answer["report"], Value::Null);
    server.stop().await;
}

#[tokio::test]
async fn banks_changed_while_serving_are_used_from_the_next_check() {
    let server = Server::start().await;
    let platform = token(&server, "game", Role::Platform).await;
    let upload = image("reg-test-input/labelme-subset/q2821.jpg");
    let check = || post(&server, CHECK, Some(&platform), "image/jpeg", &upload);
    assert_eq!(check().await.json()["action"], "allow");
    bank(
        &server,
        "late",
        BankCategory::Custom,
        &[("reg-test-input/labelme-subset/q2821.jpg", "added later")],
    )
    .await;
    let answer = check().await.json();
    assert_eq!(answer["action"], "review", "{answer}");
    assert_eq!(answer["matches"][0]["label"], "added later");
    assert_eq!(
        server.store.remove_image_bank("late").await.unwrap(),
        Some(1)
    );
    assert_eq!(check().await.json()["action"], "allow");
    server.stop().await;
}

#[tokio::test]
async fn only_platforms_and_administrators_may_check_images() {
    let server = Server::start().await;
    let upload = image("misc-images/wee.jpg");
    let guardian = token(&server, "bo-an", Role::Guardian).await;
    let reply = post(&server, CHECK, Some(&guardian), "image/jpeg", &upload).await;
    assert_error(&reply, 403, "for platforms and administrators");
    assert!(
        reply.json()["hint"]
            .as_str()
            .unwrap()
            .contains("--role platform")
    );
    let reply = post(&server, CHECK, None, "image/jpeg", &upload).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    let admin = token(&server, "admin-cli", Role::Admin).await;
    let reply = post(&server, CHECK, Some(&admin), "image/jpeg", &upload).await;
    reply.assert_status(200);
    // A platform token is refused everywhere else.
    let platform = token(&server, "game", Role::Platform).await;
    let reply = server
        .get("/api/v1/profiles", &common::Auth::Bearer(platform))
        .await;
    assert_error(&reply, 403, "POST /api/v1/images/check");
    server.stop().await;
}

/// A PNG whose header claims `width`×`height` pixels, with almost no data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xedb8_8320 & mask);
            }
        }
        !crc
    }
    fn chunk(png: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let typed: Vec<u8> = kind.iter().chain(data).copied().collect();
        png.extend_from_slice(&typed);
        png.extend_from_slice(&crc32(&typed).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn bad_uploads_get_clear_errors_and_nothing_is_filed() {
    let server = Server::start_with_images(ImageOptions {
        max_body_bytes: 100_000,
        ..ImageOptions::default()
    })
    .await;
    let platform = token(&server, "game", Role::Platform).await;
    let t = Some(platform.as_str());

    // Over the upload limit: declared, streamed without a length, and inside a form.
    let big = image("reg-test-input/dih/bridge-1-original.jpg");
    assert!(big.len() > 100_000);
    assert_error(
        &post(&server, CHECK, t, "image/jpeg", &big).await,
        413,
        "larger than 100000 bytes",
    );
    let head = format!(
        "POST {CHECK} HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer {platform}\r\n\
         Content-Type: image/jpeg\r\nTransfer-Encoding: chunked"
    );
    let mut chunked = format!("{:x}\r\n", big.len()).into_bytes();
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_error(
        &server.send(&head, &chunked).await,
        413,
        "larger than 100000",
    );
    let (content_type, body) = form(&big, None);
    let head = format!(
        "POST {CHECK} HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer {platform}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked"
    );
    let mut chunked = format!("{:x}\r\n", body.len()).into_bytes();
    chunked.extend_from_slice(&body);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_error(
        &server.send(&head, &chunked).await,
        413,
        "larger than 100000",
    );
    // A declared length over the limit is refused before the body is read.
    let head = format!(
        "POST {CHECK} HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer {platform}\r\n\
         Content-Type: image/jpeg\r\nContent-Length: 50000000"
    );
    assert_error(&server.send(&head, b"").await, 413, "larger than 100000");

    // Cut short, not an image, empty, of another type, a bomb.
    let small = image("misc-images/wee.jpg");
    let cut = &small[..small.len() / 2];
    assert_error(
        &post(&server, CHECK, t, "image/jpeg", cut).await,
        422,
        "cut short",
    );
    assert_error(
        &post(
            &server,
            CHECK,
            t,
            "image/jpeg",
            b"<html>404 Not Found</html>",
        )
        .await,
        415,
        "not an image this program reads",
    );
    assert_error(
        &post(&server, CHECK, t, "image/jpeg", b"").await,
        400,
        "empty",
    );
    assert_error(
        &post(&server, CHECK, t, "text/plain", &small).await,
        415,
        "\"text/plain\" is not an image upload",
    );
    let bomb = png_claiming(100_000, 100_000);
    assert!(bomb.len() < 100);
    assert_error(
        &post(&server, CHECK, t, "image/png", &bomb).await,
        422,
        "claims 100000×100000 pixels",
    );

    // A reference that is too long or has control characters.
    let long = "r".repeat(257);
    let reply = post(
        &server,
        &format!("{CHECK}?reference={long}"),
        t,
        "image/jpeg",
        &small,
    )
    .await;
    assert_error(&reply, 400, "1 to 256 characters");
    let reply = post(
        &server,
        &format!("{CHECK}?reference=a%0Ab"),
        t,
        "image/jpeg",
        &small,
    )
    .await;
    assert_error(&reply, 400, "no control characters");
    let reply = post(&server, &format!("{CHECK}?ref=x"), t, "image/jpeg", &small).await;
    assert_error(&reply, 400, "query string is not valid");

    assert!(server.store.reports(10).await.unwrap().is_empty());
    // The server still answers.
    post(&server, CHECK, t, "image/jpeg", &small)
        .await
        .assert_status(200);
    server.stop().await;
}
