//! Assembling the application and serving it.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::api::{Access, endpoints};
use crate::limits::{MAX_BODY_BYTES, enforce};
use crate::state::AppState;
use crate::{auth, console};

/// The whole HTTP application: the API, the console placeholder and the block page, with the
/// request limits of [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) and
/// [`REQUEST_TIMEOUT`](crate::REQUEST_TIMEOUT).
pub fn router(state: AppState) -> Router {
    let mut public = Router::new().route("/", get(console::placeholder));
    let mut protected = Router::new();
    for endpoint in endpoints() {
        match endpoint.access {
            Access::Public => public = public.route(endpoint.path, endpoint.handler),
            Access::Token => protected = protected.route(endpoint.path, endpoint.handler),
        }
    }
    let protected = protected.route_layer(from_fn_with_state(state.clone(), auth::require_token));
    public
        .merge(protected)
        .fallback(console::not_found)
        .method_not_allowed_fallback(console::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), console::dispatch))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(enforce))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets requests in flight
/// finish. Handlers see the client's address (for rate limiting).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.cancelled_owned())
    .await
}
