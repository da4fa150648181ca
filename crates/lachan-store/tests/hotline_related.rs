//! Related cases suggested at triage, on generated data: forty open cases of varied reports,
//! plus cases sharing a URL, an account, a hash or a child with new reports; closed cases,
//! cases of another hotline and the report's own case are never suggested.

mod hotline_support;

use hotline_support::{
    HOUR, T0, book, bullying, by_test, new_case, platform_report, store, varied,
};
use lachan_hotline::{CaseStatus, Channel, CloseReason, Risk};
use lachan_policy::Category;
use lachan_store::hotline::{
    ContentHash, HashKind, HotlineError, Identity, NewCase, NewReport, RelatedCase, RelationReason,
    StatusChange,
};
use lachan_store::{Store, StoreError};

/// Files `report` and returns its id.
async fn file(store: &Store, report: &NewReport) -> i64 {
    store.file_report(report).await.unwrap().id
}

/// Files `report` and opens a case of it; returns (report, case).
async fn case_of(store: &Store, report: &NewReport) -> (i64, i64) {
    let id = file(store, report).await;
    let mut case = new_case(report.created_ms, &[id], Risk::High);
    case.hotline = report.hotline.clone();
    (
        id,
        store.open_case(&case, book(), &by_test()).await.unwrap(),
    )
}

/// A bare report of hotline 111 received at `at`, with nothing to compare yet.
fn bare(at: i64) -> NewReport {
    NewReport::new(at, "111", Channel::Phone, Category::Bullying)
}

/// The related cases of `report` as (case, reasons).
async fn related(store: &Store, report: i64) -> Vec<(i64, Vec<RelationReason>)> {
    store
        .related_cases(report, "111", 20)
        .await
        .unwrap()
        .into_iter()
        .map(|r: RelatedCase| (r.case_id, r.reasons))
        .collect()
}

/// A store with forty open cases of [`varied`] reports (accounts `tiktok:@ke_la_I`, children
/// `Em I` in varying provinces, no URL or hash); returns it with their case ids.
async fn background() -> (Store, Vec<i64>) {
    let store = store().await;
    let mut cases = Vec::new();
    for i in 0..40 {
        cases.push(case_of(&store, &varied(i)).await.1);
    }
    (store, cases)
}

#[tokio::test]
async fn a_shared_url_is_found_after_modest_normalisation() {
    let (store, _) = background().await;
    let shared = NewReport {
        urls: vec!["HTTPS://Example.COM/p/Abc/#comment-3".into()],
        ..bare(T0 + 100 * HOUR)
    };
    let (_, case) = case_of(&store, &shared).await;
    let same = NewReport {
        urls: vec![
            "https://example.com/p/Abc".into(),
            "https://other.example/".into(),
        ],
        ..bare(T0 + 101 * HOUR)
    };
    let same = file(&store, &same).await;
    assert_eq!(
        related(&store, same).await,
        vec![(case, vec![RelationReason::SameUrl])]
    );
    // The path keeps its case: another path is another URL.
    let other_path = NewReport {
        urls: vec!["https://example.com/p/abc".into()],
        ..bare(T0 + 102 * HOUR)
    };
    let other_path = file(&store, &other_path).await;
    assert!(related(&store, other_path).await.is_empty());
}

#[tokio::test]
async fn a_shared_account_or_hash_is_found() {
    let (store, cases) = background().await;
    let account = NewReport {
        accounts: vec![" TikTok:@KE_LA_7".into()],
        ..bare(T0 + 100 * HOUR)
    };
    let account = file(&store, &account).await;
    assert_eq!(
        related(&store, account).await,
        vec![(cases[7], vec![RelationReason::SameAccount])]
    );

    let (_, platform_case) = case_of(&store, &platform_report(T0 + 100 * HOUR, 1, "k1")).await;
    let hash = NewReport {
        hashes: vec![ContentHash {
            kind: HashKind::Sha256,
            value: "ab".repeat(32),
        }],
        ..bare(T0 + 101 * HOUR)
    };
    let hash = file(&store, &hash).await;
    assert_eq!(
        related(&store, hash).await,
        vec![(platform_case, vec![RelationReason::SameHash])]
    );
    // The same value under another algorithm is not the same hash.
    let pdq_kind = NewReport {
        hashes: vec![ContentHash {
            kind: HashKind::Pdq,
            value: "ab".repeat(32),
        }],
        ..bare(T0 + 102 * HOUR)
    };
    let pdq_kind = file(&store, &pdq_kind).await;
    assert!(related(&store, pdq_kind).await.is_empty());
}

#[tokio::test]
async fn the_same_child_is_found_by_contact_or_by_name_in_the_same_province() {
    let (store, cases) = background().await;
    // Contact: `bullying` reports name the child's school; a phone number written otherwise.
    let with_phone = NewReport {
        identity: Identity {
            child_contact: Some("0912 345 678".into()),
            ..Identity::default()
        },
        ..bare(T0 + 100 * HOUR)
    };
    let (_, phone_case) = case_of(&store, &with_phone).await;
    let by_phone = NewReport {
        identity: Identity {
            child_contact: Some("0912.345.678".into()),
            ..Identity::default()
        },
        ..bare(T0 + 101 * HOUR)
    };
    let by_phone = file(&store, &by_phone).await;
    assert_eq!(
        related(&store, by_phone).await,
        vec![(phone_case, vec![RelationReason::SameChild])]
    );

    // Name and province: `Em 12` of varied(12), written otherwise, in the same province.
    let twelve = varied(12);
    let province = twelve.province.clone().expect("varied(12) has a province");
    let by_name = NewReport {
        province: Some(province.clone()),
        identity: Identity {
            child_name: Some("  em   12 ".into()),
            ..Identity::default()
        },
        ..bare(T0 + 102 * HOUR)
    };
    let by_name = file(&store, &by_name).await;
    assert_eq!(
        related(&store, by_name).await,
        vec![(cases[12], vec![RelationReason::SameChild])]
    );
    // The same name elsewhere, or without a province, is another child.
    let elsewhere = lachan_hotline::provinces()
        .iter()
        .find(|p| p.slug != province)
        .unwrap()
        .slug
        .clone();
    for province in [Some(elsewhere), None] {
        let other = NewReport {
            province,
            identity: Identity {
                child_name: Some("Em 12".into()),
                ..Identity::default()
            },
            ..bare(T0 + 103 * HOUR)
        };
        let other = file(&store, &other).await;
        assert!(related(&store, other).await.is_empty());
    }
}

#[tokio::test]
async fn closed_cases_other_hotlines_and_the_own_case_are_left_out() {
    let (store, _) = background().await;
    let url = "https://www.facebook.com/groups/123456789";
    // Two open cases and a closed one share `bullying`'s URL, account and child.
    let (own_report, own_case) = case_of(&store, &bullying(T0 + 100 * HOUR, Channel::Phone)).await;
    let (_, open_case) = case_of(&store, &bullying(T0 + 101 * HOUR, Channel::Zalo)).await;
    let (_, closed_case) = case_of(&store, &bullying(T0 + 102 * HOUR, Channel::Email)).await;
    let close = StatusChange {
        to: CaseStatus::Closed,
        close_reason: Some(CloseReason::Duplicate),
        note: String::new(),
        may_reopen: false,
    };
    store
        .set_case_status(closed_case, "gs-hoa", &close, T0 + 103 * HOUR, &by_test())
        .await
        .unwrap();
    // Hotline 222 has a case with the same URL.
    let elsewhere = NewReport {
        urls: vec![url.into()],
        ..NewReport::new(T0 + 100 * HOUR, "222", Channel::Phone, Category::Bullying)
    };
    let elsewhere_report = file(&store, &elsewhere).await;
    let elsewhere_case = store
        .open_case(
            &NewCase {
                hotline: "222".into(),
                ..new_case(T0 + 100 * HOUR, &[elsewhere_report], Risk::Low)
            },
            book(),
            &by_test(),
        )
        .await
        .unwrap();

    let every = vec![
        RelationReason::SameUrl,
        RelationReason::SameAccount,
        RelationReason::SameChild,
    ];
    // A new report: both open cases of 111, not the closed one nor 222's.
    let queued = file(&store, &bullying(T0 + 104 * HOUR, Channel::WebForm)).await;
    assert_eq!(
        related(&store, queued).await,
        vec![(open_case, every.clone()), (own_case, every.clone())]
    );
    // A report already in a case: the other open case only.
    assert_eq!(
        related(&store, own_report).await,
        vec![(open_case, every.clone())]
    );
    let found = store.related_cases(queued, "111", 1).await.unwrap();
    assert_eq!(found.len(), 1, "the limit is kept");
    assert_eq!(found[0].status, CaseStatus::Triaged);
    assert_eq!(found[0].risk, Risk::High);
    assert_eq!(found[0].title, "Bắt nạt qua nhóm chat lớp 8A");
    assert_eq!(found[0].assignee.as_deref(), Some("tvv-lan"));

    // 222's report finds nothing in 222 but its own case; 111 may not ask about it.
    let again = NewReport {
        urls: vec![format!("{url}/")],
        ..NewReport::new(T0 + 105 * HOUR, "222", Channel::Phone, Category::Bullying)
    };
    let again = file(&store, &again).await;
    let in_222 = store.related_cases(again, "222", 10).await.unwrap();
    assert_eq!(in_222.len(), 1);
    assert_eq!(in_222[0].case_id, elsewhere_case);
    match store.related_cases(again, "111", 10).await {
        Err(StoreError::Hotline(HotlineError::ReportOfOtherHotline(id))) => assert_eq!(id, again),
        other => panic!("expected a refusal, got {other:?}"),
    }
    match store.related_cases(999_999, "111", 10).await {
        Err(StoreError::Hotline(HotlineError::NoSuchReport(999_999))) => {}
        other => panic!("expected not found, got {other:?}"),
    }
}

#[tokio::test]
async fn more_reasons_rank_first_and_a_bare_report_has_none() {
    let (store, cases) = background().await;
    let report = NewReport {
        accounts: vec!["tiktok:@ke_la_3".into(), "tiktok:@ke_la_5".into()],
        province: varied(5).province,
        identity: Identity {
            child_name: Some("Em 5".into()),
            ..Identity::default()
        },
        ..bare(T0 + 100 * HOUR)
    };
    let report = file(&store, &report).await;
    assert_eq!(
        related(&store, report).await,
        vec![
            (
                cases[5],
                vec![RelationReason::SameAccount, RelationReason::SameChild]
            ),
            (cases[3], vec![RelationReason::SameAccount]),
        ]
    );
    let nothing = file(&store, &bare(T0 + 101 * HOUR)).await;
    assert!(related(&store, nothing).await.is_empty());
}
