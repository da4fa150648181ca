//! Cross-site request forgery protection for requests authenticated by the session cookie.
//!
//! Two checks, both required for every state-changing request made with the cookie:
//! - the request must not come from another site: `Sec-Fetch-Site` (when the browser sends it)
//!   must be `same-origin` or `none`, and `Origin` (when sent) must name the console's own
//!   `Host`;
//! - it must carry the session's CSRF token: the hidden form field `csrf` for console forms
//!   ([`verify_form`]), the header `X-CSRF-Token` for JSON requests.
//!
//! Requests with a bearer token need neither: browsers never add that header by themselves.
//! Sign-in and first-run forms have no session yet; they get the cross-site check alone
//! ([`check_same_origin`]), on top of the cookie's `SameSite=Strict`.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::principal::{Principal, Via};

/// The header JSON requests made with the session cookie carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field console forms carry the CSRF token in.
pub const CSRF_FIELD: &str = "csrf";

/// Why a state-changing request was refused as possibly forged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    /// The browser says the request comes from another site.
    #[error(
        "the request comes from another site ({0}); changes are only accepted from the console's own pages"
    )]
    CrossSite(String),
    /// The session's CSRF token is missing.
    #[error("the request has no CSRF token; reload the page and try again")]
    MissingToken,
    /// A CSRF token was sent but is not the session's.
    #[error("the request's CSRF token is not this session's; reload the page and try again")]
    WrongToken,
}

impl IntoResponse for CsrfError {
    fn into_response(self) -> Response {
        ApiError::new(
            StatusCode::FORBIDDEN,
            self.to_string(),
            "send the session's CSRF token (form field \"csrf\", or header X-CSRF-Token for JSON), \
             or use a bearer token",
        )
        .into_response()
    }
}

/// Refuses a request that a browser marks as coming from another site: `Sec-Fetch-Site` other
/// than `same-origin` or `none`, or an `Origin` that is not `http(s)://` plus the request's
/// `Host`. Requests without either header (non-browser clients) pass.
pub fn check_same_origin(headers: &HeaderMap) -> Result<(), CsrfError> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        if site != "same-origin" && site != "none" {
            return Err(CsrfError::CrossSite(format!("Sec-Fetch-Site: {site}")));
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("null").trim();
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .filter(|rest| !rest.contains('/'));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (authority, host) {
        (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host.trim()) => Ok(()),
        _ => Err(CsrfError::CrossSite(format!("Origin: {origin}"))),
    }
}

/// Checks a console form post: same origin, and its `csrf` field equal to the session's token.
/// Bearer-token requests pass (they cannot be forged by a browser).
pub fn verify_form(
    principal: &Principal,
    headers: &HeaderMap,
    form_token: &str,
) -> Result<(), CsrfError> {
    match &principal.via {
        Via::Token { .. } => Ok(()),
        Via::Session { csrf, .. } => {
            check_same_origin(headers)?;
            same_token(csrf, form_token)
        }
    }
}

/// Checks a JSON request made with the session cookie: same origin, and the `X-CSRF-Token`
/// header equal to the session's token. Bearer-token requests pass.
pub(crate) fn verify_header(principal: &Principal, headers: &HeaderMap) -> Result<(), CsrfError> {
    match &principal.via {
        Via::Token { .. } => Ok(()),
        Via::Session { csrf, .. } => {
            check_same_origin(headers)?;
            let given = headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            same_token(csrf, given)
        }
    }
}

/// Compares the session's token with the one given, in time independent of where they differ.
fn same_token(expected: &str, given: &str) -> Result<(), CsrfError> {
    let given = given.trim();
    if given.is_empty() {
        return Err(CsrfError::MissingToken);
    }
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    let diff = a
        .iter()
        .zip(b)
        .fold(u8::from(a.len() != b.len()), |acc, (x, y)| acc | (x ^ y));
    if diff == 0 {
        Ok(())
    } else {
        Err(CsrfError::WrongToken)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use lachan_store::Role;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    fn session(csrf: &str) -> Principal {
        Principal {
            actor: "me".into(),
            role: Role::Admin,
            household: None,
            hotline: None,
            via: Via::Session {
                csrf: csrf.into(),
                user_id: 1,
                token_hash: [0; 32],
            },
        }
    }

    #[test]
    fn same_origin_requests_pass_and_cross_site_ones_do_not() {
        let host = ("host", "127.0.0.1:8080");
        assert!(check_same_origin(&headers(&[host])).is_ok());
        assert!(check_same_origin(&headers(&[host, ("origin", "http://127.0.0.1:8080")])).is_ok());
        assert!(check_same_origin(&headers(&[host, ("sec-fetch-site", "same-origin")])).is_ok());
        for bad in [
            ("origin", "http://evil.test"),
            ("origin", "null"),
            ("origin", "http://127.0.0.1:8080.evil.test"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ] {
            let err = check_same_origin(&headers(&[host, bad])).unwrap_err();
            assert!(matches!(err, CsrfError::CrossSite(_)), "{bad:?}");
        }
    }

    #[test]
    fn forms_need_the_sessions_token() {
        let who = session("abc123");
        let h = headers(&[("host", "localhost:8080")]);
        assert!(verify_form(&who, &h, "abc123").is_ok());
        assert_eq!(verify_form(&who, &h, ""), Err(CsrfError::MissingToken));
        assert_eq!(verify_form(&who, &h, "abc124"), Err(CsrfError::WrongToken));
        assert_eq!(verify_form(&who, &h, "abc1234"), Err(CsrfError::WrongToken));
        let token = Principal {
            via: Via::Token {
                id: 1,
                name: "app".into(),
            },
            ..who
        };
        assert!(verify_form(&token, &h, "").is_ok());
    }

    #[test]
    fn json_requests_need_the_header() {
        let who = session("abc123");
        let mut h = headers(&[("host", "localhost:8080")]);
        assert_eq!(verify_header(&who, &h), Err(CsrfError::MissingToken));
        h.insert(CSRF_HEADER, HeaderValue::from_static("abc123"));
        assert!(verify_header(&who, &h).is_ok());
    }
}
