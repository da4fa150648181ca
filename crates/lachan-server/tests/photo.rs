//! The photo-privacy page over real loopback HTTP, with ThreatExchange's phone photo (GPS,
//! capture time, camera, thumbnail): a guardian uploads it, reads what it reveals in
//! Vietnamese or English, and downloads the cleaned copy — the same bytes as
//! `lachan_image::privacy::strip` — through the report page's form or the upload form's second
//! button; large photos, HEIC, non-photos, missing files, forged or cross-site posts, visitors
//! and platform tokens each get their answer, and nothing is stored.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{Auth, HANG_GUARD, Server};
use lachan_server::{ImageOptions, create_token};
use lachan_store::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A phone photo with GPS tags and orientation 6.
fn phone_photo() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/pdq/images/reg-test-input/exif-rotn/exif-rotn-6.jpg"
    );
    std::fs::read(path).unwrap()
}

const BOUNDARY: &str = "lachan-photo-test-3f9";

/// A multipart form of `(name, file name if a file, value)` fields.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, value) in fields {
        let disposition = match file {
            Some(file) => format!(
                "form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: image/jpeg"
            ),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A raw HTTP answer: status, headers (lower-case names) and body bytes.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a text answer")
    }
}

/// Posts a multipart form to `path` with the `Cookie` header `cookies` and `extra` header
/// lines.
async fn post(server: &Server, path: &str, cookies: &str, body: &[u8], extra: &[&str]) -> Answer {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !cookies.is_empty() {
        head.push_str(&format!("Cookie: {cookies}\r\n"));
    }
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let exchange = async {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        // The server may answer (413) before reading the whole body.
        let _ = stream.write_all(body).await;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        raw
    };
    let raw = tokio::time::timeout(HANG_GUARD, exchange).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")),
        "answers carry a length"
    );
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// The value of the hidden field `name` of a page, as the browser reads it (askama escapes
/// `"&'<>` only).
fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker)? + marker.len();
    let raw = &page[at..at + page[at..].find('"')?];
    Some(
        raw.replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#38;", "&"),
    )
}

/// A server with the guardian `me` signed in: the server, the cookie and the page's CSRF token.
async fn signed_in(options: ImageOptions) -> (Server, String, String) {
    let server = Server::start_with_images(options).await;
    server.add_user("me", Role::Guardian, Some("nha-an")).await;
    let cookie = server.sign_in("me").await;
    let page = server.page("/photo", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    (server, cookie, csrf)
}

#[tokio::test]
async fn a_guardian_sees_what_a_photo_reveals_and_downloads_the_clean_copy() {
    let (server, cookie, csrf) = signed_in(ImageOptions::default()).await;
    let page = server.page("/photo", &cookie).await;
    assert!(
        page.body
            .contains("href=\"/photo\" aria-current=\"page\">Ảnh an toàn</a>")
    );
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("đủ 7 tuổi"), "the consent note is shown");
    assert!(page.body.contains("tối đa 20 MB"));

    let photo = phone_photo();
    let form = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("file", Some("Ảnh lớp 6A.jpg"), &photo),
    ]);
    let report = post(&server, "/photo", &cookie, &form, &[]).await;
    assert_eq!(report.status, 200, "{}", report.text());
    assert_eq!(report.header("cache-control"), Some("no-store"));
    let html = report.text();
    for text in [
        "Ảnh &#34;Ảnh lớp 6A.jpg&#34; tiết lộ",
        "Vị trí GPS",
        "38.97794, -77.02320 (chính xác ~1 m), độ cao 0 m",
        "Thời điểm chụp",
        "2017-11-07 22:14:06",
        "samsung SM-G930V",
        "Ảnh thu nhỏ nhúng trong tệp",
        "504×376",
        "dữ liệu sau cuối ảnh",
        "Hướng xoay của ảnh (6) được giữ lại",
        "Tải bản đã làm sạch",
    ] {
        assert!(html.contains(text), "{text:?} missing");
    }

    // The report page's form carries the cleaned copy back: no state on the server.
    let cleaned = hidden(&html, "cleaned").expect("a download form");
    let expected = lachan_image::privacy::strip(&photo).unwrap();
    assert!(BASE64.decode(&cleaned).unwrap() == expected);
    let name = hidden(&html, "name").unwrap();
    assert_eq!(name, "Ảnh lớp 6A.jpg");
    let csrf_of_form = hidden(&html, "csrf").unwrap();
    let download = multipart(&[
        ("csrf", None, csrf_of_form.as_bytes()),
        ("name", None, name.as_bytes()),
        ("cleaned", None, cleaned.as_bytes()),
    ]);
    let file = post(&server, "/photo/clean", &cookie, &download, &[]).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        file.header("content-disposition"),
        Some(
            "attachment; filename=\"_nh-l_p-6A-clean.jpg\"; \
             filename*=UTF-8''%E1%BA%A2nh-l%E1%BB%9Bp-6A-clean.jpg"
        )
    );
    assert_eq!(file.header("cache-control"), Some("no-store"));
    assert!(file.body == expected, "the download is the cleaned copy");

    // The upload form's second button answers the file at once.
    let direct = post(&server, "/photo/clean", &cookie, &form, &[]).await;
    assert_eq!(direct.status, 200);
    assert!(direct.body == expected);

    // Nothing was filed or kept.
    assert!(server.store.reports(10).await.unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn the_page_speaks_english_when_switched() {
    let (server, cookie, csrf) = signed_in(ImageOptions::default()).await;
    let cookies = format!("{cookie}; lang=en");
    let page = server.page("/photo", &cookies).await;
    assert!(page.body.contains("Before you post a photo of your child"));
    assert!(page.body.contains("aged 7 or older"));
    let form = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("file", Some("a.jpg"), &phone_photo()),
    ]);
    let html = post(&server, "/photo", &cookies, &form, &[]).await.text();
    for text in [
        "What &#34;a.jpg&#34; reveals",
        "GPS position",
        "38.97794, -77.02320 (accurate to ~1 m), altitude 0 m",
        "Camera",
        "Embedded thumbnail",
        "Download the cleaned copy",
    ] {
        assert!(html.contains(text), "{text:?} missing");
    }
    server.stop().await;
}

#[tokio::test]
async fn large_photos_are_cleaned_through_the_upload_form_only() {
    // A limit the photo fits under, but not its cleaned copy in base64 with a form around it.
    let options = ImageOptions {
        max_body_bytes: 4 << 20,
        ..ImageOptions::default()
    };
    let (server, cookie, csrf) = signed_in(options).await;
    let photo = phone_photo();
    let form = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("file", Some("big.jpg"), &photo),
    ]);
    let html = post(&server, "/photo", &cookie, &form, &[]).await.text();
    assert!(html.contains("Vị trí GPS"));
    assert!(hidden(&html, "cleaned").is_none());
    assert!(html.contains("Ảnh này lớn: để tải bản sạch, hãy chọn lại ảnh"));
    let direct = post(&server, "/photo/clean", &cookie, &form, &[]).await;
    assert_eq!(direct.status, 200);
    assert!(direct.body == lachan_image::privacy::strip(&photo).unwrap());
    server.stop().await;

    let small = ImageOptions {
        max_body_bytes: 1 << 20,
        ..ImageOptions::default()
    };
    let (server, cookie, csrf) = signed_in(small).await;
    let form = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("file", Some("big.jpg"), &photo),
    ]);
    for path in ["/photo", "/photo/clean"] {
        let refused = post(&server, path, &cookie, &form, &[]).await;
        assert_eq!(refused.status, 413, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn other_files_get_a_page_saying_what_to_do() {
    let (server, cookie, csrf) = signed_in(ImageOptions::default()).await;
    let csrf = csrf.as_bytes();
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        (
            "/photo",
            multipart(&[("csrf", None, csrf), ("file", Some(""), b"")]),
            400,
            "Hãy chọn một ảnh trước đã.",
        ),
        (
            "/photo",
            multipart(&[
                ("csrf", None, csrf),
                ("file", Some("a.jpg"), b"hello, not a photo"),
            ]),
            415,
            "không phải ảnh JPEG, PNG, WebP hay HEIC",
        ),
        (
            "/photo/clean",
            multipart(&[("csrf", None, csrf), ("file", Some("a.heic"), heic)]),
            415,
            "Ảnh HEIC xem được nhưng chưa làm sạch được",
        ),
        (
            "/photo/clean",
            multipart(&[("csrf", None, csrf), ("cleaned", None, b"%%% not base64")]),
            400,
            "Biểu mẫu gửi lên không đúng",
        ),
        (
            "/photo",
            multipart(&[("csrf", None, csrf), ("extra", None, b"x")]),
            400,
            "Biểu mẫu gửi lên không đúng",
        ),
    ];
    for (path, form, status, text) in cases {
        let answer = post(&server, path, &cookie, &form, &[]).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.text());
        assert!(
            answer.text().contains(text),
            "{text:?} missing from the {path} page"
        );
    }
    // A HEIC photo is checked; the page says why there is no download.
    let form = multipart(&[("csrf", None, csrf), ("file", Some("a.heic"), heic)]);
    let html = post(&server, "/photo", &cookie, &form, &[]).await.text();
    assert!(html.contains("Không thấy thông tin cá nhân"));
    assert!(html.contains("Cài đặt › Camera › Định dạng › Tương thích nhất"));
    assert!(hidden(&html, "cleaned").is_none());
    server.stop().await;
}

#[tokio::test]
async fn posts_need_a_signed_in_person_with_the_sessions_token() {
    let (server, cookie, csrf) = signed_in(ImageOptions::default()).await;
    let photo = phone_photo();
    let form = |token: &str| {
        multipart(&[
            ("csrf", None, token.as_bytes()),
            ("file", Some("a.jpg"), &photo),
        ])
    };
    for path in ["/photo", "/photo/clean"] {
        let missing = post(&server, path, &cookie, &form(""), &[]).await;
        assert_eq!(missing.status, 403, "{path}");
        assert!(missing.text().contains("Hãy tải lại trang"));
        let wrong = post(&server, path, &cookie, &form("0000"), &[]).await;
        assert_eq!(wrong.status, 403, "{path}");
        let cross_site = ["Origin: http://evil.example"];
        let forged = post(&server, path, &cookie, &form(&csrf), &cross_site).await;
        assert_eq!(forged.status, 403, "{path}");
        let visitor = post(&server, path, "", &form(&csrf), &[]).await;
        assert_eq!(visitor.status, 303, "{path}");
        assert_eq!(visitor.header("location"), Some("/login"));
    }
    let visitor = server.page("/photo", "").await;
    assert_eq!(visitor.header("location"), Some("/login"));

    // Platform software is no person: the page is not for it.
    let token = create_token(&server.store, "school-app", Role::Platform, None)
        .await
        .unwrap();
    let platform = server.get("/photo", &Auth::Bearer(token)).await;
    assert_eq!(platform.status, 403);
    server.stop().await;
}
