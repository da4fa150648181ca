//! Contacts that are not a report (a call about something else): counted in statistics only.

use lachan_hotline::{Channel, ContactTopic};
use serde::Serialize;

use super::limits;
use crate::{Store, StoreError};

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
    /// Records a contact without report; returns its id.
    pub async fn record_contact(&self, contact: &NewContact) -> Result<i64, StoreError> {
        limits::required("hotline", &contact.hotline, limits::MAX_HOTLINE_CHARS)?;
        limits::optional(
            "operator",
            contact.operator.as_deref(),
            limits::MAX_REFERENCE_CHARS,
        )?;
        let id = sqlx::query_scalar(
            "INSERT INTO hotline_contacts (created_ms, hotline, channel, topic, operator) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(contact.created_ms)
        .bind(&contact.hotline)
        .bind(contact.channel.as_str())
        .bind(contact.topic.as_str())
        .bind(contact.operator.as_deref())
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }
}
