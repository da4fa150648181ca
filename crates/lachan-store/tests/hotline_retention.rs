//! Anonymisation of old closed cases: the people in them are forgotten (identity fields, free
//! texts, notes, attachments), cases on legal hold, still open or closed too recently are not
//! touched, and the statistics stay exactly as they were.

mod hotline_support;

use hotline_support::{DAY, HOUR, T0, book, by_test, new_case, varied};
use lachan_hotline::{ActionKind, CaseStatus, CloseReason, Dimension, Period, Risk};
use lachan_store::hotline::{
    Attachment, AttachmentMeta, HotlineError, Identity, NewAction, StatsQuery, StatusChange,
};
use lachan_store::{NewReport, Store, StoreError};

const CASES: usize = 40;

/// Files the varied reports, opens a case of every fourth one with the three after it, adds
/// an action with a note and an attachment to each case, and closes all but the last four on
/// day 2 (`legal hold` on every fifth). Returns the case ids.
async fn cases(store: &Store) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..CASES * 4 {
        let report = NewReport {
            idempotency_key: Some(format!("zalo-ref-{i}")),
            platform_reference: Some(format!("zalo-ref-{i}")),
            ..varied(i)
        };
        store.file_report(&report).await.unwrap();
    }
    let queue = store.queue("111", 1000).await.unwrap();
    for (n, four) in queue.chunks(4).enumerate() {
        let reports: Vec<i64> = four.iter().map(|r| r.id).collect();
        let opened = four[3].filed.created_ms;
        let id = store
            .open_case(&new_case(opened, &reports, Risk::High), book(), &by_test())
            .await
            .unwrap();
        let note = NewAction {
            case_id: id,
            actor: "tvv-lan".into(),
            kind: ActionKind::Counselling,
            authority_id: None,
            note: Some(format!("Đã nói chuyện với em {n} và mẹ em")),
            due_ms: None,
            now_ms: opened + HOUR,
        };
        store.add_action(&note, book(), &by_test()).await.unwrap();
        let attachment = Attachment {
            meta: AttachmentMeta {
                id: 0,
                case_id: id,
                created_ms: opened + HOUR,
                actor: "tvv-lan".into(),
                filename: format!("tin-nhan-{n}.png"),
                media_type: "image/png".into(),
                size: 3,
                sha256: "0f".repeat(32),
            },
            nonce: vec![n as u8; 24],
            ciphertext: vec![1, 2, 3, n as u8],
        };
        store.add_attachment(&attachment, &by_test()).await.unwrap();
        if n < CASES - 4 {
            let close = StatusChange {
                to: CaseStatus::Closed,
                close_reason: Some(CloseReason::Resolved),
                note: format!("Em {n} đã an toàn"),
                may_reopen: false,
            };
            store
                .set_case_status(id, "tvv-lan", &close, T0 + 8 * DAY + n as i64, &by_test())
                .await
                .unwrap();
        }
        if n.is_multiple_of(5) {
            store
                .set_legal_hold(
                    id,
                    "gs-hoa",
                    true,
                    "Công an đề nghị giữ hồ sơ",
                    T0 + 9 * DAY,
                    &by_test(),
                )
                .await
                .unwrap();
        }
        ids.push(id);
    }
    ids
}

fn stats_query() -> StatsQuery {
    StatsQuery {
        hotline: "111".into(),
        from_ms: T0,
        to_ms: T0 + 20 * DAY,
        period: Period::Day,
        now_ms: T0 + 400 * DAY,
    }
}

#[tokio::test]
async fn old_closed_cases_forget_people_and_keep_their_statistics() {
    let store = hotline_support::store().await;
    let ids = cases(&store).await;
    let before = store.hotline_stats(&stats_query()).await.unwrap();
    let cutoff = T0 + 8 * DAY + 20; // cases 0..20 closed before it

    let now = T0 + 400 * DAY;
    let done = store.anonymise_closed_cases(cutoff, now).await.unwrap();
    // Closed before the cutoff: 0..20; held: 0, 5, 10, 15.
    assert_eq!(done, 16);
    assert_eq!(
        store.anonymise_closed_cases(cutoff, now + 1).await.unwrap(),
        0,
        "once"
    );

    for (n, &id) in ids.iter().enumerate() {
        let case = store.case(id).await.unwrap().unwrap();
        let expected = n < 20 && !n.is_multiple_of(5);
        assert_eq!(case.anonymised_ms.is_some(), expected, "case {n}");
        let reports = store.reports_of_case(id).await.unwrap();
        assert_eq!(reports.len(), 4);
        let actions = store.actions_of_case(id).await.unwrap();
        let attachments = store.attachments_of_case(id).await.unwrap();
        let events = store.case_events(id).await.unwrap();
        if expected {
            assert_eq!(case.anonymised_ms, Some(now));
            for r in &reports {
                assert_eq!(r.filed.identity, Identity::default(), "case {n}");
                assert_eq!(r.filed.description, None);
                assert!(r.filed.accounts.is_empty() && r.filed.urls.is_empty());
                assert_eq!(r.filed.platform_reference, None, "case {n}");
                assert_eq!(r.filed.idempotency_key, None, "case {n}");
                let original = varied(((r.filed.created_ms - T0) / (37 * 60_000)) as usize);
                let kept = |f: &lachan_store::NewReport| {
                    let place = (f.province.clone(), f.platform.clone(), f.hashes.clone());
                    (
                        f.source,
                        f.category,
                        f.subtype,
                        f.age_band,
                        f.gender,
                        place,
                        f.created_ms,
                    )
                };
                assert_eq!(kept(&r.filed), kept(&original), "case {n}");
            }
            assert_eq!(actions[0].note, None);
            assert!(events.iter().all(|e| e.note.is_none()));
            assert!(attachments.is_empty());
            assert_eq!(store.attachment(id, 1).await.unwrap(), None);
        } else {
            assert!(
                reports
                    .iter()
                    .all(|r| r.filed.identity.child_name.is_some())
            );
            assert!(reports.iter().all(|r| r.filed.description.is_some()));
            assert!(reports.iter().all(|r| r.filed.idempotency_key.is_some()));
            assert!(actions[0].note.is_some());
            assert_eq!(attachments.len(), 1);
        }
        // What statistics count stays.
        assert_eq!(case.status == CaseStatus::Closed, n < CASES - 4);
        assert_eq!(actions[0].kind, ActionKind::Counselling);
    }

    let after = store.hotline_stats(&stats_query()).await.unwrap();
    assert_eq!(after, before, "anonymising changes no statistic");
    assert!(!after.totals(Dimension::Province).is_empty());

    // An anonymised case cannot be reopened.
    let reopen = StatusChange {
        to: CaseStatus::Triaged,
        close_reason: None,
        note: "Trẻ gọi lại".into(),
        may_reopen: true,
    };
    match store
        .set_case_status(ids[1], "gs-hoa", &reopen, now, &by_test())
        .await
    {
        Err(StoreError::Hotline(HotlineError::CaseAnonymised(id))) => assert_eq!(id, ids[1]),
        other => panic!("reopened an anonymised case: {other:?}"),
    }
    // Lifting a hold lets the case go at the next round.
    store
        .set_legal_hold(ids[0], "gs-hoa", false, "", now, &by_test())
        .await
        .unwrap();
    assert_eq!(
        store.anonymise_closed_cases(cutoff, now + 2).await.unwrap(),
        1
    );
}
