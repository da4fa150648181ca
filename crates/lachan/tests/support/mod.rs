//! What the binary's end-to-end tests share: a loopback upstream, DNS questions from a chosen
//! source address, the shared test data, and the whole system run in-process on a clock the
//! test moves.
#![allow(dead_code)] // each test file uses its own part

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use jiff::{SignedDuration, Timestamp};
use lachan::app::Setup;
use lachan::serve::{Control, Running, run_with};
use lachan_dns::Clock;
use tokio_util::sync::CancellationToken;

/// The address the test upstream answers every A question with.
pub const UPSTREAM_ANSWER: [u8; 4] = [192, 0, 2, 1];

/// Runs the `lachan` binary with `ARGS --data-dir DATA` and the built-in configuration
/// (whatever the environment says), logging warnings only.
pub fn lachan(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lachan"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("LACHAN_LOG", "warn")
        .env_remove("LACHAN_CONFIG")
        .env_remove("LACHAN_DATA_DIR")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

/// What a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that a command succeeded, showing what it printed when it did not.
pub fn succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A file of `../shared/data/`.
pub fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(path)
}

/// A UDP upstream answering every A query with [`UPSTREAM_ANSWER`], on a thread, for `lifetime`.
pub fn upstream(lifetime: Duration) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let addr = socket.local_addr().unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + lifetime;
        let mut buf = [0u8; 2048];
        while Instant::now() < end {
            let Ok((len, peer)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let Ok(q) = Message::from_vec(&buf[..len]) else {
                continue;
            };
            let mut m = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
            m.metadata.recursion_available = true;
            if let Some(question) = q.queries.first() {
                m.add_query(question.clone());
                if question.query_type() == RecordType::A {
                    let [a, b, c, d] = UPSTREAM_ANSWER;
                    m.add_answer(Record::from_rdata(
                        question.name().clone(),
                        60,
                        RData::A(A::new(a, b, c, d)),
                    ));
                }
            }
            let _ = socket.send_to(&m.to_vec().unwrap(), peer);
        }
    });
    addr
}

/// A free loopback port for a DNS listener: free for UDP and TCP alike, and chosen below the
/// kernel's ephemeral range (32768 and up), so that no test's outgoing connection can take it
/// between this check and the server's bind.
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    use std::net::TcpListener;
    const FIRST: u16 = 20_000;
    const SPAN: u64 = 12_000;
    let seed = std::collections::hash_map::RandomState::new();
    for attempt in 0..1_000u64 {
        let mut hasher = seed.build_hasher();
        hasher.write_u64(attempt);
        let port = FIRST + (hasher.finish() % SPAN) as u16;
        if UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
    panic!(
        "no free loopback port between {FIRST} and {}",
        u64::from(FIRST) + SPAN
    )
}

/// Asks `server` for `name` (A) from the address `from`.
pub fn ask_from(server: SocketAddr, from: IpAddr, name: &str) -> Message {
    let socket = UdpSocket::bind((from, 0)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut q = Message::new(7, MessageType::Query, OpCode::Query);
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
    socket.send_to(&q.to_vec().unwrap(), server).unwrap();
    let mut buf = [0u8; 4096];
    let len = socket.recv(&mut buf).expect("an answer");
    Message::from_vec(&buf[..len]).unwrap()
}

/// The first IPv4 address of an answer.
pub fn first_address(m: &Message) -> Option<String> {
    m.answers.iter().find_map(|r| match &r.data {
        RData::A(a) => Some(a.0.to_string()),
        _ => None,
    })
}

/// Whether `server` gives `from` the upstream's answer for `name` (not a block).
pub fn allowed(server: SocketAddr, from: IpAddr, name: &str) -> bool {
    first_address(&ask_from(server, from, name))
        == Some(std::net::Ipv4Addr::from(UPSTREAM_ANSWER).to_string())
}

/// A clock that moves only when the test says so.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock showing `at` (RFC 3339).
    pub fn at(at: &str) -> Arc<ManualClock> {
        Arc::new(ManualClock(Mutex::new(at.parse().unwrap())))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: SignedDuration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// `lachan serve` running in this process.
pub struct System {
    /// Where DNS answers.
    pub dns: SocketAddr,
    /// The console's base URL, e.g. `http://127.0.0.1:40000`.
    pub web: String,
    /// The data directory and configuration file live here.
    pub dir: tempfile::TempDir,
    /// Runs a pass of the hotline's background work (escalations, reminders, anonymisation).
    pub hotline: lachan::hotline::HotlineHandle,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl System {
    /// Runs the system with `extra_config` (TOML sections; no lists unless it has some) in a
    /// configuration that forwards to a loopback upstream and listens on free loopback ports.
    pub async fn start(extra_config: &str, clock: Arc<ManualClock>) -> System {
        let dir = tempfile::tempdir().unwrap();
        let upstream = upstream(Duration::from_secs(120));
        let dns_port = free_port();
        let config = dir.path().join("lachan.toml");
        let no_lists = if extra_config.contains("[[lists]]") {
            ""
        } else {
            "lists = []\n"
        };
        std::fs::write(
            &config,
            format!(
                "{no_lists}{extra_config}\n\
                 [dns]\nlisten = [\"127.0.0.1:{dns_port}\"]\nupstreams = [\"{upstream}\"]\n\
                 [http]\nlisten = \"127.0.0.1:0\"\n"
            ),
        )
        .unwrap();
        System::run(dir, clock).await
    }

    /// Runs the system on the configuration `lachan.toml` and the data directory `data` of
    /// `dir`.
    async fn run(dir: tempfile::TempDir, clock: Arc<ManualClock>) -> System {
        let config = dir.path().join("lachan.toml");
        let setup = Setup::load(Some(config), dir.path().join("data")).unwrap();
        let shutdown = CancellationToken::new();
        let (ready, running) = tokio::sync::oneshot::channel::<Running>();
        let task = tokio::spawn(run_with(
            setup,
            Control {
                clock,
                shutdown: shutdown.clone(),
                on_ready: Some(ready),
            },
        ));
        let running = tokio::time::timeout(Duration::from_secs(30), running)
            .await
            .expect("the server starts")
            .expect("the server reports its addresses");
        System {
            dns: running.dns[0],
            web: format!("http://{}", running.web.expect("the console runs")),
            hotline: running.hotline,
            dir,
            shutdown,
            task,
        }
    }

    /// Stops the system as SIGTERM would and starts it again on the same configuration and
    /// data directory (the console gets a new port).
    pub async fn restart(self, clock: Arc<ManualClock>) -> System {
        let System {
            dir,
            shutdown,
            task,
            ..
        } = self;
        shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
        System::run(dir, clock).await
    }

    /// The running system's database, opened a second time (SQLite allows it).
    pub async fn store(&self) -> lachan_store::Store {
        lachan_store::Store::open(&self.dir.path().join("data"))
            .await
            .unwrap()
    }

    /// Runs a pass of the hotline's background work now and waits for it (bounded).
    pub async fn hotline_pass(&self) -> lachan::hotline::Pass {
        tokio::time::timeout(Duration::from_secs(60), self.hotline.run_now())
            .await
            .expect("the hotline pass ends")
            .expect("the hotline worker runs")
    }

    /// Stops the system as SIGTERM would and waits for it.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
    }
}
