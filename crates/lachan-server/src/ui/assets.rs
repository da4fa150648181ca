//! The console's stylesheet and its one small script, compiled in and served under `/static/`.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Added to asset links (`?v=`) so that browsers fetch new assets after an upgrade.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

const CSS: &str = include_str!("../../static/console.css");
const LIVE_JS: &str = include_str!("../../static/live.js");

/// `GET /static/console.css`.
pub(crate) async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /static/live.js`: refreshes the live parts of a page every 30 seconds.
pub(crate) async fn live_js() -> Response {
    asset("text/javascript; charset=utf-8", LIVE_JS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}
