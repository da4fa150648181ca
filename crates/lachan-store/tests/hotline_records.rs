//! The hotline's other records: authorities seeded once from the shipped data and then edited;
//! attachments kept sealed, listed without their bytes, only on open cases; guardians' consent
//! to reports of repeated blocks.

mod hotline_support;

use hotline_support::{HOUR, T0, book, bullying, by_test, new_case};
use lachan_hotline::{AuthorityKind, CaseStatus, Channel, CloseReason, Risk};
use lachan_store::hotline::{
    Attachment, AttachmentMeta, AuthorityInput, HotlineError, StatusChange,
};
use lachan_store::{Store, StoreError};

#[tokio::test]
async fn authorities_are_seeded_once_then_edited() {
    let store = Store::open_in_memory().await.unwrap();
    let defaults = lachan_hotline::default_authorities().unwrap();
    assert_eq!(
        store.seed_authorities(&defaults, T0).await.unwrap(),
        defaults.len() as u64
    );
    assert_eq!(store.seed_authorities(&defaults, T0 + 1).await.unwrap(), 0);
    let listed = store.authorities(false).await.unwrap();
    assert_eq!(listed.len(), defaults.len());
    for d in &defaults {
        assert!(
            listed
                .iter()
                .any(|a| a.details.name_vi == d.name_vi && a.details.kind == d.kind),
            "{}",
            d.name_vi
        );
    }
    let platforms = listed
        .iter()
        .filter(|a| a.details.kind == AuthorityKind::Platform)
        .count();
    assert_eq!(platforms, 6);

    let input = AuthorityInput {
        kind: AuthorityKind::SocialServices,
        name_vi: " Phòng Văn hóa - Xã hội phường Cầu Giấy ".into(),
        name_en: "Cau Giay ward culture and social affairs office".into(),
        contact: "024 3833 0000".into(),
    };
    let id = store
        .create_authority(&input, T0 + HOUR, &by_test())
        .await
        .unwrap();
    let made = store.authority(id).await.unwrap().unwrap();
    assert_eq!(
        made.details.name_vi, "Phòng Văn hóa - Xã hội phường Cầu Giấy",
        "trimmed"
    );
    assert!(made.active);
    let renamed = AuthorityInput {
        name_en: "Cau Giay ward social affairs".into(),
        ..input.clone()
    };
    assert!(
        store
            .update_authority(id, &renamed, T0 + 2 * HOUR, &by_test())
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_authority(999, &renamed, T0, &by_test())
            .await
            .unwrap()
    );
    assert!(
        store
            .set_authority_active(id, false, T0 + 3 * HOUR, &by_test())
            .await
            .unwrap()
    );
    let stored = store.authority(id).await.unwrap().unwrap();
    assert_eq!(stored.details.name_en, "Cau Giay ward social affairs");
    assert_eq!((stored.active, stored.updated_ms), (false, T0 + 3 * HOUR));
    assert_eq!(
        store.authorities(false).await.unwrap().len(),
        defaults.len()
    );
    assert_eq!(
        store.authorities(true).await.unwrap().len(),
        defaults.len() + 1
    );

    let unnamed = AuthorityInput {
        name_vi: "".into(),
        ..input
    };
    match store.create_authority(&unnamed, T0, &by_test()).await {
        Err(StoreError::Hotline(HotlineError::Empty(field))) => {
            assert_eq!(field, "Vietnamese name")
        }
        other => panic!("stored an unnamed authority: {other:?}"),
    }
}

fn screenshot(case_id: i64, bytes: &[u8]) -> Attachment {
    Attachment {
        meta: AttachmentMeta {
            id: 0,
            case_id,
            created_ms: T0 + HOUR,
            actor: "tvv-lan".into(),
            filename: "anh-chup-man-hinh.png".into(),
            media_type: "image/png".into(),
            size: 5120,
            sha256: "9A".repeat(32),
        },
        nonce: vec![7; 24],
        ciphertext: bytes.to_vec(),
    }
}

#[tokio::test]
async fn attachments_are_kept_sealed_and_listed_without_bytes() {
    let store = hotline_support::store().await;
    let report = store
        .file_report(&bullying(T0, Channel::Zalo))
        .await
        .unwrap()
        .id;
    let case_id = store
        .open_case(&new_case(T0, &[report], Risk::Medium), book(), &by_test())
        .await
        .unwrap();
    let sealed: Vec<u8> = (0..=255).collect();
    let id = store
        .add_attachment(&screenshot(case_id, &sealed), &by_test())
        .await
        .unwrap();
    let second = store
        .add_attachment(&screenshot(case_id, b"x"), &by_test())
        .await
        .unwrap();

    let listed = store.attachments_of_case(case_id).await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [id, second]
    );
    assert_eq!(listed[0].sha256, "9a".repeat(32));
    assert_eq!(
        (listed[0].size, listed[0].filename.as_str()),
        (5120, "anh-chup-man-hinh.png")
    );
    let got = store.attachment(case_id, id).await.unwrap().unwrap();
    assert_eq!(got.ciphertext, sealed);
    assert_eq!(got.nonce, vec![7; 24]);
    assert_eq!(got.meta, listed[0]);
    assert_eq!(
        store.attachment(case_id + 1, id).await.unwrap(),
        None,
        "of its case only"
    );

    let mut bad = screenshot(case_id, b"x");
    bad.meta.sha256 = "xyz".into();
    assert!(matches!(
        store.add_attachment(&bad, &by_test()).await,
        Err(StoreError::Hotline(HotlineError::InvalidHash { .. }))
    ));
    let close = StatusChange {
        to: CaseStatus::Closed,
        close_reason: Some(CloseReason::Resolved),
        note: String::new(),
        may_reopen: false,
    };
    store
        .set_case_status(case_id, "tvv-lan", &close, T0 + 2 * HOUR, &by_test())
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_attachment(&screenshot(case_id, b"x"), &by_test())
            .await,
        Err(StoreError::Hotline(HotlineError::CaseClosed(_)))
    ));
    assert!(matches!(
        store
            .add_attachment(&screenshot(999, b"x"), &by_test())
            .await,
        Err(StoreError::Hotline(HotlineError::NoSuchCase(999)))
    ));
}

#[tokio::test]
async fn a_guardian_consents_and_withdraws() {
    let store = Store::open_in_memory().await.unwrap();
    assert_eq!(store.hotline_opt_in("be-an").await.unwrap(), None);
    assert!(
        store
            .set_hotline_opt_in("be-an", Some(("111", "me-an")), T0, &by_test())
            .await
            .unwrap()
    );
    assert!(
        store
            .set_hotline_opt_in("be-an", Some(("da-nang", "bo-an")), T0 + 1, &by_test())
            .await
            .unwrap()
    );
    let consent = store.hotline_opt_in("be-an").await.unwrap().unwrap();
    assert_eq!(
        (
            consent.hotline.as_str(),
            consent.opted_by.as_str(),
            consent.opted_ms
        ),
        ("da-nang", "bo-an", T0 + 1)
    );
    assert!(
        store
            .set_hotline_opt_in("be-an", None, T0 + 2, &by_test())
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_hotline_opt_in("be-an", None, T0 + 3, &by_test())
            .await
            .unwrap()
    );
    assert_eq!(store.hotline_opt_in("be-an").await.unwrap(), None);
}
