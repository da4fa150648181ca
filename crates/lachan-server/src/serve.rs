//! Assembling the application and serving it.

use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::middleware::from_fn_with_state;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::api::{BodyLimit, endpoints, guard};
use crate::console;
use crate::idle::IdleTimeout;
use crate::limits::{BodyLimits, MAX_BODY_BYTES, REQUEST_TIMEOUT, enforce};
use crate::state::AppState;

/// The whole HTTP application: the API, the console and the block page, with the
/// request limits of [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) (image uploads:
/// [`ImageOptions::max_body_bytes`](crate::ImageOptions::max_body_bytes); case attachments:
/// [`HotlineOptions::max_attachment_bytes`](crate::HotlineOptions::max_attachment_bytes) and
/// the form's framing) and
/// [`REQUEST_TIMEOUT`](crate::REQUEST_TIMEOUT).
///
/// API endpoints other than the public ones (the OpenAPI document, sign-in, first-run setup)
/// need a principal: a session cookie or a bearer token (see [`crate::Principal`]) whose role
/// the endpoint allows: families (admins, guardians) reach the API of profiles and devices,
/// the hotline's staff (operators, supervisors, admins) the hotline's API, platform tokens only
/// the content-safety endpoints (text and images) and report filing.
pub fn router(state: AppState) -> Router {
    let upload_max = state.images.options().max_body_bytes;
    let attachment_max = state.hotline.attachment_body_max();
    let mut uploads: Vec<(&'static str, usize)> = crate::ui::UPLOAD_PATHS
        .iter()
        .map(|&path| (path, upload_max))
        .collect();
    uploads.push((crate::ui::ATTACHMENT_UPLOAD_ROUTE, attachment_max));
    let mut app = Router::new().merge(crate::ui::router(upload_max, attachment_max));
    for endpoint in endpoints() {
        let mut handler = guard(endpoint.handler, endpoint.access, &state);
        let max = match endpoint.body {
            BodyLimit::Json => None,
            BodyLimit::Upload => Some(upload_max),
            BodyLimit::Attachment => Some(attachment_max),
        };
        if let Some(max) = max {
            // Inside the router-wide limit, so this one wins for this route.
            handler = handler.layer(DefaultBodyLimit::max(max));
            uploads.push((endpoint.path, max));
        }
        app = app.route(endpoint.path, handler);
    }
    let limits = BodyLimits::new(uploads);
    app.fallback(console::not_found)
        .method_not_allowed_fallback(console::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), console::dispatch))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(limits, enforce))
        .with_state(state)
}

/// How long shutdown waits for connections to finish before dropping them: long enough for a
/// request already being answered to run out its [`REQUEST_TIMEOUT`].
const SHUTDOWN_GRACE: Duration = REQUEST_TIMEOUT.saturating_add(Duration::from_secs(5));

/// How long to pause accepting after an error that is not one connection's fault (typically
/// the process is out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Limits that keep slow or idle clients from holding the server's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Most connections open at once (at least 1). When all are taken the server stops
    /// accepting, and new clients wait in the kernel's listen queue until one closes: nothing
    /// is refused, and a flood cannot cost more file descriptors than this.
    pub max_connections: usize,
    /// Longest time a client may take to send a request's headers, counted from when the
    /// connection starts waiting for a request (its opening, or the end of the previous
    /// response on a kept-alive connection). Past it, the connection is closed.
    pub header_timeout: Duration,
    /// Longest time a connection may move no byte in either direction (a client that stops
    /// reading its response, a silent kept-alive connection) before it is closed. Keep it
    /// above [`REQUEST_TIMEOUT`], or a slow handler's connection is cut. A kept-alive
    /// connection waiting for its next request is closed after the shorter of this and
    /// `header_timeout`.
    pub idle_timeout: Duration,
}

impl Default for ServeOptions {
    /// 256 connections, 10 s to send headers, 30 s without traffic.
    fn default() -> Self {
        Self {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves `router` on `listener` with the default [`ServeOptions`] until `shutdown` is
/// cancelled; see [`serve_with`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> io::Result<()> {
    serve_with(listener, router, shutdown, ServeOptions::default()).await
}

/// Serves `router` on `listener` (HTTP/1.1) within the limits of `options` until `shutdown` is
/// cancelled. Handlers see the client's address as `ConnectInfo<SocketAddr>` (for rate
/// limiting).
///
/// On shutdown the listener is closed at once, idle connections are closed, and requests in
/// flight are answered (with `Connection: close`); connections still open 20 s later are
/// dropped. Errors accepting a connection are logged and never end the loop, so this returns
/// `Ok` once shut down.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    options: ServeOptions,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true);
    let http = Arc::new(http);
    let slots = options.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(slots));
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if !is_connection_error(&error) {
                        tracing::warn!(%error, "cannot accept connections; pausing");
                        tokio::select! {
                            () = shutdown.cancelled() => break,
                            () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                        }
                    }
                    continue;
                }
            },
        };
        let connection = Connection {
            stream,
            peer,
            router: router.clone(),
            http: Arc::clone(&http),
            idle_timeout: options.idle_timeout,
            shutdown: shutdown.clone(),
            _slot: permit,
        };
        connections.spawn(connection.run());
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the shutdown grace period; dropping them"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// Errors that concern one incoming connection only, after which accepting can go on at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// One accepted connection and what it needs to be served.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: Arc<http1::Builder>,
    idle_timeout: Duration,
    shutdown: CancellationToken,
    /// Held while the connection is open; dropping it lets another connection in.
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    /// Serves requests until the client leaves, a limit is hit, or shutdown finishes the
    /// request in flight.
    async fn run(self) {
        let peer = self.peer;
        let app = TowerToHyperService::new(self.router);
        let service = service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.call(request)
        });
        let io = TokioIo::new(IdleTimeout::new(self.stream, self.idle_timeout));
        let mut connection = pin!(self.http.serve_connection(io, service));
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = self.shutdown.cancelled() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = result {
            tracing::debug!(%peer, %error, "connection ended with an error");
        }
    }
}
