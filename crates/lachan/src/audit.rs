//! `lachan audit`: checking the audit log's hash chain (`verify`) and listing its entries
//! (`list`).

use anyhow::Result;
use lachan_store::{AuditProblem, AuditProblemKind, AuditVerification, Store};

use crate::querylog::local_time;

/// Checks the audit log and prints the result (one JSON object with `json`); returns whether
/// the log is intact, so that the command can fail when it is not.
pub async fn verify(store: &Store, json: bool) -> Result<bool> {
    let verification = store.verify_audit().await?;
    if json {
        println!("{}", verification_json(&verification));
    } else {
        println!("{}", summary(&verification));
        if !verification.is_intact() {
            println!(
                "The {} entries before it are intact. Keep this database as evidence and compare \
                 it with a backup to see what was changed.",
                verification.entries
            );
        }
    }
    Ok(verification.is_intact())
}

/// Prints the `limit` most recent entries, newest first (one JSON object per line with `json`).
pub async fn list(store: &Store, limit: u32, json: bool) -> Result<()> {
    let entries = store.audit_log(limit).await?;
    if json {
        for entry in &entries {
            println!("{}", serde_json::to_string(entry)?);
        }
        return Ok(());
    }
    if entries.is_empty() {
        println!("The audit log is empty.");
        return Ok(());
    }
    let tz = jiff::tz::TimeZone::system();
    println!(
        "{:>6}  {:<19}  {:<16}  {:<20}  {:<20}  DETAIL",
        "ID", "TIME", "ACTOR", "ACTION", "OBJECT"
    );
    for e in &entries {
        let time = local_time(&tz, e.time_ms);
        println!(
            "{:>6}  {time:<19}  {:<16}  {:<20}  {:<20}  {}",
            e.id, e.actor, e.action, e.object, e.detail
        );
    }
    Ok(())
}

/// The one-line result: intact with its size and last hash, or where and how it is broken.
fn summary(verification: &AuditVerification) -> String {
    match &verification.problem {
        None => format!(
            "Audit log intact: {} entries, last hash {}",
            verification.entries,
            verification.last_hash.map_or("none".into(), |h| hex(&h))
        ),
        Some(problem) => format!(
            "Audit log BROKEN at entry {}: {}",
            problem.id,
            explain(problem)
        ),
    }
}

/// What a problem means, in words.
fn explain(problem: &AuditProblem) -> &'static str {
    match problem.kind {
        AuditProblemKind::Edited => "the entry was edited (its hash does not match)",
        AuditProblemKind::Removed => {
            "the entry was removed (the next remaining entry's link does not match)"
        }
        AuditProblemKind::TailRemoved => {
            "the entry was removed, with any after it (the log's head records it as the last)"
        }
        AuditProblemKind::Unchained => {
            "the entry was added outside Lachan (it is not part of the hash chain)"
        }
        AuditProblemKind::HeadMismatch => {
            "the log's head record was changed or removed (it does not match the entries)"
        }
    }
}

fn verification_json(verification: &AuditVerification) -> serde_json::Value {
    serde_json::json!({
        "intact": verification.is_intact(),
        "entries": verification.entries,
        "last_hash": verification.last_hash.map(|h| hex(&h)),
        "problem": verification.problem.map(|p| serde_json::json!({
            "id": p.id,
            "kind": p.kind.as_str(),
            "message": explain(&p),
        })),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
