//! The audit log, for administrators.

use lachan_store::AuditEntry;

use super::{OpError, require_admin};
use crate::principal::Principal;
use crate::state::AppState;

/// Most entries listed at once.
const MAX_ENTRIES: u32 = 1000;

/// The newest audit entries (at most `limit`, up to 1000), newest first.
pub async fn audit_log(
    state: &AppState,
    who: &Principal,
    limit: u32,
) -> Result<Vec<AuditEntry>, OpError> {
    require_admin(who, "read the audit log")?;
    Ok(state.store.audit_log(limit.clamp(1, MAX_ENTRIES)).await?)
}
