//! DNS-over-TLS (RFC 7858): length-framed DNS inside TLS, reusing idle connections.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::Expect;
use super::stream::exchange_on;
use crate::{FailureReason, SpecError, UpstreamError};

/// Most idle connections kept per upstream.
const MAX_IDLE: usize = 8;

/// One DNS-over-TLS upstream with its idle connections.
pub(crate) struct DotUpstream {
    addr: SocketAddr,
    server_name: ServerName<'static>,
    connector: TlsConnector,
    idle: Mutex<Vec<TlsStream<TcpStream>>>,
}

impl DotUpstream {
    /// An upstream at `addr` whose certificate must be valid for `server_name`.
    pub(crate) fn new(
        addr: SocketAddr,
        server_name: &str,
        config: Arc<ClientConfig>,
    ) -> Result<DotUpstream, UpstreamError> {
        let server_name = ServerName::try_from(server_name.to_owned())
            .map_err(|_| SpecError::BadServerName(server_name.to_owned()))?;
        Ok(DotUpstream {
            addr,
            server_name,
            connector: TlsConnector::from(config),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends `query` and returns the reply `expect` accepts, finished by `deadline`. An idle
    /// connection is tried first; if it fails (the server may have closed it), a new one is made.
    pub(crate) async fn exchange(
        &self,
        query: &[u8],
        expect: &Expect<'_>,
        deadline: Instant,
    ) -> Result<Vec<u8>, FailureReason> {
        timeout_at(deadline, async {
            if let Some(mut stream) = self.take_idle() {
                match exchange_on(&mut stream, query, expect).await {
                    Ok(reply) => {
                        self.put_idle(stream);
                        return Ok(reply);
                    }
                    Err(e) => tracing::debug!(upstream = %self.addr, error = %e, "reused TLS connection failed; reconnecting"),
                }
            }
            let mut stream = self.connect().await?;
            let reply = exchange_on(&mut stream, query, expect).await?;
            self.put_idle(stream);
            Ok(reply)
        })
        .await
        .map_err(|_| FailureReason::Timeout)?
    }

    async fn connect(&self) -> Result<TlsStream<TcpStream>, FailureReason> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| FailureReason::Network(e.to_string()))?;
        // Best effort: each message goes out in one write anyway.
        let _ = tcp.set_nodelay(true);
        self.connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| FailureReason::from_io(&e))
    }

    fn take_idle(&self) -> Option<TlsStream<TcpStream>> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    fn put_idle(&self, stream: TlsStream<TcpStream>) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(stream);
        }
    }
}
