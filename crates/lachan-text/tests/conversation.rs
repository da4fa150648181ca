//! The grooming conversation analyser on the real development set
//! (`shared/data/text/dev/conversations.jsonl`: 40 grooming, 60 benign hard negatives), its
//! robustness, its bounded state and its alerts.
//!
//! The dev set marks speaker `B` as the child: it is passed as `Role::Child`, `A` as
//! `Role::Adult` (in benign conversations too, whoever the speakers are).
//! Figures are printed with `cargo test -p lachan-text --test conversation -- --nocapture`.
//!
//! The stage cues were written while reading the conversations, so the dev-set figures are
//! optimistic; the single messages of `messages.jsonl` (not used to write cues) and the
//! look-alike sentences below are the held-out checks. With the default threshold 0.6 the
//! dev-set result is the same for every threshold from 0.55 to 0.9 (at 0.5: one benign
//! conversation flagged, median delay 0).

use std::collections::BTreeMap;

use lachan_text::conversation::metrics::{self, Metrics, Outcome};
use lachan_text::conversation::{
    Analyser, AnalyserConfig, Conversation, Message, Role, Stage, StagesError,
};
use lachan_text::normalize::{strip_diacritics, to_nfd};
use serde::Deserialize;

const DEV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/text/dev/conversations.jsonl"
);
const DEV_MESSAGES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/text/dev/messages.jsonl"
);

/// rustrict on the same set (BASELINES.md, flag if any message flagged).
const RUSTRICT_F05: f64 = 0.488;
const RUSTRICT_FPR: f64 = 0.667;

#[derive(Deserialize)]
struct DevConversation {
    id: String,
    style: String,
    label: String,
    first_risk_index: Option<usize>,
    messages: Vec<DevMessage>,
}

#[derive(Deserialize)]
struct DevMessage {
    from: String,
    text: String,
}

#[derive(Deserialize)]
struct DevSingle {
    labels: Vec<String>,
    text: String,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &str) -> Vec<T> {
    let text = std::fs::read_to_string(path).expect("dev set readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid dev record"))
        .collect()
}

fn dev() -> Vec<DevConversation> {
    let set: Vec<DevConversation> = read_jsonl(DEV);
    assert_eq!(set.len(), 100);
    set
}

/// Speaker B is the child, A the adult (the dev set's convention).
fn dev_role(from: &str) -> Role {
    if from == "B" {
        Role::Child
    } else {
        Role::Adult
    }
}

/// Runs one conversation; returns the index of the first alert.
fn first_alert(
    analyser: &Analyser,
    c: &DevConversation,
    roles: bool,
    transform: fn(&str) -> String,
) -> Option<usize> {
    let mut conversation = Conversation::new();
    let mut first = None;
    for m in &c.messages {
        let text = transform(&m.text);
        let report = conversation.push(
            analyser,
            &Message {
                sender: &m.from,
                role: roles.then(|| dev_role(&m.from)),
                age: None,
                text: &text,
            },
        );
        if report.alert.is_some() && first.is_none() {
            first = Some(report.index);
        }
    }
    first
}

/// Metrics over the dev set, overall and per style.
fn evaluate(roles: bool, transform: fn(&str) -> String) -> (Metrics, BTreeMap<String, Metrics>) {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut all = Vec::new();
    let mut by_style: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    for c in dev() {
        let outcome = Outcome {
            grooming: c.label == "grooming",
            first_risk_index: c.first_risk_index,
            first_alert_index: first_alert(&analyser, &c, roles, transform),
        };
        if outcome.grooming != outcome.first_alert_index.is_some() {
            println!(
                "  missed or false alarm: {} ({}, {})",
                c.id, c.style, c.label
            );
        }
        all.push(outcome);
        by_style.entry(c.style.clone()).or_default().push(outcome);
    }
    let styles = by_style
        .into_iter()
        .map(|(style, outcomes)| (style, metrics::compute(&outcomes)))
        .collect();
    (metrics::compute(&all), styles)
}

fn show(name: &str, m: &Metrics, styles: &BTreeMap<String, Metrics>) {
    println!(
        "{name}: precision {:.3} recall {:.3} F0.5 {:.3} FPR {:.3} median delay {:?} \
         (tp {} fp {} fn {} tn {})",
        m.precision,
        m.recall,
        m.f05,
        m.fpr,
        m.median_delay,
        m.true_positives,
        m.false_positives,
        m.false_negatives,
        m.true_negatives
    );
    for (style, s) in styles {
        println!(
            "  {style:14} caught {}/{} grooming, flagged {}/{} benign, median delay {:?}",
            s.true_positives,
            s.true_positives + s.false_negatives,
            s.false_positives,
            s.false_positives + s.true_negatives,
            s.median_delay
        );
    }
}

fn same(s: &str) -> String {
    s.to_owned()
}

#[test]
fn dev_set_figures_beat_rustrict() {
    let (m, styles) = evaluate(true, same);
    show("dev set, roles known", &m, &styles);
    // Measured: precision 1.000, recall 1.000, F0.5 1.000, FPR 0.000, median delay 2.
    assert!(m.precision >= 0.97, "precision {}", m.precision);
    assert!(m.recall >= 0.95, "recall {}", m.recall);
    assert!(m.f05 >= 0.96, "F0.5 {}", m.f05);
    assert!(m.fpr <= 0.02, "FPR {}", m.fpr);
    assert!(
        m.median_delay.is_some_and(|d| d <= 2.0),
        "{:?}",
        m.median_delay
    );
    assert!(m.f05 > RUSTRICT_F05 + 0.4 && m.fpr < RUSTRICT_FPR / 10.0);
    for (style, s) in &styles {
        assert_eq!(s.false_negatives, 0, "grooming missed in style {style}");
        assert_eq!(s.false_positives, 0, "benign flagged in style {style}");
    }
}

#[test]
fn robust_to_stripped_diacritics_nfd_and_unknown_roles() {
    let (m, styles) = evaluate(true, strip_diacritics);
    show("dev set, diacritics stripped", &m, &styles);
    // Measured: precision 1.000, recall 1.000, FPR 0.000, median delay 2.
    assert!(
        m.precision >= 0.97 && m.recall >= 0.95 && m.fpr <= 0.02,
        "{m:?}"
    );
    assert!(m.median_delay.is_some_and(|d| d <= 2.0));

    let (m, styles) = evaluate(true, to_nfd);
    show("dev set, NFD", &m, &styles);
    assert!(
        m.precision >= 0.97 && m.recall >= 0.95 && m.fpr <= 0.02,
        "{m:?}"
    );

    // Without roles every participant raises stages; the riskiest one counts.
    let (m, styles) = evaluate(false, same);
    show("dev set, roles unknown", &m, &styles);
    // Measured: precision 1.000, recall 1.000, FPR 0.000, median delay 2.
    assert!(
        m.precision >= 0.95 && m.recall >= 0.95 && m.fpr <= 0.04,
        "{m:?}"
    );
}

/// The 200 single messages of `messages.jsonl` were not used to write the cues: a held-out
/// check of what one adult message shows.
#[test]
fn single_messages_held_out() {
    let analyser = Analyser::new(AnalyserConfig::default());
    let singles: Vec<DevSingle> = read_jsonl(DEV_MESSAGES);
    assert_eq!(singles.len(), 200);
    let (mut groom, mut groom_staged, mut benign, mut benign_staged, mut benign_alerts) =
        (0, 0, 0, 0, 0);
    for s in &singles {
        let mut conversation = Conversation::new();
        let report = conversation.push(
            &analyser,
            &Message {
                sender: "adult",
                role: Some(Role::Adult),
                age: None,
                text: &s.text,
            },
        );
        let risky = report
            .stages
            .iter()
            .any(|s| !matches!(s, Stage::Approach | Stage::Trust));
        if s.labels
            .iter()
            .any(|l| l == "grooming" || l == "sextortion")
        {
            groom += 1;
            groom_staged += usize::from(risky);
        } else if s.labels.is_empty() {
            benign += 1;
            benign_staged += usize::from(risky);
            benign_alerts += usize::from(report.alert.is_some());
        }
    }
    println!(
        "single messages: grooming/sextortion with a risky stage {groom_staged}/{groom}, \
         benign with a risky stage {benign_staged}/{benign}, benign alerts {benign_alerts}"
    );
    // Measured: 27/27, 9/80, 0.
    assert_eq!((groom, benign), (27, 80));
    assert!(groom_staged >= 25, "{groom_staged}");
    assert!(benign_staged <= 12, "{benign_staged}");
    assert_eq!(benign_alerts, 0);
}

fn run(analyser: &Analyser, c: &DevConversation) -> Vec<lachan_text::conversation::MessageReport> {
    let mut conversation = Conversation::new();
    c.messages
        .iter()
        .map(|m| {
            conversation.push(
                analyser,
                &Message {
                    sender: &m.from,
                    role: Some(dev_role(&m.from)),
                    age: None,
                    text: &m.text,
                },
            )
        })
        .collect()
}

#[test]
fn child_messages_raise_no_stage() {
    let analyser = Analyser::new(AnalyserConfig::default());
    for c in dev() {
        for (m, report) in c.messages.iter().zip(run(&analyser, &c)) {
            if m.from == "B" {
                assert!(
                    report.stages.is_empty(),
                    "{} message {}",
                    c.id,
                    report.index
                );
            }
        }
    }
}

#[test]
fn alerts_name_stages_and_messages_and_repeat_only_for_new_stages() {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut alerts = 0;
    for c in dev() {
        let mut alerted = std::collections::BTreeSet::new();
        for report in run(&analyser, &c) {
            let Some(alert) = report.alert else { continue };
            alerts += 1;
            assert!(alert.risk >= analyser.config().alert_threshold);
            let stages: std::collections::BTreeSet<Stage> =
                alert.stages.iter().map(|(s, _)| *s).collect();
            assert!(
                !stages.is_subset(&alerted),
                "{}: alert without a new stage",
                c.id
            );
            for (stage, indices) in &alert.stages {
                assert!(!indices.is_empty() && indices.len() <= 4);
                assert!(indices.iter().all(|&i| i <= report.index));
                assert!(indices.iter().all(|&i| c.messages[i].from == "A"));
                assert!(alert.summary_en.contains(stage.name_en()));
                assert!(alert.summary_vi.contains(stage.name_vi()));
            }
            alerted.extend(stages);
        }
    }
    println!("alerts raised over the dev set: {alerts}");

    // dev-c-008: gifts at 4, secrecy at 6 (the first risk index) → the first alert at 6.
    let c = dev()
        .into_iter()
        .find(|c| c.id == "dev-c-008")
        .expect("dev-c-008");
    let reports = run(&analyser, &c);
    let first = reports
        .iter()
        .find(|r| r.alert.is_some())
        .expect("an alert");
    assert_eq!(first.index, 6);
    let alert = first.alert.as_ref().expect("alert");
    assert!(alert.stages.contains(&(Stage::Gifts, vec![4])));
    assert!(alert.stages.contains(&(Stage::Secrecy, vec![6])));
    assert!(alert.summary_en.starts_with("Possible grooming"));
    assert!(alert.summary_vi.contains("đòi giữ bí mật (tin nhắn 7)"));
}

#[test]
fn sextortion_alerts_at_once() {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut conversation = Conversation::new();
    let report = conversation.push(
        &analyser,
        &Message {
            sender: "x",
            role: None,
            age: None,
            text: "gửi thêm 2 tấm nữa, không thì tao đăng ảnh của mày lên nhóm lớp",
        },
    );
    assert_eq!(report.stages, vec![Stage::Sextortion]);
    let alert = report.alert.expect("alert");
    assert_eq!(alert.risk, 1.0);
    assert!(alert.summary_en.starts_with("Possible sextortion"));
}

/// A long grooming-like stream from the two dev speakers, then from many senders.
fn stream(analyser: &Analyser, n: usize, senders: usize) -> Conversation {
    let texts: Vec<(String, String)> = dev()
        .into_iter()
        .filter(|c| c.label == "grooming")
        .flat_map(|c| c.messages.into_iter().map(|m| (m.from, m.text)))
        .collect();
    let mut conversation = Conversation::new();
    for i in 0..n {
        let (from, text) = &texts[i % texts.len()];
        let sender = if senders > 2 {
            format!("user{}", i % senders)
        } else {
            from.clone()
        };
        conversation.push(
            analyser,
            &Message {
                sender: &sender,
                role: (senders <= 2).then(|| dev_role(from)),
                age: None,
                text,
            },
        );
    }
    conversation
}

#[test]
fn state_stays_bounded_and_round_trips() {
    let analyser = Analyser::new(AnalyserConfig::default());
    let small = serde_json::to_string(&stream(&analyser, 1_000, 2)).expect("json");
    let state = stream(&analyser, 10_000, 2);
    let json = serde_json::to_string(&state).expect("json");
    println!(
        "state after 10,000 messages: {} bytes (after 1,000: {})",
        json.len(),
        small.len()
    );
    // Only the digits of the message counter and stage counts grow.
    assert!(json.len() < 2_048, "{}", json.len());
    assert!(json.len() <= small.len() + 64);
    assert!(
        !json.contains("Zalo") && !json.contains("bố mẹ"),
        "no text kept"
    );
    assert_eq!(state.messages(), 10_000);

    let mut back: Conversation = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back, state);
    let report = back.push(
        &analyser,
        &Message {
            sender: "B",
            role: Some(Role::Child),
            age: None,
            text: "ok",
        },
    );
    assert_eq!(report.index, 10_000);

    // 10,000 messages from 1,000 senders: at most max_participants are tracked.
    let crowd = serde_json::to_string(&stream(&analyser, 10_000, 1_000)).expect("json");
    println!(
        "state after 10,000 messages from 1,000 senders: {} bytes",
        crowd.len()
    );
    assert!(crowd.len() < 8 * 1_024, "{}", crowd.len());
}

#[test]
fn tampered_state_is_trimmed_not_trusted() {
    let analyser = Analyser::new(AnalyserConfig {
        max_participants: 2,
        max_indices_per_stage: 1,
        ..AnalyserConfig::default()
    });
    let big = stream(&Analyser::new(AnalyserConfig::default()), 2_000, 50);
    let mut state: Conversation =
        serde_json::from_str(&serde_json::to_string(&big).expect("json")).expect("state");
    state.push(
        &analyser,
        &Message {
            sender: "z",
            role: None,
            age: None,
            text: "hi",
        },
    );
    let value = serde_json::to_value(&state).expect("json");
    let participants = value["participants"].as_array().expect("participants");
    assert_eq!(participants.len(), 2);
    for p in participants {
        for seen in p["stages"].as_array().expect("stages") {
            assert!(seen["messages"].as_array().expect("messages").len() <= 1);
        }
    }
}

#[test]
fn odd_input_never_panics() {
    let analyser = Analyser::new(AnalyserConfig::default());
    let mut conversation = Conversation::new();
    let long = "đừng nói với bố mẹ nhé ".repeat(2_000); // ≈ 56 KB, over the 16 KiB limit
    let emoji = "🍆🔪💊".repeat(3_000);
    let texts = [
        "",
        " ",
        "\u{0}\u{1}\u{7f}\u{200b}\u{feff}",
        "ا\u{202e}لعربية",
        &long,
        &emoji,
        "1234567890 99999999999999999999 13t 500k 2tr 0đ",
        "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a",
    ];
    for text in texts {
        for role in [None, Some(Role::Adult), Some(Role::Child)] {
            let report = conversation.push(
                &analyser,
                &Message {
                    sender: "s",
                    role,
                    age: Some(200),
                    text,
                },
            );
            assert!((0.0..=1.0).contains(&report.risk));
        }
    }
}

#[test]
fn stage_files_are_checked() {
    let config = AnalyserConfig::default();
    let builtin = include_str!("../data/stages.toml");
    assert!(Analyser::with_stages(config, builtin).is_ok());
    let bad = [
        ("not toml [", "Toml"),
        (
            &builtin.replace("\"@dont + @tell + @parents | @anyone\"", "\"@nope + x\""),
            "UnknownGroup",
        ),
        (
            &builtin.replace("[stages.trust]", "[stages.flattery]"),
            "UnknownStage",
        ),
        (
            &builtin.replace("weight = 0.10", "weight = 3.0"),
            "OutOfRange",
        ),
        (
            &builtin.replace("\"make up an excuse\"", "\"a +  + b\""),
            "EmptyElement",
        ),
    ];
    for (text, kind) in bad {
        let err = Analyser::with_stages(config, text).err().expect(kind);
        let debug = format!("{err:?}");
        assert!(debug.starts_with(kind), "{kind}: {debug}");
        assert!(!err.to_string().is_empty());
        let _: &StagesError = &err;
    }
}
/// Everyday sentences (written for this test, not from the dev set) that share words with
/// threats: a threat alerts at once and is never discounted, so none of these may alert.
#[test]
fn threat_lookalikes_do_not_alert() {
    let analyser = Analyser::new(AnalyserConfig::default());
    let texts = [
        "Nộp bài trên hệ thống nhé, không thì gửi vào nhóm lớp cũng được",
        "Làm nhanh lên không thì muộn, nhớ gửi ảnh vào nhóm lớp",
        "Bố vẫn giữ ảnh hồi nhỏ của con, hôm nào bố cho xem",
        "Chị đăng ký cho cả lớp rồi, không thì cô lại nhắc",
        "Bạn nói với ai là đăng ký rồi thế?",
        "Upload it to Google Classroom, or email it to me if the app crashes",
        "Keep the photos from the trip, I saved all of them on the family drive",
        "nho gui anh cho co truoc 8h, khong thi gui qua email cung duoc",
    ];
    for text in texts {
        let mut conversation = Conversation::new();
        let report = conversation.push(
            &analyser,
            &Message {
                sender: "a",
                role: Some(Role::Adult),
                age: None,
                text,
            },
        );
        assert!(report.alert.is_none(), "{text}: {report:?}");
        assert!(!report.stages.contains(&Stage::Sextortion), "{text}");
    }
}
