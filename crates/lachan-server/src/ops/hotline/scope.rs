//! Who reaches what of the hotline: the principal's [`HotlineScope`], and the cases and
//! reports it may see.

use lachan_store::Role;
use lachan_store::hotline::{CaseRecord, Report};
use serde::Serialize;

use super::store_error;
use crate::ops::OpError;
use crate::principal::Principal;
use crate::state::AppState;

/// What of the hotline a principal reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotlineScope {
    /// The hotline they work for.
    pub hotline: String,
    /// Their username, as cases name their operator.
    pub username: String,
    /// Whether they supervise the hotline (a supervisor, or an administrator with a hotline):
    /// every case and report, reopening, legal hold and assignment.
    pub supervisor: bool,
}

impl HotlineScope {
    /// Whether they may reopen closed cases.
    pub fn may_reopen(&self) -> bool {
        self.supervisor
    }

    /// Whether they may place and lift legal holds.
    pub fn may_hold(&self) -> bool {
        self.supervisor
    }

    /// Whether they may assign cases to operators.
    pub fn may_assign(&self) -> bool {
        self.supervisor
    }

    /// Whether they may read case `case` (not checking its hotline): supervisors every case,
    /// operators theirs.
    fn sees(&self, case: &CaseRecord) -> bool {
        case.hotline == self.hotline
            && (self.supervisor || case.assignee.as_deref() == Some(self.username.as_str()))
    }
}

/// The hotline `who` works for: operators and supervisors their own; administrators the one
/// they also supervise. Everyone else (guardians, platforms, administrators without a
/// hotline) is refused.
pub fn hotline_scope(who: &Principal) -> Result<HotlineScope, OpError> {
    let supervisor = match who.role {
        Role::Operator => false,
        Role::Supervisor | Role::Admin => true,
        Role::Guardian | Role::Platform => {
            return Err(OpError::Forbidden(format!(
                "the hotline's cases and reports are for its operators and supervisors; a \
                 {} cannot read them",
                who.role
            )));
        }
    };
    let hotline = who
        .hotline
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty());
    let Some(hotline) = hotline else {
        return Err(OpError::Forbidden(
            "you administer this Lachan but supervise no hotline, so case contents are not \
             shown to you; an administrator can give your account a hotline to supervise"
                .into(),
        ));
    };
    Ok(HotlineScope {
        hotline: hotline.to_string(),
        username: who.actor.clone(),
        supervisor,
    })
}

/// A person working for a hotline, for the supervisors' "assign to" choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffView {
    /// Their username.
    pub username: String,
    /// `operator`, `supervisor`, or `admin` for an administrator who supervises the hotline.
    pub role: Role,
}

/// The people who work for `who`'s hotline (operators, supervisors, administrators who
/// supervise it), by username: for supervisors, who assign cases.
pub async fn hotline_staff(state: &AppState, who: &Principal) -> Result<Vec<StaffView>, OpError> {
    let scope = hotline_scope(who)?;
    if !scope.may_assign() {
        return Err(OpError::Forbidden(
            "only supervisors assign cases, so only they list the hotline's staff".into(),
        ));
    }
    let mut staff: Vec<StaffView> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| {
            matches!(u.role, Role::Operator | Role::Supervisor | Role::Admin)
                && u.hotline.as_deref() == Some(scope.hotline.as_str())
        })
        .map(|u| StaffView {
            username: u.username,
            role: u.role,
        })
        .collect();
    staff.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(staff)
}

/// Case `id` if `scope` may see it; otherwise not found, as if it did not exist.
pub(super) async fn visible_case(
    state: &AppState,
    scope: &HotlineScope,
    id: i64,
) -> Result<CaseRecord, OpError> {
    match state.store.case(id).await.map_err(store_error)? {
        Some(case) if scope.sees(&case) => Ok(case),
        _ => Err(OpError::NotFound(format!("case {id}"))),
    }
}

/// Report `id` if `scope` may see it, with whether its identity fields are shown: supervisors
/// see every report of their hotline in full; operators the reports waiting in the queue
/// without identity, and the reports of their cases in full. Otherwise not found.
pub(super) async fn visible_report(
    state: &AppState,
    scope: &HotlineScope,
    id: i64,
) -> Result<(Report, bool), OpError> {
    let not_found = || OpError::NotFound(format!("report {id}"));
    let report = state
        .store
        .report(id)
        .await
        .map_err(store_error)?
        .filter(|r| r.filed.hotline == scope.hotline)
        .ok_or_else(not_found)?;
    if scope.supervisor {
        return Ok((report, true));
    }
    match report.case_id {
        None => Ok((report.redacted(), false)),
        Some(case_id) => {
            visible_case(state, scope, case_id)
                .await
                .map_err(|_| not_found())?;
            Ok((report, true))
        }
    }
}
