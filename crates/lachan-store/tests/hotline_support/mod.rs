//! Shared pieces of the hotline tests: times, reports as the hotline's channels file them, and
//! a store with the shipped authorities.

#![allow(dead_code)] // each test binary uses a part of these helpers

use lachan_hotline::{AgeBand, AuthorityKind, Channel, ClockBook, Gender, Subtype};
use lachan_policy::Category;
use lachan_store::hotline::{Identity, NewCase, NewReport};
use lachan_store::{AuditNote, Store, hotline::Authority};

/// 2026-05-27 00:00 in Viet Nam (UTC+7), a Wednesday.
pub const T0: i64 = 1_779_814_800_000;
/// One hour in milliseconds.
pub const HOUR: i64 = 3_600_000;
/// One day in milliseconds.
pub const DAY: i64 = 24 * HOUR;

/// The audit note of a change made by a test (the store writes it with the change).
pub fn by_test() -> AuditNote {
    AuditNote::new("test", "test change", "")
}

/// The clock rules shipped with Lachan.
pub fn book() -> &'static ClockBook {
    ClockBook::builtin()
}

/// A report of hotline 111 of `channel`, received at `at`, about a 14-year-old girl in Hà Nội
/// harassed on Facebook, with her name and the reporter's.
pub fn bullying(at: i64, channel: Channel) -> NewReport {
    NewReport {
        subtype: Some(Subtype::Harassment),
        age_band: Some(AgeBand::Age14To15),
        gender: Some(Gender::Girl),
        province: Some("ha-noi".into()),
        platform: Some("Facebook".into()),
        content_type: Some("chat".into()),
        description: Some("Bạn cùng lớp lập nhóm chat để chế giễu em.".into()),
        urls: vec!["https://www.facebook.com/groups/123456789".into()],
        accounts: vec!["facebook:nguoi.la.2011".into()],
        identity: Identity {
            reporter_name: Some("Trần Thị Mai".into()),
            reporter_contact: Some("0912 345 678".into()),
            child_name: Some("Nguyễn Thu Hà".into()),
            child_contact: Some("Trường THCS Cầu Giấy".into()),
        },
        operator: matches!(channel, Channel::Phone | Channel::Zalo).then(|| "tvv-lan".into()),
        ..NewReport::new(at, "111", channel, Category::Bullying)
    }
}

/// A platform's report of child sexual abuse material with a hash and a URL, sent with
/// token `token_id` and `key` as its idempotency key.
pub fn platform_report(at: i64, token_id: i64, key: &str) -> NewReport {
    NewReport {
        subtype: Some(Subtype::Csam),
        platform: Some("ZingChat".into()),
        content_type: Some("image".into()),
        urls: vec![format!("https://cdn.zingchat.example/u/{key}.jpg")],
        hashes: vec![lachan_store::hotline::ContentHash {
            kind: lachan_store::hotline::HashKind::Sha256,
            value: "AB".repeat(32),
        }],
        reporter: Some("token:zingchat".into()),
        token_id: Some(token_id),
        idempotency_key: Some(key.into()),
        platform_reference: Some(format!("upload-{key}")),
        ..NewReport::new(at, "111", Channel::Platform, Category::SexualMinors)
    }
}

/// A case of hotline 111 opened by supervisor `gs-hoa` at `at` from `reports`.
pub fn new_case(at: i64, reports: &[i64], risk: lachan_hotline::Risk) -> NewCase {
    NewCase {
        hotline: "111".into(),
        actor: "gs-hoa".into(),
        report_ids: reports.to_vec(),
        risk,
        assignee: Some("tvv-lan".into()),
        title: "Bắt nạt qua nhóm chat lớp 8A".into(),
        now_ms: at,
    }
}

/// A fresh in-memory store with the authorities shipped with Lachan.
pub async fn store() -> Store {
    let store = Store::open_in_memory().await.unwrap();
    let defaults = lachan_hotline::default_authorities().unwrap();
    let seeded = store.seed_authorities(&defaults, T0).await.unwrap();
    assert_eq!(seeded, defaults.len() as u64);
    store
}

/// The first active authority of `kind`.
pub async fn authority(store: &Store, kind: AuthorityKind) -> Authority {
    store
        .authorities(false)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.details.kind == kind)
        .unwrap_or_else(|| panic!("the shipped authorities have a {kind}"))
}

/// The `i`-th of a series of varied reports, one every 37 minutes from [`T0`] (so they cross
/// Viet Nam's midnights at varying times): every channel, subtypes of every theme (every fifth
/// report without subtype), age bands, genders and provinces in turn, some of them unknown.
pub fn varied(i: usize) -> NewReport {
    let subtype = Subtype::ALL[(i * 7) % Subtype::ALL.len()];
    let (category, subtype) = match i % 5 {
        0 if i.is_multiple_of(10) => (Category::SexualMinors, None),
        0 => (Category::Drugs, None),
        _ if subtype == Subtype::Other => (Category::Profanity, Some(subtype)),
        _ => (subtype.category(), Some(subtype)),
    };
    let provinces = lachan_hotline::provinces();
    let province = match i {
        _ if i.is_multiple_of(13) => None,
        _ if i.is_multiple_of(17) => Some("unknown".to_string()),
        _ => Some(provinces[(i * 5) % provinces.len()].slug.clone()),
    };
    let channel = Channel::ALL[i % Channel::ALL.len()];
    NewReport {
        subtype,
        age_band: (i % 6 != 5).then(|| AgeBand::ALL[i % AgeBand::ALL.len()]),
        gender: (!i.is_multiple_of(11)).then(|| Gender::ALL[(i / 3) % Gender::ALL.len()]),
        province,
        platform: Some(["TikTok", "Facebook", "Zalo", "Roblox"][i % 4].into()),
        description: Some(format!("Báo cáo số {i}")),
        accounts: vec![format!("tiktok:@ke_la_{i}")],
        identity: Identity {
            reporter_name: i.is_multiple_of(3).then(|| format!("Người báo {i}")),
            reporter_contact: i.is_multiple_of(3).then(|| format!("09{i:08}")),
            child_name: Some(format!("Em {i}")),
            child_contact: None,
        },
        anonymous: !i.is_multiple_of(3),
        ..NewReport::new(T0 + i as i64 * 37 * 60_000, "111", channel, category)
    }
}
