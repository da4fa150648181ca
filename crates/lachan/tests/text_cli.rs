//! The text-safety commands end to end: `lachan check text` from an argument and from standard
//! input (invalid UTF-8 is explained, not a panic), and `lachan eval` on the development set,
//! whose `--json` output has the documented shape.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use support::shared;

const BIN: &str = env!("CARGO_BIN_EXE_lachan");

fn lachan(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_betting_ad_is_flagged_from_an_argument_and_from_stdin() {
    let ad = "Nhà cái uy tín, nạp thẻ cào nhận thưởng tài xỉu mỗi ngày";
    let out = lachan(&["check", "text", "--json", ad], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(verdict["action"], "allow", "{verdict}");
    let categories = verdict["categories"].as_array().unwrap();
    assert!(
        categories.iter().any(|c| c["category"] == "gambling"),
        "{verdict}"
    );

    let out = lachan(&["check", "text"], ad.as_bytes());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("gambling"));

    let out = lachan(
        &["check", "text", "--json"],
        "Hôm nay con đi học".as_bytes(),
    );
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["action"], "allow", "{verdict}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let out = lachan(&["check", "text"], b"caf\xff\xfe");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not valid UTF-8"), "{err}");

    let huge = "a".repeat(1 << 20);
    let out = lachan(&["check", "text"], huge.as_bytes());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");

    let out = lachan(&["eval", "messages", "/nonexistent/messages.jsonl"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn eval_prints_the_documented_json() {
    let messages = shared("text/dev/messages.jsonl");
    let out = lachan(
        &["eval", "messages", messages.to_str().unwrap(), "--json"],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["precision", "recall", "f1", "fpr"] {
        assert!(report["any"][key].is_number(), "{key}: {report}");
    }
    let gambling = &report["categories"]["gambling"];
    for key in ["precision", "recall", "f1", "support"] {
        assert!(gambling[key].is_number(), "{key}: {report}");
    }
    assert!(gambling["support"].as_u64().unwrap() > 0);

    let conversations = shared("text/dev/conversations.jsonl");
    let out = lachan(
        &[
            "eval",
            "conversations",
            conversations.to_str().unwrap(),
            "--json",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["precision", "recall", "f05", "fpr", "median_delay"] {
        assert!(report[key].is_number(), "{key}: {report}");
    }

    let human = lachan(&["eval", "messages", messages.to_str().unwrap()], b"");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("lang=vi") && text.contains("style=teencode"),
        "{text}"
    );
}
