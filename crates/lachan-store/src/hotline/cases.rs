//! Cases: opened from reports of the queue, joined by more reports, moved through the workflow,
//! given a risk, an operator and a legal hold; each change with its case event, and the clocks
//! it starts or meets, in one transaction.

use lachan_hotline::{CaseStatus, ClockBook, ClockEvent, CloseReason, Risk, workflow};
use lachan_policy::named_enum;
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, QueryBuilder, Row, Sqlite, SqliteConnection};

use super::clocks::fire;
use super::reports::ReportStatus;
use super::{HotlineError, limits};
use crate::AuditNote;
use crate::codec::parse;
use crate::{Store, StoreError};

/// What an escalation or a reminder names of its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseBrief {
    /// The case's hotline.
    pub hotline: String,
    /// The case's operator.
    pub assignee: Option<String>,
    /// The case's title.
    pub title: String,
}

/// The columns of [`CaseBrief`], read by [`CaseBrief::from_row`], of the case joined as `k`.
macro_rules! case_brief_columns {
    () => {
        "k.hotline AS hotline, k.assignee AS assignee, k.title AS title"
    };
}
pub(super) use case_brief_columns;

impl CaseBrief {
    /// Reads the columns of [`case_brief_columns`].
    pub(super) fn from_row(row: &SqliteRow) -> Result<CaseBrief, StoreError> {
        Ok(CaseBrief {
            hotline: row.try_get("hotline")?,
            assignee: row.try_get("assignee")?,
            title: row.try_get("title")?,
        })
    }
}

/// Up to `limit` items due by `now_ms`, each with its case: `sql` selects them with the
/// [`case_brief_columns`] of their case, joined as `k`, and takes `now_ms` and `limit` as its
/// two parameters; `item` reads the item of a row.
pub(super) async fn due_with_case<T>(
    store: &Store,
    sql: &'static str,
    now_ms: i64,
    limit: u32,
    item: fn(&SqliteRow) -> Result<T, StoreError>,
) -> Result<Vec<(T, CaseBrief)>, StoreError> {
    let rows = sqlx::query(sql)
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|row| Ok((item(row)?, CaseBrief::from_row(row)?)))
        .collect()
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRecord {
    /// Row id: the case number.
    pub id: i64,
    /// The hotline it belongs to.
    pub hotline: String,
    /// When it was opened (Unix milliseconds).
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// Where it is in the workflow.
    pub status: CaseStatus,
    /// How urgent it is.
    pub risk: Risk,
    /// The operator it is assigned to, by username.
    pub assignee: Option<String>,
    /// A short title, never an identity.
    pub title: String,
    /// Why it was closed, while closed.
    pub close_reason: Option<CloseReason>,
    /// When it was closed, while closed.
    pub closed_ms: Option<i64>,
    /// Whether it is under legal hold (never anonymised while held).
    pub legal_hold: bool,
    /// Why it is (or was last) held.
    pub hold_reason: Option<String>,
    /// When its reports lost their identity fields, after it had been closed long enough.
    pub anonymised_ms: Option<i64>,
}

/// A case to open from reports of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// The hotline; every report must belong to it.
    pub hotline: String,
    /// Who opens it (a username).
    pub actor: String,
    /// The reports it starts with: new reports of the hotline's queue.
    pub report_ids: Vec<i64>,
    /// How urgent it is.
    pub risk: Risk,
    /// The operator it is assigned to.
    pub assignee: Option<String>,
    /// A short title, never an identity.
    pub title: String,
    /// When (Unix milliseconds).
    pub now_ms: i64,
}

/// A status change asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The new status.
    pub to: CaseStatus,
    /// Why, for a move to closed (required then, refused otherwise).
    pub close_reason: Option<CloseReason>,
    /// Free text; required to reopen.
    pub note: String,
    /// Whether the actor may reopen a closed case (supervisors).
    pub may_reopen: bool,
}

/// Which cases [`Store::cases`] lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    /// The hotline.
    pub hotline: String,
    /// Only the cases of this operator.
    pub assignee: Option<String>,
    /// Only cases with this status.
    pub status: Option<CaseStatus>,
    /// Leave closed cases out.
    pub open_only: bool,
    /// At most this many, most recently changed first.
    pub limit: u32,
}

named_enum!(
    /// What a case event records.
    CaseEventKind, "case event kind", {
        /// The case was opened (`to_value`: its status; `note`: its reports).
        Opened => "opened",
        /// The status changed (`reason`: a close reason).
        Status => "status",
        /// The risk changed.
        Risk => "risk",
        /// The operator changed (`None`: unassigned).
        Assignee => "assignee",
        /// Reports joined the case (`note`: which).
        ReportsJoined => "reports_joined",
        /// The legal hold was placed (`to_value` `held`) or lifted (`released`).
        Hold => "hold",
    }
);

/// One change of a case, for its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// When (Unix milliseconds).
    pub time_ms: i64,
    /// Who made it.
    pub actor: String,
    /// What changed.
    pub kind: CaseEventKind,
    /// The value before.
    pub from_value: Option<String>,
    /// The value after.
    pub to_value: Option<String>,
    /// The close reason of a move to closed.
    pub reason: Option<CloseReason>,
    /// Free text: why.
    pub note: Option<String>,
}

/// A case event to write in a change's transaction.
struct EventRow<'a> {
    case_id: i64,
    time_ms: i64,
    actor: &'a str,
    kind: CaseEventKind,
    from_value: Option<&'a str>,
    to_value: Option<&'a str>,
    reason: Option<CloseReason>,
    note: Option<&'a str>,
}

impl<'a> EventRow<'a> {
    /// An event of `kind` of case `case_id`, made by `actor` at `time_ms`, with no values,
    /// reason or note yet.
    fn new(case_id: i64, time_ms: i64, actor: &'a str, kind: CaseEventKind) -> EventRow<'a> {
        EventRow {
            case_id,
            time_ms,
            actor,
            kind,
            from_value: None,
            to_value: None,
            reason: None,
            note: None,
        }
    }
}

/// The most reports one triage moves at once.
pub const MAX_TRIAGE_REPORTS: usize = 100;

macro_rules! case_columns {
    () => {
        "id, hotline, created_ms, updated_ms, status, risk, assignee, title, \
     close_reason, closed_ms, legal_hold, hold_reason, anonymised_ms"
    };
}

impl Store {
    /// Opens a case from new reports of its hotline's queue, atomically: the case (status
    /// `triaged`), the reports moved into it (status `triaged`), its events (opened, risk,
    /// assignee), and the clocks its opening starts by `book`: the complaint clock when a
    /// report came from a person (from the first such report's receipt), the emergency clock
    /// when the risk is emergency, and `note`'s audit entry on `case:ID`. Returns the case's id.
    pub async fn open_case(
        &self,
        case: &NewCase,
        book: &ClockBook,
        note: &AuditNote,
    ) -> Result<i64, StoreError> {
        limits::required("hotline", &case.hotline, limits::MAX_HOTLINE_CHARS)?;
        limits::required("title", &case.title, limits::MAX_TITLE_CHARS)?;
        limits::optional(
            "assignee",
            case.assignee.as_deref(),
            limits::MAX_REFERENCE_CHARS,
        )?;
        let mut tx = self.begin_write().await?;
        let taken = take_reports(&mut tx, &case.hotline, &case.report_ids).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO hotline_cases (hotline, created_ms, updated_ms, status, risk, assignee, \
             title) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&case.hotline)
        .bind(case.now_ms)
        .bind(case.now_ms)
        .bind(CaseStatus::Triaged.as_str())
        .bind(case.risk.as_str())
        .bind(case.assignee.as_deref())
        .bind(&case.title)
        .fetch_one(&mut *tx)
        .await?;
        move_reports(&mut tx, id, &taken.ids).await?;
        let event = |kind, to_value, note| EventRow {
            to_value,
            note,
            ..EventRow::new(id, case.now_ms, &case.actor, kind)
        };
        let reports = report_list(&taken.ids);
        let opened = event(
            CaseEventKind::Opened,
            Some(CaseStatus::Triaged.as_str()),
            Some(&reports),
        );
        insert_event(&mut tx, &opened).await?;
        insert_event(
            &mut tx,
            &event(CaseEventKind::Risk, Some(case.risk.as_str()), None),
        )
        .await?;
        if let Some(assignee) = case.assignee.as_deref() {
            insert_event(
                &mut tx,
                &event(CaseEventKind::Assignee, Some(assignee), None),
            )
            .await?;
        }
        if let Some(fired) = ClockEvent::on_risk(None, case.risk) {
            fire(&mut tx, book, id, None, fired, case.now_ms).await?;
        }
        taken.start_complaint_clock(&mut tx, book, id).await?;
        note.append(&mut tx, case.now_ms, &case_object(id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Moves more new reports of the case's hotline into open case `case_id`, with a
    /// `reports_joined` event; the first report from a person starts the case's complaint clock
    /// if it has none yet; with `note`'s audit entry on `case:ID`.
    pub async fn join_case(
        &self,
        case_id: i64,
        actor: &str,
        report_ids: &[i64],
        now_ms: i64,
        book: &ClockBook,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let case = open_case_in(&mut tx, case_id).await?;
        let taken = take_reports(&mut tx, &case.hotline, report_ids).await?;
        move_reports(&mut tx, case_id, &taken.ids).await?;
        let reports = report_list(&taken.ids);
        let event = EventRow {
            note: Some(&reports),
            ..EventRow::new(case_id, now_ms, actor, CaseEventKind::ReportsJoined)
        };
        insert_event(&mut tx, &event).await?;
        touch(&mut tx, case_id, now_ms).await?;
        taken.start_complaint_clock(&mut tx, book, case_id).await?;
        note.append(&mut tx, now_ms, &case_object(case_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves case `case_id` to another status, as the workflow allows
    /// ([`workflow::check_move`]): closing records the close reason and time, reopening (a
    /// closed case back to triaged) clears them. Anonymised cases cannot be reopened. Writes
    /// `note`'s audit entry on `case:ID` in the same transaction.
    pub async fn set_case_status(
        &self,
        case_id: i64,
        actor: &str,
        change: &StatusChange,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        limits::text("note", &change.note, limits::MAX_NOTE_CHARS)?;
        let mut tx = self.begin_write().await?;
        let case = case_in(&mut tx, case_id).await?;
        workflow::check_move(
            case.status,
            change.to,
            change.close_reason,
            &change.note,
            change.may_reopen,
        )
        .map_err(HotlineError::from)?;
        if case.anonymised_ms.is_some() {
            return Err(HotlineError::CaseAnonymised(case_id).into());
        }
        let closing = change.to == CaseStatus::Closed;
        sqlx::query(
            "UPDATE hotline_cases SET status = ?, close_reason = ?, closed_ms = ?, \
             updated_ms = ? WHERE id = ?",
        )
        .bind(change.to.as_str())
        .bind(change.close_reason.map(|r| r.as_str()))
        .bind(closing.then_some(now_ms))
        .bind(now_ms)
        .bind(case_id)
        .execute(&mut *tx)
        .await?;
        let event = EventRow {
            from_value: Some(case.status.as_str()),
            to_value: Some(change.to.as_str()),
            reason: change.close_reason,
            note: non_blank(&change.note),
            ..EventRow::new(case_id, now_ms, actor, CaseEventKind::Status)
        };
        insert_event(&mut tx, &event).await?;
        note.append(&mut tx, now_ms, &case_object(case_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives open case `case_id` the risk `risk` (the case is left as it is if it has it
    /// already). Raising it to emergency starts the emergency clock, unless one is running.
    /// Writes `audit`'s entry on `case:ID` in the same transaction either way.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_case_risk(
        &self,
        case_id: i64,
        actor: &str,
        risk: Risk,
        note: &str,
        now_ms: i64,
        book: &ClockBook,
        audit: &AuditNote,
    ) -> Result<(), StoreError> {
        limits::text("note", note, limits::MAX_NOTE_CHARS)?;
        let mut tx = self.begin_write().await?;
        let case = open_case_in(&mut tx, case_id).await?;
        if case.risk != risk {
            sqlx::query("UPDATE hotline_cases SET risk = ?, updated_ms = ? WHERE id = ?")
                .bind(risk.as_str())
                .bind(now_ms)
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            let event = EventRow {
                from_value: Some(case.risk.as_str()),
                to_value: Some(risk.as_str()),
                note: non_blank(note),
                ..EventRow::new(case_id, now_ms, actor, CaseEventKind::Risk)
            };
            insert_event(&mut tx, &event).await?;
            if let Some(fired) = ClockEvent::on_risk(Some(case.risk), risk) {
                fire(&mut tx, book, case_id, None, fired, now_ms).await?;
            }
        }
        audit.append(&mut tx, now_ms, &case_object(case_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Assigns open case `case_id` to the operator `assignee` (`None`: nobody); the case is
    /// left as it is if it is theirs already. Writes `note`'s audit entry on `case:ID` in the
    /// same transaction either way. Whether `assignee` is an operator of the case's hotline is
    /// the caller's to check.
    pub async fn assign_case(
        &self,
        case_id: i64,
        actor: &str,
        assignee: Option<&str>,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        limits::optional("assignee", assignee, limits::MAX_REFERENCE_CHARS)?;
        let mut tx = self.begin_write().await?;
        let case = open_case_in(&mut tx, case_id).await?;
        if case.assignee.as_deref() != assignee {
            sqlx::query("UPDATE hotline_cases SET assignee = ?, updated_ms = ? WHERE id = ?")
                .bind(assignee)
                .bind(now_ms)
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            let event = EventRow {
                from_value: case.assignee.as_deref(),
                to_value: assignee,
                ..EventRow::new(case_id, now_ms, actor, CaseEventKind::Assignee)
            };
            insert_event(&mut tx, &event).await?;
        }
        note.append(&mut tx, now_ms, &case_object(case_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Places (`hold`, with a non-blank `reason`) or lifts the legal hold of case `case_id`,
    /// open or closed: a held case is never anonymised. The case is left as it is if the hold
    /// is already as asked. Writes `note`'s audit entry on `case:ID` in the same transaction
    /// either way.
    pub async fn set_legal_hold(
        &self,
        case_id: i64,
        actor: &str,
        hold: bool,
        reason: &str,
        now_ms: i64,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        if hold {
            limits::required("reason for the legal hold", reason, limits::MAX_NOTE_CHARS)?;
        } else {
            limits::text("note", reason, limits::MAX_NOTE_CHARS)?;
        }
        let mut tx = self.begin_write().await?;
        let case = case_in(&mut tx, case_id).await?;
        if case.legal_hold != hold {
            let mut update = QueryBuilder::<Sqlite>::new("UPDATE hotline_cases SET legal_hold = ");
            update
                .push_bind(hold)
                .push(", updated_ms = ")
                .push_bind(now_ms);
            if hold {
                update.push(", hold_reason = ").push_bind(reason);
            }
            update.push(" WHERE id = ").push_bind(case_id);
            update.build().execute(&mut *tx).await?;
            let state = |held: bool| if held { "held" } else { "released" };
            let event = EventRow {
                from_value: Some(state(case.legal_hold)),
                to_value: Some(state(hold)),
                note: non_blank(reason),
                ..EventRow::new(case_id, now_ms, actor, CaseEventKind::Hold)
            };
            insert_event(&mut tx, &event).await?;
        }
        note.append(&mut tx, now_ms, &case_object(case_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The case with this id, if any.
    pub async fn case(&self, id: i64) -> Result<Option<CaseRecord>, StoreError> {
        find_case(self.pool(), id).await
    }

    /// The cases `filter` selects, most recently changed first.
    pub async fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRecord>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            case_columns!(),
            " FROM hotline_cases WHERE hotline = "
        ));
        sql.push_bind(&filter.hotline);
        if let Some(assignee) = &filter.assignee {
            sql.push(" AND assignee = ").push_bind(assignee);
        }
        if let Some(status) = filter.status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if filter.open_only {
            sql.push(" AND status <> ")
                .push_bind(CaseStatus::Closed.as_str());
        }
        sql.push(" ORDER BY updated_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(case_from_row).collect()
    }

    /// The history of case `case_id`, oldest first.
    pub async fn case_events(&self, case_id: i64) -> Result<Vec<CaseEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, time_ms, actor, kind, from_value, to_value, reason, note \
             FROM hotline_case_events WHERE case_id = ? ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                let reason: Option<String> = row.try_get("reason")?;
                Ok(CaseEvent {
                    id: row.try_get("id")?,
                    case_id: row.try_get("case_id")?,
                    time_ms: row.try_get("time_ms")?,
                    actor: row.try_get("actor")?,
                    kind: parse("hotline_case_events", "kind", &kind)?,
                    from_value: row.try_get("from_value")?,
                    to_value: row.try_get("to_value")?,
                    reason: reason
                        .map(|r| parse("hotline_case_events", "reason", &r))
                        .transpose()?,
                    note: row.try_get("note")?,
                })
            })
            .collect()
    }
}

/// The case with this id, if any, read with `executor` (the pool or a transaction).
async fn find_case<'e, E>(executor: E, id: i64) -> Result<Option<CaseRecord>, StoreError>
where
    E: Executor<'e, Database = Sqlite>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        case_columns!(),
        " FROM hotline_cases WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(case_from_row).transpose()
}

/// The case `case_id`, read inside a write transaction.
pub(crate) async fn case_in(
    conn: &mut SqliteConnection,
    case_id: i64,
) -> Result<CaseRecord, StoreError> {
    find_case(conn, case_id)
        .await?
        .ok_or_else(|| HotlineError::NoSuchCase(case_id).into())
}

/// The case `case_id`, read inside a write transaction; refused if it is closed.
pub(crate) async fn open_case_in(
    conn: &mut SqliteConnection,
    case_id: i64,
) -> Result<CaseRecord, StoreError> {
    let case = case_in(conn, case_id).await?;
    if case.status == CaseStatus::Closed {
        return Err(HotlineError::CaseClosed(case_id).into());
    }
    Ok(case)
}

/// Marks case `case_id` changed at `now_ms`.
pub(crate) async fn touch(
    conn: &mut SqliteConnection,
    case_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE hotline_cases SET updated_ms = ? WHERE id = ?")
        .bind(now_ms)
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reports checked for triage.
struct Taken {
    /// Their ids, ascending, without repeats.
    ids: Vec<i64>,
    /// When the first of them that came from a person was received.
    first_complaint_ms: Option<i64>,
}

impl Taken {
    /// Starts the complaint clock of case `case_id` by `book` from the first report that came
    /// from a person, if any (once per case: a case that has one keeps it).
    async fn start_complaint_clock(
        &self,
        conn: &mut SqliteConnection,
        book: &ClockBook,
        case_id: i64,
    ) -> Result<(), StoreError> {
        match self.first_complaint_ms {
            Some(received_ms) => {
                let event = ClockEvent::ComplaintFiled;
                fire(conn, book, case_id, None, event, received_ms).await
            }
            None => Ok(()),
        }
    }
}

/// Checks that `ids` are new reports of `hotline` (at least one, at most
/// [`MAX_TRIAGE_REPORTS`]).
async fn take_reports(
    conn: &mut SqliteConnection,
    hotline: &str,
    ids: &[i64],
) -> Result<Taken, StoreError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(HotlineError::NoReports.into());
    }
    if ids.len() > MAX_TRIAGE_REPORTS {
        return Err(HotlineError::TooMany {
            field: "reports",
            max: MAX_TRIAGE_REPORTS,
        }
        .into());
    }
    let mut sql = QueryBuilder::<Sqlite>::new(
        "SELECT id, hotline, case_id, source, created_ms FROM reports WHERE id IN (",
    );
    let mut list = sql.separated(", ");
    for id in &ids {
        list.push_bind(*id);
    }
    sql.push(")");
    let rows = sql.build().fetch_all(&mut *conn).await?;
    let mut first_complaint_ms: Option<i64> = None;
    for &id in &ids {
        let row = rows
            .iter()
            .find(|r| r.try_get::<i64, _>("id").ok() == Some(id))
            .ok_or(HotlineError::NoSuchReport(id))?;
        let report_hotline: String = row.try_get("hotline")?;
        if report_hotline != hotline {
            return Err(HotlineError::ReportOfOtherHotline(id).into());
        }
        if let Some(case) = row.try_get::<Option<i64>, _>("case_id")? {
            return Err(HotlineError::ReportInCase { report: id, case }.into());
        }
        let source: String = row.try_get("source")?;
        let source: lachan_hotline::Channel = parse("reports", "source", &source)?;
        if ClockEvent::on_report(source).is_some() {
            let received: i64 = row.try_get("created_ms")?;
            first_complaint_ms = Some(first_complaint_ms.map_or(received, |t| t.min(received)));
        }
    }
    Ok(Taken {
        ids,
        first_complaint_ms,
    })
}

/// Moves the reports `ids` into case `case_id`.
async fn move_reports(
    conn: &mut SqliteConnection,
    case_id: i64,
    ids: &[i64],
) -> Result<(), StoreError> {
    let mut sql = QueryBuilder::<Sqlite>::new("UPDATE reports SET case_id = ");
    sql.push_bind(case_id)
        .push(", status = ")
        .push_bind(ReportStatus::Triaged.as_str())
        .push(" WHERE id IN (");
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    sql.push(")");
    sql.build().execute(conn).await?;
    Ok(())
}

/// "reports 3, 7", for events.
/// The audit object of case `id`: `case:ID`.
pub(crate) fn case_object(id: i64) -> String {
    format!("case:{id}")
}

fn report_list(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("reports {}", ids.join(", "))
}

/// `Some(text)` unless it is blank.
fn non_blank(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

async fn insert_event(conn: &mut SqliteConnection, event: &EventRow<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO hotline_case_events (case_id, time_ms, actor, kind, from_value, to_value, \
         reason, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(event.case_id)
    .bind(event.time_ms)
    .bind(event.actor)
    .bind(event.kind.as_str())
    .bind(event.from_value)
    .bind(event.to_value)
    .bind(event.reason.map(|r| r.as_str()))
    .bind(event.note)
    .execute(conn)
    .await?;
    Ok(())
}

fn case_from_row(row: &SqliteRow) -> Result<CaseRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let risk: String = row.try_get("risk")?;
    let close_reason: Option<String> = row.try_get("close_reason")?;
    Ok(CaseRecord {
        id: row.try_get("id")?,
        hotline: row.try_get("hotline")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        status: parse("hotline_cases", "status", &status)?,
        risk: parse("hotline_cases", "risk", &risk)?,
        assignee: row.try_get("assignee")?,
        title: row.try_get("title")?,
        close_reason: close_reason
            .map(|r| parse("hotline_cases", "close_reason", &r))
            .transpose()?,
        closed_ms: row.try_get("closed_ms")?,
        legal_hold: row.try_get("legal_hold")?,
        hold_reason: row.try_get("hold_reason")?,
        anonymised_ms: row.try_get("anonymised_ms")?,
    })
}
