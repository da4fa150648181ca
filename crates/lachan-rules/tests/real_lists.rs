//! The real lists in `shared/data/blocklists`: rule counts, invalid lines, known names, subdomain
//! behaviour per format, and answers while rebuilding.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use lachan_rules::{
    Action, ListId, ListInput, ListMask, ListReport, ListSource, Match, Query, RuleIndex,
};

fn data(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/blocklists"
    ))
    .join(path)
}

fn file(id: ListId, path: &str, subdomains: bool) -> ListInput {
    ListInput {
        id,
        name: path.to_string(),
        subdomains,
        source: ListSource::File(data(path)),
    }
}

fn check(index: &RuleIndex, name: &str, active: &ListMask) -> Option<Match> {
    let q = Query {
        name,
        qtype: 1,
        client_ip: Ipv4Addr::new(192, 168, 1, 20).into(),
        client_name: None,
    };
    index.check(&q, active)
}

fn blocked(index: &RuleIndex, name: &str) -> bool {
    check(index, name, &ListMask::all()).is_some_and(|m| m.action == Action::Block)
}

fn assert_clean(report: &ListReport, rules: usize) {
    assert_eq!(report.io_error, None);
    assert_eq!(report.invalid, 0, "{:?}", report.errors);
    assert_eq!(report.rules, rules, "list {}", report.id);
}

#[test]
fn hostsvn_hosts_files_block_exact_names() {
    let (index, reports) = RuleIndex::build(&[
        file(1, "hostsvn/hosts", false),
        file(2, "hostsvn/extensions/adult/hosts", false),
        file(3, "hostsvn/extensions/gambling/hosts", false),
        file(4, "hostsvn/extensions/threat/hosts", false),
    ]);
    // Counts from the data README (lines "0.0.0.0 name"), all accepted; the four Vietnamese
    // Unicode names in the threat list are stored as punycode.
    assert_clean(&reports[0], 18_298);
    assert_clean(&reports[1], 22_622);
    // One line names an address ("0.0.0.0 180.215.200.9"): skipped like localhost, not invalid.
    assert_clean(&reports[2], 65_758);
    assert_clean(&reports[3], 4_966);
    assert!(blocked(&index, "api-adservices.apple.com"));
    assert!(blocked(&index, "su.iadsdk.apple.com"));
    assert!(blocked(&index, "localxlist.org"));
    // "0.0.0.0 pblcpush.com " has a trailing space.
    assert!(blocked(&index, "pblcpush.com"));
    assert!(blocked(&index, "xn--shpmobaviet-v89e.vn"));
    // Hosts entries do not cover subdomains.
    assert!(!blocked(&index, "www.api-adservices.apple.com"));
    assert!(!blocked(&index, "apple.com"));
    let m = check(&index, "api-adservices.apple.com", &ListMask::all()).unwrap();
    assert_eq!((m.list, m.line), (1, 15));
    // Only the active lists count.
    assert!(check(&index, "localxlist.org", &ListMask::from_ids([1, 3, 4])).is_none());
    assert!(check(&index, "localxlist.org", &ListMask::from_ids([2])).is_some());
}

#[test]
fn hostsvn_domain_lists_match_their_hosts_twins() {
    let (index, reports) = RuleIndex::build(&[
        file(1, "hostsvn/option/domain.txt", false),
        file(2, "hostsvn/extensions/gambling/domain-VN.txt", false),
    ]);
    assert_clean(&reports[0], 18_298);
    assert_clean(&reports[1], 3_747);
    assert!(blocked(&index, "doubleclick.net"));
    assert!(blocked(&index, "ad.doubleclick.net"));
    assert!(!blocked(&index, "unlisted-host.doubleclick.net"));
}

#[test]
fn hostsvn_adguard_filters() {
    let (index, reports) = RuleIndex::build(&[
        file(1, "hostsvn/filters/adservers-all.txt", false),
        file(2, "hostsvn/extensions/adult/filter.txt", false),
        file(3, "hostsvn/extensions/gambling/filter.txt", false),
        file(4, "hostsvn/extensions/threat/filter.txt", false),
    ]);
    assert_clean(&reports[0], 8_628);
    assert_clean(&reports[1], 22_495);
    assert_clean(&reports[2], 64_692);
    assert_clean(&reports[3], 4_891);
    let all = ListMask::all();
    // `||name^` covers subdomains.
    assert!(blocked(&index, "aanetwork.vn"));
    assert!(blocked(&index, "cdn.x.aanetwork.vn"));
    assert!(blocked(&index, "elogs.vnexpress.net"));
    assert!(!blocked(&index, "vnexpress.net"));
    // Wildcard rules.
    assert!(blocked(&index, "admicro1.vcmedia.vn"));
    assert!(blocked(&index, "log-api.zadn.vn"));
    // Upper case in the list (`||188Betcn2.com^`) and Unicode names.
    assert!(blocked(&index, "188betcn2.com"));
    assert!(blocked(&index, "www.xn--shpmobaviet-v89e.vn"));
    // The file's one exception, `@@||app.appsflyer.com^|`, beats `||appsflyer.com^`.
    assert!(blocked(&index, "sdk.appsflyer.com"));
    let m = check(&index, "app.appsflyer.com", &all).unwrap();
    assert_eq!((m.list, m.line, m.action), (1, 8636, Action::Allow));
    assert_eq!(
        check(&index, "app.appsflyer.com", &ListMask::from_ids([2, 3, 4])),
        None
    );
}

#[test]
fn hagezi_wildcard_lists_cover_subdomains() {
    let (index, reports) = RuleIndex::build(&[
        file(1, "hagezi/wildcard/pro-onlydomains.txt", true),
        file(2, "hagezi/wildcard/nsfw-onlydomains.txt", true),
        file(3, "hagezi/wildcard/gambling.medium-onlydomains.txt", true),
    ]);
    assert_clean(&reports[0], 214_895);
    assert_clean(&reports[1], 110_861);
    assert_clean(&reports[2], 149_195);
    assert_eq!(index.len(), 214_895 + 110_861 + 149_195);
    assert!(blocked(&index, "analytics.004gmbh.de"));
    assert!(blocked(&index, "deep.sub.analytics.004gmbh.de"));
    assert!(!blocked(&index, "004gmbh.de"));
    assert!(blocked(&index, "togelgame.150m.com"));
    let m = check(
        &index,
        "x.d-p-d-0027912.0013484922656.com",
        &ListMask::all(),
    )
    .unwrap();
    assert_eq!((m.list, m.line), (1, 13));
}

#[test]
fn stevenblack_domains_without_subdomains() {
    let (index, reports) = RuleIndex::build(&[file(1, "stevenblack/hosts-domains.txt", false)]);
    assert_clean(&reports[0], 83_808);
    assert!(blocked(&index, "ad-assets.futurecdn.net"));
    assert!(blocked(&index, "philadelphia_cbslocal.us.intellitxt.com"));
    // "zedo.com " carries a trailing space in the file.
    assert!(blocked(&index, "zedo.com"));
    assert!(!blocked(&index, "www.ad-assets.futurecdn.net"));
}

fn all_lists() -> Vec<ListInput> {
    vec![
        file(1, "hagezi/wildcard/pro-onlydomains.txt", true),
        file(2, "hagezi/wildcard/nsfw-onlydomains.txt", true),
        file(3, "hagezi/wildcard/gambling.medium-onlydomains.txt", true),
        file(4, "hostsvn/hosts", false),
        file(5, "hostsvn/filters/adservers-all.txt", false),
        file(6, "stevenblack/hosts-domains.txt", false),
        file(7, "hostsvn/extensions/adult/filter.txt", false),
    ]
}

#[test]
fn unlisted_names_are_allowed() {
    let (index, _) = RuleIndex::build(&all_lists());
    for name in [
        "vnexpress.net",
        "vi.wikipedia.org",
        "thuvienphapluat.vn",
        "example.com",
        "com",
        "vn",
    ] {
        assert_eq!(check(&index, name, &ListMask::all()), None, "{name}");
    }
}

#[test]
fn rebuild_keeps_answering_while_it_runs() {
    // The hostsVN lists keep this test quick in debug builds: a rebuild reads every source once
    // per shard.
    let lists = vec![
        file(1, "hostsvn/hosts", false),
        file(2, "hostsvn/filters/adservers-all.txt", false),
        file(3, "hostsvn/extensions/adult/filter.txt", false),
        file(4, "hostsvn/extensions/threat/hosts", false),
    ];
    let (index, _) = RuleIndex::build(&lists);
    let before = index.len();
    assert!(blocked(&index, "0-bbs.com"));
    // Names blocked by lists present both before and after the rebuild, and names never blocked.
    let kept = [
        "api-adservices.apple.com",
        "x.aanetwork.vn",
        "admicro1.vcmedia.vn",
        "xn--shpmobaviet-v89e.vn",
    ];
    let allowed = ["vnexpress.net", "example.com", "app.appsflyer.com"];
    let done = AtomicBool::new(false);
    let without_adult: Vec<ListInput> = lists.iter().filter(|l| l.id != 3).cloned().collect();
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut rounds = 0u32;
            while !done.load(Ordering::Acquire) && rounds < 10_000_000 {
                for name in kept {
                    assert!(blocked(&index, name), "{name} not blocked during rebuild");
                }
                for name in allowed {
                    assert!(!blocked(&index, name), "{name} blocked during rebuild");
                }
                rounds += 1;
            }
            rounds
        });
        let reports = index.rebuild(&without_adult);
        done.store(true, Ordering::Release);
        assert_eq!(reports.len(), 3);
        assert!(
            reports
                .iter()
                .all(|r| r.io_error.is_none() && r.invalid == 0)
        );
        assert!(reader.join().unwrap() > 0);
    });
    // The adult filter's 22,495 rules hold two repeats (`||boy18tube.com^`, `||xnxx.gold^` in
    // different case), stored once.
    assert_eq!(index.len(), before - 22_493);
    for name in kept {
        assert!(blocked(&index, name));
    }
    // A name only in the removed adult list is no longer blocked.
    assert!(!blocked(&index, "0-bbs.com"));
}
