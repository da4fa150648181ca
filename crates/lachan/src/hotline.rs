//! The hotline's background work, once a minute (and at start): overdue legal clocks are
//! escalated to their hotline's supervisors (a console notification, and a JSON POST to
//! `[hotline] webhook`); so are complaints that have waited untriaged in the queue for a quarter
//! of the complaint clock (they have no clock until they join a case); follow-ups that are due
//! are reminded to their case's operator; and once a day closed cases older than
//! `[hotline] anonymise_after_days` lose their personal data (unless under legal hold).
//!
//! Time comes from the injected [`Clock`], so tests move it; each escalation and reminder is
//! marked in the store in the same transaction as its notification, so it happens once even
//! across restarts. Webhook posts carry no personal data (ids, clock, channel, times, risk); a
//! failed post is retried on the next passes, a bounded number of times, and is lost on restart
//! (the console notification stays).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use lachan_dns::Clock;
use lachan_hotline::ClockBook;
use lachan_store::Store;
use lachan_store::hotline::{DueFollowUp, OverdueClock, WaitingReport};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The Fluent key of an overdue clock's notification (to supervisors).
pub const CLOCK_OVERDUE_KEY: &str = "hotline-notice-clock-overdue";
/// The Fluent key of a due follow-up's notification (to the case's operator).
pub const FOLLOW_UP_DUE_KEY: &str = "hotline-notice-follow-up-due";
/// The Fluent key of a complaint waiting too long in the queue (to supervisors).
pub const QUEUE_WAITING_KEY: &str = "hotline-notice-queue-waiting";

/// Time between passes.
const EVERY: Duration = Duration::from_secs(60);
/// Time between anonymisations, by the injected clock.
const DAY_MS: i64 = 86_400_000;
/// Clocks or follow-ups read per batch.
const BATCH: u32 = 100;
/// Batches of each kind handled per pass; the rest wait for the next pass.
const BATCHES: u32 = 10;
/// How long one webhook post may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// Posts of one event before it is given up.
const WEBHOOK_ATTEMPTS: u32 = 10;
/// Posts made per pass.
const POSTS_PER_PASS: usize = 100;
/// Events waiting to be posted; beyond this the oldest is dropped.
const PENDING: usize = 1000;

/// What the worker needs of `[hotline]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerOptions {
    /// The URL told of each escalation (a JSON POST); `None`: console only.
    pub webhook: Option<String>,
    /// How long after closure cases are anonymised, in milliseconds; `None`: never.
    pub anonymise_after_ms: Option<i64>,
    /// How long a complaint may wait untriaged in the queue before supervisors are told, in
    /// milliseconds; `None`: never.
    pub queue_wait_ms: Option<i64>,
}

impl WorkerOptions {
    /// The options of a `[hotline]` section with the legal clocks in force: a complaint may
    /// wait a quarter of the (shortest) clock that complaints start
    /// ([`ClockBook::queue_wait_ms`]).
    pub fn new(section: &crate::config::HotlineSection, clocks: &ClockBook) -> WorkerOptions {
        WorkerOptions {
            webhook: section.webhook().map(str::to_string),
            anonymise_after_ms: section.anonymise_after_ms(),
            queue_wait_ms: clocks.queue_wait_ms(),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Overdue clocks escalated to supervisors.
    pub escalated: u64,
    /// Complaints waiting too long in the queue, told to supervisors.
    pub waiting: u64,
    /// Operators reminded of a due follow-up.
    pub reminded: u64,
    /// Cases anonymised, when anonymisation ran in this pass.
    pub anonymised: Option<u64>,
    /// Webhook events posted.
    pub posted: u64,
    /// Webhook posts that failed (retried on later passes, up to a limit).
    pub post_failures: u64,
    /// Webhook events still to be posted after the pass.
    pub unsent: u64,
}

/// Asks the running worker for a pass now (besides its minute ticks).
#[derive(Debug, Clone)]
pub struct HotlineHandle(mpsc::Sender<oneshot::Sender<Pass>>);

impl HotlineHandle {
    /// Runs a pass now and returns what it did; `None` once the worker has stopped.
    pub async fn run_now(&self) -> Option<Pass> {
        let (reply, done) = oneshot::channel();
        self.0.send(reply).await.ok()?;
        done.await.ok()
    }
}

/// Starts the worker: a pass at once, then every minute and on [`HotlineHandle::run_now`],
/// until `shutdown`.
pub fn spawn(
    store: Store,
    options: WorkerOptions,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) -> (JoinHandle<()>, HotlineHandle) {
    let (requests, mut asked) = mpsc::channel::<oneshot::Sender<Pass>>(4);
    let mut worker = Worker::new(store, options, clock);
    let task = tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // Biased: the first tick (at once) is the first pass, before any asked for.
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => return,
                _ = every.tick() => {
                    let pass = worker.pass().await;
                    tracing::debug!(?pass, "hotline pass");
                }
                Some(reply) = asked.recv() => {
                    let pass = worker.pass().await;
                    let _ = reply.send(pass);
                }
            }
        }
    });
    (task, HotlineHandle(requests))
}

/// A webhook event waiting to be posted.
#[derive(Debug)]
struct Delivery {
    body: Value,
    attempts: u32,
}

/// The worker's state between passes.
struct Worker {
    store: Store,
    options: WorkerOptions,
    clock: Arc<dyn Clock>,
    agent: ureq::Agent,
    pending: VecDeque<Delivery>,
    last_anonymised_ms: Option<i64>,
}

impl Worker {
    fn new(store: Store, options: WorkerOptions, clock: Arc<dyn Clock>) -> Worker {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(WEBHOOK_TIMEOUT))
            .build()
            .into();
        Worker {
            store,
            options,
            clock,
            agent,
            pending: VecDeque::new(),
            last_anonymised_ms: None,
        }
    }

    /// One pass: escalations, reminders, anonymisation when a day has passed, webhook posts.
    async fn pass(&mut self) -> Pass {
        let now_ms = self.clock.now().as_millisecond();
        let mut pass = Pass {
            escalated: self.escalate(now_ms).await,
            waiting: self.queue_waiting(now_ms).await,
            reminded: self.remind(now_ms).await,
            anonymised: self.anonymise(now_ms).await,
            ..Pass::default()
        };
        self.post(&mut pass).await;
        pass.unsent = self.pending.len() as u64;
        pass
    }

    /// Escalates the clocks overdue at `now_ms`; returns how many.
    async fn escalate(&mut self, now_ms: i64) -> u64 {
        let mut escalated = 0;
        for _ in 0..BATCHES {
            let overdue = match self.store.overdue_clocks(now_ms, BATCH).await {
                Ok(overdue) => overdue,
                Err(err) => {
                    tracing::warn!("overdue hotline clocks not read; retried in a minute: {err}");
                    break;
                }
            };
            let full = overdue.len() == BATCH as usize;
            for clock in overdue {
                match self
                    .store
                    .mark_clock_escalated(clock.clock.id, now_ms, CLOCK_OVERDUE_KEY)
                    .await
                {
                    Ok(Some(_)) => {
                        escalated += 1;
                        tracing::info!(
                            case = clock.clock.case_id,
                            clock = %clock.clock.rule,
                            hotline = %clock.case.hotline,
                            "a legal clock is overdue: supervisors told"
                        );
                        self.queue_overdue(&clock).await;
                    }
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(
                            case = clock.clock.case_id,
                            "an overdue clock was not escalated; retried in a minute: {err}"
                        );
                        return escalated;
                    }
                }
            }
            if !full {
                break;
            }
        }
        escalated
    }

    /// Queues the webhook event of an escalated clock, when there is a webhook.
    async fn queue_overdue(&mut self, overdue: &OverdueClock) {
        if self.options.webhook.is_none() {
            return;
        }
        let risk = match self.store.case(overdue.clock.case_id).await {
            Ok(case) => case.map(|c| c.risk),
            Err(err) => {
                tracing::warn!(case = overdue.clock.case_id, "case not read: {err}");
                None
            }
        };
        self.queue(overdue_event(overdue, risk));
    }

    /// Tells supervisors of the complaints that have waited in the queue too long at `now_ms`;
    /// returns how many.
    async fn queue_waiting(&mut self, now_ms: i64) -> u64 {
        let Some(wait_ms) = self.options.queue_wait_ms else {
            return 0;
        };
        let before_ms = now_ms.saturating_sub(wait_ms);
        let mut told = 0;
        for _ in 0..BATCHES {
            let waiting = match self.store.waiting_reports(before_ms, BATCH).await {
                Ok(waiting) => waiting,
                Err(err) => {
                    tracing::warn!("waiting complaints not read; retried in a minute: {err}");
                    break;
                }
            };
            let full = waiting.len() == BATCH as usize;
            for report in waiting {
                match self
                    .store
                    .mark_report_waiting(report.report_id, now_ms, QUEUE_WAITING_KEY)
                    .await
                {
                    Ok(Some(_)) => {
                        told += 1;
                        tracing::info!(
                            report = report.report_id,
                            hotline = %report.hotline,
                            "a complaint has waited too long in the queue: supervisors told"
                        );
                        if self.options.webhook.is_some() {
                            self.queue(waiting_event(&report));
                        }
                    }
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(
                            report = report.report_id,
                            "a waiting complaint was not notified; retried in a minute: {err}"
                        );
                        return told;
                    }
                }
            }
            if !full {
                break;
            }
        }
        told
    }

    /// Reminds the operators of the follow-ups due at `now_ms`; returns how many.
    async fn remind(&mut self, now_ms: i64) -> u64 {
        let mut reminded = 0;
        for _ in 0..BATCHES {
            let due: Vec<DueFollowUp> = match self.store.due_follow_ups(now_ms, BATCH).await {
                Ok(due) => due,
                Err(err) => {
                    tracing::warn!("due follow-ups not read; retried in a minute: {err}");
                    break;
                }
            };
            let full = due.len() == BATCH as usize;
            for follow_up in due {
                let action = &follow_up.action;
                match self
                    .store
                    .mark_reminded(action.id, now_ms, FOLLOW_UP_DUE_KEY)
                    .await
                {
                    Ok(Some(_)) => {
                        reminded += 1;
                        tracing::info!(
                            case = action.case_id,
                            action = action.id,
                            "a follow-up is due: its operator was reminded"
                        );
                    }
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(
                            case = action.case_id,
                            "a follow-up reminder was not saved; retried in a minute: {err}"
                        );
                        return reminded;
                    }
                }
            }
            if !full {
                break;
            }
        }
        reminded
    }

    /// Anonymises the cases closed longer ago than the retention, when it is set and a day has
    /// passed (by the clock) since the last run; returns how many, `None` when it did not run.
    async fn anonymise(&mut self, now_ms: i64) -> Option<u64> {
        let after_ms = self.options.anonymise_after_ms?;
        let due = self
            .last_anonymised_ms
            .is_none_or(|last| now_ms < last || now_ms - last >= DAY_MS);
        if !due {
            return None;
        }
        let before_ms = now_ms.saturating_sub(after_ms);
        match self.store.anonymise_closed_cases(before_ms, now_ms).await {
            Ok(count) => {
                self.last_anonymised_ms = Some(now_ms);
                tracing::info!(
                    cases = count,
                    days = after_ms / DAY_MS,
                    "closed hotline cases anonymised (those under legal hold are kept)"
                );
                if count > 0 {
                    let detail = format!(
                        "{count} cases closed more than {} days ago, not under legal hold",
                        after_ms / DAY_MS
                    );
                    if let Err(err) = self
                        .store
                        .append_audit("hotline retention", "cases anonymised", "hotline", &detail)
                        .await
                    {
                        tracing::warn!("the anonymisation was not written to the audit log: {err}");
                    }
                }
                Some(count)
            }
            Err(err) => {
                tracing::warn!("closed hotline cases not anonymised; retried in a minute: {err}");
                None
            }
        }
    }

    /// Adds a webhook event, dropping the oldest one when too many wait.
    fn queue(&mut self, body: Value) {
        if self.pending.len() >= PENDING
            && let Some(dropped) = self.pending.pop_front()
        {
            tracing::error!(
                event = %dropped.body,
                "hotline webhook event dropped: {PENDING} are waiting (the console has it)"
            );
        }
        self.pending.push_back(Delivery { body, attempts: 0 });
    }

    /// Posts the waiting events in order, stopping at the first failure (the endpoint is
    /// probably down; the rest wait for the next pass).
    async fn post(&mut self, pass: &mut Pass) {
        let Some(url) = self.options.webhook.clone() else {
            return;
        };
        for _ in 0..POSTS_PER_PASS {
            let Some(mut delivery) = self.pending.pop_front() else {
                return;
            };
            let agent = self.agent.clone();
            let target = url.clone();
            let body = delivery.body.to_string();
            let sent = tokio::task::spawn_blocking(move || post_json(&agent, &target, body))
                .await
                .unwrap_or_else(|err| Err(format!("the webhook task failed: {err}")));
            match sent {
                Ok(()) => pass.posted += 1,
                Err(err) => {
                    pass.post_failures += 1;
                    delivery.attempts += 1;
                    if delivery.attempts >= WEBHOOK_ATTEMPTS {
                        tracing::error!(
                            event = %delivery.body,
                            "hotline webhook: given up after {WEBHOOK_ATTEMPTS} attempts \
                             (the console has it): {err}"
                        );
                    } else {
                        tracing::warn!(
                            event = %delivery.body,
                            attempt = delivery.attempts,
                            "hotline webhook failed; retried in a minute: {err}"
                        );
                        self.pending.push_front(delivery);
                    }
                    return;
                }
            }
        }
    }
}

/// The webhook event of an overdue clock: no personal data, no free text.
fn overdue_event(overdue: &OverdueClock, risk: Option<lachan_hotline::Risk>) -> Value {
    json!({
        "event": "clock_overdue",
        "hotline": overdue.case.hotline,
        "case_id": overdue.clock.case_id,
        "clock": overdue.clock.rule,
        "due_ms": overdue.clock.due_ms,
        "risk": risk,
    })
}

/// The webhook event of a complaint waiting too long in the queue: no personal data.
fn waiting_event(report: &WaitingReport) -> Value {
    json!({
        "event": "report_waiting",
        "hotline": report.hotline,
        "report_id": report.report_id,
        "channel": report.channel,
        "received_ms": report.created_ms,
    })
}

/// Posts `body` as JSON; any answer but 2xx is a failure.
fn post_json(agent: &ureq::Agent, url: &str, body: String) -> Result<(), String> {
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map(drop)
        .map_err(|e| format!("POST to the webhook: {e}"))
}
