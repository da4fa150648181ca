//! DNS-over-HTTPS (RFC 8484): `POST` of `application/dns-message`, over HTTP/2 when the server
//! offers it (one multiplexed connection) and HTTP/1.1 otherwise (a few idle connections).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::{http1, http2};
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

use super::Expect;
use crate::spec::HttpsUrl;
use crate::{FailureReason, SpecError, UpstreamError};

/// The media type of DNS messages over HTTP.
const DNS_MESSAGE: &str = "application/dns-message";
/// Largest answer body accepted.
const MAX_BODY: usize = 65_535;
/// Most idle HTTP/1.1 connections kept per upstream.
const MAX_IDLE_H1: usize = 8;

/// A connection able to send one request.
enum Sender {
    H2(http2::SendRequest<Full<Bytes>>),
    H1(http1::SendRequest<Full<Bytes>>),
}

/// Open connections of one upstream.
#[derive(Default)]
struct Connections {
    h2: Option<http2::SendRequest<Full<Bytes>>>,
    h1_idle: Vec<http1::SendRequest<Full<Bytes>>>,
}

/// One DNS-over-HTTPS upstream.
pub(crate) struct DohUpstream {
    addr: SocketAddr,
    server_name: ServerName<'static>,
    /// `https://authority/path`, the request target over HTTP/2.
    absolute: Uri,
    /// `/path`, the request target over HTTP/1.1.
    origin: Uri,
    host: HeaderValue,
    connector: TlsConnector,
    connections: Mutex<Connections>,
}

impl DohUpstream {
    /// An upstream for `url`, reached at `addr`; `config` must offer ALPN `h2` and `http/1.1`.
    pub(crate) fn new(
        url: &HttpsUrl,
        addr: SocketAddr,
        config: Arc<ClientConfig>,
    ) -> Result<DohUpstream, UpstreamError> {
        let bad = |reason: String| SpecError::BadUrl {
            url: format!("https://{}{}", url.authority(), url.path),
            reason,
        };
        let absolute = format!("https://{}{}", url.authority(), url.path)
            .parse::<Uri>()
            .map_err(|e| bad(e.to_string()))?;
        let origin = url.path.parse::<Uri>().map_err(|e| bad(e.to_string()))?;
        let host = HeaderValue::from_str(&url.authority()).map_err(|e| bad(e.to_string()))?;
        let server_name = ServerName::try_from(url.host.clone())
            .map_err(|_| SpecError::BadServerName(url.host.clone()))?;
        Ok(DohUpstream {
            addr,
            server_name,
            absolute,
            origin,
            host,
            connector: TlsConnector::from(config),
            connections: Mutex::new(Connections::default()),
        })
    }

    fn connections(&self) -> MutexGuard<'_, Connections> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Posts `query` and returns the answer `expect` accepts, finished by `deadline`. An open
    /// connection is tried first; if it fails, a new one is made.
    pub(crate) async fn exchange(
        &self,
        query: Vec<u8>,
        expect: &Expect<'_>,
        deadline: Instant,
    ) -> Result<Vec<u8>, FailureReason> {
        let body = Bytes::from(query);
        let reply = timeout_at(deadline, async {
            if let Some(sender) = self.open_sender() {
                match self.post(sender, body.clone()).await {
                    Ok(reply) => return Ok(reply),
                    Err(e) => tracing::debug!(upstream = %self.absolute, error = %e, "reused HTTPS connection failed; reconnecting"),
                }
            }
            let sender = self.connect().await?;
            self.post(sender, body).await
        })
        .await
        .map_err(|_| FailureReason::Timeout)??;
        if expect.accepts(&reply) {
            Ok(reply)
        } else {
            Err(FailureReason::Malformed(
                "the HTTPS answer does not answer the query".to_owned(),
            ))
        }
    }

    /// A sender on an already open connection, if any.
    fn open_sender(&self) -> Option<Sender> {
        let mut connections = self.connections();
        if let Some(h2) = &connections.h2 {
            if !h2.is_closed() {
                return Some(Sender::H2(h2.clone()));
            }
            connections.h2 = None;
        }
        while let Some(h1) = connections.h1_idle.pop() {
            if !h1.is_closed() {
                return Some(Sender::H1(h1));
            }
        }
        None
    }

    /// Opens a connection, speaking HTTP/2 if the server agrees to it in ALPN.
    async fn connect(&self) -> Result<Sender, FailureReason> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| FailureReason::Network(e.to_string()))?;
        // Best effort: requests are small and go out in one write anyway.
        let _ = tcp.set_nodelay(true);
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| FailureReason::from_io(&e))?;
        let is_h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = TokioIo::new(tls);
        let http = |e: hyper::Error| FailureReason::Http(e.to_string());
        if is_h2 {
            let (sender, connection) = http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(http)?;
            tokio::spawn(drive(connection, self.addr));
            self.connections().h2 = Some(sender.clone());
            Ok(Sender::H2(sender))
        } else {
            let (sender, connection) = http1::handshake(io).await.map_err(http)?;
            tokio::spawn(drive(connection, self.addr));
            Ok(Sender::H1(sender))
        }
    }

    /// Sends one request and reads the answer body.
    async fn post(&self, sender: Sender, body: Bytes) -> Result<Vec<u8>, FailureReason> {
        let http = |e: hyper::Error| FailureReason::Http(e.to_string());
        let request = |target: &Uri| {
            Request::post(target.clone())
                .header(CONTENT_TYPE, DNS_MESSAGE)
                .header(ACCEPT, DNS_MESSAGE)
                .body(Full::new(body.clone()))
                .map_err(|e| FailureReason::Http(e.to_string()))
        };
        let (response, idle_h1) = match sender {
            Sender::H2(mut h2) => {
                h2.ready().await.map_err(http)?;
                (
                    h2.send_request(request(&self.absolute)?)
                        .await
                        .map_err(http)?,
                    None,
                )
            }
            Sender::H1(mut h1) => {
                h1.ready().await.map_err(http)?;
                let mut req = request(&self.origin)?;
                req.headers_mut().insert(HOST, self.host.clone());
                (h1.send_request(req).await.map_err(http)?, Some(h1))
            }
        };
        if response.status() != StatusCode::OK {
            return Err(FailureReason::Http(format!("status {}", response.status())));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(|t| t.starts_with(DNS_MESSAGE)) {
            return Err(FailureReason::Http(format!(
                "content type {content_type:?}, expected {DNS_MESSAGE}"
            )));
        }
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| FailureReason::Http(e.to_string()))?
            .to_bytes();
        if let Some(h1) = idle_h1 {
            let mut connections = self.connections();
            if connections.h1_idle.len() < MAX_IDLE_H1 {
                connections.h1_idle.push(h1);
            }
        }
        Ok(body.to_vec())
    }
}

/// Runs a connection until it closes.
async fn drive<C, E>(connection: C, addr: SocketAddr)
where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    if let Err(e) = connection.await {
        tracing::debug!(upstream = %addr, error = %e, "HTTPS connection closed with an error");
    }
}
