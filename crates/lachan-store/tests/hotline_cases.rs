//! Hotline cases through the store: triage moves reports of the queue into a case atomically,
//! with its events; the workflow's moves, reasons and reopen right are enforced; closed cases
//! change only by reopening or legal hold.

mod hotline_support;

use hotline_support::{HOUR, T0, book, bullying, by_test, new_case, platform_report, store};
use lachan_hotline::{CaseStatus, Channel, CloseReason, Risk, WorkflowError};
use lachan_store::hotline::{
    CaseEventKind, CaseFilter, HotlineError, NewAction, NewReport, StatusChange,
};
use lachan_store::{AuditNote, ReportStatus, Store, StoreError};

/// The hotline refusal inside `result`.
fn refusal<T: std::fmt::Debug>(result: Result<T, StoreError>) -> HotlineError {
    match result {
        Err(StoreError::Hotline(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn move_to(to: CaseStatus, close_reason: Option<CloseReason>, note: &str) -> StatusChange {
    StatusChange {
        to,
        close_reason,
        note: note.into(),
        may_reopen: false,
    }
}

async fn file(store: &Store, report: &NewReport) -> i64 {
    store.file_report(report).await.unwrap().id
}

#[tokio::test]
async fn triage_moves_reports_into_a_new_case_with_its_events() {
    let store = store().await;
    let form = file(&store, &bullying(T0, Channel::WebForm)).await;
    let call = file(&store, &bullying(T0 + HOUR, Channel::Phone)).await;
    let other = file(&store, &bullying(T0 + HOUR, Channel::Zalo)).await;

    let case_id = store
        .open_case(
            &new_case(T0 + 2 * HOUR, &[call, form, call], Risk::High),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let case = store.case(case_id).await.unwrap().unwrap();
    assert_eq!(case.status, CaseStatus::Triaged);
    assert_eq!(case.risk, Risk::High);
    assert_eq!(case.assignee.as_deref(), Some("tvv-lan"));
    assert_eq!(
        (case.created_ms, case.updated_ms),
        (T0 + 2 * HOUR, T0 + 2 * HOUR)
    );
    assert!(!case.legal_hold && case.closed_ms.is_none());

    let reports = store.reports_of_case(case_id).await.unwrap();
    let ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
    assert_eq!(ids, [form, call]);
    assert!(reports.iter().all(|r| r.status == ReportStatus::Triaged));
    let queue: Vec<i64> = store
        .queue("111", 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(queue, [other]);

    let events = store.case_events(case_id).await.unwrap();
    let kinds: Vec<CaseEventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            CaseEventKind::Opened,
            CaseEventKind::Risk,
            CaseEventKind::Assignee
        ]
    );
    assert_eq!(
        events[0].note.as_deref(),
        Some(format!("reports {form}, {call}").as_str())
    );
    assert_eq!(events[1].to_value.as_deref(), Some("high"));
    assert!(
        events
            .iter()
            .all(|e| e.actor == "gs-hoa" && e.time_ms == T0 + 2 * HOUR)
    );

    // Joining adds the other report.
    store
        .join_case(
            case_id,
            "tvv-lan",
            &[other],
            T0 + 3 * HOUR,
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    assert_eq!(store.reports_of_case(case_id).await.unwrap().len(), 3);
    assert!(store.queue("111", 10).await.unwrap().is_empty());
    let joined = store.case_events(case_id).await.unwrap().pop().unwrap();
    assert_eq!(joined.kind, CaseEventKind::ReportsJoined);
    assert_eq!(
        store.case(case_id).await.unwrap().unwrap().updated_ms,
        T0 + 3 * HOUR
    );
}

#[tokio::test]
async fn triage_is_all_or_nothing() {
    let store = store().await;
    let taken = file(&store, &bullying(T0, Channel::Phone)).await;
    let waiting = file(&store, &bullying(T0, Channel::Phone)).await;
    let elsewhere = file(
        &store,
        &NewReport {
            hotline: "da-nang".into(),
            ..bullying(T0, Channel::Phone)
        },
    )
    .await;
    let case_id = store
        .open_case(
            &new_case(T0 + HOUR, &[taken], Risk::Medium),
            book(),
            &by_test(),
        )
        .await
        .unwrap();

    let at = T0 + 2 * HOUR;
    assert_eq!(
        refusal(
            store
                .open_case(
                    &new_case(at, &[waiting, taken], Risk::Low),
                    book(),
                    &by_test()
                )
                .await
        ),
        HotlineError::ReportInCase {
            report: taken,
            case: case_id
        }
    );
    assert_eq!(
        refusal(
            store
                .open_case(
                    &new_case(at, &[waiting, elsewhere], Risk::Low),
                    book(),
                    &by_test()
                )
                .await
        ),
        HotlineError::ReportOfOtherHotline(elsewhere)
    );
    assert_eq!(
        refusal(
            store
                .open_case(
                    &new_case(at, &[waiting, 999], Risk::Low),
                    book(),
                    &by_test()
                )
                .await
        ),
        HotlineError::NoSuchReport(999)
    );
    assert_eq!(
        refusal(
            store
                .open_case(&new_case(at, &[], Risk::Low), book(), &by_test())
                .await
        ),
        HotlineError::NoReports
    );
    let mut untitled = new_case(at, &[waiting], Risk::Low);
    untitled.title = "  ".into();
    assert_eq!(
        refusal(store.open_case(&untitled, book(), &by_test()).await),
        HotlineError::Empty("title")
    );
    assert_eq!(
        refusal(
            store
                .join_case(999, "gs-hoa", &[waiting], at, book(), &by_test())
                .await
        ),
        HotlineError::NoSuchCase(999)
    );

    // Nothing of the refused triages was kept.
    let all = CaseFilter {
        hotline: "111".into(),
        assignee: None,
        status: None,
        open_only: false,
        limit: 100,
    };
    assert_eq!(store.cases(&all).await.unwrap().len(), 1);
    let queue: Vec<i64> = store
        .queue("111", 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(queue, [waiting]);
}

#[tokio::test]
async fn the_workflow_is_enforced_with_its_reasons() {
    let store = store().await;
    let report = file(&store, &platform_report(T0, 3, "w-1")).await;
    let id = store
        .open_case(&new_case(T0, &[report], Risk::Medium), book(), &by_test())
        .await
        .unwrap();
    let at = |h: i64| T0 + h * HOUR;

    store
        .set_case_status(
            id,
            "tvv-lan",
            &move_to(CaseStatus::Referred, None, ""),
            at(1),
            &by_test(),
        )
        .await
        .unwrap();
    assert!(matches!(
        refusal(
            store
                .set_case_status(
                    id,
                    "tvv-lan",
                    &move_to(CaseStatus::Triaged, None, ""),
                    at(2),
                    &by_test()
                )
                .await
        ),
        HotlineError::Workflow(WorkflowError::NotAllowed { .. })
    ));
    assert_eq!(
        refusal(
            store
                .set_case_status(
                    id,
                    "tvv-lan",
                    &move_to(CaseStatus::Closed, None, ""),
                    at(2),
                    &by_test()
                )
                .await
        ),
        HotlineError::Workflow(WorkflowError::MissingCloseReason)
    );
    let close = move_to(
        CaseStatus::Closed,
        Some(CloseReason::ReferredOut),
        "Công an phường nhận xử lý",
    );
    store
        .set_case_status(id, "tvv-lan", &close, at(3), &by_test())
        .await
        .unwrap();
    let closed = store.case(id).await.unwrap().unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);
    assert_eq!(closed.close_reason, Some(CloseReason::ReferredOut));
    assert_eq!(closed.closed_ms, Some(at(3)));
    let event = store.case_events(id).await.unwrap().pop().unwrap();
    assert_eq!(event.kind, CaseEventKind::Status);
    assert_eq!(event.from_value.as_deref(), Some("referred"));
    assert_eq!(event.to_value.as_deref(), Some("closed"));
    assert_eq!(event.reason, Some(CloseReason::ReferredOut));
    assert_eq!(event.note.as_deref(), Some("Công an phường nhận xử lý"));

    // A closed case changes only by a reopen (or a legal hold).
    assert_eq!(
        refusal(
            store
                .set_case_risk(id, "tvv-lan", Risk::High, "", at(4), book(), &by_test())
                .await
        ),
        HotlineError::CaseClosed(id)
    );
    assert_eq!(
        refusal(
            store
                .assign_case(id, "gs-hoa", None, at(4), &by_test())
                .await
        ),
        HotlineError::CaseClosed(id)
    );
    let counselling = NewAction {
        case_id: id,
        actor: "tvv-lan".into(),
        kind: lachan_hotline::ActionKind::Counselling,
        authority_id: None,
        note: None,
        due_ms: None,
        now_ms: at(4),
    };
    assert_eq!(
        refusal(store.add_action(&counselling, book(), &by_test()).await),
        HotlineError::CaseClosed(id)
    );
    store
        .set_legal_hold(
            id,
            "gs-hoa",
            true,
            "Tòa án yêu cầu lưu hồ sơ",
            at(4),
            &by_test(),
        )
        .await
        .unwrap();

    let mut reopen = move_to(CaseStatus::Triaged, None, "Trẻ gọi lại, bị đe dọa tiếp");
    assert_eq!(
        refusal(
            store
                .set_case_status(id, "tvv-lan", &reopen, at(5), &by_test())
                .await
        ),
        HotlineError::Workflow(WorkflowError::ReopenForbidden)
    );
    reopen.may_reopen = true;
    reopen.note = " ".into();
    assert_eq!(
        refusal(
            store
                .set_case_status(id, "gs-hoa", &reopen, at(5), &by_test())
                .await
        ),
        HotlineError::Workflow(WorkflowError::MissingReopenReason)
    );
    reopen.note = "Trẻ gọi lại, bị đe dọa tiếp".into();
    store
        .set_case_status(id, "gs-hoa", &reopen, at(5), &by_test())
        .await
        .unwrap();
    let reopened = store.case(id).await.unwrap().unwrap();
    assert_eq!(reopened.status, CaseStatus::Triaged);
    assert_eq!((reopened.close_reason, reopened.closed_ms), (None, None));
    assert!(reopened.legal_hold);
    assert_eq!(reopened.updated_ms, at(5));
}

#[tokio::test]
async fn assignment_risk_and_hold_are_recorded_once_per_change() {
    let store = store().await;
    let report = file(&store, &bullying(T0, Channel::Phone)).await;
    let id = store
        .open_case(&new_case(T0, &[report], Risk::Low), book(), &by_test())
        .await
        .unwrap();
    let before = store.case_events(id).await.unwrap().len();

    store
        .assign_case(id, "gs-hoa", Some("tvv-minh"), T0 + 1, &by_test())
        .await
        .unwrap();
    store
        .assign_case(id, "gs-hoa", Some("tvv-minh"), T0 + 2, &by_test())
        .await
        .unwrap();
    store
        .set_case_risk(
            id,
            "tvv-minh",
            Risk::Medium,
            "Có ảnh bị phát tán",
            T0 + 3,
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    store
        .set_case_risk(id, "tvv-minh", Risk::Medium, "", T0 + 4, book(), &by_test())
        .await
        .unwrap();
    assert_eq!(
        refusal(
            store
                .set_legal_hold(id, "gs-hoa", true, "", T0 + 5, &by_test())
                .await
        ),
        HotlineError::Empty("reason for the legal hold")
    );
    store
        .set_legal_hold(id, "gs-hoa", true, "Điều tra", T0 + 5, &by_test())
        .await
        .unwrap();
    store
        .set_legal_hold(id, "gs-hoa", false, "", T0 + 6, &by_test())
        .await
        .unwrap();

    let events = store.case_events(id).await.unwrap();
    let added: Vec<(CaseEventKind, Option<&str>, Option<&str>)> = events[before..]
        .iter()
        .map(|e| (e.kind, e.from_value.as_deref(), e.to_value.as_deref()))
        .collect();
    assert_eq!(
        added,
        [
            (CaseEventKind::Assignee, Some("tvv-lan"), Some("tvv-minh")),
            (CaseEventKind::Risk, Some("low"), Some("medium")),
            (CaseEventKind::Hold, Some("released"), Some("held")),
            (CaseEventKind::Hold, Some("held"), Some("released")),
        ]
    );
    let case = store.case(id).await.unwrap().unwrap();
    assert_eq!(case.assignee.as_deref(), Some("tvv-minh"));
    assert!(!case.legal_hold);
    assert_eq!(case.hold_reason.as_deref(), Some("Điều tra"));

    let mine = CaseFilter {
        hotline: "111".into(),
        assignee: Some("tvv-minh".into()),
        status: None,
        open_only: true,
        limit: 10,
    };
    assert_eq!(store.cases(&mine).await.unwrap().len(), 1);
    let theirs = CaseFilter {
        assignee: Some("tvv-lan".into()),
        ..mine.clone()
    };
    assert!(store.cases(&theirs).await.unwrap().is_empty());
    let closed = CaseFilter {
        status: Some(CaseStatus::Closed),
        ..mine
    };
    assert!(store.cases(&closed).await.unwrap().is_empty());
}

#[tokio::test]
async fn case_changes_write_their_audit_entries_in_their_own_transaction() {
    let store = store().await;
    let report = file(&store, &bullying(T0, Channel::Phone)).await;
    let opened = AuditNote::new("tvv-lan", "case open", "reports 1; risk high");
    let id = store
        .open_case(&new_case(T0 + HOUR, &[report], Risk::High), book(), &opened)
        .await
        .unwrap();
    let status = AuditNote::new("tvv-lan", "case status", "triaged → in_intervention");
    let change = move_to(CaseStatus::InIntervention, None, "");
    store
        .set_case_status(id, "tvv-lan", &change, T0 + 2 * HOUR, &status)
        .await
        .unwrap();
    // A refused move rolls back with its entry: no entry without its change.
    let refused = AuditNote::new("tvv-lan", "case status", "in_intervention → closed");
    let close = move_to(CaseStatus::Closed, None, "");
    assert_eq!(
        refusal(
            store
                .set_case_status(id, "tvv-lan", &close, T0 + 3 * HOUR, &refused)
                .await
        ),
        HotlineError::Workflow(WorkflowError::MissingCloseReason)
    );

    let object = format!("case:{id}");
    let mut entries = store.audit_entries_for(&object, 10).await.unwrap();
    entries.reverse();
    let written: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.time_ms,
                e.actor.as_str(),
                e.action.as_str(),
                e.object.as_str(),
                e.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        written,
        [
            (
                T0 + HOUR,
                "tvv-lan",
                "case open",
                object.as_str(),
                "reports 1; risk high"
            ),
            (
                T0 + 2 * HOUR,
                "tvv-lan",
                "case status",
                object.as_str(),
                "triaged → in_intervention"
            ),
        ]
    );
    let verified = store.verify_audit().await.unwrap();
    assert!(verified.is_intact(), "{verified:?}");
    // The report's `report filed` entry, then the case's two.
    assert_eq!(verified.entries, 3);
}
