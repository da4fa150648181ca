//! Plain DNS over UDP from a fresh socket (and so a fresh random source port) per query.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout_at};

use super::{Expect, MAX_UNMATCHED_REPLIES};
use crate::FailureReason;

/// Sends `query` to `addr` and waits until `deadline` for a reply that `expect` accepts.
///
/// The socket is connected, so the kernel drops datagrams from any other source address;
/// replies with another id or question are skipped.
pub(crate) async fn exchange(
    addr: SocketAddr,
    query: &[u8],
    expect: &Expect<'_>,
    buffer_size: usize,
    deadline: Instant,
) -> Result<Vec<u8>, FailureReason> {
    let net = |e: std::io::Error| FailureReason::Network(e.to_string());
    let local: SocketAddr = if addr.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).await.map_err(net)?;
    socket.connect(addr).await.map_err(net)?;
    socket.send(query).await.map_err(net)?;
    let mut buf = vec![0; buffer_size];
    for _ in 0..MAX_UNMATCHED_REPLIES {
        let len = timeout_at(deadline, socket.recv(&mut buf))
            .await
            .map_err(|_| FailureReason::Timeout)?
            .map_err(net)?;
        if expect.accepts(&buf[..len]) {
            buf.truncate(len);
            return Ok(buf);
        }
        tracing::debug!(upstream = %addr, "ignored a UDP reply that does not match the query");
    }
    Err(FailureReason::Malformed(format!(
        "{MAX_UNMATCHED_REPLIES} replies that do not match the query"
    )))
}
