//! Actions on cases: counselling, emergency interventions, referrals to authorities, takedown
//! requests to platforms and follow-ups; their outcomes; the clocks they start and meet; and the
//! reminders of follow-ups that are due.

use lachan_hotline::{ActionKind, ActionOutcome, AuthorityKind, ClockBook, ClockEvent};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::cases::{
    CaseBrief, case_brief_columns, case_in, case_object, due_with_case, open_case_in, touch,
};
use super::clocks::fire;
use super::notifications::{Audience, NewNotification, NotificationKind, insert_notification};
use super::{HotlineError, limits};
use crate::AuditNote;
use crate::codec::parse;
use crate::{Store, StoreError};

/// An action to record on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    /// The case (open).
    pub case_id: i64,
    /// Who records it (a username).
    pub actor: String,
    /// What was done or asked.
    pub kind: ActionKind,
    /// Who it went to: required for a referral (not a platform) and a takedown request (a
    /// platform), none otherwise ([`ActionKind::check_authority`]). Must be active.
    pub authority_id: Option<i64>,
    /// Free text.
    pub note: Option<String>,
    /// When a follow-up is due (required for follow-ups).
    pub due_ms: Option<i64>,
    /// When (Unix milliseconds).
    pub now_ms: i64,
}

/// An action as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRecord {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// When it was recorded (Unix milliseconds).
    pub created_ms: i64,
    /// Who recorded it.
    pub actor: String,
    /// What was done or asked.
    pub kind: ActionKind,
    /// Who it went to.
    pub authority_id: Option<i64>,
    /// Free text.
    pub note: Option<String>,
    /// When a follow-up is due.
    pub due_ms: Option<i64>,
    /// How it ended: counselling and emergency interventions are recorded `done`, requests and
    /// follow-ups `pending` until told.
    pub outcome: ActionOutcome,
    /// When the outcome was set.
    pub outcome_ms: Option<i64>,
    /// When the operator was reminded of a due follow-up.
    pub reminded_ms: Option<i64>,
}

/// A pending follow-up whose time has come and whose operator was not reminded yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueFollowUp {
    /// The follow-up.
    pub action: ActionRecord,
    /// Its case (its operator is reminded).
    #[serde(flatten)]
    pub case: CaseBrief,
}

macro_rules! action_columns {
    () => {
        "a.id AS id, a.case_id AS case_id, a.created_ms AS created_ms, \
     a.actor AS actor, a.kind AS kind, a.authority_id AS authority_id, a.note AS note, \
     a.due_ms AS due_ms, a.outcome AS outcome, a.outcome_ms AS outcome_ms, \
     a.reminded_ms AS reminded_ms"
    };
}

impl Store {
    /// Records an action on an open case, and fires its clock events by `book`: any action
    /// meets the complaint clock, an emergency intervention the emergency clock, and a takedown
    /// request starts its own takedown clock. Writes `note`'s audit entry on
    /// `case:ID/action:N` in the same transaction. Returns the action's id.
    pub async fn add_action(
        &self,
        action: &NewAction,
        book: &ClockBook,
        note: &AuditNote,
    ) -> Result<i64, StoreError> {
        limits::optional("note", action.note.as_deref(), limits::MAX_NOTE_CHARS)?;
        if action.kind == ActionKind::FollowUp && action.due_ms.is_none() {
            return Err(HotlineError::FollowUpNeedsDue.into());
        }
        let mut tx = self.begin_write().await?;
        open_case_in(&mut tx, action.case_id).await?;
        check_authority(&mut tx, action.kind, action.authority_id).await?;
        let recorded_done = matches!(
            action.kind,
            ActionKind::Counselling | ActionKind::EmergencyIntervention
        );
        let outcome = if recorded_done {
            ActionOutcome::Done
        } else {
            ActionOutcome::Pending
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO hotline_actions (case_id, created_ms, actor, kind, authority_id, note, \
             due_ms, outcome, outcome_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(action.case_id)
        .bind(action.now_ms)
        .bind(&action.actor)
        .bind(action.kind.as_str())
        .bind(action.authority_id)
        .bind(action.note.as_deref())
        .bind(action.due_ms)
        .bind(outcome.as_str())
        .bind(recorded_done.then_some(action.now_ms))
        .fetch_one(&mut *tx)
        .await?;
        for &event in ClockEvent::on_action(action.kind) {
            fire(
                &mut tx,
                book,
                action.case_id,
                Some(id),
                event,
                action.now_ms,
            )
            .await?;
        }
        touch(&mut tx, action.case_id, action.now_ms).await?;
        note.append(&mut tx, action.now_ms, &action_object(action.case_id, id))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Sets the outcome of action `action_id` of open case `case_id`; a takedown request set
    /// to `done` (content removed) meets its takedown clock. Writes `note`'s audit entry on
    /// `case:ID/action:N` in the same transaction.
    pub async fn set_action_outcome(
        &self,
        case_id: i64,
        action_id: i64,
        outcome: ActionOutcome,
        now_ms: i64,
        book: &ClockBook,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        open_case_in(&mut tx, case_id).await?;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM hotline_actions WHERE id = ? AND case_id = ?")
                .bind(action_id)
                .bind(case_id)
                .fetch_optional(&mut *tx)
                .await?;
        let kind: ActionKind = match kind {
            Some(kind) => parse("hotline_actions", "kind", &kind)?,
            None => {
                return Err(HotlineError::NoSuchAction {
                    case: case_id,
                    action: action_id,
                }
                .into());
            }
        };
        sqlx::query("UPDATE hotline_actions SET outcome = ?, outcome_ms = ? WHERE id = ?")
            .bind(outcome.as_str())
            .bind(now_ms)
            .bind(action_id)
            .execute(&mut *tx)
            .await?;
        if let Some(event) = ClockEvent::on_outcome(kind, outcome) {
            fire(&mut tx, book, case_id, Some(action_id), event, now_ms).await?;
        }
        touch(&mut tx, case_id, now_ms).await?;
        note.append(&mut tx, now_ms, &action_object(case_id, action_id))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actions of case `case_id`, oldest first.
    pub async fn actions_of_case(&self, case_id: i64) -> Result<Vec<ActionRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            action_columns!(),
            " FROM hotline_actions a WHERE a.case_id = ? ORDER BY a.id"
        ))
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// Up to `limit` pending follow-ups of every hotline due by `now_ms` whose operator was not
    /// reminded yet, earliest first; those of closed cases are left. (The kind and outcome are literals in the SQL so that
    /// SQLite uses the partial index of unreminded follow-ups.)
    pub async fn due_follow_ups(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<DueFollowUp>, StoreError> {
        let sql = concat!(
            "SELECT ",
            action_columns!(),
            ", ",
            case_brief_columns!(),
            " FROM hotline_actions a JOIN hotline_cases k ON k.id = a.case_id \
             WHERE a.kind = 'follow_up' AND a.outcome = 'pending' AND a.reminded_ms IS NULL \
             AND a.due_ms <= ? AND k.status <> 'closed' \
             ORDER BY a.due_ms, a.id LIMIT ?"
        );
        let due = due_with_case(self, sql, now_ms, limit, action_from_row).await?;
        Ok(due
            .into_iter()
            .map(|(action, case)| DueFollowUp { action, case })
            .collect())
    }

    /// Marks follow-up `action_id` reminded at `now_ms` and, in the same transaction, tells its
    /// case's operator (the hotline's supervisors if it has none) with a `follow_up_due`
    /// notification whose message is the Fluent key `text_key`. Returns the notification's
    /// id, or `None` when it was already reminded, is no longer pending, or does not exist.
    pub async fn mark_reminded(
        &self,
        action_id: i64,
        now_ms: i64,
        text_key: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let marked: Option<i64> = sqlx::query_scalar(
            "UPDATE hotline_actions SET reminded_ms = ? \
             WHERE id = ? AND kind = ? AND outcome = ? AND reminded_ms IS NULL RETURNING case_id",
        )
        .bind(now_ms)
        .bind(action_id)
        .bind(ActionKind::FollowUp.as_str())
        .bind(ActionOutcome::Pending.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(case_id) = marked else {
            return Ok(None);
        };
        let case = case_in(&mut tx, case_id).await?;
        let notification = NewNotification {
            created_ms: now_ms,
            hotline: case.hotline,
            audience: case.assignee.map_or(Audience::Supervisors, Audience::User),
            kind: NotificationKind::FollowUpDue,
            case_id,
            clock_id: None,
            action_id: Some(action_id),
            text_key: text_key.to_string(),
        };
        let id = insert_notification(&mut tx, &notification).await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}

/// Checks the authority of a new action of `kind` ([`ActionKind::check_authority`]): any
/// authority given must exist and be active.
/// The audit object of action `id` of case `case_id`: `case:ID/action:N`.
fn action_object(case_id: i64, id: i64) -> String {
    format!("{}/action:{id}", case_object(case_id))
}

async fn check_authority(
    conn: &mut SqliteConnection,
    kind: ActionKind,
    authority_id: Option<i64>,
) -> Result<(), StoreError> {
    let found = match authority_id {
        Some(id) => {
            let row = sqlx::query("SELECT kind, active FROM hotline_authorities WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(HotlineError::NoSuchAuthority(id))?;
            if !row.try_get::<bool, _>("active")? {
                return Err(HotlineError::InactiveAuthority(id).into());
            }
            let stored: String = row.try_get("kind")?;
            Some(parse::<AuthorityKind>(
                "hotline_authorities",
                "kind",
                &stored,
            )?)
        }
        None => None,
    };
    kind.check_authority(found).map_err(HotlineError::from)?;
    Ok(())
}

fn action_from_row(row: &SqliteRow) -> Result<ActionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let outcome: String = row.try_get("outcome")?;
    Ok(ActionRecord {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        created_ms: row.try_get("created_ms")?,
        actor: row.try_get("actor")?,
        kind: parse("hotline_actions", "kind", &kind)?,
        authority_id: row.try_get("authority_id")?,
        note: row.try_get("note")?,
        due_ms: row.try_get("due_ms")?,
        outcome: parse("hotline_actions", "outcome", &outcome)?,
        outcome_ms: row.try_get("outcome_ms")?,
        reminded_ms: row.try_get("reminded_ms")?,
    })
}
