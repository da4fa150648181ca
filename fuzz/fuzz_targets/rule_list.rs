//! Arbitrary text (bytes decoded as lossy UTF-8, at most 64 KiB) as a rule list.
//!
//! Exercised: `lachan_rules::parse_line` on every line (plain domains covering subdomains and
//! not), `RuleIndex::build` on the whole text as two lists (one of each kind), `check` for
//! names taken from the text and for fixed names under a few list masks, query types and
//! clients, then `RuleIndex::rebuild` with the same lists; and, for the first few lines, an
//! index of that one line.
//!
//! Must hold, whatever the text:
//! - nothing panics, and memory stays bounded;
//! - the index loader agrees with `parse_line`: the lines it reports invalid are exactly those
//!   `parse_line` refuses (plus lines over `MAX_LINE_LEN`), and the rules it counts are the
//!   rules `parse_line` returns (each name of a hosts line counted);
//! - no rule matches when no list is active;
//! - a rebuild with the same lists gives the same reports and the same decisions;
//! - a list of one plain blocking line (a hosts entry or a domain rule without modifiers other
//!   than `$important`) blocks the names it holds, citing line 1.

#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use lachan_rules::{
    Action, ListInput, ListMask, ListSource, MAX_LINE_LEN, Match, Pattern, Query, Rule, RuleIndex,
    parse_line,
};
use libfuzzer_sys::fuzz_target;

/// Largest input looked at, in bytes.
const MAX_INPUT: usize = 64 * 1024;
/// Lines checked on their own in a one-line index.
const SINGLE_LINE_CHECKS: usize = 4;
/// Names taken from the text to check.
const DERIVED_NAMES: usize = 16;

/// Names checked against every index besides those taken from the text.
const FIXED_NAMES: &[&str] = &[
    "casino.test",
    "www.casino.test",
    "WWW.Example.COM.",
    "example.com",
    "com",
    "",
    ".",
    "..",
    "a..b",
    "xn--bcher-kva.example",
    "bücher.example",
    "_dmarc.example.org",
    "0.0.0.0",
    "localhost",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(&data[..data.len().min(MAX_INPUT)]);
    let lines = reader_lines(&text);
    let mut expected = [Expected::default(), Expected::default()];
    for line in &lines {
        for (slot, subdomains) in expected.iter_mut().zip([true, false]) {
            slot.add(line, subdomains);
        }
    }
    let source = ListSource::Text(Arc::from(&*text));
    let inputs = [
        list_input(0, true, source.clone()),
        list_input(1, false, source),
    ];
    let (index, reports) = RuleIndex::build(&inputs);
    assert_eq!(reports.len(), 2);
    for (report, want) in reports.iter().zip(&expected) {
        assert_eq!(
            (report.invalid, report.rules),
            (want.invalid, want.rules),
            "loader and parse_line disagree on list {} (errors {:?})",
            report.id,
            report.errors
        );
    }
    let names = names_to_check(&lines);
    let before = decisions(&index, &names);
    let rebuilt = index.rebuild(&inputs);
    assert_eq!(
        rebuilt, reports,
        "rebuild reports differ from build reports"
    );
    assert_eq!(
        decisions(&index, &names),
        before,
        "rebuild changed decisions"
    );
    for line in lines.iter().take(SINGLE_LINE_CHECKS) {
        check_single_line(line);
    }
});

/// Lines as the list reader splits them: on `\n`, one trailing `\r` removed, no empty last line.
fn reader_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// What the index should report for one list, computed line by line with `parse_line`.
#[derive(Debug, Default)]
struct Expected {
    invalid: usize,
    rules: usize,
}

impl Expected {
    fn add(&mut self, line: &str, subdomains: bool) {
        if line.len() > MAX_LINE_LEN {
            self.invalid += 1;
            return;
        }
        match parse_line(line, subdomains) {
            Err(_) => self.invalid += 1,
            Ok(None) => {}
            Ok(Some(rule)) => {
                self.rules += match &rule.pattern {
                    Pattern::Hosts(names) => names.len(),
                    _ => 1,
                }
            }
        }
    }
}

fn list_input(id: u16, subdomains: bool, source: ListSource) -> ListInput {
    ListInput {
        id,
        name: format!("fuzz-{id}"),
        subdomains,
        source,
    }
}

/// The fixed names plus name-like tokens of the text (and a subdomain of each).
fn names_to_check(lines: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = FIXED_NAMES.iter().map(|n| n.to_string()).collect();
    names.push("a".repeat(63) + "." + &"b".repeat(63) + "." + &"c".repeat(63) + ".test");
    let tokens = lines
        .iter()
        .flat_map(|l| l.split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))))
        .filter(|t| !t.is_empty() && t.len() <= 253)
        .take(DERIVED_NAMES);
    for token in tokens {
        names.push(format!("sub.{token}"));
        names.push(token.to_string());
    }
    names
}

/// Every decision for `names` under two masks and a few query types and clients; with no list
/// active, nothing may match.
fn decisions(index: &RuleIndex, names: &[String]) -> Vec<Option<Match>> {
    let masks = [ListMask::all(), ListMask::from_ids([1])];
    let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let lan = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20));
    let asks = [
        (1, local, None),
        (28, lan, Some("kid")),
        (65, local, Some("kid")),
    ];
    let mut out = Vec::new();
    for name in names {
        let query = |(qtype, client_ip, client_name): (u16, IpAddr, Option<&'static str>)| Query {
            name,
            qtype,
            client_ip,
            client_name,
        };
        let none = index.check(&query(asks[0]), &ListMask::new());
        assert_eq!(none, None, "{name:?} matched with no list active");
        for mask in &masks {
            for ask in asks {
                out.push(index.check(&query(ask), mask));
            }
        }
    }
    out
}

/// A one-line list whose line is a plain block must block the names it holds.
fn check_single_line(line: &str) {
    if line.len() > MAX_LINE_LEN {
        return;
    }
    let Ok(Some(rule)) = parse_line(line, true) else {
        return;
    };
    let Some(names) = blocked_names(&rule) else {
        return;
    };
    let source = ListSource::Text(Arc::from(line));
    let (index, _) = RuleIndex::build(&[list_input(7, true, source)]);
    for name in names {
        let q = Query {
            name: &name,
            qtype: 1,
            client_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            client_name: None,
        };
        let found = index.check(&q, &ListMask::all());
        assert!(
            matches!(
                found,
                Some(Match {
                    list: 7,
                    line: 1,
                    action: Action::Block,
                    ..
                })
            ),
            "line {line:?} parsed as {rule:?} does not block {name:?}: {found:?}"
        );
    }
}

/// The names a plain blocking rule must block, or `None` for other rules.
fn blocked_names(rule: &Rule) -> Option<Vec<String>> {
    if rule.exception || rule.modifiers.badfilter || !rule.modifiers.is_plain() {
        return None;
    }
    match &rule.pattern {
        Pattern::Hosts(names) => Some(names.clone()),
        Pattern::Domain { name, subdomains } => {
            let mut names = vec![name.clone()];
            if *subdomains && name.len() + 4 <= 253 {
                names.push(format!("sub.{name}"));
            }
            Some(names)
        }
        Pattern::Wildcard(_) | Pattern::Regex(_) => None,
    }
}
