//! `lachan querylog`: recent queries from the store, newest first.

use anyhow::{Context, Result};
use lachan_store::{QueryLogFilter, Store};

/// Prints recent queries matching the filters.
pub async fn show(
    store: &Store,
    client: Option<String>,
    blocked: bool,
    since: Option<String>,
    limit: u32,
    as_json: bool,
) -> Result<()> {
    let since_ms = since.as_deref().map(parse_since).transpose()?;
    let events = store
        .query_log(&QueryLogFilter {
            client,
            blocked_only: blocked,
            since_ms,
            name_contains: None,
            limit,
        })
        .await?;
    if as_json {
        for e in &events {
            let line = serde_json::json!({
                "time_ms": e.time_ms, "client_ip": e.client_ip.map(|ip| ip.to_string()), "client_name": e.client_name.as_deref(),
                "profile": &*e.profile, "name": e.name, "qtype": e.qtype, "decision": e.decision.as_str(),
                "category": e.category.map(|c| c.as_str()), "rule": e.rule, "upstream": e.upstream.as_deref(),
                "upstream_ms": e.upstream_ms,
            });
            println!("{line}");
        }
        return Ok(());
    }
    if events.is_empty() {
        println!(
            "No queries logged{}.",
            if blocked { " that were blocked" } else { "" }
        );
        return Ok(());
    }
    let tz = jiff::tz::TimeZone::system();
    println!(
        "{:<19}  {:<22}  {:<10}  {:<11}  {:<5}  NAME",
        "TIME", "CLIENT", "PROFILE", "DECISION", "TYPE"
    );
    for e in &events {
        let time = local_time(&tz, e.time_ms);
        let client = e
            .client_name
            .as_deref()
            .map(str::to_string)
            .or_else(|| e.client_ip.map(|ip| ip.to_string()))
            .unwrap_or_else(|| "-".into());
        let why = match (&e.category, &e.rule) {
            (Some(c), Some(r)) => format!("  [{c}: {r}]"),
            (None, Some(r)) => format!("  [{r}]"),
            _ => String::new(),
        };
        println!(
            "{time:<19}  {client:<22}  {:<10}  {:<11}  {:<5}  {}{why}",
            e.profile,
            e.decision.as_str(),
            qtype_name(e.qtype),
            e.name
        );
    }
    Ok(())
}

/// A stored time (Unix milliseconds) in the time zone `tz`, as the command line's tables show
/// it: `2026-11-27 10:00:00` (empty if out of range).
pub(crate) fn local_time(tz: &jiff::tz::TimeZone, ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

fn qtype_name(qtype: u16) -> String {
    match qtype {
        1 => "A".into(),
        28 => "AAAA".into(),
        5 => "CNAME".into(),
        65 => "HTTPS".into(),
        15 => "MX".into(),
        16 => "TXT".into(),
        12 => "PTR".into(),
        other => other.to_string(),
    }
}

/// `--since`: a duration back from now ("15m", "2h", "1d") or a timestamp ("2026-11-27T10:00:00Z").
fn parse_since(text: &str) -> Result<i64> {
    let now = jiff::Timestamp::now();
    let t = text.trim();
    let unit = t.chars().last().unwrap_or(' ');
    if let Ok(n) = t[..t.len().saturating_sub(1)].parse::<i64>()
        && let Some(secs) = match unit {
            's' => Some(1),
            'm' => Some(60),
            'h' => Some(3600),
            'd' => Some(86_400),
            _ => None,
        }
    {
        return Ok(now.as_millisecond() - n.saturating_mul(secs * 1000));
    }
    let ts: jiff::Timestamp = t.parse().with_context(|| {
        format!(
            "--since '{text}': use a duration like 15m, 2h, 1d or a time like 2026-11-27T10:00:00Z"
        )
    })?;
    Ok(ts.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_durations_and_timestamps() {
        let now = jiff::Timestamp::now().as_millisecond();
        let two_hours = parse_since("2h").unwrap();
        assert!((now - two_hours - 7_200_000).abs() < 5_000);
        assert_eq!(
            parse_since("2026-11-27T10:00:00Z").unwrap(),
            1_795_773_600_000
        );
        assert!(
            parse_since("yesterday")
                .unwrap_err()
                .to_string()
                .contains("use a duration")
        );
    }
}
