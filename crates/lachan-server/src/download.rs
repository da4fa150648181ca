//! The `Content-Disposition` of files the server hands out (cleaned photos, hotline attachments,
//! statistics exports), so that every download names its file the same safe way.

use axum::http::HeaderValue;

/// `attachment; filename="ASCII"; filename*=UTF-8''ENCODED` (RFC 6266): the plain name keeps
/// ASCII letters, digits, `-`, `_` and `.` and replaces every other character with `_` (no
/// quote, backslash, space or line break can reach the header); the UTF-8 name percent-encodes
/// every other byte, so browsers show the real (e.g. Vietnamese) name.
pub(crate) fn content_disposition(name: &str) -> HeaderValue {
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let ascii: String = name
        .chars()
        .map(|c| if keep(c) { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if keep(char::from(byte)) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    // Only ASCII letters, digits and `-_.%"';=*` remain, which a header value always accepts.
    HeaderValue::try_from(format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disposition_has_an_ascii_and_a_utf8_name() {
        assert_eq!(
            content_disposition("ảnh-clean.jpg"),
            "attachment; filename=\"_nh-clean.jpg\"; filename*=UTF-8''%E1%BA%A3nh-clean.jpg"
        );
    }

    #[test]
    fn nothing_of_a_hostile_name_escapes_into_the_header() {
        let header = content_disposition("Ảnh \"chụp\"\r\n.png");
        let text = header.to_str().unwrap();
        assert!(
            text.starts_with("attachment; filename=\"_nh__ch_p___.png\""),
            "{text}"
        );
        assert!(
            text.contains("filename*=UTF-8''%E1%BA%A2nh%20%22"),
            "{text}"
        );
        assert!(!text.contains('\r') && !text.contains('\n'));
    }
}
