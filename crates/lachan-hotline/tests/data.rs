//! Loads every shipped data file through the public API and checks that the files, the
//! vocabulary and the rules fit together.

use std::collections::HashSet;

use lachan_hotline::{
    ActionKind, ActionOutcome, AuthorityKind, Channel, ClockBook, ClockEvent, ClockStatus, Risk,
    default_authorities, province, provinces,
};

const HOUR: i64 = 3_600_000;

#[test]
fn the_clock_file_is_the_builtin_book() {
    let text = include_str!("../data/clocks.toml");
    assert_eq!(&ClockBook::from_toml(text).unwrap(), ClockBook::builtin());
    assert_eq!(ClockBook::builtin().rules().len(), 3);
}

/// Every event a case change can fire, through the helpers the store calls.
fn fired_events() -> HashSet<ClockEvent> {
    let mut fired = HashSet::new();
    for &channel in Channel::ALL {
        fired.extend(ClockEvent::on_report(channel));
    }
    for &risk in Risk::ALL {
        fired.extend(ClockEvent::on_risk(None, risk));
    }
    for &kind in ActionKind::ALL {
        fired.extend(ClockEvent::on_action(kind).iter().copied());
        for &outcome in ActionOutcome::ALL {
            fired.extend(ClockEvent::on_outcome(kind, outcome));
        }
    }
    fired
}

#[test]
fn every_builtin_clock_can_start_and_be_met() {
    let fired = fired_events();
    assert_eq!(
        fired.len(),
        ClockEvent::ALL.len(),
        "every event is fired by something"
    );
    for rule in ClockBook::builtin().rules() {
        assert!(fired.contains(&rule.starts_on), "{}", rule.name);
        assert!(fired.contains(&rule.met_on), "{}", rule.name);
    }
}

#[test]
fn an_emergency_case_walks_through_its_clock() {
    let book = ClockBook::builtin();
    let opened = 1_750_000_000_000;
    // Opened as emergency from a phone call: two clocks start.
    let mut started: Vec<&str> = ClockEvent::on_risk(None, Risk::Emergency)
        .into_iter()
        .chain(ClockEvent::on_report(Channel::Phone))
        .flat_map(|e| book.rules_started_by(e))
        .map(|r| r.name.as_str())
        .collect();
    started.sort_unstable();
    assert_eq!(started, ["complaint", "emergency_intervention"]);

    let mut emergency = book.rule("emergency_intervention").unwrap().start(opened);
    assert!(matches!(
        emergency.status(opened + 9 * HOUR + 1),
        ClockStatus::DueSoon { .. }
    ));
    // The intervention is recorded after 11 hours: it meets the emergency clock in time.
    let met: Vec<&str> = ClockEvent::on_action(ActionKind::EmergencyIntervention)
        .iter()
        .flat_map(|&e| book.rules_met_by(e))
        .map(|r| r.name.as_str())
        .collect();
    assert!(met.contains(&"emergency_intervention") && met.contains(&"complaint"));
    emergency.met_ms = Some(opened + 11 * HOUR);
    assert_eq!(emergency.status(opened + 40 * HOUR), ClockStatus::MetInTime);
}

#[test]
fn a_refused_takedown_runs_overdue() {
    let book = ClockBook::builtin();
    let requested = 1_750_000_000_000;
    let rules: Vec<_> = ClockEvent::on_action(ActionKind::TakedownRequest)
        .iter()
        .flat_map(|&e| book.rules_started_by(e))
        .collect();
    assert_eq!(rules.len(), 1);
    assert!(rules[0].starts_on.is_per_action());
    let clock = rules[0].start(requested);
    assert_eq!(
        ClockEvent::on_outcome(ActionKind::TakedownRequest, ActionOutcome::Refused),
        None
    );
    assert_eq!(
        clock.status(requested + 25 * HOUR),
        ClockStatus::Overdue { late_ms: HOUR }
    );
    assert!(clock.needs_escalation(requested + 25 * HOUR));
}

#[test]
fn the_province_file_lists_the_34_units_of_2025() {
    let names = [
        "Hà Nội",
        "Hải Phòng",
        "Huế",
        "Đà Nẵng",
        "Thành phố Hồ Chí Minh",
        "Cần Thơ",
        "Tuyên Quang",
        "Cao Bằng",
        "Lai Châu",
        "Lào Cai",
        "Thái Nguyên",
        "Điện Biên",
        "Lạng Sơn",
        "Sơn La",
        "Phú Thọ",
        "Bắc Ninh",
        "Quảng Ninh",
        "Hưng Yên",
        "Ninh Bình",
        "Thanh Hóa",
        "Nghệ An",
        "Hà Tĩnh",
        "Quảng Trị",
        "Quảng Ngãi",
        "Gia Lai",
        "Khánh Hòa",
        "Lâm Đồng",
        "Đắk Lắk",
        "Đồng Nai",
        "Tây Ninh",
        "Vĩnh Long",
        "Đồng Tháp",
        "An Giang",
        "Cà Mau",
    ];
    let listed: Vec<&str> = provinces().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(listed, names);
    for p in provinces() {
        assert_eq!(province(&p.slug), Some(p));
    }
}

#[test]
fn every_default_authority_can_receive_an_action() {
    let all = default_authorities().unwrap();
    assert!(!all.is_empty());
    for a in &all {
        let usable = ActionKind::ALL.iter().any(|k| k.accepts(a.kind));
        assert!(usable, "{}", a.name_en);
        assert!(!a.name_vi.is_empty() && !a.name_en.is_empty());
    }
    assert!(all.iter().any(
        |a| a.kind == AuthorityKind::CommuneCommittee && a.name_vi.contains("Ủy ban nhân dân")
    ));
}
