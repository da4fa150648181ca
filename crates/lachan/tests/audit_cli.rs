//! `lachan audit` end to end: entries made by the CLI (`lachan token create`) verify intact
//! with their last hash; editing a row of the audit table directly, or removing the last one,
//! makes `lachan audit verify` exit 1 naming the entry, in plain text and in JSON; `lachan
//! audit list` shows the entries newest first.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;
use support::{lachan, succeeded, text};

/// A data directory whose audit log holds three "token created" entries, made by the CLI.
fn with_three_entries() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["school-app", "game-chat", "hotline-intake"] {
        succeeded(&lachan(
            tmp.path(),
            &["token", "create", "--role", "platform", "--name", name],
        ));
    }
    tmp
}

/// Runs one statement on the data directory's database, as someone tampering with it would.
async fn tamper(data: &Path, sql: &'static str) {
    let options = SqliteConnectOptions::new().filename(data.join("lachan.db"));
    let db = SqlitePool::connect_with(options).await.unwrap();
    let done = sqlx::query(sql).execute(&db).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
    db.close().await;
}

fn verify_json(data: &Path) -> (Output, Value) {
    let out = lachan(data, &["audit", "verify", "--json"]);
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    (out, value)
}

#[tokio::test]
async fn editing_a_row_of_the_audit_table_makes_verify_fail_naming_it() {
    let tmp = with_three_entries();
    let out = lachan(tmp.path(), &["audit", "verify"]);
    succeeded(&out);
    let stdout = text(&out.stdout);
    let hash = stdout
        .trim()
        .strip_prefix("Audit log intact: 3 entries, last hash ")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hash}"
    );
    let (out, json) = verify_json(tmp.path());
    succeeded(&out);
    assert_eq!(json["intact"], true);
    assert_eq!(json["entries"], 3);
    assert_eq!(json["last_hash"], hash);
    assert_eq!(json["problem"], Value::Null);

    tamper(tmp.path(), "UPDATE audit_log SET detail = 'x' WHERE id = 2").await;
    let out = lachan(tmp.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "Audit log BROKEN at entry 2: the entry was edited (its hash does not match)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("The 1 entries before it are intact."),
        "{stdout}"
    );
    let (out, json) = verify_json(tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json["intact"], false);
    assert_eq!(json["entries"], 1);
    assert_eq!(json["problem"]["id"], 2);
    assert_eq!(json["problem"]["kind"], "edited");
}

#[tokio::test]
async fn removing_the_last_entry_makes_verify_fail_naming_it() {
    let tmp = with_three_entries();
    tamper(tmp.path(), "DELETE FROM audit_log WHERE id = 3").await;
    let out = lachan(tmp.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Audit log BROKEN at entry 3: the entry was removed"),
        "{stdout}"
    );
    let (_, json) = verify_json(tmp.path());
    assert_eq!(json["problem"]["kind"], "tail_removed");
    assert_eq!(json["entries"], 2);
}

#[test]
fn list_shows_the_entries_newest_first() {
    let tmp = with_three_entries();
    let out = lachan(tmp.path(), &["audit", "list", "--limit", "2", "--json"]);
    succeeded(&out);
    let entries: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let objects: Vec<&str> = entries
        .iter()
        .map(|e| e["object"].as_str().unwrap())
        .collect();
    assert_eq!(objects, ["hotline-intake", "game-chat"]);
    assert!(entries.iter().all(|e| e["action"] == "token created"));

    let out = lachan(tmp.path(), &["audit", "list"]);
    succeeded(&out);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].trim_start().starts_with("ID"), "{stdout}");
    assert!(lines[1].trim_start().starts_with("3 "), "{stdout}");
}
