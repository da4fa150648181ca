//! Realistic query-log traffic built from the hostsVN lists in the shared data.

#![allow(dead_code)] // each test binary uses a part of these helpers

use lachan_policy::Category;
use lachan_store::{Decision, QueryEvent};
use std::sync::Arc;

const BLOCKLISTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/blocklists"
);

/// The names of a hostsVN "domains" list (one name a line, `#` comments).
pub fn names(relative: &str) -> Vec<String> {
    let path = format!("{BLOCKLISTS}/hostsvn/{relative}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Vietnamese names of each category, from hostsVN's "-VN" lists.
pub fn vietnamese_names() -> Vec<(Category, Vec<String>)> {
    vec![
        (Category::Adult, names("extensions/adult/domain-VN.txt")),
        (
            Category::Gambling,
            names("extensions/gambling/domain-VN.txt"),
        ),
        (Category::Threat, names("extensions/threat/domain-VN.txt")),
        (Category::Ads, names("option/domain-VN.txt")),
    ]
}

/// The clients of the traffic: (name, IP); the last has no configured name.
pub const CLIENTS: [(Option<&str>, &str); 4] = [
    (Some("an-tablet"), "192.168.1.21"),
    (Some("binh-phone"), "192.168.1.22"),
    (Some("lop-6a"), "10.0.6.1"),
    (None, "192.168.1.99"),
];

/// `count` events, one every `step_ms` from `start_ms`, cycling through clients and
/// categories; the "child" profile blocks adult, gambling and threat names, ads are allowed
/// (every fifth one from the cache).
pub fn traffic(count: usize, start_ms: i64, step_ms: i64) -> Vec<QueryEvent> {
    let lists = vietnamese_names();
    (0..count)
        .map(|i| {
            let (category, names) = &lists[i % lists.len()];
            let name = &names[(i / lists.len()) % names.len()];
            let (client_name, ip) = CLIENTS[(i / lists.len()) % CLIENTS.len()];
            let blocked = *category != Category::Ads;
            let decision = match (blocked, i % 5) {
                (true, _) => Decision::Blocked,
                (false, 0) => Decision::Cached,
                (false, _) => Decision::Allowed,
            };
            QueryEvent {
                time_ms: start_ms + i as i64 * step_ms,
                client_ip: Some(ip.parse().expect("test addresses are valid")),
                client_name: client_name.map(Arc::from),
                profile: Arc::from("child"),
                name: name.clone(),
                qtype: if i % 2 == 0 { 1 } else { 28 },
                decision,
                category: Some(*category),
                rule: blocked.then(|| format!("hostsvn-{category}:{}", i % 1000 + 1)),
                upstream: (decision == Decision::Allowed).then(|| Arc::from("1.1.1.1:53")),
                upstream_ms: (decision == Decision::Allowed).then_some(12 + (i % 30) as u32),
            }
        })
        .collect()
}
