//! Memory and load time of a 1,000,000-name list.
//!
//! Collects every unique name of the real lists in `shared/data/blocklists` (HaGeZi wildcard
//! files, hostsVN hosts files, StevenBlack), tops them up with generated names to exactly
//! 1,000,000, writes them to a temporary file, then measures in a fresh child process (so that
//! the name collection does not pollute its memory figures):
//! load+compile time, RSS before and after, bytes per rule, and the peak RSS during `rebuild`.
//!
//! Run: `cargo run --release -p lachan-rules --example rule_memory`

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use lachan_rules::{ListInput, ListMask, ListSource, Pattern, Query, RuleIndex, parse_line};

const TARGET: usize = 1_000_000;

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/blocklists"
    ))
}

/// The real lists and whether their plain domains cover subdomains.
const SOURCES: &[(&str, bool)] = &[
    ("hagezi/wildcard/pro-onlydomains.txt", true),
    ("hagezi/wildcard/nsfw-onlydomains.txt", true),
    ("hagezi/wildcard/gambling.medium-onlydomains.txt", true),
    ("hostsvn/hosts", false),
    ("hostsvn/option/hosts-VN", false),
    ("hostsvn/extensions/adult/hosts", false),
    ("hostsvn/extensions/adult/hosts-VN", false),
    ("hostsvn/extensions/gambling/hosts", false),
    ("hostsvn/extensions/gambling/hosts-VN", false),
    ("hostsvn/extensions/threat/hosts", false),
    ("hostsvn/extensions/threat/hosts-VN", false),
    ("stevenblack/hosts-domains.txt", false),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("measure") => measure(Path::new(&args[2]), args[3].parse().expect("real count")),
        _ => prepare_and_spawn(),
    }
}

fn prepare_and_spawn() {
    let mut seen = HashSet::with_capacity(TARGET);
    let mut names = Vec::with_capacity(TARGET);
    for (path, subdomains) in SOURCES {
        let text = std::fs::read_to_string(data_dir().join(path)).expect("blocklist data");
        for line in text.lines() {
            let rule = match parse_line(line, *subdomains) {
                Ok(Some(rule)) => rule,
                _ => continue,
            };
            let found = match rule.pattern {
                Pattern::Hosts(names) => names,
                Pattern::Domain { name, .. } => vec![name],
                _ => continue,
            };
            for name in found {
                if seen.insert(name.clone()) {
                    names.push(name);
                }
            }
        }
    }
    let real = names.len();
    // Generated names: "<word>-<number>.<tld>", about as long as the real ones.
    let words = [
        "adserver", "tracker", "metrics", "promo", "casino", "stream", "pixel", "beacon",
    ];
    let tlds = ["com", "net", "vn", "xyz", "info", "org", "top"];
    let mut i = 0usize;
    while names.len() < TARGET {
        let name = format!("{}-{}.{}", words[i % words.len()], i, tlds[i % tlds.len()]);
        if seen.insert(name.clone()) {
            names.push(name);
        }
        i += 1;
    }
    let path = std::env::temp_dir().join(format!("lachan-rule-memory-{}.txt", std::process::id()));
    let mut out = BufWriter::new(std::fs::File::create(&path).expect("temp file"));
    for name in &names {
        writeln!(out, "{name}").expect("write");
    }
    out.flush().expect("flush");
    let bytes: usize = names.iter().map(String::len).sum();
    println!(
        "list: {} names ({real} real + {} generated), average {:.1} bytes, file {:.1} MB",
        names.len(),
        names.len() - real,
        bytes as f64 / names.len() as f64,
        (bytes + names.len()) as f64 / 1e6
    );
    drop(names);
    drop(seen);
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("measure")
        .arg(&path)
        .arg(real.to_string())
        .status();
    let _ = std::fs::remove_file(&path);
    assert!(status.expect("child").success(), "measurement failed");
}

/// Resident set size and its high-water mark, in bytes, from /proc/self/status.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .expect("status field")
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn measure(path: &Path, real: usize) {
    let input = ListInput {
        id: 1,
        name: "1M".into(),
        subdomains: true,
        source: ListSource::File(path.to_path_buf()),
    };
    let (before, _) = rss();
    let start = Instant::now();
    let (index, reports) = RuleIndex::build(std::slice::from_ref(&input));
    let load = start.elapsed();
    let (steady, build_peak) = rss();
    assert_eq!(reports[0].rules, TARGET, "{:?}", reports[0].errors);
    let rules = index.len() as u64;
    println!(
        "load+compile: {:.3} s ({} rules held)",
        load.as_secs_f64(),
        rules
    );
    println!(
        "RSS before: {:.1} MiB, after: {:.1} MiB, peak during build: {:.1} MiB",
        mb(before),
        mb(steady),
        mb(build_peak)
    );
    println!(
        "bytes per rule: {:.1}",
        (steady - before) as f64 / rules as f64
    );

    // Reset the high-water mark so VmHWM shows the peak of the rebuild alone.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let start = Instant::now();
    let reports = index.rebuild(std::slice::from_ref(&input));
    let rebuild_time = start.elapsed();
    assert_eq!(reports[0].rules, TARGET);
    let (after_rebuild, peak) = rss();
    println!(
        "rebuild: {:.3} s, peak RSS {:.1} MiB{}, RSS after {:.1} MiB",
        rebuild_time.as_secs_f64(),
        mb(peak),
        if reset {
            ""
        } else {
            " (VmHWM could not be reset: includes the build)"
        },
        mb(after_rebuild)
    );
    println!(
        "rebuild peak / steady: {:.3} (whole process), {:.3} (index only: (peak - before) / (steady - before))",
        peak as f64 / steady as f64,
        (peak - before) as f64 / (steady - before) as f64
    );

    // A quick single-thread figure; the criterion bench in benches/matcher.rs is the reference.
    let names: Vec<String> = std::fs::read_to_string(path)
        .expect("list")
        .lines()
        .step_by(7)
        .map(|n| format!("www.{n}"))
        .collect();
    let custom = RuleIndex::build(&[ListInput {
        id: 2,
        name: "custom".into(),
        subdomains: false,
        source: ListSource::Text(Arc::from("@@||allowed.example^\n")),
    }])
    .0;
    let active = ListMask::all();
    let start = Instant::now();
    let mut blocked = 0usize;
    for name in &names {
        let q = Query {
            name,
            qtype: 1,
            client_ip: [192, 168, 1, 2].into(),
            client_name: None,
        };
        blocked += usize::from(index.check(&q, &active).is_some());
        blocked -= usize::from(custom.check(&q, &active).is_some());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "checks of blocked subdomains (www.<listed name>), list + custom index: {:.0}/s ({} of {} blocked; {real} real names in the list)",
        names.len() as f64 / secs,
        blocked,
        names.len()
    );
}
