//! DNS over byte streams (TCP, TLS): each message preceded by its 2-byte length (RFC 1035 §4.2.2).

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::{Expect, MAX_UNMATCHED_REPLIES};
use crate::FailureReason;

/// Writes one length-prefixed message in a single write.
async fn write_framed<S: AsyncWrite + Unpin>(
    stream: &mut S,
    msg: &[u8],
) -> Result<(), FailureReason> {
    let len = u16::try_from(msg.len())
        .map_err(|_| FailureReason::Malformed("query longer than 65,535 bytes".to_owned()))?;
    let mut framed = Vec::with_capacity(msg.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(msg);
    stream
        .write_all(&framed)
        .await
        .map_err(|e| FailureReason::from_io(&e))?;
    stream.flush().await.map_err(|e| FailureReason::from_io(&e))
}

/// Reads one length-prefixed message.
async fn read_framed<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Vec<u8>, FailureReason> {
    let mut len = [0; 2];
    stream
        .read_exact(&mut len)
        .await
        .map_err(|e| FailureReason::from_io(&e))?;
    let mut msg = vec![0; usize::from(u16::from_be_bytes(len))];
    stream
        .read_exact(&mut msg)
        .await
        .map_err(|e| FailureReason::from_io(&e))?;
    Ok(msg)
}

/// Sends `query` on an open stream and reads replies until one that `expect` accepts.
/// The caller bounds it in time.
pub(crate) async fn exchange_on<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    query: &[u8],
    expect: &Expect<'_>,
) -> Result<Vec<u8>, FailureReason> {
    write_framed(stream, query).await?;
    for _ in 0..MAX_UNMATCHED_REPLIES {
        let reply = read_framed(stream).await?;
        if expect.accepts(&reply) {
            return Ok(reply);
        }
        tracing::debug!("ignored a stream reply that does not match the query");
    }
    Err(FailureReason::Malformed(format!(
        "{MAX_UNMATCHED_REPLIES} replies that do not match the query"
    )))
}

/// Plain DNS over a new TCP connection to `addr`, finished by `deadline`.
pub(crate) async fn tcp_exchange(
    addr: SocketAddr,
    query: &[u8],
    expect: &Expect<'_>,
    deadline: Instant,
) -> Result<Vec<u8>, FailureReason> {
    timeout_at(deadline, async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|e| FailureReason::Network(e.to_string()))?;
        // Best effort: the query goes out in one write anyway.
        let _ = stream.set_nodelay(true);
        exchange_on(&mut stream, query, expect).await
    })
    .await
    .map_err(|_| FailureReason::Timeout)?
}
