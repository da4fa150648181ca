//! Alerts for guardians: a child's devices trying adult, gambling or threat sites again and
//! again, and a daily time budget used up. Alerts are seen on the query records, saved for the
//! console and posted to the configured webhook; the answer path only counts and never waits.
//! Repeated adult or gambling attempts of a child whose guardian consented are also filed as a
//! report in the hotline's queue (`lachan_server::ops::file_dns_alert`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lachan_dns::{QueryRecord, QuerySink};
use lachan_policy::{BlockReason, Category, Decision};
use lachan_store::{AlertKind, NewAlert, Store};
use tokio::sync::mpsc;

use crate::config::AlertsSection;

/// How long a budget alert for the same profile and reason stays silent.
const BUDGET_ALERT_QUIET: Duration = Duration::from_secs(12 * 3600);
/// Alerts waiting to be saved; beyond this, new ones are dropped (and logged).
const QUEUE: usize = 64;

/// Finds alerts in a stream of query records. Pure: no I/O, time from the records.
#[derive(Debug)]
pub struct Detector {
    threshold: usize,
    window: Duration,
    categories: Vec<Category>,
    attempts: HashMap<(Arc<str>, Category), VecDeque<SystemTime>>,
    budget_alerted: HashMap<(Arc<str>, String), SystemTime>,
}

impl Detector {
    /// A detector with the rules of `[alerts]`.
    pub fn new(rules: &AlertsSection) -> Detector {
        Detector {
            threshold: rules.repeated_blocks.max(1) as usize,
            window: Duration::from_secs(u64::from(rules.window_minutes.max(1)) * 60),
            categories: rules.categories.clone(),
            attempts: HashMap::new(),
            budget_alerted: HashMap::new(),
        }
    }

    /// The alert `record` raises, if any.
    pub fn observe(&mut self, record: &QueryRecord) -> Option<NewAlert> {
        if record.outcome != Decision::Blocked {
            return None;
        }
        let category = record.category?;
        if category == Category::ExcessiveUse {
            return self.budget_used_up(record);
        }
        if !self.categories.contains(&category) {
            return None;
        }
        let attempts = self
            .attempts
            .entry((record.profile.clone(), category))
            .or_default();
        while attempts
            .front()
            .is_some_and(|t| elapsed(*t, record.time) >= self.window)
        {
            attempts.pop_front();
        }
        attempts.push_back(record.time);
        if attempts.len() < self.threshold {
            return None;
        }
        let count = attempts.len();
        attempts.clear();
        Some(NewAlert {
            time_ms: millis(record.time),
            profile: record.profile.to_string(),
            kind: AlertKind::RepeatedBlocks,
            subject: category.as_str().to_string(),
            count: count as u32,
            detail: format!(
                "{count} lần truy cập trang {} bị chặn trong {} phút (gần nhất: {})",
                category.label_vi(),
                self.window.as_secs() / 60,
                record.name
            ),
        })
    }

    fn budget_used_up(&mut self, record: &QueryRecord) -> Option<NewAlert> {
        let Some(reason @ BlockReason::BudgetExhausted { target, .. }) = &record.time_block else {
            return None;
        };
        let key = (record.profile.clone(), target.to_string());
        if let Some(last) = self.budget_alerted.get(&key)
            && elapsed(*last, record.time) < BUDGET_ALERT_QUIET
        {
            return None;
        }
        self.budget_alerted
            .retain(|_, t| elapsed(*t, record.time) < BUDGET_ALERT_QUIET);
        self.budget_alerted.insert(key, record.time);
        Some(NewAlert {
            time_ms: millis(record.time),
            profile: record.profile.to_string(),
            kind: AlertKind::BudgetUsedUp,
            subject: target.to_string(),
            count: 1,
            detail: format!("{} (truy vấn cuối: {})", reason.text_vi(), record.name),
        })
    }
}

fn elapsed(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A [`QuerySink`] that looks for alerts, then passes every record on to `next`.
pub struct AlertSink {
    next: Arc<dyn QuerySink>,
    detector: Mutex<Detector>,
    queue: mpsc::Sender<NewAlert>,
}

impl AlertSink {
    /// Watches records before `next` gets them; alerts are saved to `store` and posted to the
    /// webhook of `rules` by a task spawned here.
    pub fn spawn(next: Arc<dyn QuerySink>, rules: &AlertsSection, store: Store) -> AlertSink {
        let (queue, alerts) = mpsc::channel(QUEUE);
        tokio::spawn(deliver(alerts, store, rules.webhook.clone()));
        AlertSink {
            next,
            detector: Mutex::new(Detector::new(rules)),
            queue,
        }
    }
}

impl QuerySink for AlertSink {
    fn record(&self, record: QueryRecord) {
        if record.outcome == Decision::Blocked {
            let alert = self
                .detector
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .observe(&record);
            if let Some(alert) = alert
                && self.queue.try_send(alert).is_err()
            {
                tracing::warn!("an alert was dropped: too many waiting to be saved");
            }
        }
        self.next.record(record);
    }
}

/// Saves each alert, files it for the hotline when the child's guardian consented, then posts
/// it to `webhook` (if set) as JSON.
async fn deliver(mut alerts: mpsc::Receiver<NewAlert>, store: Store, webhook: String) {
    while let Some(alert) = alerts.recv().await {
        match store.insert_alert(&alert).await {
            Ok(id) => tracing::info!(id, profile = %alert.profile, "alert: {}", alert.detail),
            Err(err) => tracing::warn!("an alert was not saved: {err}"),
        }
        match lachan_server::ops::file_dns_alert(&store, &alert).await {
            Ok(Some(filed)) if filed.created => {
                let profile = &alert.profile;
                tracing::info!(report = filed.id, %profile, "alert reported to the hotline");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("an alert was not reported to the hotline: {err}"),
        }
        if webhook.is_empty() {
            continue;
        }
        let url = webhook.clone();
        let body = serde_json::json!({
            "kind": alert.kind.as_str(),
            "profile": alert.profile,
            "subject": alert.subject,
            "count": alert.count,
            "detail": alert.detail,
            "time_ms": alert.time_ms,
        });
        let sent = tokio::task::spawn_blocking(move || post_json(&url, &body)).await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!("alert webhook failed: {err}"),
            Err(err) => tracing::warn!("alert webhook task failed: {err}"),
        }
    }
}

fn post_json(url: &str, body: &serde_json::Value) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .map(|_| ())
        .map_err(|e| format!("POST {url}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn blocked(
        at: u64,
        profile: &str,
        category: Category,
        time_block: Option<BlockReason>,
    ) -> QueryRecord {
        QueryRecord {
            time: UNIX_EPOCH + Duration::from_secs(1_800_000_000 + at),
            client_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            client_name: None,
            profile: Arc::from(profile),
            name: "casino.example".into(),
            qtype: 1,
            outcome: Decision::Blocked,
            category: Some(category),
            rule: None,
            upstream: None,
            upstream_rtt: None,
            time_block,
        }
    }

    #[test]
    fn five_attempts_within_the_window_raise_one_alert() {
        let mut d = Detector::new(&AlertsSection::default());
        let alerts: Vec<_> = (0..12)
            .filter_map(|i| d.observe(&blocked(i * 30, "an", Category::Gambling, None)))
            .collect();
        assert_eq!(alerts.len(), 2, "attempts 5 and 10: {alerts:?}");
        assert_eq!(alerts[0].kind, AlertKind::RepeatedBlocks);
        assert_eq!(alerts[0].subject, "gambling");
        assert_eq!(alerts[0].count, 5);
        assert!(alerts[0].detail.contains("cờ bạc"), "{}", alerts[0].detail);
    }

    #[test]
    fn slow_attempts_and_other_categories_raise_nothing() {
        let mut d = Detector::new(&AlertsSection::default());
        // One attempt every 3 minutes: never 5 within 10 minutes.
        for i in 0..20 {
            assert_eq!(
                d.observe(&blocked(i * 180, "an", Category::Adult, None)),
                None
            );
        }
        for i in 0..20 {
            assert_eq!(d.observe(&blocked(i, "an", Category::Ads, None)), None);
        }
        // Two profiles do not add up.
        for i in 0..4 {
            assert_eq!(d.observe(&blocked(i, "an", Category::Threat, None)), None);
            assert_eq!(d.observe(&blocked(i, "binh", Category::Threat, None)), None);
        }
    }

    /// The reason a 1-minute games budget gives once a minute of Roblox is used.
    fn one_minute_of_games_used_up() -> BlockReason {
        use lachan_policy::{Access, Budget, ServiceGroup, Target, TimeLimits, UsageDay, Zone};
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let mut day = UsageDay::new(Zone::default(), now);
        day.record_activity(now, "roblox", ServiceGroup::Games);
        let budgets = [Budget::new(Target::Group(ServiceGroup::Games), 1)];
        let limits = TimeLimits {
            pause: None,
            schedules: &[],
            budgets: &budgets,
            extra: &[],
            usage: &day,
        };
        match lachan_policy::access(&limits, Some("roblox"), Some(ServiceGroup::Games), now) {
            Access::Blocked(reason) => reason,
            other => panic!("the budget is used up: {other:?}"),
        }
    }

    #[test]
    fn a_used_up_budget_alerts_once() {
        let mut d = Detector::new(&AlertsSection::default());
        let used_up = one_minute_of_games_used_up();
        let first = d.observe(&blocked(
            0,
            "an",
            Category::ExcessiveUse,
            Some(used_up.clone()),
        ));
        let alert = first.expect("an alert");
        assert_eq!(alert.kind, AlertKind::BudgetUsedUp);
        assert_eq!(alert.subject, "group:games");
        assert!(alert.detail.starts_with("Hết giờ"), "{}", alert.detail);
        for i in 1..50 {
            let again = blocked(i * 60, "an", Category::ExcessiveUse, Some(used_up.clone()));
            assert_eq!(d.observe(&again), None);
        }
    }
}
