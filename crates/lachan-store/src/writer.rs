//! The batched query-log writer: a non-blocking sender for the DNS answer path and a
//! background task that writes batches in transactions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::tally::Tally;
use crate::{QueryEvent, Store};

/// How often a batch is tried at shutdown before its events are given up as lost.
const SHUTDOWN_ATTEMPTS: u32 = 3;

/// The longest pause between two tries at shutdown.
const SHUTDOWN_PAUSE: Duration = Duration::from_secs(1);

/// Distinct activity counters held in memory before they are written, however recent.
const TALLY_KEYS: usize = 50_000;

/// Distinct activity counters held in memory at most while the database refuses them; beyond
/// this they are given up.
const TALLY_KEYS_MAX: usize = 2 * TALLY_KEYS;

/// Settings of the query-log writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Events written per transaction at most; a full batch is written at once (default 1000).
    pub batch: usize,
    /// How often queued events are written (default 250 ms). Together with `capacity` it bounds
    /// the sustained rate logged: 65,536 per 250 ms.
    pub interval: Duration,
    /// Events queued at most; more are dropped and counted (default 65536).
    pub capacity: usize,
    /// Store no client IP addresses (client names are still stored).
    pub anonymize_clients: bool,
    /// How often the counters behind the console's activity views and "new devices" list are
    /// added to the database (default 30 s). They lag the query log by at most this much, and
    /// a crash loses at most this much of them (never query-log entries).
    pub counters_interval: Duration,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            batch: 1000,
            interval: Duration::from_millis(250),
            capacity: 65_536,
            anonymize_clients: false,
            counters_interval: Duration::from_secs(30),
        }
    }
}

/// The writer's running totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Events written to the database.
    pub written: u64,
    /// Events dropped because the queue was full or the writer had stopped.
    pub dropped: u64,
    /// Events given up after the database kept failing at shutdown.
    pub lost: u64,
    /// Writes that failed, of batches or of activity counters (each is retried).
    pub failed_writes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
    lost: AtomicU64,
    failed_writes: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> WriterStats {
        WriterStats {
            written: self.written.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            lost: self.lost.load(Ordering::Relaxed),
            failed_writes: self.failed_writes.load(Ordering::Relaxed),
        }
    }
}

/// The resolver's handle on the query log; cheap to clone.
#[derive(Debug, Clone)]
pub struct QueryLogSender {
    queue: mpsc::Sender<QueryEvent>,
    counters: Arc<Counters>,
    anonymize: bool,
}

impl QueryLogSender {
    /// Queues `event` for writing. Never blocks or waits: when the queue is full (or the writer
    /// has stopped) the event is dropped and counted in [`dropped`](Self::dropped).
    pub fn send(&self, mut event: QueryEvent) {
        if self.anonymize {
            event.client_ip = None;
        }
        if self.queue.try_send(event).is_err() {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events dropped so far.
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }
}

/// The background task writing the query log.
#[derive(Debug)]
pub struct QueryLogTask {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<()>,
    counters: Arc<Counters>,
}

impl QueryLogTask {
    /// The totals so far.
    pub fn stats(&self) -> WriterStats {
        self.counters.snapshot()
    }

    /// Waits for the writer to end by itself, which it does once every sender is dropped and
    /// everything queued is written; returns the final totals.
    pub async fn join(self) -> WriterStats {
        if let Err(e) = self.handle.await {
            tracing::error!(error = %e, "the query-log writer task ended abnormally");
        }
        self.counters.snapshot()
    }

    /// Stops taking events, writes everything still queued, waits for the task to end and
    /// returns the final totals. Senders still alive afterwards drop (and count) their events.
    pub async fn shutdown(self) -> WriterStats {
        // The task may already have ended because every sender was dropped.
        let _ = self.stop.send(());
        if let Err(e) = self.handle.await {
            tracing::error!(error = %e, "the query-log writer task ended abnormally");
        }
        self.counters.snapshot()
    }
}

impl Store {
    /// Starts the query-log writer on the current Tokio runtime (call it from within one).
    pub fn query_log_writer(&self, opts: WriterOptions) -> (QueryLogSender, QueryLogTask) {
        let (queue, events) = mpsc::channel(opts.capacity.max(1));
        let (stop, stopped) = oneshot::channel();
        let counters = Arc::new(Counters::default());
        let sender = QueryLogSender {
            queue,
            counters: counters.clone(),
            anonymize: opts.anonymize_clients,
        };
        let writer = Writer {
            store: self.clone(),
            batch: opts.batch.max(1),
            interval: opts.interval.max(Duration::from_millis(1)),
            counters: counters.clone(),
            pending: Vec::new(),
            counters_interval: opts.counters_interval,
            tally: Tally::default(),
            tally_since: None,
        };
        let handle = tokio::spawn(writer.run(events, stopped));
        let task = QueryLogTask {
            stop,
            handle,
            counters,
        };
        (sender, task)
    }
}

struct Writer {
    store: Store,
    batch: usize,
    interval: Duration,
    counters: Arc<Counters>,
    /// Events received and not yet written (at most `batch`).
    pending: Vec<QueryEvent>,
    counters_interval: Duration,
    /// Activity counters of written events, not yet in the database.
    tally: Tally,
    /// When the oldest counts of `tally` were added.
    tally_since: Option<tokio::time::Instant>,
}

impl Writer {
    async fn run(
        mut self,
        mut events: mpsc::Receiver<QueryEvent>,
        mut stopped: oneshot::Receiver<()>,
    ) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // Dropping the task handle without `shutdown` does not stop the writer.
        let mut stop_armed = true;
        loop {
            // The writer sleeps on its timer and never waits on the queue, so a send on the DNS
            // answer path never wakes it (a wake per query cost several microseconds each).
            tokio::select! {
                biased;
                signal = &mut stopped, if stop_armed => match signal {
                    Ok(()) => break,
                    Err(_) => stop_armed = false,
                },
                _ = ticker.tick() => {}
            }
            let open = self.write_queued(&mut events).await;
            if self.tally_due() {
                self.write_tally().await;
            }
            if !open {
                break; // every sender is gone and the queue is empty
            }
        }
        self.drain(events).await;
    }

    /// Takes what is queued, without waiting, and writes it in batches. Returns `false` once
    /// every sender is gone and nothing is left. A failed write keeps its batch for the next tick.
    async fn write_queued(&mut self, events: &mut mpsc::Receiver<QueryEvent>) -> bool {
        loop {
            let mut open = true;
            while self.pending.len() < self.batch {
                match events.try_recv() {
                    Ok(event) => self.pending.push(event),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            if self.pending.is_empty() {
                return open;
            }
            let full = self.pending.len() >= self.batch;
            if !self.flush().await || !full {
                return open || !self.pending.is_empty();
            }
        }
    }

    /// Writes the pending batch; on failure keeps it for the next tick.
    async fn flush(&mut self) -> bool {
        match self.store.write_events(&self.pending).await {
            Ok(()) => {
                let written = self.pending.len() as u64;
                self.counters.written.fetch_add(written, Ordering::Relaxed);
                self.tally.add(&self.pending);
                self.tally_since
                    .get_or_insert_with(tokio::time::Instant::now);
                self.pending.clear();
                true
            }
            Err(e) => {
                self.counters.failed_writes.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, events = self.pending.len(), "cannot write the query log; will retry");
                false
            }
        }
    }

    /// Whether the activity counters should be written now.
    fn tally_due(&self) -> bool {
        self.tally_since.is_some_and(|since| {
            since.elapsed() >= self.counters_interval || self.tally.keys() >= TALLY_KEYS
        })
    }

    /// Writes the activity counters; on failure keeps them for a later try, unless they have
    /// grown past [`TALLY_KEYS_MAX`].
    async fn write_tally(&mut self) -> bool {
        match self.store.write_tally(&self.tally).await {
            Ok(()) => {
                self.tally = Tally::default();
                self.tally_since = None;
                true
            }
            Err(e) => {
                self.counters.failed_writes.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, counters = self.tally.keys(), "cannot write the activity counters; will retry");
                if self.tally.keys() >= TALLY_KEYS_MAX {
                    tracing::error!("activity counters given up: the database kept refusing them");
                    self.tally = Tally::default();
                    self.tally_since = None;
                }
                false
            }
        }
    }

    /// Closes the queue and writes everything in it, then the activity counters; gives up
    /// (counting the events as lost) only when the database keeps failing.
    async fn drain(mut self, mut events: mpsc::Receiver<QueryEvent>) {
        events.close();
        let written = loop {
            if self.pending.len() < self.batch {
                let room = self.batch - self.pending.len();
                events.recv_many(&mut self.pending, room).await;
            }
            if self.pending.is_empty() {
                break true;
            }
            if !self.flush_with_retries().await {
                break false;
            }
        };
        if !written {
            let mut lost = self.pending.len() as u64;
            while let Ok(_event) = events.try_recv() {
                lost += 1;
            }
            tracing::error!(
                lost,
                "query-log events lost at shutdown: the database kept failing"
            );
            self.counters.lost.fetch_add(lost, Ordering::Relaxed);
        }
        self.write_tally_with_retries().await;
    }

    async fn write_tally_with_retries(&mut self) {
        for attempt in 1..=SHUTDOWN_ATTEMPTS {
            if self.tally.is_empty() || self.write_tally().await {
                return;
            }
            if attempt < SHUTDOWN_ATTEMPTS {
                tokio::time::sleep(self.interval.min(SHUTDOWN_PAUSE)).await;
            }
        }
        tracing::error!(
            counters = self.tally.keys(),
            "activity counters lost at shutdown: the database kept failing"
        );
    }

    async fn flush_with_retries(&mut self) -> bool {
        for attempt in 1..=SHUTDOWN_ATTEMPTS {
            if self.flush().await {
                return true;
            }
            if attempt < SHUTDOWN_ATTEMPTS {
                tokio::time::sleep(self.interval.min(SHUTDOWN_PAUSE)).await;
            }
        }
        false
    }
}
