//! Hotline statistics: a few hundred varied reports and contacts over nine days are counted
//! once each, in the Viet Nam day (week, month) they were received, and broken down by every
//! dimension exactly as the reports say; cases, actions and clocks are counted too.

mod hotline_support;

use std::collections::BTreeMap;

use hotline_support::{DAY, HOUR, T0, authority, book, bullying, by_test, new_case, varied};
use lachan_hotline::{
    ActionKind, AuthorityKind, Channel, ContactTopic, Dimension, Period, Risk, Subtype, Theme,
};
use lachan_policy::Category;
use lachan_store::hotline::{HotlineStats, NewAction, NewContact, NewReport, StatsQuery};
use lachan_store::{Store, StoreError};

const REPORTS: usize = 360;
const CONTACTS: usize = 150;

/// The Viet Nam calendar day (days since 1970-01-01) of `ms`.
fn vn_day(ms: i64) -> i64 {
    (ms + 7 * HOUR).div_euclid(DAY)
}

fn theme(report: &NewReport) -> Theme {
    match (report.subtype, report.category) {
        (Some(s), _) => s.theme(),
        (None, Category::SexualMinors) => Theme::SexualExploitation,
        (None, _) => Theme::Other,
    }
}

/// The value of `dimension` that `report` gives, as the statistics name it.
fn key_of(dimension: Dimension, report: &NewReport) -> String {
    let known = match dimension {
        Dimension::Category => Some(report.category.to_string()),
        Dimension::Theme => Some(theme(report).to_string()),
        Dimension::AgeBand => report.age_band.map(|a| a.to_string()),
        Dimension::Gender => report.gender.map(|g| g.to_string()),
        Dimension::Province => report.province.clone(),
        Dimension::Channel => Some(report.source.to_string()),
    };
    known.unwrap_or_else(|| "unknown".into())
}

fn contact(j: usize) -> NewContact {
    NewContact {
        created_ms: T0 + j as i64 * 53 * 60_000,
        hotline: "111".into(),
        channel: [Channel::Phone, Channel::Zalo][j % 2],
        topic: ContactTopic::ALL[j % ContactTopic::ALL.len()],
        operator: Some("tvv-lan".into()),
    }
}

/// A store with the varied reports and contacts, and reports and contacts of another hotline
/// that must not count.
async fn filled() -> (Store, Vec<NewReport>, Vec<NewContact>) {
    let store = hotline_support::store().await;
    let reports: Vec<NewReport> = (0..REPORTS).map(varied).collect();
    for report in &reports {
        store.file_report(report).await.unwrap();
        let elsewhere = NewReport {
            hotline: "da-nang".into(),
            ..report.clone()
        };
        store.file_report(&elsewhere).await.unwrap();
    }
    let contacts: Vec<NewContact> = (0..CONTACTS).map(contact).collect();
    for c in &contacts {
        store.record_contact(c, &by_test()).await.unwrap();
    }
    let elsewhere = NewContact {
        hotline: "da-nang".into(),
        ..contact(0)
    };
    store.record_contact(&elsewhere, &by_test()).await.unwrap();
    (store, reports, contacts)
}

fn query(period: Period, from_ms: i64, to_ms: i64) -> StatsQuery {
    StatsQuery {
        hotline: "111".into(),
        from_ms,
        to_ms,
        period,
        now_ms: T0 + 30 * DAY,
    }
}

/// Reports per key of `key`.
fn expected(reports: &[NewReport], key: impl Fn(&NewReport) -> String) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for r in reports {
        *counts.entry(key(r)).or_default() += 1;
    }
    counts
}

fn totals(stats: &HotlineStats, dimension: Dimension) -> BTreeMap<String, u64> {
    let totals = stats.totals(dimension);
    let mut sorted = totals.clone();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(totals, sorted, "{dimension}: most first");
    totals.into_iter().collect()
}

#[tokio::test]
async fn every_report_and_contact_counts_once_in_its_viet_nam_day() {
    let (store, reports, contacts) = filled().await;
    let stats = store
        .hotline_stats(&query(Period::Day, T0, T0 + 11 * DAY))
        .await
        .unwrap();
    assert_eq!(stats.buckets.len(), 11);
    assert_eq!(stats.buckets[0].label, "2026-05-27");
    assert_eq!(stats.buckets[10].label, "2026-06-06");
    for (i, bucket) in stats.buckets.iter().enumerate() {
        let day = vn_day(T0) + i as i64;
        assert_eq!(bucket.start_ms, T0 + i as i64 * DAY);
        let received = reports
            .iter()
            .filter(|r| vn_day(r.created_ms) == day)
            .count();
        let called = contacts
            .iter()
            .filter(|c| vn_day(c.created_ms) == day)
            .count();
        assert_eq!(bucket.reports, received as u64, "{}", bucket.label);
        assert_eq!(bucket.other_contacts, called as u64, "{}", bucket.label);
        assert_eq!(bucket.contacts(), (received + called) as u64);
    }
    let total = stats.total();
    assert_eq!(total.reports, REPORTS as u64);
    assert_eq!(total.other_contacts, CONTACTS as u64);
    let share = total.online_abuse_share().unwrap();
    assert!((share - REPORTS as f64 / (REPORTS + CONTACTS) as f64).abs() < 1e-12);
    assert_eq!(
        stats.buckets[9].online_abuse_share(),
        Some(1.0),
        "only reports that day"
    );
    assert_eq!(
        stats.buckets[10].online_abuse_share(),
        None,
        "nothing that day"
    );

    for dimension in Dimension::ALL {
        let key = |r: &NewReport| key_of(*dimension, r);
        assert_eq!(
            totals(&stats, *dimension),
            expected(&reports, key),
            "{dimension}"
        );
        // Per day too.
        for bucket in &stats.buckets {
            let day: Vec<NewReport> = reports
                .iter()
                .filter(|r| vn_day(r.created_ms) == vn_day(bucket.start_ms))
                .cloned()
                .collect();
            let found: BTreeMap<String, u64> = stats
                .breakdowns
                .iter()
                .filter(|b| b.dimension == *dimension && b.start_ms == bucket.start_ms)
                .map(|b| (b.key.clone(), b.reports))
                .collect();
            assert_eq!(
                found,
                expected(&day, key),
                "{dimension} on {}",
                bucket.label
            );
        }
    }
    let by_theme = totals(&stats, Dimension::Theme);
    assert_eq!(
        by_theme.len(),
        Theme::ALL.len(),
        "the reports cover every theme"
    );
}

#[tokio::test]
async fn weeks_and_months_sum_the_same_reports_from_monday_and_the_first() {
    let (store, reports, _) = filled().await;
    let from = T0 - 30 * DAY;
    let to = T0 + 40 * DAY;
    let days = store
        .hotline_stats(&query(Period::Day, from, to))
        .await
        .unwrap();
    for period in [Period::Week, Period::Month] {
        let stats = store.hotline_stats(&query(period, from, to)).await.unwrap();
        let (sum, daily) = (stats.total(), days.total());
        assert_eq!(
            (
                sum.reports,
                sum.other_contacts,
                sum.cases_opened,
                sum.actions
            ),
            (
                daily.reports,
                daily.other_contacts,
                daily.cases_opened,
                daily.actions
            )
        );
        for dimension in Dimension::ALL {
            assert_eq!(
                stats.totals(*dimension),
                days.totals(*dimension),
                "{period} {dimension}"
            );
        }
    }
    let weeks = store
        .hotline_stats(&query(Period::Week, T0, T0 + 10 * DAY))
        .await
        .unwrap();
    // 2026-05-27 is a Wednesday: its week began on Monday 25 May, in Viet Nam.
    let labels: Vec<&str> = weeks.buckets.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["2026-05-25", "2026-06-01"]);
    assert_eq!(weeks.buckets[0].start_ms, T0 - 2 * DAY);
    let first_week = reports
        .iter()
        .filter(|r| r.created_ms < T0 + 5 * DAY)
        .count();
    assert_eq!(weeks.buckets[0].reports, first_week as u64);
    let months = store
        .hotline_stats(&query(Period::Month, T0, T0 + 10 * DAY))
        .await
        .unwrap();
    let labels: Vec<&str> = months.buckets.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["2026-05", "2026-06"]);
    let may = reports
        .iter()
        .filter(|r| r.created_ms < T0 + 5 * DAY)
        .count();
    assert_eq!(
        months.buckets[0].reports, may as u64,
        "May ends 5 days after T0"
    );

    // A range starting mid-day counts from its start only.
    let part = store
        .hotline_stats(&query(Period::Day, T0 + 12 * HOUR, T0 + DAY))
        .await
        .unwrap();
    let afternoon = reports
        .iter()
        .filter(|r| (T0 + 12 * HOUR..T0 + DAY).contains(&r.created_ms))
        .count();
    assert_eq!(part.buckets.len(), 1);
    assert_eq!(part.buckets[0].start_ms, T0);
    assert_eq!(part.buckets[0].reports, afternoon as u64);
}

#[tokio::test]
async fn cases_actions_and_clocks_are_counted() {
    let store = hotline_support::store().await;
    let police = authority(&store, AuthorityKind::PoliceCyber).await.id;
    let platform = authority(&store, AuthorityKind::Platform).await.id;
    let action = |case_id, kind, authority_id, at| NewAction {
        case_id,
        actor: "tvv-lan".into(),
        kind,
        authority_id,
        note: None,
        due_ms: None,
        now_ms: at,
    };
    // Day 0: a web-form complaint answered in 2 hours; an emergency met late (13 h).
    let a = store
        .file_report(&bullying(T0, Channel::WebForm))
        .await
        .unwrap()
        .id;
    let a = store
        .open_case(
            &new_case(T0 + HOUR, &[a], Risk::Emergency),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    store
        .add_action(
            &action(a, ActionKind::Counselling, None, T0 + 2 * HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    store
        .add_action(
            &action(a, ActionKind::EmergencyIntervention, None, T0 + 14 * HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    // Day 1: a phone complaint never answered (missed); a takedown still running at `now`.
    let b = store
        .file_report(&bullying(T0 + DAY, Channel::Phone))
        .await
        .unwrap()
        .id;
    store
        .open_case(
            &new_case(T0 + DAY + HOUR, &[b], Risk::Medium),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    let now = T0 + 4 * DAY;
    let mut platform_case = new_case(T0 + DAY, &[], Risk::Low);
    let c = store
        .file_report(&NewReport {
            subtype: Some(Subtype::Csam),
            ..NewReport::new(T0 + DAY, "111", Channel::Platform, Category::SexualMinors)
        })
        .await
        .unwrap()
        .id;
    platform_case.report_ids = vec![c];
    let c = store
        .open_case(&platform_case, book(), &by_test())
        .await
        .unwrap();
    store
        .add_action(
            &action(c, ActionKind::TakedownRequest, Some(platform), now - HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();
    store
        .add_action(
            &action(c, ActionKind::Referral, Some(police), T0 + DAY + 2 * HOUR),
            book(),
            &by_test(),
        )
        .await
        .unwrap();

    let stats = store
        .hotline_stats(&StatsQuery {
            now_ms: now,
            ..query(Period::Day, T0, now)
        })
        .await
        .unwrap();
    let opened: Vec<u64> = stats.buckets.iter().map(|b| b.cases_opened).collect();
    assert_eq!(opened, [1, 2, 0, 0]);
    assert_eq!(stats.buckets[0].actions_of(ActionKind::Counselling), 1);
    assert_eq!(stats.buckets[0].interventions(), 2);
    assert_eq!(stats.buckets[1].referrals(), 1);
    assert_eq!(stats.buckets[3].actions_of(ActionKind::TakedownRequest), 1);
    assert_eq!(stats.buckets[3].referrals(), 1);
    let clocks: Vec<(&str, u64, u64, u64, u64)> = stats
        .clocks
        .iter()
        .map(|c| {
            (
                c.rule.as_str(),
                c.met_in_time,
                c.met_late,
                c.missed,
                c.running,
            )
        })
        .collect();
    assert_eq!(
        clocks,
        [
            ("complaint", 1, 0, 1, 0),
            ("emergency_intervention", 0, 1, 0, 0),
            ("takedown", 0, 0, 0, 1),
        ]
    );
}

#[tokio::test]
async fn ranges_must_be_ordered_and_not_too_long() {
    let store = Store::open_in_memory().await.unwrap();
    let err = store
        .hotline_stats(&query(Period::Day, T0, T0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidPeriod(_)), "{err}");
    let err = store
        .hotline_stats(&query(Period::Day, T0, T0 + 401 * DAY))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("longer period"), "{err}");
    let years = store
        .hotline_stats(&query(Period::Month, T0, T0 + 3 * 365 * DAY))
        .await
        .unwrap();
    assert_eq!(years.buckets.len(), 37);
    assert!(years.breakdowns.is_empty() && years.clocks.is_empty());
}
