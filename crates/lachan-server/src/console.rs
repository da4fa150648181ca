//! Sorting requests by `Host` (console or blocked site), the console placeholder and the
//! answers for unknown paths.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::block_page;
use crate::error::ApiError;
use crate::state::AppState;

/// Sends requests for a blocked site's name to the block page, and the console's own to the
/// routes.
pub(crate) async fn dispatch(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match host {
        Some(host) if !is_console_host(&host, &state.console_hosts) => {
            let client = request
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip());
            let name = host_without_port(&host.trim().to_ascii_lowercase())
                .trim_end_matches('.')
                .to_string();
            let reason = match (&state.explain, client) {
                (Some(explain), Some(ip)) => explain(&name, ip),
                _ => None,
            };
            block_page::response(&host, reason.as_deref())
        }
        _ => next.run(request).await,
    }
}

/// Whether a `Host` value addresses the console: an IP literal (a blocked name is never one),
/// or one of `console_hosts` (lower-case), compared without case or a final dot.
fn is_console_host(host: &str, console_hosts: &[String]) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = host_without_port(&host);
    if name.parse::<IpAddr>().is_ok() {
        return true;
    }
    let trimmed = match host.rsplit_once(':') {
        Some((name, port)) => format!("{}:{port}", name.trim_end_matches('.')),
        None => host.trim_end_matches('.').to_string(),
    };
    console_hosts.iter().any(|h| *h == host || *h == trimmed)
}

/// The host part of `host[:port]` or `[v6][:port]`.
fn host_without_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(inside, _)| inside);
    }
    match host.split_once(':') {
        Some((name, port)) if !port.contains(':') => name,
        _ => host,
    }
}

/// `GET /` on the console's host: the console arrives in the next release.
pub(crate) async fn placeholder() -> Html<&'static str> {
    Html(PLACEHOLDER)
}

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lachan</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1.25rem;line-height:1.5;color:#1d2b3a}</style>
</head>
<body>
<h1>Lachan</h1>
<p>Bảng điều khiển cho gia đình và nhà trường sẽ có trong bản phát hành tới.</p>
<p lang="en">The family and school console comes in the next release.</p>
<p>API: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
</body>
</html>
"#;

/// Unknown paths: a JSON error under `/api/`, a short page elsewhere.
pub(crate) async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no API endpoint at {}", uri.path()),
            "see /api/v1/openapi.json for the endpoints that exist",
        )
        .into_response()
    } else {
        (StatusCode::NOT_FOUND, Html(NOT_FOUND_PAGE)).into_response()
    }
}

const NOT_FOUND_PAGE: &str = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">\
<title>Lachan</title><p>Không tìm thấy trang này. <a href=\"/\">Về trang chủ</a></p></html>\n";

/// A known path asked for with a method it does not have.
pub(crate) async fn method_not_allowed(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} does not accept this method", uri.path()),
        "see /api/v1/openapi.json for the methods of each endpoint",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        vec!["localhost:8080".into(), "lachan.home.arpa".into()]
    }

    #[test]
    fn ip_literals_and_configured_names_are_the_console() {
        for host in [
            "127.0.0.1:8080",
            "192.168.1.2",
            "[::1]:8080",
            "[fe80::1]",
            "LOCALHOST:8080",
            "localhost.:8080",
            "lachan.home.arpa",
        ] {
            assert!(is_console_host(host, &hosts()), "{host}");
        }
    }

    #[test]
    fn other_names_are_blocked_sites() {
        for host in [
            "casino.test",
            "localhost",
            "localhost:80",
            "lachan.home.arpa.evil",
            "",
            "[x",
        ] {
            assert!(!is_console_host(host, &hosts()), "{host}");
        }
    }
}
