//! Console sessions: the `lachan_session` cookie, its random token (only the token's SHA-256 is
//! stored) and the session's CSRF token.
//!
//! A session lasts [`SESSION_IDLE_MS`] after its last use (sliding expiry, kept by the store).
//! Expiry is measured by the wall clock, never by the DNS gateway's clock, which tests move.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::token::{hash_token, random_hex};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "lachan_session";

/// How long a session lives without being used, in milliseconds (12 hours).
pub const SESSION_IDLE_MS: i64 = 12 * 60 * 60 * 1000;

/// A new session's secrets: the cookie's token, its SHA-256 (what the store keeps) and the
/// CSRF token forms and JSON requests must echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewSecrets {
    /// The cookie value: 64 hex digits (256 random bits).
    pub(crate) token: String,
    /// SHA-256 of `token`.
    pub(crate) token_hash: [u8; 32],
    /// 64 hex digits (256 random bits), independent of `token`.
    pub(crate) csrf: String,
}

impl NewSecrets {
    /// Fresh random secrets.
    pub(crate) fn generate() -> NewSecrets {
        let token = random_hex();
        NewSecrets {
            token_hash: hash_token(&token),
            token,
            csrf: random_hex(),
        }
    }
}

/// The `Set-Cookie` value that stores `token` in the browser: `HttpOnly`, `SameSite=Strict`,
/// `Path=/`, and `Secure` when the console is reached over HTTPS. No `Max-Age`: the browser
/// forgets it when closed, and the server ends it after [`SESSION_IDLE_MS`] without use.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::try_from(format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}"
    ))
    .unwrap_or_else(|_| clear_cookie(false))
}

/// The `Set-Cookie` value that removes the session cookie from the browser.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "lachan_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("lachan_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    }
}

/// Whether the request reached the console over HTTPS: a reverse proxy in front says so with
/// `X-Forwarded-Proto: https` (Lachan itself serves plain HTTP).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The session token of the request's `lachan_session` cookie, if it carries one that looks
/// like a token (64 hex digits).
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_https() {
        let secrets = NewSecrets::generate();
        let plain = session_cookie(&secrets.token, false);
        let plain = plain.to_str().unwrap();
        assert!(plain.starts_with(&format!("lachan_session={}", secrets.token)));
        for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(plain.contains(part), "{plain}");
        }
        assert!(!plain.contains("Secure"));
        assert!(
            session_cookie(&secrets.token, true)
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
        assert!(clear_cookie(false).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = NewSecrets::generate();
        let b = NewSecrets::generate();
        assert_ne!(a.token, b.token);
        assert_ne!(a.token, a.csrf);
        assert_eq!(a.token_hash, hash_token(&a.token));
        assert_eq!(a.token.len(), 64);
    }

    #[test]
    fn the_token_is_found_among_other_cookies_and_garbage_is_ignored() {
        let token = "ab".repeat(32);
        let found = headers(&format!("theme=dark; lachan_session={token}; lang=vi"));
        assert_eq!(cookie_token(&found), Some(token.as_str()));
        assert_eq!(cookie_token(&headers("lachan_session=short")), None);
        assert_eq!(
            cookie_token(&headers(&format!("xlachan_session={token}"))),
            None
        );
        assert_eq!(cookie_token(&HeaderMap::new()), None);
    }
}
