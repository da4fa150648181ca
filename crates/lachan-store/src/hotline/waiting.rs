//! Complaints waiting too long in the queue: a report from a person (phone, Zalo, e-mail, the
//! web form) has no legal clock until it joins a case, so the hotline's supervisors are told,
//! once per report, when one has waited untriaged past a cut-off the caller chooses (a part of
//! the complaint deadline). These notifications have a report and no case.

use lachan_hotline::Channel;
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::ReportStatus;
use super::notifications::SUPERVISORS;
use crate::codec::parse;
use crate::{Store, StoreError};

/// The stored kind of these notifications. Queries that filter on it, or on the new status,
/// write them as literals, so that SQLite uses the partial indexes made for them
/// (`hotline_notifications_waiting`, `reports_new_by_time`).
const QUEUE_WAITING: &str = "queue_waiting";

/// A complaint still in the queue since before the cut-off, whose supervisors were not told yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingReport {
    /// The report.
    pub report_id: i64,
    /// Its hotline.
    pub hotline: String,
    /// How it came (a complaint channel).
    pub channel: Channel,
    /// When it was received (Unix milliseconds).
    pub created_ms: i64,
}

/// A supervisors' notification of a complaint waiting in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueNotice {
    /// Row id (mark it read with [`Store::mark_notification_read`]).
    pub id: i64,
    /// When supervisors were told (Unix milliseconds).
    pub created_ms: i64,
    /// The hotline.
    pub hotline: String,
    /// The waiting report.
    pub report_id: i64,
    /// The Fluent key of its message.
    pub text_key: String,
    /// When someone marked it read.
    pub read_ms: Option<i64>,
}

/// The complaint channels, as stored in `reports.source`.
fn complaint_channels() -> impl Iterator<Item = &'static str> {
    Channel::ALL
        .iter()
        .filter(|c| c.is_complaint())
        .map(|c| c.as_str())
}

impl Store {
    /// Up to `limit` complaints of every hotline still new and received before
    /// `received_before_ms`, whose supervisors were not told yet; oldest first.
    pub async fn waiting_reports(
        &self,
        received_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<WaitingReport>, StoreError> {
        let mut query = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT r.id AS id, r.hotline AS hotline, r.source AS source, \
             r.created_ms AS created_ms FROM reports r WHERE r.status = 'new'",
        );
        query
            .push(" AND r.created_ms < ")
            .push_bind(received_before_ms)
            .push(" AND r.source IN (");
        let mut channels = query.separated(", ");
        for channel in complaint_channels() {
            channels.push_bind(channel);
        }
        query
            .push(
                ") AND NOT EXISTS (SELECT 1 FROM hotline_notifications n \
                 WHERE n.report_id = r.id AND n.kind = 'queue_waiting') \
                 ORDER BY r.created_ms, r.id LIMIT ",
            )
            .push_bind(i64::from(limit));
        let rows = query.build().fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let source: String = row.try_get("source")?;
                Ok(WaitingReport {
                    report_id: row.try_get("id")?,
                    hotline: row.try_get("hotline")?,
                    channel: parse("reports", "source", &source)?,
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// Tells the supervisors of its hotline, at `now_ms`, that complaint `report_id` is waiting
    /// in the queue, with the Fluent key `text_key`; one transaction. Returns the
    /// notification's id, or `None` when they were told already, the report left the queue, is
    /// not a complaint, or does not exist.
    pub async fn mark_report_waiting(
        &self,
        report_id: i64,
        now_ms: i64,
        text_key: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let report = sqlx::query("SELECT hotline, status, source FROM reports WHERE id = ?")
            .bind(report_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(report) = report else {
            return Ok(None);
        };
        let status: String = report.try_get("status")?;
        let source: String = report.try_get("source")?;
        let complaint = complaint_channels().any(|c| c == source);
        if status != ReportStatus::New.as_str() || !complaint {
            return Ok(None);
        }
        let told: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM hotline_notifications WHERE report_id = ? AND kind = 'queue_waiting'",
        )
        .bind(report_id)
        .fetch_optional(&mut *tx)
        .await?;
        if told.is_some() {
            return Ok(None);
        }
        let hotline: String = report.try_get("hotline")?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO hotline_notifications (created_ms, hotline, audience, kind, report_id, \
             text_key) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(now_ms)
        .bind(&hotline)
        .bind(SUPERVISORS)
        .bind(QUEUE_WAITING)
        .bind(report_id)
        .bind(text_key)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The `limit` newest notifications of `hotline`'s supervisors about complaints still
    /// waiting in the queue (those of reports triaged since are left out); only unread ones
    /// when `unread_only`.
    pub async fn queue_notices(
        &self,
        hotline: &str,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<QueueNotice>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.id AS id, n.created_ms AS created_ms, n.hotline AS hotline, \
             n.report_id AS report_id, n.text_key AS text_key, n.read_ms AS read_ms \
             FROM hotline_notifications n JOIN reports r ON r.id = n.report_id \
             WHERE n.hotline = ? AND n.kind = 'queue_waiting' AND r.status = 'new' \
             AND (NOT ? OR n.read_ms IS NULL) ORDER BY n.id DESC LIMIT ?",
        )
        .bind(hotline)
        .bind(unread_only)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(notice_from_row).collect()
    }
}

fn notice_from_row(row: &SqliteRow) -> Result<QueueNotice, StoreError> {
    Ok(QueueNotice {
        id: row.try_get("id")?,
        created_ms: row.try_get("created_ms")?,
        hotline: row.try_get("hotline")?,
        report_id: row.try_get("report_id")?,
        text_key: row.try_get("text_key")?,
        read_ms: row.try_get("read_ms")?,
    })
}
