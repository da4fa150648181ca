//! Platform intake (`POST /api/v1/reports` with a platform token) against the real `lachan
//! serve` binary, under load, on loopback:
//!
//! - 10,000 reports filed by 64 concurrent keep-alive clients, each with its own
//!   `Idempotency-Key` (which wins over the body's `reference`), are all acknowledged (201 with
//!   distinct ids) and all stored once under their key, each with its `report filed` audit
//!   entry; retries answer 200 with the first id, and 64 clients racing on one key get one
//!   report.
//! - A server killed with SIGKILL in the middle of 10,000 filings keeps every report it had
//!   acknowledged, with its audit entry, and an intact audit chain; restarted on the same data
//!   directory, it answers the retry of every key with the id already stored, so that each of
//!   the 10,000 keys ends up stored exactly once. Every stored report, acknowledged or not, has
//!   its audit entry (written in the report's own transaction).
//!
//! Durability: the store runs SQLite in WAL mode with `synchronous=NORMAL`. A report is
//! committed to the WAL file (written into the operating system's page cache) before its 201
//! is sent, so killing the *process* cannot lose it: the kernel still writes the file, and the
//! next open replays the WAL. Only a power loss or a kernel crash can drop the last commits,
//! because the WAL is synced to the disk at checkpoints, not at each commit. This test checks
//! the process kill; it says nothing about power loss.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{SendRequest, handshake};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use lachan_store::Store;
use serde_json::{Value, json};
use support::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_lachan");

/// Reports filed in each test.
const REPORTS: usize = 10_000;
/// Concurrent clients, each on one keep-alive connection.
const CLIENTS: usize = 64;
/// Acknowledgements after which the second test kills the server.
const KILL_AFTER: usize = 2_000;
/// Guard against a hung exchange, far above any real answer time.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Guard against a server that does not start, stop or die.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// The whole of one test.
const TEST_DEADLINE: Duration = Duration::from_secs(900);
/// The platform token's name.
const TOKEN_NAME: &str = "intake-load";

/// The `Idempotency-Key` of report `i`.
fn key(i: usize) -> String {
    format!("intake-{i:05}")
}

/// The body of report `i`: every field the platform intake takes.
fn report_body(i: usize) -> Bytes {
    let body = json!({
        "url": format!("https://video.example.test/watch/{i}"),
        "urls": [format!("https://cdn.example.test/v/{i}.mp4")],
        "platform": "TikTok",
        "content_type": "video",
        "category": "sexual_minors",
        "subtype": "csam",
        "hashes": [{"kind": "sha256", "value": format!("{i:064x}")}],
        "accounts": [format!("@uploader{}", i % 97)],
        "description": "Upload removed by moderation: a minor in sexualised poses.",
        "reference": format!("upload-{i}"),
        "age_band": "age_11_13",
    });
    Bytes::from(body.to_string())
}

/// A temporary data directory and configuration for `lachan serve`, with a platform token.
struct Setup {
    dir: tempfile::TempDir,
    token: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup {
            dir,
            token: String::new(),
        };
        setup.write_config();
        let out = Command::new(BIN)
            .args([
                "token", "create", "--role", "platform", "--name", TOKEN_NAME,
            ])
            .arg("--config")
            .arg(setup.config())
            .arg("--data-dir")
            .arg(setup.data())
            .env("LACHAN_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert!(token.starts_with("lachan_"), "{token}");
        Setup { token, ..setup }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("lachan.toml")
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A configuration on loopback: no lists, a DNS port of its own (fresh at each start, so
    /// that a restart never waits for the killed server's), the console on any free port.
    fn write_config(&self) {
        let dns_port = free_port();
        std::fs::write(
            self.config(),
            format!(
                "lists = []\n[dns]\nlisten = [\"127.0.0.1:{dns_port}\"]\n\
                 upstreams = [\"127.0.0.1:9\"]\n[http]\nlisten = \"127.0.0.1:0\"\n"
            ),
        )
        .unwrap();
    }
}

/// `lachan serve` as a child process; killed if dropped while running (a failed test).
struct Server {
    child: Child,
    web: SocketAddr,
}

impl Server {
    /// Starts `lachan serve` on `setup` and reads the console's address from its banner.
    fn start(setup: &Setup) -> Server {
        setup.write_config();
        let mut child = Command::new(BIN)
            .args(["serve", "--config"])
            .arg(setup.config())
            .arg("--data-dir")
            .arg(setup.data())
            .env("LACHAN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, banner) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Forwards the banner, then drains the rest so that the pipe never fills.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        let mut server = Server {
            child,
            web: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let end = Instant::now() + PROCESS_TIMEOUT;
        let mut seen = String::new();
        while !seen.contains("Stop:") {
            let left = end.saturating_duration_since(Instant::now());
            match banner.recv_timeout(left) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                Err(_) => panic!("lachan serve printed no complete banner: {seen}"),
            }
        }
        server.web = seen
            .lines()
            .find_map(|l| l.trim().strip_prefix("Web:  http://"))
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("the banner names no console: {seen}"));
        server
    }

    /// The process id, for `kill`.
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server with SIGTERM and waits for a clean exit.
    fn stop(mut self) {
        signal("-TERM", self.pid());
        let status = self.wait();
        assert!(status.success(), "serve exited with {status} after SIGTERM");
    }

    /// Waits for the process to end.
    fn wait(&mut self) -> std::process::ExitStatus {
        let end = Instant::now() + PROCESS_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < end, "lachan serve did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `signal` (`-TERM`, `-KILL`) to process `pid`.
fn signal(signal: &str, pid: u32) {
    let sent = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill {signal} {pid} failed");
}

/// One keep-alive HTTP/1.1 connection to the console.
struct Connection {
    send: SendRequest<Full<Bytes>>,
    host: String,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Result<Connection, String> {
        let stream = tokio::time::timeout(REQUEST_TIMEOUT, tokio::net::TcpStream::connect(addr))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (send, connection) = handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        // Drives the connection until either side closes it.
        tokio::spawn(connection);
        Ok(Connection {
            send,
            host: addr.to_string(),
        })
    }

    /// Files report `i` with its key: (status, body), or what broke the exchange.
    async fn file(&mut self, token: &str, i: usize) -> Result<(u16, Bytes), String> {
        let request = hyper::Request::post("/api/v1/reports")
            .header(HOST, &self.host)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, "application/json")
            .header("idempotency-key", key(i))
            .body(Full::new(report_body(i)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            self.send.ready().await.map_err(|e| format!("ready: {e}"))?;
            let response = self
                .send
                .send_request(request)
                .await
                .map_err(|e| format!("send: {e}"))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no answer within {REQUEST_TIMEOUT:?}"))?
    }
}

/// An answer of 201 (filed) or 200 (already filed under this key) with the report's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ack {
    status: u16,
    id: i64,
}

/// What a round of filing gave.
#[derive(Debug, Default)]
struct Round {
    /// The answers, as (report index, answer), in no particular order.
    acks: Vec<(usize, Ack)>,
    /// Answers that were neither 201 nor 200 with an id: (index, status, body).
    refused: Vec<(usize, u16, String)>,
    /// Exchanges that broke (the connection's client then stopped): one line each.
    broken: Vec<String>,
}

impl Round {
    /// The answer per report index, for a round that filed each report once.
    fn by_index(&self) -> BTreeMap<usize, Ack> {
        let map: BTreeMap<usize, Ack> = self.acks.iter().copied().collect();
        assert_eq!(map.len(), self.acks.len(), "a report answered twice");
        map
    }

    /// Panics unless every exchange of the round was answered with an id.
    fn assert_clean(&self, what: &str) {
        assert!(
            self.refused.is_empty() && self.broken.is_empty(),
            "{what}: {} refused (first: {:?}), {} broken (first: {:?})",
            self.refused.len(),
            self.refused.first(),
            self.broken.len(),
            self.broken.first()
        );
    }

    fn merge(&mut self, other: Round) {
        self.acks.extend(other.acks);
        self.refused.extend(other.refused);
        self.broken.extend(other.broken);
    }
}

/// The id in a 201 or 200 answer to `POST /api/v1/reports`.
fn acknowledged(status: u16, body: &[u8]) -> Option<Ack> {
    if status != 201 && status != 200 {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    if status == 201 && value["status"] != "new" {
        return None;
    }
    value["received_ms"].as_i64()?;
    Some(Ack {
        status,
        id: value["id"].as_i64()?,
    })
}

/// Files the reports `indices` (each once, in order of the list) with `clients` concurrent
/// clients; `answered` counts the acknowledgements as they arrive. A client whose exchange
/// breaks stops; the reports it had not taken yet go to the others.
async fn file_round(
    addr: SocketAddr,
    token: &str,
    indices: Vec<usize>,
    clients: usize,
    answered: Arc<AtomicUsize>,
) -> Round {
    let indices = Arc::new(indices);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (indices, next, answered) = (indices.clone(), next.clone(), answered.clone());
        let token = token.to_string();
        tasks.spawn(async move {
            let mut round = Round::default();
            let mut connection = match Connection::open(addr).await {
                Ok(c) => c,
                Err(e) => {
                    round.broken.push(e);
                    return round;
                }
            };
            loop {
                let Some(&i) = indices.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return round;
                };
                match connection.file(&token, i).await {
                    Ok((status, body)) => match acknowledged(status, &body) {
                        Some(ack) => {
                            round.acks.push((i, ack));
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                        None => round.refused.push((
                            i,
                            status,
                            String::from_utf8_lossy(&body).into_owned(),
                        )),
                    },
                    Err(e) => {
                        round.broken.push(format!("report {i}: {e}"));
                        return round;
                    }
                }
            }
        });
    }
    let mut round = Round::default();
    while let Some(part) = tasks.join_next().await {
        round.merge(part.unwrap());
    }
    round
}

/// What the data directory holds, read as a restarted server reads it (WAL replayed).
struct Stored {
    /// The ids of the reports stored under each idempotency key.
    by_key: HashMap<String, Vec<i64>>,
    /// The reports with a `report filed` entry in the audit log.
    audited: HashSet<i64>,
}

impl Stored {
    /// Opens the store of `data` and reads every report; the audit chain must be intact and
    /// every report the platform token's, under a key.
    async fn read(data: &Path) -> Stored {
        let store = Store::open(data).await.unwrap();
        let verification = store.verify_audit().await.unwrap();
        assert!(verification.is_intact(), "{verification:?}");
        let most = u32::try_from(REPORTS * 2).unwrap();
        let reports = store.reports(most).await.unwrap();
        assert!(reports.len() < REPORTS * 2, "more reports than ever filed");
        let mut by_key: HashMap<String, Vec<i64>> = HashMap::new();
        for report in reports {
            assert_eq!(report.filed.source.as_str(), "platform", "{report:?}");
            let reporter = format!("token:{TOKEN_NAME}");
            assert_eq!(report.filed.reporter.as_deref(), Some(reporter.as_str()));
            let key = report
                .filed
                .idempotency_key
                .expect("every report has its key");
            by_key.entry(key).or_default().push(report.id);
        }
        let audited = store
            .audit_entries_for("report:", most)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "report filed")
            .filter_map(|e| e.object.strip_prefix("report:")?.parse().ok())
            .collect();
        Stored { by_key, audited }
    }
}

/// Runs `test` within [`TEST_DEADLINE`].
async fn within_deadline(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(TEST_DEADLINE, test)
        .await
        .expect("the test finishes within its deadline");
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_concurrent_reports_are_all_acknowledged_and_stored_once() {
    within_deadline(async {
        let setup = Setup::new();
        let server = Server::start(&setup);
        let fresh = || Arc::new(AtomicUsize::new(0));
        let round = file_round(
            server.web,
            &setup.token,
            (0..REPORTS).collect(),
            CLIENTS,
            fresh(),
        )
        .await;
        round.assert_clean("filing");
        let acks = round.by_index();
        assert_eq!(acks.len(), REPORTS);
        assert!(acks.values().all(|a| a.status == 201));
        let ids: HashSet<i64> = acks.values().map(|a| a.id).collect();
        assert_eq!(ids.len(), REPORTS, "ids are not unique");

        // A retry answers 200 with the first id, and files nothing.
        let sample: Vec<usize> = (0..REPORTS).step_by(20).collect();
        let retried = file_round(server.web, &setup.token, sample.clone(), CLIENTS, fresh()).await;
        retried.assert_clean("retry");
        let retried = retried.by_index();
        assert_eq!(retried.len(), sample.len());
        for i in sample {
            let first = acks[&i];
            assert_eq!(
                retried[&i],
                Ack {
                    status: 200,
                    ..first
                },
                "report {i}"
            );
        }

        // Every client files the same new key at once: one 201, the same id for all.
        let race = REPORTS;
        let raced = file_round(
            server.web,
            &setup.token,
            vec![race; CLIENTS],
            CLIENTS,
            fresh(),
        )
        .await;
        raced.assert_clean("race");
        assert_eq!(raced.acks.len(), CLIENTS);
        let raced_id = raced.acks[0].1.id;
        assert!(
            raced.acks.iter().all(|(_, a)| a.id == raced_id),
            "{:?}",
            raced.acks
        );
        let firsts = raced.acks.iter().filter(|(_, a)| a.status == 201).count();
        assert_eq!(firsts, 1, "{:?}", raced.acks);
        server.stop();

        let Stored { by_key, audited } = Stored::read(&setup.data()).await;
        assert_eq!(by_key.len(), REPORTS + 1, "distinct keys stored");
        for (i, ack) in &acks {
            assert_eq!(by_key.get(&key(*i)), Some(&vec![ack.id]), "report {i}");
            assert!(
                audited.contains(&ack.id),
                "report {i} is not in the audit log"
            );
        }
        assert_eq!(by_key.get(&key(race)), Some(&vec![raced_id]));
        assert_eq!(
            audited.len(),
            REPORTS + 1,
            "one `report filed` entry per report"
        );
        eprintln!(
            "intake: {REPORTS} reports from {CLIENTS} clients: {} acknowledged with distinct ids, \
             {} stored once each under their keys; {CLIENTS} clients racing on one key: one report",
            acks.len(),
            by_key.len() - 1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_server_keeps_every_acknowledged_report_and_retries_file_each_once() {
    within_deadline(async {
        let setup = Setup::new();
        let mut server = Server::start(&setup);
        let answered = Arc::new(AtomicUsize::new(0));
        let pid = server.pid();
        let killer = {
            let answered = answered.clone();
            tokio::spawn(async move {
                let end = Instant::now() + TEST_DEADLINE;
                while answered.load(Ordering::SeqCst) < KILL_AFTER {
                    if Instant::now() > end {
                        return false;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                signal("-KILL", pid);
                true
            })
        };
        let before = file_round(
            server.web,
            &setup.token,
            (0..REPORTS).collect(),
            CLIENTS,
            answered,
        )
        .await;
        // The killer stops waiting once the filing is over (it ended without the kill).
        let killed = if killer.is_finished() {
            killer.await.unwrap()
        } else {
            killer.abort();
            false
        };
        assert!(
            killed,
            "the filing ended before the kill: {} acknowledged, {} refused (first: {:?}), \
             {} broken (first: {:?})",
            before.acks.len(),
            before.refused.len(),
            before.refused.first(),
            before.broken.len(),
            before.broken.first()
        );
        let status = server.wait();
        assert_eq!(status.signal(), Some(9), "serve ended otherwise: {status}");
        drop(server);
        assert!(
            before.refused.is_empty(),
            "{} refused before the kill (first: {:?})",
            before.refused.len(),
            before.refused.first()
        );
        let acks = before.by_index();
        assert!(acks.values().all(|a| a.status == 201));
        let acknowledged = acks.len();
        assert!(
            (KILL_AFTER..REPORTS).contains(&acknowledged),
            "{acknowledged} acknowledged: the kill did not land mid-load"
        );
        assert!(
            !before.broken.is_empty(),
            "no exchange broke when the server died"
        );

        // The server died without closing the database: its last commits are in the WAL,
        // which the next open replays.
        let wal = setup.data().join("lachan.db-wal");
        let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(wal_bytes > 0, "no WAL left by the killed server");

        // Every acknowledged report survived the kill, under its key, once.
        let Stored { by_key, audited } = Stored::read(&setup.data()).await;
        for (i, ack) in &acks {
            assert_eq!(by_key.get(&key(*i)), Some(&vec![ack.id]), "report {i} lost");
            assert!(
                audited.contains(&ack.id),
                "report {i} is not in the audit log"
            );
        }
        assert!(
            by_key.values().all(|ids| ids.len() == 1),
            "a key stored twice"
        );
        let sent: HashSet<String> = (0..REPORTS).map(key).collect();
        assert!(
            by_key.keys().all(|k| sent.contains(k)),
            "a report under a key never sent"
        );
        let stored_count = by_key.len();
        assert!(stored_count >= acknowledged);
        // The `report filed` entry is written in the report's own transaction: every report
        // stored, answered or not, has it.
        let unaudited = |by_key: &HashMap<String, Vec<i64>>, audited: &HashSet<i64>| {
            by_key
                .values()
                .flatten()
                .filter(|id| !audited.contains(id))
                .count()
        };
        assert_eq!(
            unaudited(&by_key, &audited),
            0,
            "a stored report is not audited"
        );
        eprintln!(
            "intake kill: {acknowledged} acknowledged before SIGKILL, {stored_count} stored after \
             recovery from a {wal_bytes}-byte WAL ({} committed but unanswered), {} exchanges \
             broken",
            stored_count - acknowledged,
            before.broken.len()
        );

        // Restarted on the same data, a retry of every key files the missing reports and
        // answers the others with the id already stored.
        let server = Server::start(&setup);
        let after = file_round(
            server.web,
            &setup.token,
            (0..REPORTS).collect(),
            CLIENTS,
            Arc::new(AtomicUsize::new(0)),
        )
        .await;
        server.stop();
        after.assert_clean("retry after the restart");
        let after = after.by_index();
        assert_eq!(after.len(), REPORTS);
        let mut created = 0;
        for (i, ack) in &after {
            match by_key.get(&key(*i)) {
                Some(ids) => assert_eq!(
                    *ack,
                    Ack {
                        status: 200,
                        id: ids[0]
                    },
                    "report {i}"
                ),
                None => {
                    assert_eq!(ack.status, 201, "report {i}");
                    created += 1;
                }
            }
        }
        assert_eq!(created, REPORTS - stored_count);

        let Stored {
            by_key: final_keys,
            audited: final_audited,
        } = Stored::read(&setup.data()).await;
        assert_eq!(final_keys.len(), REPORTS, "distinct keys stored");
        for (i, ack) in &after {
            assert_eq!(final_keys.get(&key(*i)), Some(&vec![ack.id]), "report {i}");
        }
        assert_eq!(
            unaudited(&final_keys, &final_audited),
            0,
            "a stored report is not audited"
        );
        eprintln!(
            "intake kill: after the restart, {created} filed anew and {} answered with the stored \
             id; {} keys stored once each, each with its `report filed` audit entry",
            REPORTS - created,
            final_keys.len(),
        );
    })
    .await;
}
