//! The case workflow: which [`CaseStatus`] a case may move to, and what a move must carry.
//!
//! ```text
//! new → triaged → in_intervention | referred | follow_up | closed
//! in_intervention → referred | follow_up | closed
//! referred → in_intervention | follow_up | closed
//! follow_up → in_intervention | referred | closed
//! closed → triaged   (reopen: supervisors only, with a reason)
//! ```
//!
//! A move to `closed` needs a [`CloseReason`]; a reopen needs a free-text reason; other moves take
//! an optional note. Who may reopen is the caller's decision (the server checks the role).

use crate::{CaseStatus, CloseReason};

/// A move the workflow refuses, saying what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The workflow has no such move.
    #[error("a case cannot move from {from} to {to}; from {from} it can move to: {}", list(.allowed))]
    NotAllowed {
        /// The current status.
        from: CaseStatus,
        /// The status asked for.
        to: CaseStatus,
        /// Where the case can go from `from`.
        allowed: &'static [CaseStatus],
    },
    /// A move to `closed` without a reason.
    #[error(
        "closing a case needs a close reason: one of {}",
        list(CloseReason::ALL)
    )]
    MissingCloseReason,
    /// A close reason given with a move that does not close the case.
    #[error("a close reason ({reason}) only goes with a move to closed, not to {to}; leave it out")]
    UnexpectedCloseReason {
        /// The reason given.
        reason: CloseReason,
        /// The status asked for.
        to: CaseStatus,
    },
    /// A reopen by someone who may not reopen.
    #[error("only a supervisor can reopen a closed case; ask a supervisor of the hotline")]
    ReopenForbidden,
    /// A reopen with a blank note.
    #[error("reopening a closed case needs a reason; write why in the note")]
    MissingReopenReason,
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every status a case in `from` may move to, in workflow order (for the status form).
pub fn targets(from: CaseStatus) -> &'static [CaseStatus] {
    use CaseStatus::*;
    match from {
        New => &[Triaged],
        Triaged => &[InIntervention, Referred, FollowUp, Closed],
        InIntervention => &[Referred, FollowUp, Closed],
        Referred => &[InIntervention, FollowUp, Closed],
        FollowUp => &[InIntervention, Referred, Closed],
        Closed => &[Triaged],
    }
}

/// True when moving `from` → `to` reopens a closed case.
pub fn is_reopen(from: CaseStatus, to: CaseStatus) -> bool {
    from == CaseStatus::Closed && to == CaseStatus::Triaged
}

/// Checks that the workflow has the move `from` → `to` (the graph only; see [`check_move`] for
/// reasons and the reopen right).
pub fn next(from: CaseStatus, to: CaseStatus) -> Result<(), WorkflowError> {
    let allowed = targets(from);
    if allowed.contains(&to) {
        Ok(())
    } else {
        Err(WorkflowError::NotAllowed { from, to, allowed })
    }
}

/// Checks a whole status change: the move exists ([`next`]), a close carries a
/// `close_reason` and nothing else does, and a reopen is made by someone with `may_reopen`
/// (a supervisor) with a non-blank `note`.
pub fn check_move(
    from: CaseStatus,
    to: CaseStatus,
    close_reason: Option<CloseReason>,
    note: &str,
    may_reopen: bool,
) -> Result<(), WorkflowError> {
    next(from, to)?;
    match (to, close_reason) {
        (CaseStatus::Closed, None) => return Err(WorkflowError::MissingCloseReason),
        (CaseStatus::Closed, Some(_)) | (_, None) => {}
        (to, Some(reason)) => return Err(WorkflowError::UnexpectedCloseReason { reason, to }),
    }
    if is_reopen(from, to) {
        if !may_reopen {
            return Err(WorkflowError::ReopenForbidden);
        }
        if note.trim().is_empty() {
            return Err(WorkflowError::MissingReopenReason);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    /// The contract's table, written out pair by pair.
    fn expected(from: CaseStatus, to: CaseStatus) -> bool {
        matches!(
            (from, to),
            (New, Triaged)
                | (Triaged, InIntervention | Referred | FollowUp | Closed)
                | (InIntervention, Referred | FollowUp | Closed)
                | (Referred, InIntervention | FollowUp | Closed)
                | (FollowUp, InIntervention | Referred | Closed)
                | (Closed, Triaged)
        )
    }

    #[test]
    fn every_pair_follows_the_contract() {
        let mut allowed = 0;
        for &from in CaseStatus::ALL {
            for &to in CaseStatus::ALL {
                let reason = (to == Closed).then_some(CloseReason::Resolved);
                let result = check_move(from, to, reason, "child called back", true);
                assert_eq!(
                    result.is_ok(),
                    expected(from, to),
                    "{from} -> {to}: {result:?}"
                );
                assert_eq!(next(from, to).is_ok(), expected(from, to), "{from} -> {to}");
                assert_eq!(targets(from).contains(&to), expected(from, to));
                allowed += usize::from(expected(from, to));
            }
        }
        assert_eq!(allowed, 15);
    }

    #[test]
    fn refusals_say_where_the_case_can_go() {
        let err = next(New, Closed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a case cannot move from new to closed; from new it can move to: triaged"
        );
        let err = next(Referred, Referred).unwrap_err().to_string();
        assert!(
            err.ends_with("it can move to: in_intervention, follow_up, closed"),
            "{err}"
        );
        assert!(next(Triaged, New).is_err(), "nothing goes back to new");
    }

    #[test]
    fn closing_needs_a_reason_and_only_closing_takes_one() {
        assert_eq!(
            check_move(Triaged, Closed, None, "", false),
            Err(WorkflowError::MissingCloseReason)
        );
        assert!(
            WorkflowError::MissingCloseReason
                .to_string()
                .contains("resolved, referred_out, no_contact")
        );
        assert_eq!(
            check_move(Triaged, Referred, Some(CloseReason::Duplicate), "", false),
            Err(WorkflowError::UnexpectedCloseReason {
                reason: CloseReason::Duplicate,
                to: Referred
            })
        );
        for &reason in CloseReason::ALL {
            assert_eq!(
                check_move(FollowUp, Closed, Some(reason), "", false),
                Ok(())
            );
        }
    }

    #[test]
    fn reopening_needs_the_right_and_a_reason() {
        assert!(is_reopen(Closed, Triaged));
        assert!(!is_reopen(New, Triaged));
        assert_eq!(
            check_move(Closed, Triaged, None, "new abuse reported", false),
            Err(WorkflowError::ReopenForbidden)
        );
        assert_eq!(
            check_move(Closed, Triaged, None, "  \n", true),
            Err(WorkflowError::MissingReopenReason)
        );
        assert_eq!(
            check_move(Closed, Triaged, None, "new abuse reported", true),
            Ok(())
        );
    }

    #[test]
    fn ordinary_moves_take_an_optional_note() {
        assert_eq!(check_move(New, Triaged, None, "", false), Ok(()));
        assert_eq!(
            check_move(InIntervention, FollowUp, None, "call Friday", false),
            Ok(())
        );
    }
}
