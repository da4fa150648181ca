//! Sorting requests by `Host` (console or blocked site), and the answers for unknown paths.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::block_page;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::{self, Req};

/// Sends requests for a blocked site's name to the block page, and the console's own to the
/// routes; the hotline's public report form is served on every name
/// ([`ui::serves_any_host`]).
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
        Some(host)
            if !is_console_host(&host, &state.console_hosts)
                && !ui::serves_any_host(request.uri().path()) =>
        {
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

/// Unknown paths: a JSON error under `/api/`, a short page in the visitor's language elsewhere.
pub(crate) async fn not_found(req: Req) -> Response {
    let path = req.uri.path();
    if path.starts_with("/api/") {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no API endpoint at {path}"),
            "see /api/v1/openapi.json for the endpoints that exist",
        )
        .into_response()
    } else {
        ui::not_found(&req)
    }
}

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
