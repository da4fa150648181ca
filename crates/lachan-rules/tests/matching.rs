//! Matching semantics of `RuleIndex` on small in-memory lists: subdomain behaviour per format,
//! AdGuard precedence, modifiers, badfilter, active lists, reports and rebuild.

use std::net::IpAddr;
use std::sync::Arc;

use lachan_rules::{
    Action, ListId, ListInput, ListMask, ListReport, ListSource, Match, Query, Rewrite, RuleIndex,
};

fn text(id: ListId, subdomains: bool, body: &str) -> ListInput {
    ListInput {
        id,
        name: format!("list{id}"),
        subdomains,
        source: ListSource::Text(Arc::from(body)),
    }
}

fn build(inputs: &[ListInput]) -> (RuleIndex, Vec<ListReport>) {
    RuleIndex::build(inputs)
}

const A: u16 = 1;
const AAAA: u16 = 28;
const HTTPS: u16 = 65;

fn query<'a>(name: &'a str, qtype: u16, ip: &str, client: Option<&'a str>) -> Query<'a> {
    Query {
        name,
        qtype,
        client_ip: ip.parse::<IpAddr>().unwrap(),
        client_name: client,
    }
}

/// The decision for an A query from 192.168.1.10 with every list active.
fn check(index: &RuleIndex, name: &str) -> Option<Match> {
    index.check(&query(name, A, "192.168.1.10", None), &ListMask::all())
}

fn action(index: &RuleIndex, name: &str) -> Option<Action> {
    check(index, name).map(|m| m.action)
}

#[test]
fn subdomain_behaviour_per_format() {
    let (index, reports) = build(&[
        text(1, false, "0.0.0.0 hosts.example\n"),
        text(2, false, "plain-exact.example\n"),
        text(3, true, "plain-tree.example\n"),
        text(4, true, "||tree.example^\n|exact.example^\n"),
    ]);
    assert!(
        reports
            .iter()
            .all(|r| r.invalid == 0 && r.io_error.is_none())
    );
    let blocked = |n| action(&index, n) == Some(Action::Block);
    assert!(blocked("hosts.example") && !blocked("www.hosts.example"));
    assert!(blocked("plain-exact.example") && !blocked("www.plain-exact.example"));
    assert!(blocked("plain-tree.example") && blocked("a.b.plain-tree.example"));
    assert!(blocked("tree.example") && blocked("www.tree.example"));
    assert!(blocked("exact.example") && !blocked("www.exact.example"));
    assert!(!blocked("example") && !blocked("other.example") && !blocked("xtree.example"));
}

#[test]
fn names_are_case_insensitive_and_trailing_dots_ignored() {
    let (index, _) = build(&[text(1, true, "Ads.Example.COM.\n||Tracker.Example^\n")]);
    for name in [
        "ads.example.com",
        "ADS.example.com.",
        "www.Ads.Example.Com",
        "x.tracker.example.",
    ] {
        assert_eq!(action(&index, name), Some(Action::Block), "{name}");
    }
    assert_eq!(action(&index, "."), None);
    assert_eq!(action(&index, ""), None);
}

#[test]
fn match_reports_list_and_line() {
    let (index, _) = build(&[text(
        7,
        true,
        "! header\n\n||a.example^\n# c\n||b.example^\n",
    )]);
    let m = check(&index, "x.b.example").unwrap();
    assert_eq!((m.list, m.line, m.important), (7, 5, false));
}

#[test]
fn precedence_follows_adguard() {
    let lists = |rules: &str| build(&[text(1, false, rules)]).0;
    // Exception beats block.
    assert_eq!(
        action(&lists("||ex.org^\n@@||ex.org^\n"), "ex.org"),
        Some(Action::Allow)
    );
    // An exception on a parent beats a block on the name.
    assert_eq!(
        action(&lists("||a.ex.org^\n@@||ex.org^\n"), "a.ex.org"),
        Some(Action::Allow)
    );
    // Important block beats exception.
    assert_eq!(
        action(&lists("||ex.org^$important\n@@||ex.org^\n"), "ex.org"),
        Some(Action::Block)
    );
    // Important exception beats important block.
    let idx = lists("||ex.org^$important\n@@||ex.org^$important\n||ex.org^\n");
    let m = check(&idx, "www.ex.org").unwrap();
    assert_eq!((m.action, m.line, m.important), (Action::Allow, 2, true));
    // Rewrite beats block; exception beats rewrite.
    let ip = Rewrite::A("10.0.0.1".parse().unwrap());
    assert_eq!(
        action(
            &lists("||ex.org^\n||ex.org^$dnsrewrite=10.0.0.1\n"),
            "ex.org"
        ),
        Some(Action::Rewrite(ip.clone()))
    );
    assert_eq!(
        action(
            &lists("||ex.org^$dnsrewrite=10.0.0.1\n@@||ex.org^\n"),
            "ex.org"
        ),
        Some(Action::Allow)
    );
    // Important rewrite beats exception.
    assert_eq!(
        action(
            &lists("||ex.org^$dnsrewrite=10.0.0.1,important\n@@||ex.org^\n"),
            "ex.org"
        ),
        Some(Action::Rewrite(ip))
    );
    // An exception alone is reported too, so callers can skip their other filters.
    assert_eq!(
        action(&lists("@@||ex.org^\n"), "ex.org"),
        Some(Action::Allow)
    );
}

#[test]
fn exceptions_apply_across_lists_but_only_active_ones() {
    let (index, _) = build(&[
        text(1, true, "blocked.example\n"),
        text(2, false, "@@||blocked.example^\n"),
        text(3, false, "||other.example^\n"),
    ]);
    let q = query("www.blocked.example", A, "10.0.0.2", None);
    assert_eq!(
        index.check(&q, &ListMask::all()).unwrap().action,
        Action::Allow
    );
    assert_eq!(
        index.check(&q, &ListMask::from_ids([1])).unwrap().action,
        Action::Block
    );
    assert_eq!(
        index.check(&q, &ListMask::from_ids([2])).unwrap().action,
        Action::Allow
    );
    assert_eq!(index.check(&q, &ListMask::from_ids([3])), None);
    assert_eq!(index.check(&q, &ListMask::new()), None);
}

#[test]
fn badfilter_disables_identical_rules_in_every_active_list() {
    let (index, _) = build(&[
        text(
            1,
            true,
            "||ads.example^\n||keep.example^\n||t.example^$dnstype=AAAA\n/^re[0-9]\\./\n",
        ),
        text(
            2,
            false,
            "||ads.example^$badfilter\n|keep.example^$badfilter\n||t.example^$dnstype=AAAA,badfilter\n/^re[0-9]\\./$badfilter\n",
        ),
        text(3, true, "ads.example\n"),
    ]);
    let both = ListMask::from_ids([1, 2]);
    let only_1 = ListMask::from_ids([1]);
    let q = |name| query(name, AAAA, "10.0.0.2", None);
    // Disabled while the badfilter's list is active, in every list holding the same rule
    // (`ads.example` in a subdomains list is the same rule as `||ads.example^`).
    assert_eq!(index.check(&q("ads.example"), &both), None);
    assert_eq!(
        index.check(&q("ads.example"), &ListMask::from_ids([2, 3])),
        None
    );
    assert_eq!(index.check(&q("ads.example"), &only_1).unwrap().list, 1);
    // `|keep.example^` is a different rule from `||keep.example^`.
    assert!(index.check(&q("keep.example"), &both).is_some());
    // Complex and pattern rules too.
    assert_eq!(index.check(&q("t.example"), &both), None);
    assert!(index.check(&q("t.example"), &only_1).is_some());
    assert_eq!(index.check(&q("re1.example"), &both), None);
    assert!(index.check(&q("re1.example"), &only_1).is_some());
}

#[test]
fn dnstype_restricts_rules() {
    let (index, _) = build(&[text(
        1,
        false,
        "||v6.example^$dnstype=AAAA\n||notcname.example^$dnstype=~CNAME\n||*^$dnstype=HTTPS\n",
    )]);
    let t = |name, qtype| {
        index
            .check(&query(name, qtype, "10.0.0.2", None), &ListMask::all())
            .map(|m| m.action)
    };
    assert_eq!(t("v6.example", AAAA), Some(Action::Block));
    assert_eq!(t("v6.example", A), None);
    assert_eq!(t("notcname.example", A), Some(Action::Block));
    assert_eq!(t("notcname.example", 5), None);
    assert_eq!(t("anything.example", HTTPS), Some(Action::Block));
    assert_eq!(t("anything.example", A), None);
}

#[test]
fn client_restricts_rules() {
    let (index, _) = build(&[text(
        1,
        false,
        "||kids.example^$client='Kid\\'s tablet'|192.168.0.0/24\n||notmom.example^$client=~Mom\n@@||*^$client=127.0.0.1\n",
    )]);
    let t = |name, ip, client| {
        index
            .check(&query(name, A, ip, client), &ListMask::all())
            .map(|m| m.action)
    };
    assert_eq!(
        t("kids.example", "10.1.1.1", Some("Kid's tablet")),
        Some(Action::Block)
    );
    assert_eq!(t("kids.example", "192.168.0.55", None), Some(Action::Block));
    assert_eq!(t("kids.example", "192.168.1.55", Some("Dad")), None);
    assert_eq!(t("notmom.example", "10.1.1.1", Some("Mom")), None);
    assert_eq!(
        t("notmom.example", "10.1.1.1", Some("Kid")),
        Some(Action::Block)
    );
    assert_eq!(t("notmom.example", "10.1.1.1", None), Some(Action::Block));
    // The exception for localhost matches every name, but only for that client.
    assert_eq!(
        t("kids.example", "127.0.0.1", Some("Kid's tablet")),
        Some(Action::Allow)
    );
}

#[test]
fn denyallow_excludes_domains_and_their_subdomains() {
    let (index, _) = build(&[text(
        1,
        false,
        "||example.org^$denyallow=sub.example.org|cdn.example.org\n*$denyallow=com|net,dnstype=AAAA\n",
    )]);
    assert_eq!(action(&index, "example.org"), Some(Action::Block));
    assert_eq!(action(&index, "www.example.org"), Some(Action::Block));
    assert_eq!(action(&index, "sub.example.org"), None);
    assert_eq!(action(&index, "a.sub.example.org"), None);
    assert_eq!(action(&index, "xsub.example.org"), Some(Action::Block));
    let v6 = |name| {
        index
            .check(&query(name, AAAA, "10.0.0.2", None), &ListMask::all())
            .map(|m| m.action)
    };
    assert_eq!(v6("tracker.io"), Some(Action::Block));
    assert_eq!(v6("google.com"), None);
    assert_eq!(v6("a.b.net"), None);
}

#[test]
fn dnsrewrite_forms_and_exceptions() {
    let (index, reports) = build(&[text(
        1,
        false,
        concat!(
            "||a.example^$dnsrewrite=1.2.3.4\n",
            "||aaaa.example^$dnsrewrite=::1\n",
            "||cname.example^$dnsrewrite=Target.Example.NET\n",
            "||nx.example^$dnsrewrite=NXDOMAIN\n",
            "||refused.example^$dnsrewrite=REFUSED\n",
            "||full-a.example^$dnsrewrite=NOERROR;A;5.6.7.8\n",
            "||full-aaaa.example^$dnsrewrite=NOERROR;AAAA;2001:db8::1\n",
            "||full-cname.example^$dnsrewrite=NOERROR;CNAME;x.org\n",
            "||nodata.example^$dnstype=AAAA,dnsrewrite=NOERROR\n",
            "||both.example^$dnsrewrite=1.1.1.1\n",
            "||both.example^$dnsrewrite=2.2.2.2\n",
            "@@||both.example^$dnsrewrite=1.1.1.1\n",
            "||none.example^$dnsrewrite=3.3.3.3\n",
            "||none.example^\n",
            "@@||none.example^$dnsrewrite\n",
        ),
    )]);
    assert_eq!(reports[0].invalid, 0, "{:?}", reports[0].errors);
    let rw = |name| match action(&index, name) {
        Some(Action::Rewrite(r)) => r,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(rw("a.example"), Rewrite::A("1.2.3.4".parse().unwrap()));
    assert_eq!(
        rw("www.aaaa.example"),
        Rewrite::Aaaa("::1".parse().unwrap())
    );
    assert_eq!(
        rw("cname.example"),
        Rewrite::Cname("target.example.net".into())
    );
    assert_eq!(rw("nx.example"), Rewrite::NxDomain);
    assert_eq!(rw("refused.example"), Rewrite::Refused);
    assert_eq!(rw("full-a.example"), Rewrite::A("5.6.7.8".parse().unwrap()));
    assert_eq!(
        rw("full-aaaa.example"),
        Rewrite::Aaaa("2001:db8::1".parse().unwrap())
    );
    assert_eq!(rw("full-cname.example"), Rewrite::Cname("x.org".into()));
    let v6 = index.check(
        &query("nodata.example", AAAA, "10.0.0.2", None),
        &ListMask::all(),
    );
    assert_eq!(v6.unwrap().action, Action::Rewrite(Rewrite::NoData));
    assert_eq!(action(&index, "nodata.example"), None);
    // A value-specific rewrite exception leaves the other rewrite; `$dnsrewrite` without a value
    // disables all rewrites but not the block.
    assert_eq!(rw("both.example"), Rewrite::A("2.2.2.2".parse().unwrap()));
    assert_eq!(action(&index, "none.example"), Some(Action::Block));
}

#[test]
fn wildcard_and_regex_rules() {
    let (index, reports) = build(&[text(
        1,
        false,
        "||admicro*.vcmedia.vn^\n||piwik.*.vn^\n/^ads[0-9]+\\.example\\.com$/\n@@/^ads7\\./\n",
    )]);
    assert_eq!(reports[0].rules, 4);
    assert_eq!(action(&index, "admicro1.vcmedia.vn"), Some(Action::Block));
    assert_eq!(action(&index, "x.admicro1.vcmedia.vn"), Some(Action::Block));
    assert_eq!(action(&index, "vcmedia.vn"), None);
    assert_eq!(action(&index, "piwik.site.vn"), Some(Action::Block));
    assert_eq!(action(&index, "ads12.example.com"), Some(Action::Block));
    assert_eq!(action(&index, "ads.example.com"), None);
    assert_eq!(action(&index, "ads7.example.com"), Some(Action::Allow));
}

#[test]
fn every_line_error_carries_its_line_number() {
    let body = "\
||good.example^
bad name here
0.0.0.0 fine.example
||x.example^$third-party

/unclosed
0.0.0.0
||exa!mple.org^
ok.example
||e.example^$dnstype=NOPE
";
    let (index, reports) = build(&[text(9, false, body)]);
    let r = &reports[0];
    assert_eq!((r.id, r.rules, r.invalid), (9, 3, 6));
    let lines: Vec<u32> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 4, 6, 7, 8, 10]);
    let source: Vec<&str> = body.lines().collect();
    for e in &r.errors {
        assert_eq!(e.text, source[e.line as usize - 1]);
        assert!(!e.reason.is_empty());
    }
    assert!(r.errors[1].reason.contains("third-party"));
    assert_eq!(index.len(), 3);
}

#[test]
fn missing_file_is_reported_not_fatal() {
    let missing = ListInput {
        id: 4,
        name: "gone".into(),
        subdomains: false,
        source: ListSource::File("/nonexistent/lachan/list.txt".into()),
    };
    let (index, reports) = build(&[missing, text(5, false, "||ok.example^\n")]);
    assert!(
        reports[0]
            .io_error
            .as_deref()
            .unwrap()
            .contains("/nonexistent/lachan/list.txt")
    );
    assert_eq!(reports[1].rules, 1);
    assert_eq!(action(&index, "ok.example"), Some(Action::Block));
}

#[test]
fn rebuild_replaces_every_list() {
    let (index, _) = build(&[
        text(1, true, "old.example\nboth.example\n"),
        text(2, false, "/^oldre/\n"),
    ]);
    assert_eq!(action(&index, "old.example"), Some(Action::Block));
    let reports = index.rebuild(&[text(
        1,
        true,
        "new.example\nboth.example\n||*.wild.example^\n",
    )]);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].rules, 3);
    assert_eq!(action(&index, "old.example"), None);
    assert_eq!(action(&index, "oldre.example"), None);
    assert_eq!(action(&index, "new.example"), Some(Action::Block));
    assert_eq!(action(&index, "both.example"), Some(Action::Block));
    assert_eq!(action(&index, "a.wild.example"), Some(Action::Block));
    assert_eq!(index.len(), 3);
}

#[test]
fn index_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleIndex>();
}

/// Arbitrary lines built from the characters the parser cares about never panic, and whatever
/// they compile to answers queries.
#[test]
fn garbage_lines_never_panic() {
    const PIECES: &[&str] = &[
        "|",
        "||",
        "@@",
        "^",
        "*",
        "$",
        "/",
        "#",
        "!",
        " ",
        "\t",
        ".",
        "..",
        "a",
        "Z9",
        "-",
        "_",
        "é",
        "ụ",
        "0.0.0.0",
        "::1",
        "~",
        ",",
        "=",
        "'",
        "\"",
        "\\",
        "important",
        "badfilter",
        "dnstype=",
        "A",
        "|AAAA",
        "client=",
        "10.0.0.0/8",
        "denyallow=",
        "dnsrewrite=",
        "NOERROR;A;1.2.3.4",
        ";",
        "[",
        "(",
        "+",
        "localhost",
        "xn--",
        "example.org",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut body = String::new();
    for _ in 0..20_000 {
        let parts = next() % 12;
        for _ in 0..parts {
            body.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        let _ = lachan_rules::parse_line(body.rsplit('\n').next().unwrap_or(""), next() % 2 == 0);
        body.push('\n');
    }
    let (index, reports) = build(&[text(1, false, &body), text(2, true, &body)]);
    assert_eq!(
        reports[0].rules + reports[0].invalid,
        reports[1].rules + reports[1].invalid
    );
    for name in [
        "example.org",
        "a.example.org",
        "xn--a",
        "localhost",
        "a",
        "z9.a",
    ] {
        for qtype in [A, AAAA, HTTPS] {
            let _ = index.check(&query(name, qtype, "10.0.0.1", Some("x")), &ListMask::all());
        }
    }
}

#[test]
fn escaped_names_longer_than_253_characters_are_still_checked() {
    // A 61-byte label of NUL bytes is written "\000" x 61 by the resolver: 244 characters
    // before the blocked parent domain, far over 253 in all, yet a valid 255-byte DNS name.
    let (index, _) = build(&[text(1, false, "||casino.test^\n")]);
    let name = format!("{}.casino.test", "\\000".repeat(61));
    assert!(name.len() > 253);
    assert_eq!(action(&index, &name), Some(Action::Block));
}
