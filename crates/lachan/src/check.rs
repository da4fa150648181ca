//! `lachan check domain NAME`: the decision for one name and why — which rule of which list,
//! which profile, which category.

use std::net::IpAddr;

use anyhow::{Result, bail};
use lachan_dns::{Filter, Verdict};
use serde_json::json;

use crate::app::{self, Setup};

/// Prints the decision for `name` as asked by `client`.
pub async fn domain(
    setup: Setup,
    name: &str,
    client: IpAddr,
    qtype: &str,
    as_json: bool,
) -> Result<()> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() || name.len() > 253 || name.contains(char::is_whitespace) {
        bail!("'{name}' is not a domain name");
    }
    let qtype = match qtype.to_ascii_uppercase().as_str() {
        "A" => lachan_dns::wire::rtype::A,
        "AAAA" => lachan_dns::wire::rtype::AAAA,
        "CNAME" => lachan_dns::wire::rtype::CNAME,
        "HTTPS" => lachan_dns::wire::rtype::HTTPS,
        other => bail!("query type '{other}' is not one of A, AAAA, CNAME, HTTPS"),
    };
    let store = setup.open_store().await?;
    let config = app::filter_config(&store, &setup).await?;
    let (filter, _reports) = Filter::new(&config)?;
    let decision = filter.decide(client, &name, qtype);
    let source_of = |list: &str| {
        config
            .lists
            .iter()
            .find(|l| l.name == list)
            .and_then(|l| match &l.source {
                lachan_rules::ListSource::File(path) => Some(path.clone()),
                lachan_rules::ListSource::Text(_) => None,
            })
    };
    let (verdict, category, rule_ref) = match &decision.verdict {
        Verdict::Forward { allowed_by } => ("allowed", None, allowed_by.clone()),
        Verdict::Block { category, rule } => ("blocked", *category, Some(rule.clone())),
        Verdict::BlockService { .. } | Verdict::BlockTime { .. } => ("blocked", None, None),
        Verdict::Rewrite { rule, .. } => ("rewritten", None, Some(rule.clone())),
        Verdict::SafeSearch { .. } => ("safe_search", None, None),
        Verdict::Canary => ("canary_nxdomain", None, None),
    };
    let rule_text = rule_ref.as_ref().and_then(|r| {
        r.text
            .clone()
            .or_else(|| source_of(&r.list).and_then(|p| app::read_line(&p, r.line)))
    });
    let list_source = rule_ref.as_ref().and_then(|r| {
        store_list_source(&setup, &r.list)
            .or_else(|| source_of(&r.list).map(|p| p.display().to_string()))
    });
    let detail = match &decision.verdict {
        Verdict::SafeSearch { engine, target } => {
            Some(format!("{} safe search: CNAME {target}", engine.as_str()))
        }
        Verdict::Rewrite { rewrite, .. } => Some(format!("{rewrite:?}")),
        Verdict::Canary => Some("browsers' DNS-over-HTTPS canary: answered NXDOMAIN".into()),
        Verdict::BlockTime { reason } => {
            Some(format!("{} / {}", reason.text_vi(), reason.text_en()))
        }
        Verdict::BlockService { service } => Some(format!(
            "blocked service: {} ({}, group {})",
            service.name, service.id, service.group
        )),
        _ => None,
    };
    if as_json {
        let out = json!({
            "name": name,
            "client": client.to_string(),
            "client_name": decision.client.as_deref(),
            "profile": &*decision.profile,
            "decision": verdict,
            "category": category.map(|c| c.as_str()),
            "rule": rule_ref.as_ref().map(|r| json!({
                "list": &*r.list, "line": r.line, "text": rule_text, "source": list_source,
            })),
            "detail": detail,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("{name}: {}", verdict.to_uppercase());
    match &decision.client {
        Some(c) => println!("  client:   {client} ({c})"),
        None => println!("  client:   {client} (not a known device: default profile)"),
    }
    println!("  profile:  {}", decision.profile);
    if let Some(c) = category {
        println!("  category: {c} ({} risk)", c.group());
    }
    if let Some(r) = &rule_ref {
        let text = rule_text.as_deref().unwrap_or("?");
        println!("  rule:     {text}");
        println!(
            "            list '{}', line {}{}",
            r.list,
            r.line,
            list_source.map(|s| format!(" ({s})")).unwrap_or_default()
        );
    }
    if let Some(d) = detail {
        println!("  answer:   {d}");
    }
    Ok(())
}

/// The configured source (URL or path) of a list, for display.
fn store_list_source(setup: &Setup, list: &str) -> Option<String> {
    setup
        .config
        .lists
        .iter()
        .find(|l| l.name == list)
        .map(|l| l.source.clone())
}
