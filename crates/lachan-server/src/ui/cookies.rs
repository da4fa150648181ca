//! Reading the `Cookie` header and writing the console's own small cookies (language, flash
//! message).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The value of cookie `name` in the request's `Cookie` headers, if present.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
}

/// A `Set-Cookie` value for a console cookie readable only over HTTP, sent back to this site
/// only, for `max_age` seconds (0 deletes it).
pub(crate) fn set_cookie(name: &str, value: &str, max_age: u32) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "a=1; lang=en".parse().unwrap());
        headers.append(COOKIE, "flash=\"saved\"".parse().unwrap());
        assert_eq!(cookie(&headers, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "flash").as_deref(), Some("saved"));
        assert_eq!(cookie(&headers, "la"), None);
    }
}
