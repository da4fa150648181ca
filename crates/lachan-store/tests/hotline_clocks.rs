//! Legal clocks and actions through the store, by the clock rules shipped with Lachan: which
//! case changes start and meet the emergency, takedown and complaint clocks; authorities an
//! action may go to; overdue clocks and due follow-ups notify once.

mod hotline_support;

use hotline_support::{
    DAY, HOUR, T0, authority, book, bullying, by_test, new_case, platform_report, store,
};
use lachan_hotline::{
    ActionKind, ActionOutcome, AuthorityKind, AuthorityMismatch, CaseStatus, Channel, ClockStatus,
    CloseReason, Risk,
};
use lachan_store::hotline::{
    Audience, ClockRecord, HotlineError, NewAction, NotificationKind, StatusChange,
};
use lachan_store::{Store, StoreError};

fn action(case_id: i64, kind: ActionKind, authority_id: Option<i64>, at: i64) -> NewAction {
    NewAction {
        case_id,
        actor: "tvv-lan".into(),
        kind,
        authority_id,
        note: Some("Đã gọi điện cho phụ huynh".into()),
        due_ms: None,
        now_ms: at,
    }
}

/// The case's clocks of `rule`.
async fn clocks(store: &Store, case_id: i64, rule: &str) -> Vec<ClockRecord> {
    let all = store.clocks_of_case(case_id).await.unwrap();
    all.into_iter().filter(|c| c.rule == rule).collect()
}

fn refusal<T: std::fmt::Debug>(result: Result<T, StoreError>) -> HotlineError {
    match result {
        Err(StoreError::Hotline(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Opens a case of `risk` at T0 from one platform report (token 3) filed at T0 under `key`;
/// returns the case's id.
async fn case_of_platform_report(store: &Store, key: &str, risk: Risk) -> i64 {
    let report = store
        .file_report(&platform_report(T0, 3, key))
        .await
        .unwrap()
        .id;
    store
        .open_case(&new_case(T0, &[report], risk), book(), &by_test())
        .await
        .unwrap()
}

#[tokio::test]
async fn opening_starts_the_complaint_clock_from_receipt_and_the_emergency_clock_now() {
    let store = store().await;
    let platform = store
        .file_report(&platform_report(T0, 3, "p"))
        .await
        .unwrap()
        .id;
    let form = store
        .file_report(&bullying(T0 + HOUR, Channel::WebForm))
        .await
        .unwrap()
        .id;
    let call = store
        .file_report(&bullying(T0 + 2 * HOUR, Channel::Phone))
        .await
        .unwrap()
        .id;
    let opened = T0 + 5 * HOUR;
    let id = store
        .open_case(
            &new_case(opened, &[platform, call, form], Risk::Emergency),
            book(),
            &by_test(),
        )
        .await
        .unwrap();

    let complaint = clocks(&store, id, "complaint").await;
    assert_eq!(complaint.len(), 1);
    assert_eq!(
        complaint[0].started_ms,
        T0 + HOUR,
        "from the first complaint's receipt"
    );
    assert_eq!(complaint[0].due_ms, T0 + 49 * HOUR);
    let emergency = clocks(&store, id, "emergency_intervention").await;
    assert_eq!(emergency.len(), 1);
    assert_eq!(
        (emergency[0].started_ms, emergency[0].due_ms),
        (opened, opened + 12 * HOUR)
    );
    assert!(clocks(&store, id, "takedown").await.is_empty());
    assert!(matches!(
        emergency[0].state().status(opened + 10 * HOUR),
        ClockStatus::DueSoon { .. }
    ));

    // A platform's report alone starts no complaint clock, and a high risk no emergency one.
    let other = store
        .file_report(&platform_report(T0, 3, "q"))
        .await
        .unwrap()
        .id;
    let quiet = store
        .open_case(&new_case(opened, &[other], Risk::High), book(), &by_test())
        .await
        .unwrap();
    assert!(store.clocks_of_case(quiet).await.unwrap().is_empty());
    // A complaint joining it later starts the complaint clock then, once.
    let later = store
        .file_report(&bullying(T0 + 6 * HOUR, Channel::Zalo))
        .await
        .unwrap()
        .id;
    let again = store
        .file_report(&bullying(T0 + 7 * HOUR, Channel::Email))
        .await
        .unwrap()
        .id;
    store
        .join_case(
            quiet,
            "tvv-lan",
            &[later],
            T0 + 8 * HOUR,
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    store
        .join_case(
            quiet,
            "tvv-lan",
            &[again],
            T0 + 9 * HOUR,
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let complaint = clocks(&store, quiet, "complaint").await;
    assert_eq!(complaint.len(), 1);
    assert_eq!(complaint[0].started_ms, T0 + 6 * HOUR);
}

#[tokio::test]
async fn actions_meet_their_clocks_and_takedowns_run_their_own() {
    let store = store().await;
    let platform = authority(&store, AuthorityKind::Platform).await.id;
    let police = authority(&store, AuthorityKind::PoliceCyber).await.id;
    let form = store
        .file_report(&bullying(T0, Channel::WebForm))
        .await
        .unwrap()
        .id;
    let id = store
        .open_case(
            &new_case(T0 + HOUR, &[form], Risk::Emergency),
            book(),
            &by_test(),
        )
        .await
        .unwrap();

    // The first action answers the complaint; a referral is not an emergency intervention.
    store
        .add_action(
            &action(id, ActionKind::Referral, Some(police), T0 + 2 * HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let complaint = &clocks(&store, id, "complaint").await[0];
    assert_eq!(complaint.met_ms, Some(T0 + 2 * HOUR));
    assert_eq!(complaint.state().status(T0 + DAY), ClockStatus::MetInTime);
    assert_eq!(
        clocks(&store, id, "emergency_intervention").await[0].met_ms,
        None
    );

    // Each takedown request runs a clock of its own, met only when that content is removed.
    let first = store
        .add_action(
            &action(
                id,
                ActionKind::TakedownRequest,
                Some(platform),
                T0 + 3 * HOUR,
            ),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let second = store
        .add_action(
            &action(
                id,
                ActionKind::TakedownRequest,
                Some(platform),
                T0 + 4 * HOUR,
            ),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let takedowns = clocks(&store, id, "takedown").await;
    assert_eq!(takedowns.len(), 2);
    assert_eq!(takedowns[0].action_id, Some(first));
    assert_eq!(takedowns[0].due_ms, T0 + 27 * HOUR);
    store
        .set_action_outcome(
            id,
            first,
            ActionOutcome::Refused,
            T0 + 5 * HOUR,
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    assert!(
        clocks(&store, id, "takedown")
            .await
            .iter()
            .all(|c| c.met_ms.is_none())
    );
    store
        .set_action_outcome(
            id,
            first,
            ActionOutcome::Done,
            T0 + 30 * HOUR,
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let takedowns = clocks(&store, id, "takedown").await;
    assert_eq!(takedowns[0].met_ms, Some(T0 + 30 * HOUR));
    assert_eq!(
        takedowns[0].state().status(T0 + 31 * HOUR),
        ClockStatus::MetLate
    );
    assert_eq!(takedowns[1].action_id, Some(second));
    assert_eq!(
        takedowns[1].met_ms, None,
        "the other request is still running"
    );
    assert_eq!(
        refusal(
            store
                .set_action_outcome(id, 999, ActionOutcome::Done, T0, book(), &by_test())
                .await
        ),
        HotlineError::NoSuchAction {
            case: id,
            action: 999
        }
    );

    // An emergency intervention meets the emergency clock.
    store
        .add_action(
            &action(id, ActionKind::EmergencyIntervention, None, T0 + 6 * HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let emergency = &clocks(&store, id, "emergency_intervention").await[0];
    assert_eq!(emergency.met_ms, Some(T0 + 6 * HOUR));

    let actions = store.actions_of_case(id).await.unwrap();
    let seen: Vec<(ActionKind, ActionOutcome)> =
        actions.iter().map(|a| (a.kind, a.outcome)).collect();
    assert_eq!(
        seen,
        [
            (ActionKind::Referral, ActionOutcome::Pending),
            (ActionKind::TakedownRequest, ActionOutcome::Done),
            (ActionKind::TakedownRequest, ActionOutcome::Pending),
            (ActionKind::EmergencyIntervention, ActionOutcome::Done),
        ]
    );
    assert_eq!(actions[1].outcome_ms, Some(T0 + 30 * HOUR));
    assert_eq!(actions[3].outcome_ms, Some(T0 + 6 * HOUR));
    let case = store.case(id).await.unwrap().unwrap();
    assert_eq!(
        case.updated_ms,
        T0 + 6 * HOUR,
        "the time of the last change"
    );
}

#[tokio::test]
async fn actions_go_only_to_fitting_active_authorities() {
    let store = store().await;
    let platform = authority(&store, AuthorityKind::Platform).await.id;
    let school = authority(&store, AuthorityKind::School).await.id;
    let id = case_of_platform_report(&store, "a", Risk::Medium).await;
    let at = T0 + HOUR;
    let cases = [
        (
            ActionKind::Referral,
            None,
            AuthorityMismatch::Missing(ActionKind::Referral),
        ),
        (
            ActionKind::TakedownRequest,
            None,
            AuthorityMismatch::Missing(ActionKind::TakedownRequest),
        ),
    ];
    for (kind, given, expected) in cases {
        assert_eq!(
            refusal(
                store
                    .add_action(&action(id, kind, given, at), book(), &by_test())
                    .await
            ),
            HotlineError::Authority(expected)
        );
    }
    for (kind, given) in [
        (ActionKind::Referral, platform),
        (ActionKind::TakedownRequest, school),
        (ActionKind::Counselling, school),
    ] {
        assert!(matches!(
            refusal(
                store
                    .add_action(&action(id, kind, Some(given), at), book(), &by_test())
                    .await
            ),
            HotlineError::Authority(AuthorityMismatch::WrongKind { .. })
        ));
    }
    assert_eq!(
        refusal(
            store
                .add_action(
                    &action(id, ActionKind::Referral, Some(999), at),
                    book(),
                    &by_test()
                )
                .await
        ),
        HotlineError::NoSuchAuthority(999)
    );
    assert!(
        store
            .set_authority_active(school, false, at, &by_test())
            .await
            .unwrap()
    );
    assert_eq!(
        refusal(
            store
                .add_action(
                    &action(id, ActionKind::Referral, Some(school), at),
                    book(),
                    &by_test()
                )
                .await
        ),
        HotlineError::InactiveAuthority(school)
    );
    assert_eq!(
        refusal(
            store
                .add_action(
                    &action(id, ActionKind::FollowUp, None, at),
                    book(),
                    &by_test()
                )
                .await
        ),
        HotlineError::FollowUpNeedsDue
    );
    assert!(store.actions_of_case(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_emergency_clock_runs_once_until_it_is_met() {
    let store = store().await;
    let id = case_of_platform_report(&store, "e", Risk::High).await;
    let audit = by_test();
    let risk = |r, h| store.set_case_risk(id, "gs-hoa", r, "", T0 + h * HOUR, book(), &audit);
    risk(Risk::Emergency, 1).await.unwrap();
    risk(Risk::High, 2).await.unwrap();
    risk(Risk::Emergency, 3).await.unwrap();
    let running = clocks(&store, id, "emergency_intervention").await;
    assert_eq!(
        running.len(),
        1,
        "raising it again while the clock runs starts nothing"
    );
    assert_eq!(running[0].started_ms, T0 + HOUR);

    store
        .add_action(
            &action(id, ActionKind::EmergencyIntervention, None, T0 + 4 * HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    risk(Risk::Medium, 5).await.unwrap();
    risk(Risk::Emergency, 6).await.unwrap();
    let all = clocks(&store, id, "emergency_intervention").await;
    assert_eq!(
        all.len(),
        2,
        "a new emergency after the first was met starts a new clock"
    );
    assert_eq!(all[0].met_ms, Some(T0 + 4 * HOUR));
    assert_eq!((all[1].started_ms, all[1].met_ms), (T0 + 6 * HOUR, None));
}

#[tokio::test]
async fn overdue_clocks_escalate_to_supervisors_once() {
    let store = store().await;
    let id = case_of_platform_report(&store, "o", Risk::Emergency).await;
    assert!(
        store
            .overdue_clocks(T0 + 12 * HOUR, 10)
            .await
            .unwrap()
            .is_empty(),
        "due, not late"
    );
    let overdue = store.overdue_clocks(T0 + 13 * HOUR, 10).await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].case.hotline, "111");
    assert_eq!(overdue[0].case.assignee.as_deref(), Some("tvv-lan"));
    assert_eq!(overdue[0].clock.rule, "emergency_intervention");
    let clock = overdue[0].clock.id;

    let at = T0 + 13 * HOUR;
    let note = store
        .mark_clock_escalated(clock, at, "hotline-notify-clock-overdue")
        .await
        .unwrap()
        .expect("a notification");
    assert_eq!(
        store
            .mark_clock_escalated(clock, at + 60_000, "x")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .overdue_clocks(at + HOUR, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let escalated = &store.clocks_of_case(id).await.unwrap()[0];
    assert_eq!(escalated.escalated_ms, Some(at));

    let seen = store
        .notifications("111", "gs-hoa", true, true, 10)
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].id, note);
    assert_eq!(seen[0].notice.kind, NotificationKind::ClockOverdue);
    assert_eq!(seen[0].notice.audience, Audience::Supervisors);
    assert_eq!(seen[0].notice.clock_id, Some(clock));
    assert_eq!(seen[0].notice.text_key, "hotline-notify-clock-overdue");
    assert!(
        store
            .notifications("111", "tvv-lan", false, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .notifications("da-nang", "gs-hoa", true, false, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(
        !store
            .mark_notification_read(note, "111", "tvv-lan", false, at)
            .await
            .unwrap()
    );
    assert!(
        store
            .mark_notification_read(note, "111", "gs-hoa", true, at)
            .await
            .unwrap()
    );
    assert!(
        store
            .notifications("111", "gs-hoa", true, true, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let read = store
        .notifications("111", "gs-hoa", true, false, 10)
        .await
        .unwrap();
    assert_eq!(read[0].read_ms, Some(at));
}

#[tokio::test]
async fn due_follow_ups_remind_their_operator_once() {
    let store = store().await;
    let mine = store
        .file_report(&platform_report(T0, 3, "f1"))
        .await
        .unwrap()
        .id;
    let nobodys = store
        .file_report(&platform_report(T0, 3, "f2"))
        .await
        .unwrap()
        .id;
    let assigned = store
        .open_case(&new_case(T0, &[mine], Risk::Low), book(), &by_test())
        .await
        .unwrap();
    let mut unassigned = new_case(T0, &[nobodys], Risk::Low);
    unassigned.assignee = None;
    let unassigned = store
        .open_case(&unassigned, book(), &by_test())
        .await
        .unwrap();
    for (case_id, due) in [(assigned, T0 + DAY), (unassigned, T0 + 2 * DAY)] {
        let follow_up = NewAction {
            due_ms: Some(due),
            ..action(case_id, ActionKind::FollowUp, None, T0 + HOUR)
        };
        store
            .add_action(&follow_up, book(), &by_test())
            .await
            .unwrap();
    }

    assert!(
        store
            .due_follow_ups(T0 + DAY - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store.due_follow_ups(T0 + 3 * DAY, 10).await.unwrap();
    let cases: Vec<i64> = due.iter().map(|d| d.action.case_id).collect();
    assert_eq!(cases, [assigned, unassigned], "earliest first");
    assert_eq!(due[0].case.assignee.as_deref(), Some("tvv-lan"));

    let at = T0 + 3 * DAY;
    for d in &due {
        let key = "hotline-notify-follow-up-due";
        assert!(
            store
                .mark_reminded(d.action.id, at, key)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .mark_reminded(d.action.id, at, key)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(store.due_follow_ups(at, 10).await.unwrap().is_empty());
    let lan = store
        .notifications("111", "tvv-lan", false, true, 10)
        .await
        .unwrap();
    assert_eq!(lan.len(), 1);
    assert_eq!(lan[0].notice.kind, NotificationKind::FollowUpDue);
    assert_eq!(lan[0].notice.audience, Audience::User("tvv-lan".into()));
    assert_eq!(lan[0].notice.case_id, assigned);
    let supervisors = store
        .notifications("111", "gs-hoa", true, true, 10)
        .await
        .unwrap();
    assert_eq!(
        supervisors.len(),
        1,
        "a follow-up of nobody's case goes to the supervisors"
    );
    assert_eq!(supervisors[0].notice.case_id, unassigned);
}

#[tokio::test]
async fn closed_cases_are_neither_escalated_nor_reminded_until_reopened() {
    let store = store().await;
    let id = case_of_platform_report(&store, "closed", Risk::Emergency).await;
    let follow_up = NewAction {
        due_ms: Some(T0 + 2 * HOUR),
        ..action(id, ActionKind::FollowUp, None, T0 + HOUR)
    };
    store
        .add_action(&follow_up, book(), &by_test())
        .await
        .unwrap();
    let close = StatusChange {
        to: CaseStatus::Closed,
        close_reason: Some(CloseReason::Unfounded),
        note: String::new(),
        may_reopen: false,
    };
    store
        .set_case_status(id, "tvv-lan", &close, T0 + HOUR, &by_test())
        .await
        .unwrap();
    let late = T0 + DAY;
    assert!(store.overdue_clocks(late, 10).await.unwrap().is_empty());
    assert!(store.due_follow_ups(late, 10).await.unwrap().is_empty());

    let reopen = StatusChange {
        to: CaseStatus::Triaged,
        close_reason: None,
        note: "Phụ huynh gọi lại".into(),
        may_reopen: true,
    };
    store
        .set_case_status(id, "gs-hoa", &reopen, late, &by_test())
        .await
        .unwrap();
    let overdue = store.overdue_clocks(late, 10).await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].clock.rule, "emergency_intervention");
    let due = store.due_follow_ups(late, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].action.case_id, id);
}
