//! Listeners: every configured address is served on UDP and TCP. UDP uses one socket per worker
//! (SO_REUSEPORT) so the kernel spreads queries over cores; TCP connections are bounded in
//! number, size and idle time.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::resolver::{Resolver, Step, Transport};

/// Listener limits.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    /// UDP sockets per address (one per core is best).
    pub udp_workers: usize,
    /// Open TCP connections at most; more wait to be accepted.
    pub max_tcp_connections: usize,
    /// A TCP connection idle this long is closed.
    pub tcp_idle: Duration,
    /// UDP queries waiting for an upstream at most, per socket; beyond that new ones are answered
    /// SERVFAIL at once, so a flood of never-seen names cannot pile up tasks without bound.
    pub max_upstream_in_flight: usize,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            udp_workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_tcp_connections: 512,
            tcp_idle: Duration::from_secs(10),
            max_upstream_in_flight: 4096,
        }
    }
}

/// Sockets bound and ready to serve.
pub struct Bound {
    udp: Vec<UdpSocket>,
    tcp: Vec<TcpListener>,
    addrs: Vec<SocketAddr>,
    options: ListenOptions,
}

/// An address that could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} ({proto}): {source}{hint}")]
pub struct BindError {
    /// The address.
    pub addr: SocketAddr,
    /// "UDP" or "TCP".
    pub proto: &'static str,
    /// The system's error.
    pub source: io::Error,
    /// What to do about it.
    pub hint: &'static str,
}

fn bind_error(addr: SocketAddr, proto: &'static str, source: io::Error) -> BindError {
    let hint = match source.kind() {
        io::ErrorKind::PermissionDenied => {
            "; ports below 1024 need root or `setcap cap_net_bind_service=+ep` on the lachan binary"
        }
        io::ErrorKind::AddrInUse => "; another program (systemd-resolved, dnsmasq?) uses this port",
        _ => "",
    };
    BindError {
        addr,
        proto,
        source,
        hint,
    }
}

/// Binds every address on UDP and TCP. Port 0 picks one free port, shared by UDP and TCP.
pub fn bind(addrs: &[SocketAddr], options: ListenOptions) -> Result<Bound, BindError> {
    let mut bound = Bound {
        udp: Vec::new(),
        tcp: Vec::new(),
        addrs: Vec::new(),
        options,
    };
    for &wanted in addrs {
        let first = udp_socket(wanted).map_err(|e| bind_error(wanted, "UDP", e))?;
        let addr = first
            .local_addr()
            .map_err(|e| bind_error(wanted, "UDP", e))?;
        bound.udp.push(first);
        for _ in 1..bound.options.udp_workers.max(1) {
            bound
                .udp
                .push(udp_socket(addr).map_err(|e| bind_error(addr, "UDP", e))?);
        }
        bound
            .tcp
            .push(tcp_listener(addr).map_err(|e| bind_error(addr, "TCP", e))?);
        bound.addrs.push(addr);
    }
    Ok(bound)
}

fn udp_socket(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    socket.set_recv_buffer_size(4 << 20).ok();
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

fn tcp_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

impl Bound {
    /// The addresses actually bound (with the chosen port where 0 was asked).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Serves until `shutdown` is cancelled. Queries already received are answered before the
    /// returned set finishes.
    pub fn serve(self, resolver: Arc<Resolver>, shutdown: CancellationToken) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        for socket in self.udp {
            let slots = Arc::new(Semaphore::new(self.options.max_upstream_in_flight.max(1)));
            tasks.spawn(serve_udp(
                Arc::new(socket),
                resolver.clone(),
                shutdown.clone(),
                slots,
            ));
        }
        let limit = Arc::new(Semaphore::new(self.options.max_tcp_connections));
        for listener in self.tcp {
            tasks.spawn(serve_tcp(
                listener,
                resolver.clone(),
                shutdown.clone(),
                limit.clone(),
                self.options.tcp_idle,
            ));
        }
        tasks
    }
}

async fn serve_udp(
    socket: Arc<UdpSocket>,
    resolver: Arc<Resolver>,
    shutdown: CancellationToken,
    upstream_slots: Arc<Semaphore>,
) {
    let mut buf = vec![0u8; 4096];
    let in_flight = tokio_util::task::TaskTracker::new();
    loop {
        let (len, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            received = socket.recv_from(&mut buf) => match received {
                Ok(r) => r,
                Err(err) => {
                    // ICMP errors from earlier sends surface here on Linux; keep serving.
                    tracing::trace!("udp receive: {err}");
                    continue;
                }
            },
        };
        match resolver.prepare(&buf[..len], peer.ip(), Transport::Udp) {
            Step::Done(Some(answer)) => {
                let _ = socket.send_to(&answer, peer).await;
            }
            Step::Done(None) => {}
            Step::Upstream(pending) => match upstream_slots.clone().try_acquire_owned() {
                Ok(slot) => {
                    let (socket, resolver) = (socket.clone(), resolver.clone());
                    in_flight.spawn(async move {
                        let answer = resolver.finish(*pending).await;
                        let _ = socket.send_to(&answer, peer).await;
                        drop(slot);
                    });
                }
                Err(_) => {
                    let _ = socket.send_to(&resolver.overloaded(*pending), peer).await;
                }
            },
        }
    }
    in_flight.close();
    in_flight.wait().await;
}

async fn serve_tcp(
    listener: TcpListener,
    resolver: Arc<Resolver>,
    shutdown: CancellationToken,
    limit: Arc<Semaphore>,
    idle: Duration,
) {
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            permit = limit.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(err) => {
                    tracing::debug!("tcp accept: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let (resolver, shutdown) = (resolver.clone(), shutdown.clone());
        connections.spawn(async move {
            serve_connection(stream, peer, &resolver, &shutdown, idle).await;
            drop(permit);
        });
    }
    connections.close();
    connections.wait().await;
}

/// Answers length-prefixed queries on one connection until the peer closes it, it idles, it
/// sends garbage, or the server shuts down.
async fn serve_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    resolver: &Resolver,
    shutdown: &CancellationToken,
    idle: Duration,
) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    for _ in 0..10_000 {
        let mut len = [0u8; 2];
        let read = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = tokio::time::timeout(idle, stream.read_exact(&mut len)) => r,
        };
        if !matches!(read, Ok(Ok(_))) {
            return;
        }
        let len = usize::from(u16::from_be_bytes(len));
        buf.resize(len, 0);
        if !matches!(
            tokio::time::timeout(idle, stream.read_exact(&mut buf)).await,
            Ok(Ok(_))
        ) {
            return;
        }
        let Some(answer) = resolver.handle(&buf, peer.ip(), Transport::Tcp).await else {
            return;
        };
        let mut framed = Vec::with_capacity(answer.len() + 2);
        framed.extend_from_slice(&(answer.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        framed.extend_from_slice(&answer);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}
