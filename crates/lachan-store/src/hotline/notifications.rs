//! What the console tells its users: overdue clocks (to a hotline's supervisors) and follow-ups
//! that are due (to the case's operator).

use lachan_policy::named_enum;
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::codec::parse;
use crate::{Store, StoreError};

/// `audience` of notifications for every supervisor of the hotline.
pub(super) const SUPERVISORS: &str = "supervisors";

/// The `audience` of notifications for one user; never equal to [`SUPERVISORS`].
fn user_audience(username: &str) -> String {
    format!("user:{username}")
}

named_enum!(
    /// What a notification is about.
    NotificationKind, "notification kind", {
        /// A legal clock is overdue (to supervisors).
        ClockOverdue => "clock_overdue",
        /// A follow-up is due (to the case's operator).
        FollowUpDue => "follow_up_due",
    }
);

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "username")]
pub enum Audience {
    /// Every supervisor of the hotline (and administrators who supervise it).
    Supervisors,
    /// One user, by username.
    User(String),
}

impl Audience {
    /// As stored in `hotline_notifications.audience`.
    fn stored(&self) -> String {
        match self {
            Audience::Supervisors => SUPERVISORS.to_string(),
            Audience::User(name) => user_audience(name),
        }
    }

    /// Reads a stored audience.
    fn from_stored(text: &str) -> Result<Audience, StoreError> {
        if text == SUPERVISORS {
            return Ok(Audience::Supervisors);
        }
        text.strip_prefix("user:")
            .map(|name| Audience::User(name.to_string()))
            .ok_or_else(|| StoreError::Corrupt {
                table: "hotline_notifications",
                column: "audience",
                detail: format!("'{text}' is neither 'supervisors' nor 'user:NAME'"),
            })
    }
}

/// A notification to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewNotification {
    /// When it was made (Unix milliseconds).
    pub created_ms: i64,
    /// The hotline whose console shows it.
    pub hotline: String,
    /// Who it is for.
    pub audience: Audience,
    /// What it is about.
    pub kind: NotificationKind,
    /// The case it is about.
    pub case_id: i64,
    /// The overdue clock, for [`NotificationKind::ClockOverdue`].
    pub clock_id: Option<i64>,
    /// The due follow-up, for [`NotificationKind::FollowUpDue`].
    pub action_id: Option<i64>,
    /// The Fluent key of its message.
    pub text_key: String,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Row id.
    pub id: i64,
    /// When someone marked it read.
    pub read_ms: Option<i64>,
    /// What it says.
    #[serde(flatten)]
    pub notice: NewNotification,
}

/// Adds `notification` inside the caller's transaction; returns its id.
pub(crate) async fn insert_notification(
    conn: &mut SqliteConnection,
    notification: &NewNotification,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO hotline_notifications (created_ms, hotline, audience, kind, case_id, \
         clock_id, action_id, text_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(notification.created_ms)
    .bind(&notification.hotline)
    .bind(notification.audience.stored())
    .bind(notification.kind.as_str())
    .bind(notification.case_id)
    .bind(notification.clock_id)
    .bind(notification.action_id)
    .bind(&notification.text_key)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

impl Store {
    /// Adds a notification; returns its id.
    pub async fn add_notification(
        &self,
        notification: &NewNotification,
    ) -> Result<i64, StoreError> {
        let mut conn = self.pool().acquire().await?;
        insert_notification(&mut conn, notification).await
    }

    /// The `limit` newest notifications about cases of `hotline` for `username`: theirs, and
    /// the supervisors' ones when `supervisor`; only unread ones when `unread_only`. (Complaints
    /// waiting in the queue are listed by [`Store::queue_notices`].)
    pub async fn notifications(
        &self,
        hotline: &str,
        username: &str,
        supervisor: bool,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_ms, hotline, audience, kind, case_id, clock_id, action_id, \
             text_key, read_ms FROM hotline_notifications \
             WHERE hotline = ? AND (audience = ? OR (? AND audience = ?)) \
             AND case_id IS NOT NULL AND (NOT ? OR read_ms IS NULL) ORDER BY id DESC LIMIT ?",
        )
        .bind(hotline)
        .bind(user_audience(username))
        .bind(supervisor)
        .bind(SUPERVISORS)
        .bind(unread_only)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// Marks notification `id` read at `now_ms`, if it is one that [`Store::notifications`]
    /// shows `username` (with `supervisor`) in `hotline` and is unread; returns whether it was.
    pub async fn mark_notification_read(
        &self,
        id: i64,
        hotline: &str,
        username: &str,
        supervisor: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE hotline_notifications SET read_ms = ? WHERE id = ? AND hotline = ? \
             AND (audience = ? OR (? AND audience = ?)) AND read_ms IS NULL",
        )
        .bind(now_ms)
        .bind(id)
        .bind(hotline)
        .bind(user_audience(username))
        .bind(supervisor)
        .bind(SUPERVISORS)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

fn notification_from_row(row: &SqliteRow) -> Result<Notification, StoreError> {
    let audience: String = row.try_get("audience")?;
    let kind: String = row.try_get("kind")?;
    Ok(Notification {
        id: row.try_get("id")?,
        read_ms: row.try_get("read_ms")?,
        notice: NewNotification {
            created_ms: row.try_get("created_ms")?,
            hotline: row.try_get("hotline")?,
            audience: Audience::from_stored(&audience)?,
            kind: parse("hotline_notifications", "kind", &kind)?,
            case_id: row.try_get("case_id")?,
            clock_id: row.try_get("clock_id")?,
            action_id: row.try_get("action_id")?,
            text_key: row.try_get("text_key")?,
        },
    })
}
