//! Legal clocks of cases: started and met by the events of case changes (inside the change's
//! transaction, by the rules of a [`ClockBook`]), listed per case, and found overdue for
//! escalation.

use lachan_hotline::{ClockBook, ClockEvent, ClockState};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::cases::{CaseBrief, case_brief_columns, case_in, due_with_case};
use super::notifications::{Audience, NotificationKind, insert_notification};
use crate::{Store, StoreError};

/// A clock of a case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockRecord {
    /// Row id.
    pub id: i64,
    /// The case it times.
    pub case_id: i64,
    /// The action it times (a takedown request), for clocks of per-action events.
    pub action_id: Option<i64>,
    /// The name of its rule in the clock book.
    pub rule: String,
    /// When it started (Unix milliseconds).
    pub started_ms: i64,
    /// When it is due.
    pub due_ms: i64,
    /// When it was met.
    pub met_ms: Option<i64>,
    /// When supervisors were told it is overdue.
    pub escalated_ms: Option<i64>,
}

impl ClockRecord {
    /// The clock as `lachan_hotline` reckons with it (`state().status(now_ms)`).
    pub fn state(&self) -> ClockState {
        ClockState {
            rule: self.rule.clone(),
            started_ms: self.started_ms,
            due_ms: self.due_ms,
            met_ms: self.met_ms,
            escalated_ms: self.escalated_ms,
        }
    }
}

/// An overdue clock not yet escalated, with what the escalation needs of its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueClock {
    /// The clock.
    pub clock: ClockRecord,
    /// Its case (the supervisors of its hotline are told).
    #[serde(flatten)]
    pub case: CaseBrief,
}

macro_rules! clock_columns {
    () => {
        "c.id AS id, c.case_id AS case_id, c.action_id AS action_id, c.rule AS rule, \
     c.started_ms AS started_ms, c.due_ms AS due_ms, c.met_ms AS met_ms, \
     c.escalated_ms AS escalated_ms"
    };
}

/// Whether an event starts a rule's clock only once per case, even after it was met (a case's
/// first complaint starts the complaint clock; later complaints joining it do not). Other
/// case events start a clock again once the previous one was met; per-action events start one
/// per action.
fn once_per_case(event: ClockEvent) -> bool {
    event == ClockEvent::ComplaintFiled
}

/// Applies `event`, happened at `at_ms` on case `case_id` (and on action `action_id` for
/// per-action events), to the case's clocks: meets the running clocks of the rules it meets
/// (for a per-action event, that action's only), then starts the clocks of the rules it starts.
/// Runs inside the caller's transaction.
pub(crate) async fn fire(
    conn: &mut SqliteConnection,
    book: &ClockBook,
    case_id: i64,
    action_id: Option<i64>,
    event: ClockEvent,
    at_ms: i64,
) -> Result<(), StoreError> {
    let action_id = action_id.filter(|_| event.is_per_action());
    for rule in book.rules_met_by(event) {
        sqlx::query(
            "UPDATE hotline_clocks SET met_ms = ? \
             WHERE case_id = ? AND rule = ? AND met_ms IS NULL \
             AND (? IS NULL OR action_id = ?)",
        )
        .bind(at_ms)
        .bind(case_id)
        .bind(&rule.name)
        .bind(action_id)
        .bind(action_id)
        .execute(&mut *conn)
        .await?;
    }
    for rule in book.rules_started_by(event) {
        if action_id.is_none() {
            let running: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM hotline_clocks WHERE case_id = ? AND rule = ? \
                 AND (? OR met_ms IS NULL) LIMIT 1",
            )
            .bind(case_id)
            .bind(&rule.name)
            .bind(once_per_case(event))
            .fetch_optional(&mut *conn)
            .await?;
            if running.is_some() {
                continue;
            }
        }
        sqlx::query(
            "INSERT INTO hotline_clocks (case_id, action_id, rule, started_ms, due_ms) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(case_id)
        .bind(action_id)
        .bind(&rule.name)
        .bind(at_ms)
        .bind(rule.due_ms(at_ms))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The clocks of case `case_id`, oldest first.
    pub async fn clocks_of_case(&self, case_id: i64) -> Result<Vec<ClockRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            clock_columns!(),
            " FROM hotline_clocks c WHERE c.case_id = ? ORDER BY c.id"
        ))
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(clock_from_row).collect()
    }

    /// Up to `limit` clocks of every hotline that are unmet after their deadline at `now_ms`
    /// and not yet escalated, most overdue first; clocks of closed cases are left (a reopened
    /// case's are escalated again).
    pub async fn overdue_clocks(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<OverdueClock>, StoreError> {
        let sql = concat!(
            "SELECT ",
            clock_columns!(),
            ", ",
            case_brief_columns!(),
            " FROM hotline_clocks c JOIN hotline_cases k ON k.id = c.case_id \
             WHERE c.met_ms IS NULL AND c.escalated_ms IS NULL AND c.due_ms < ? \
             AND k.status <> 'closed' ORDER BY c.due_ms, c.id LIMIT ?"
        );
        let overdue = due_with_case(self, sql, now_ms, limit, clock_from_row).await?;
        Ok(overdue
            .into_iter()
            .map(|(clock, case)| OverdueClock { clock, case })
            .collect())
    }

    /// Marks clock `clock_id` escalated at `now_ms` and, in the same transaction, tells the
    /// supervisors of its case's hotline with a `clock_overdue` notification whose message is
    /// the Fluent key `text_key`. Returns the notification's id, or `None` when the clock was
    /// already escalated or met (or does not exist), so that a clock is escalated once.
    pub async fn mark_clock_escalated(
        &self,
        clock_id: i64,
        now_ms: i64,
        text_key: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let marked: Option<i64> = sqlx::query_scalar(
            "UPDATE hotline_clocks SET escalated_ms = ? \
             WHERE id = ? AND met_ms IS NULL AND escalated_ms IS NULL RETURNING case_id",
        )
        .bind(now_ms)
        .bind(clock_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(case_id) = marked else {
            return Ok(None);
        };
        let hotline = case_in(&mut tx, case_id).await?.hotline;
        let id = insert_notification(
            &mut tx,
            &super::NewNotification {
                created_ms: now_ms,
                hotline,
                audience: Audience::Supervisors,
                kind: NotificationKind::ClockOverdue,
                case_id,
                clock_id: Some(clock_id),
                action_id: None,
                text_key: text_key.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}

/// Reads a clock selected with [`CLOCK_COLUMNS`].
fn clock_from_row(row: &SqliteRow) -> Result<ClockRecord, StoreError> {
    Ok(ClockRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        action_id: row.try_get("action_id")?,
        rule: row.try_get("rule")?,
        started_ms: row.try_get("started_ms")?,
        due_ms: row.try_get("due_ms")?,
        met_ms: row.try_get("met_ms")?,
        escalated_ms: row.try_get("escalated_ms")?,
    })
}
