//! What the console tells a hotline user: overdue clocks and complaints waiting too long in the
//! queue (supervisors), and due follow-ups (the case's operator).

use lachan_store::hotline::{Notification, QueueNotice};

use super::scope::hotline_scope;
use crate::ops::OpError;
use crate::principal::Principal;
use crate::state::AppState;

/// The newest notifications for `who` (at most `limit`, 1 to 500): theirs, and the
/// supervisors' ones for supervisors; only unread ones when `unread_only`.
pub async fn list_notifications(
    state: &AppState,
    who: &Principal,
    unread_only: bool,
    limit: u32,
) -> Result<Vec<Notification>, OpError> {
    let scope = hotline_scope(who)?;
    Ok(state
        .store
        .notifications(
            &scope.hotline,
            &scope.username,
            scope.supervisor,
            unread_only,
            limit.clamp(1, 500),
        )
        .await?)
}

/// The newest notices of complaints waiting untriaged in the queue of `who`'s hotline (at most
/// `limit`, 1 to 500; only unread ones when `unread_only`), for supervisors only: operators
/// get an empty list (the queue itself shows them what waits).
pub async fn list_queue_notices(
    state: &AppState,
    who: &Principal,
    unread_only: bool,
    limit: u32,
) -> Result<Vec<QueueNotice>, OpError> {
    let scope = hotline_scope(who)?;
    if !scope.supervisor {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .queue_notices(&scope.hotline, unread_only, limit.clamp(1, 500))
        .await?)
}

/// Marks notification `id` of `who` read.
pub async fn mark_notification_read(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> Result<(), OpError> {
    let scope = hotline_scope(who)?;
    let marked = state
        .store
        .mark_notification_read(
            id,
            &scope.hotline,
            &scope.username,
            scope.supervisor,
            state.now().as_millisecond(),
        )
        .await?;
    if marked {
        Ok(())
    } else {
        Err(OpError::NotFound(format!("unread notification {id}")))
    }
}
