//! The message classifier on real data: the project's dev messages (Vietnamese and English,
//! harmful and hard negatives) and ViHOS (Vietnamese comments, offensive = has spans).
//!
//! Figures measured when these tests were written (default policy, a message counts as flagged
//! when any category reaches review):
//! - dev messages, the 11 labelled categories: precision 1.000, recall 1.000, F1 1.000, FPR 0.000
//!   (rustrict: 0.648 / 0.292 / 0.402 / 0.237). The lexicons were written with the dev set in
//!   view, so these are optimistic; typed without diacritics: F1 1.000, FPR 0.000.
//! - dev messages, all categories (profanity and personal_info included): F1 0.992, FPR 0.025
//!   (typed without diacritics: the same).
//! - messages of the 60 benign dev conversations (parents, teachers, classmates, gamers): 5 of
//!   517 flagged (1.0 %).
//! - ViHOS dev: precision 0.979, recall 0.696, F1 0.814, FPR on clean comments 0.014;
//!   ViHOS test: 0.966 / 0.697 / 0.810 / 0.023; ViHOS dev typed without diacritics: F1 0.753,
//!   FPR 0.026.
//!
//! The assertions keep a margin of a few points under (or over) these figures.

use lachan_policy::Category;
use lachan_text::classify::metrics::{Counts, DATA_LABELS, MessageCounts, label_category};
use lachan_text::classify::{
    Action, BUILTIN_CONTEXTS, BUILTIN_LEXICONS, BUILTIN_MODEL, Classifier, Policy, Severity,
    TEXT_CATEGORIES, Thresholds, Verdict,
};
use lachan_text::normalize::{Normalized, strip_diacritics, to_nfd};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/text");

fn check(text: &str) -> Verdict {
    let n = Normalized::new(text).expect("short text");
    Classifier::builtin().check(&n, &Policy::default())
}

/// Categories at review level or above under the default policy.
fn flagged(text: &str) -> Vec<Category> {
    let policy = Policy::default();
    check(text)
        .categories
        .iter()
        .filter(|c| policy.action(c.category, c.score) >= Action::Review)
        .map(|c| c.category)
        .collect()
}

struct DevMessage {
    text: String,
    labels: Vec<Category>,
}

fn dev_messages() -> Vec<DevMessage> {
    let text = std::fs::read_to_string(format!("{DATA}/dev/messages.jsonl")).expect("dev set");
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            DevMessage {
                text: v["text"].as_str().expect("text").to_owned(),
                labels: v["labels"]
                    .as_array()
                    .expect("labels")
                    .iter()
                    .map(|l| label_category(l.as_str().expect("label")).expect("known label"))
                    .collect(),
            }
        })
        .collect()
}

fn evaluated() -> Vec<Category> {
    DATA_LABELS
        .iter()
        .map(|l| label_category(l).expect("label"))
        .collect()
}

fn dev_counts(transform: impl Fn(&str) -> String) -> (MessageCounts, Counts) {
    let mut labelled = MessageCounts::new(&evaluated());
    let mut all = Counts::default();
    for m in dev_messages() {
        let predicted = flagged(&transform(&m.text));
        labelled.add(&m.labels, &predicted);
        all.add(!m.labels.is_empty(), !predicted.is_empty());
    }
    (labelled, all)
}

fn vihos(split: &str, transform: impl Fn(&str) -> String) -> Counts {
    let mut counts = Counts::default();
    let mut reader = csv::Reader::from_path(format!("{DATA}/vihos/{split}.csv")).expect("ViHOS");
    for r in reader.records() {
        let r = r.expect("CSV row");
        let offensive = r[2].trim() != "[]";
        counts.add(offensive, !flagged(&transform(&r[1])).is_empty());
    }
    counts
}

#[test]
fn dev_messages_any_harm_beats_rustrict() {
    let (labelled, all) = dev_counts(str::to_owned);
    let r = labelled.report();
    assert_eq!(
        labelled.any.tp + labelled.any.fp + labelled.any.fn_ + labelled.any.tn,
        200
    );
    assert!(r.any.precision >= 0.95, "precision {}", r.any.precision);
    assert!(r.any.recall >= 0.95, "recall {}", r.any.recall);
    assert!(r.any.f1 >= 0.95, "F1 {}", r.any.f1);
    assert!(r.any.fpr <= 0.05, "FPR {}", r.any.fpr);
    // rustrict on the same set: 0.648 / 0.292 / 0.402 / 0.237.
    assert!(r.any.f1 > 0.402 && r.any.fpr < 0.237);
    // Counting profanity and personal_info too (the dev set has no such labels).
    assert!(all.f1() >= 0.95, "F1 {}", all.f1());
    assert!(all.fpr() <= 0.075, "FPR {}", all.fpr());
}

#[test]
fn dev_messages_per_category() {
    let (labelled, _) = dev_counts(str::to_owned);
    for (category, s) in labelled.report().categories {
        assert!(s.support >= 8, "{category}: support {}", s.support);
        assert!(s.f1 >= 0.85, "{category}: F1 {}", s.f1);
        assert!(s.precision >= 0.85, "{category}: precision {}", s.precision);
    }
}

#[test]
fn dev_messages_robust_to_typing() {
    let (plain, _) = dev_counts(strip_diacritics);
    let r = plain.report();
    assert!(r.any.f1 >= 0.93, "without diacritics: F1 {}", r.any.f1);
    assert!(r.any.fpr <= 0.05, "without diacritics: FPR {}", r.any.fpr);
    let (nfd, _) = dev_counts(to_nfd);
    let (nfc, _) = dev_counts(str::to_owned);
    assert_eq!(nfd.any, nfc.any, "NFD input reads like NFC");
}

#[test]
fn vihos_dev_offensive_and_clean() {
    let c = vihos("dev", str::to_owned);
    assert_eq!(c.tp + c.fp + c.fn_ + c.tn, 1106);
    assert!(c.f1() >= 0.76, "F1 {}", c.f1());
    assert!(c.precision() >= 0.94, "precision {}", c.precision());
    assert!(
        c.fpr() <= 0.04,
        "false-positive rate on clean comments {}",
        c.fpr()
    );
    let plain = vihos("dev", strip_diacritics);
    assert!(plain.f1() >= 0.72, "without diacritics: F1 {}", plain.f1());
    assert!(
        plain.fpr() <= 0.04,
        "without diacritics: false-positive rate {}",
        plain.fpr()
    );
}

#[test]
fn vihos_test_offensive_and_clean() {
    let c = vihos("test", str::to_owned);
    assert!(c.f1() >= 0.76, "F1 {}", c.f1());
    assert!(
        c.fpr() <= 0.05,
        "false-positive rate on clean comments {}",
        c.fpr()
    );
}

#[test]
fn benign_conversations_stay_quiet() {
    let text = std::fs::read_to_string(format!("{DATA}/dev/conversations.jsonl")).expect("dev set");
    let (mut flagged_messages, mut total) = (0, 0);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        if v["label"] != "benign" {
            continue;
        }
        for m in v["messages"].as_array().expect("messages") {
            total += 1;
            if !flagged(m["text"].as_str().expect("text")).is_empty() {
                flagged_messages += 1;
            }
        }
    }
    assert_eq!(total, 517);
    assert!(
        flagged_messages <= 20,
        "{flagged_messages} of {total} benign chat messages flagged"
    );
}

#[test]
fn ordinary_words_are_not_flagged() {
    for text in [
        "ngày",
        "họ",
        "đồng",
        "hoặc",
        "hoàng",
        "phường",
        "đi khám",
        "con cá",
        "ngay",
        "ho",
        "dong",
        "hoac",
        "hoang",
        "phuong",
        "di kham",
        "con ca",
        "bắn cá",
        "ban ca",
        "Hôm nay ngày mấy?",
        "Họ hàng đến chơi, nhà văn hoá phường mở hội chợ",
        "Mẹ đưa em đi khám răng",
        "hai trăm nghìn đồng",
        "cầm con cá rô",
        "đi ngủ sớm đi con",
        "di ngu som di con",
        "các bạn lớp mình",
        "cac ban lop minh",
        "bố mẹ đi vắng, mình trông em",
        "anh em mình đi đá bóng nhé",
        "máy tính Dell của bố",
        "đeo khẩu trang",
        "mua kẹo cho em",
        "uống nước đá",
        "cỏ mọc đầy vườn",
        "I bought a new bat for baseball",
        "Can you DM me the homework?",
        "lol that was funny",
    ] {
        let v = check(text);
        assert_eq!(v.action, Action::Allow, "{text:?} → {v:?}");
    }
}

#[test]
fn harmful_words_are_flagged_with_and_without_diacritics() {
    for (text, category) in [
        ("bắn cá đổi thưởng nạp thẻ nhận xu", Category::Gambling),
        ("ban ca doi thuong nap the nhan xu", Category::Gambling),
        ("địt mẹ mày", Category::Profanity),
        ("dit me may", Category::Profanity),
        ("đụ má", Category::Profanity),
        ("vl thật", Category::Profanity),
        ("nhà cái uy tín nạp 100k tặng 100k", Category::Gambling),
        ("n h à c á i uy tín", Category::Gambling),
        ("tài xỉu online nạp thẻ cào", Category::Gambling),
        (
            "trúng thưởng iphone, nạp thẻ cào 200k phí nhận quà",
            Category::Scam,
        ),
        (
            "việc nhẹ lương cao cho học sinh, nạp trước 500k",
            Category::Scam,
        ),
        ("tao muốn chết", Category::SelfHarm),
        ("kill yourself", Category::SelfHarm),
        ("porn free link in bio", Category::Adult),
        ("số em là 0912 345 678 nha anh", Category::PersonalInfo),
        (
            "nhà em ở số 12 ngõ 5 phường Dịch Vọng",
            Category::PersonalInfo,
        ),
    ] {
        assert!(
            flagged(text).contains(&category),
            "{text:?} → {:?}",
            check(text)
        );
    }
}

#[test]
fn everyday_words_score_nothing() {
    // Settings and ordinary words ("tối nay", "after school", "thẻ cào") only strengthen a harm
    // other evidence shows.
    for text in [
        "Tối nay",
        "tối nay ăn gì",
        "mai 6h30 gặp ở cổng trg nha, đi chung xe bus",
        "Chị gái tặng mình thẻ cào 50k để nạp điện thoại gọi cho bà ngoại",
        "see you after school tomorrow",
        "inbox mình nhé",
        "Me oi, chu nhat sinh nhat bo, minh lam banh bat ngo nhe, dung noi voi bo",
    ] {
        let v = check(text);
        let lexicon: Vec<_> = v
            .categories
            .iter()
            .filter(|c| c.evidence.iter().any(|e| !e.rule.starts_with("model:")))
            .collect();
        assert!(lexicon.is_empty(), "{text:?} → {v:?}");
        assert_eq!(v.action, Action::Allow, "{text:?}");
    }
    // The same words next to a threat count.
    assert!(flagged("tối nay tao mang dao chém thằng đó").contains(&Category::Violence));
}

#[test]
fn vietnamese_hate_against_regions_peoples_and_lgbt() {
    for text in [
        "bọn bắc kỳ",
        "lũ nam kỳ ngu",
        "bon bac ky",
        "thằng tàu",
        "bọn trung cẩu",
        "đồ bê đê",
        "3 que",
        "parky",
        "dân thanh hóa toàn đi ăn trộm chó",
    ] {
        assert!(
            flagged(text).contains(&Category::Hate),
            "{text:?} → {:?}",
            check(text)
        );
    }
    for text in [
        "nam kỳ khởi nghĩa",
        "con tàu đẹp quá",
        "bọn con gái lớp mình đi chơi",
        "người miền bắc và người miền nam",
    ] {
        assert!(
            !flagged(text).contains(&Category::Hate),
            "{text:?} → {:?}",
            check(text)
        );
    }
}

#[test]
fn typed_without_diacritics() {
    // Accent-sensitive slang counts when other drug words are there ("ke" next to "bong cuoi").
    let v = check("Di canh dem nay khong, co bong cuoi voi ke, gop 200k mot nguoi");
    assert!(
        Policy::default().action(Category::Drugs, v.score(Category::Drugs)) >= Action::Review,
        "{v:?}"
    );
    // … and not alone.
    assert!(!flagged("co ke nao biet khong").contains(&Category::Drugs));
    // English words that are also bare Vietnamese ("bat" is "bất") count in English text only.
    assert!(!flagged("lam banh bat ngo nhe").contains(&Category::Violence));
    assert!(flagged("bring a bat tomorrow, we gonna beat him up").contains(&Category::Violence));
}

#[test]
fn letters_spaced_apart() {
    for (text, category) in [
        ("S à m l ồ n", Category::Profanity),
        ("Lợi cái đầu b u ồ i j hả", Category::Profanity),
        ("M À Y  N G U  V L", Category::Profanity),
        ("co b o n g c u o i vs ke", Category::Drugs),
        ("Ban c l i p n o n g nu sinh lop 9", Category::SexualMinors),
        (
            "t c h á n s ố n g r, ko ai h i ể u t cả",
            Category::SelfHarm,
        ),
    ] {
        assert!(
            flagged(text).contains(&category),
            "{text:?} → {:?}",
            check(text)
        );
    }
}

#[test]
fn context_rules_negation_news_and_jokes() {
    assert!(flagged("mình muốn chết").contains(&Category::SelfHarm));
    assert!(!flagged("mình không muốn chết đâu, chỉ mệt thôi").contains(&Category::SelfHarm));
    assert!(flagged("cá độ bóng đá uy tín, nạp lần đầu tặng 100%").contains(&Category::Gambling));
    assert!(flagged("Tin tức: công an triệt phá đường dây cá độ bóng đá").is_empty());
    assert!(flagged("cười muốn chết với clip này").is_empty());
    assert!(flagged("chơi game giết thời gian").is_empty());
    // A negator that ends a clause is a question: "đi không? có bóng cười".
    assert!(flagged("Đi cảnh đêm nay không? Có bóng cười với ke").contains(&Category::Drugs));
    assert!(flagged("không có ma túy đâu").is_empty());
    // "không thì" is "otherwise", not a negation.
    assert!(
        flagged("chuyển 1 triệu vào tài khoản này, không thì tao tung ảnh lên mạng")
            .contains(&Category::Sextortion)
    );
}

#[test]
fn verdict_has_evidence_in_original_char_indices() {
    let text = "Ê mấy đứa, NHÀ CÁI uy tín nè 🎰, nạp 100k tặng 100k";
    let v = check(text);
    let top = &v.categories[0];
    assert_eq!(top.category, Category::Gambling);
    assert!(v.action >= Action::Review);
    assert_eq!(v.risk_group, Some(lachan_policy::RiskGroup::Content));
    let chars: Vec<char> = text.chars().collect();
    assert!(!top.evidence.is_empty());
    for e in &top.evidence {
        assert!(e.start < e.end && e.end <= chars.len(), "{e:?}");
        assert_eq!(e.text, chars[e.start..e.end].iter().collect::<String>());
        assert!(e.rule.starts_with("lexicon:") || e.rule.starts_with("pattern:"));
    }
    assert!(
        top.evidence.iter().any(|e| e.text == "NHÀ CÁI"),
        "{:?}",
        top.evidence
    );
    let json = serde_json::to_value(&v).expect("serialize");
    assert_eq!(json["categories"][0]["category"], "gambling");
    assert!(json["categories"][0]["evidence"][0]["rule"].is_string());
    assert!(json["action"] == "review" || json["action"] == "block");
}

#[test]
fn policy_thresholds_change_the_action() {
    let n = Normalized::new("tao muốn chết, chán sống lắm rồi").expect("short");
    let c = Classifier::builtin();
    let v = c.check(&n, &Policy::default());
    assert_eq!(v.action, Action::Block);
    assert_eq!(v.categories[0].severity, Severity::Critical);
    let mut lenient = Policy::default();
    lenient.thresholds.insert(
        Category::SelfHarm,
        Thresholds {
            review: 0.99,
            block: None,
        },
    );
    let v = c.check(&n, &lenient);
    assert_eq!(v.action, Action::Allow);
    assert_eq!(v.risk_group, None);
    assert_eq!(v.categories[0].severity, Severity::High);
    // A policy round-trips through JSON (the server stores it).
    let json = serde_json::to_string(&Policy::default()).expect("serialize");
    let back: Policy = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, Policy::default());
    assert_eq!(Policy::default().thresholds.len(), TEXT_CATEGORIES.len());
}

#[test]
fn built_in_data_is_small_and_bad_data_is_an_error() {
    assert!(
        BUILTIN_MODEL.len() < 1024 * 1024,
        "model is {} bytes",
        BUILTIN_MODEL.len()
    );
    let model = Classifier::builtin().model();
    assert!(model.head("offensive").is_some() && model.head("hate").is_some());
    assert!(Classifier::new(BUILTIN_LEXICONS, BUILTIN_CONTEXTS, BUILTIN_MODEL).is_ok());
    assert!(Classifier::new(BUILTIN_LEXICONS, BUILTIN_CONTEXTS, b"LCHM garbage").is_err());
    assert!(
        Classifier::new(
            &[("x.toml", "lang = \"vi\"\n[[cue]]\nname = 1")],
            BUILTIN_CONTEXTS,
            BUILTIN_MODEL
        )
        .is_err()
    );
    let bad_weight = "lang = \"vi\"\ncategory = \"drugs\"\n[[cue]]\nname = \"x\"\nweight = 2.0\nterms = [\"abc\"]";
    assert!(Classifier::new(&[("x.toml", bad_weight)], BUILTIN_CONTEXTS, BUILTIN_MODEL).is_err());
    let unknown_cue =
        "lang = \"vi\"\ncategory = \"drugs\"\n[[combo]]\nall = [\"a\", \"b\"]\nweight = 0.5";
    assert!(Classifier::new(&[("x.toml", unknown_cue)], BUILTIN_CONTEXTS, BUILTIN_MODEL).is_err());
}

#[test]
fn any_input_gives_a_verdict() {
    let c = Classifier::builtin();
    let policy = Policy::default();
    for text in [
        String::new(),
        " ".repeat(100),
        "🎰".repeat(4000),
        "\u{0}\u{1}\u{7f}\u{200b}".repeat(100),
        "đ".repeat(8000),
        "1 ".repeat(8000),
        String::from_utf8_lossy(&[0xff, 0xfe, b'a', 0xc3]).into_owned(),
        "tối nay tao mang dao đâm chết mày, nhà cái uy tín 0912345678 ".repeat(200),
    ] {
        if let Ok(n) = Normalized::new(&text) {
            let v = c.check(&n, &policy);
            for cat in &v.categories {
                assert!((0.0..=1.0).contains(&cat.score));
                for e in &cat.evidence {
                    assert!(e.start <= e.end && e.end <= text.chars().count());
                }
            }
        }
    }
}
