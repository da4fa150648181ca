//! Anonymisation of cases closed long enough ago: the people in them are forgotten, their
//! statistics stay.

use crate::{Store, StoreError};

/// The cases to anonymise: closed before `?1`, not under legal hold, not yet anonymised.
macro_rules! due {
    () => {
        "SELECT id FROM hotline_cases WHERE status = 'closed' AND closed_ms < ?1 \
     AND NOT legal_hold AND anonymised_ms IS NULL"
    };
}

/// `$statement` restricted to the rows of the cases to anonymise (`due!`).
macro_rules! of_due_cases {
    ($statement:literal) => {
        concat!($statement, " WHERE case_id IN (", due!(), ")")
    };
}

/// What anonymisation forgets of the cases to anonymise: the identity fields and free texts of
/// their reports, the notes of their actions and events, their attachments.
const FORGET: [&str; 4] = [
    of_due_cases!(
        "UPDATE reports SET reporter_name = NULL, reporter_contact = NULL, \
         child_name = NULL, child_contact = NULL, description = NULL, accounts = NULL, \
         urls = NULL, platform_reference = NULL, idempotency_key = NULL"
    ),
    of_due_cases!("UPDATE hotline_actions SET note = NULL"),
    of_due_cases!("UPDATE hotline_case_events SET note = NULL"),
    of_due_cases!("DELETE FROM hotline_attachments"),
];

impl Store {
    /// Anonymises, at `now_ms`, every case closed before `closed_before_ms` that is not under
    /// legal hold and not anonymised yet; returns how many.
    ///
    /// Their reports lose the identity fields (reporter's and child's name and contact) and the
    /// free texts that may name someone (description, suspect accounts, URLs, the platform's
    /// reference and the sender's idempotency key, which is often that reference); the notes of their actions and events, and their attachments, are deleted.
    /// What statistics count stays: channel, category, subtype, age band, gender, province,
    /// platform, times, actions and clocks. One transaction.
    pub async fn anonymise_closed_cases(
        &self,
        closed_before_ms: i64,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        for forget in FORGET {
            sqlx::query(forget)
                .bind(closed_before_ms)
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query(concat!(
            "UPDATE hotline_cases SET anonymised_ms = ?2, hold_reason = NULL WHERE id IN (",
            due!(),
            ")"
        ))
        .bind(closed_before_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
