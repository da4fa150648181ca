//! Contacts that are not a report (a call about something else): counted in statistics only.

use lachan_hotline::{Channel, ContactTopic};
use serde::Serialize;

use super::limits;
use crate::{AuditNote, Store, StoreError};

/// A contact without report, to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewContact {
    /// When (Unix milliseconds).
    pub created_ms: i64,
    /// The hotline it reached.
    pub hotline: String,
    /// How it reached the hotline.
    pub channel: Channel,
    /// What it was about.
    pub topic: ContactTopic,
    /// Who answered, by username.
    pub operator: Option<String>,
}

impl Store {
    /// Records a contact without report, with `note`'s audit entry on `contact:ID` in the same
    /// transaction; returns its id.
    pub async fn record_contact(
        &self,
        contact: &NewContact,
        note: &AuditNote,
    ) -> Result<i64, StoreError> {
        limits::required("hotline", &contact.hotline, limits::MAX_HOTLINE_CHARS)?;
        limits::optional(
            "operator",
            contact.operator.as_deref(),
            limits::MAX_REFERENCE_CHARS,
        )?;
        let mut tx = self.begin_write().await?;
        let id = sqlx::query_scalar(
            "INSERT INTO hotline_contacts (created_ms, hotline, channel, topic, operator) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(contact.created_ms)
        .bind(&contact.hotline)
        .bind(contact.channel.as_str())
        .bind(contact.topic.as_str())
        .bind(contact.operator.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        note.append(&mut tx, contact.created_ms, &format!("contact:{id}"))
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}
