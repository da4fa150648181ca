//! Line parser for hosts files, plain domain lists and AdGuard DNS syntax; the format is
//! detected per line.

use std::net::IpAddr;

use crate::MAX_LINE_LEN;
use crate::error::RuleError;
use crate::modifiers::parse_modifiers;
use crate::name::{is_local_host_name, is_name_byte, looks_like_ip, normalize, normalize_into};
use crate::rule::{Modifiers, Pattern, RewriteModifier, Rule};
use crate::wildcard::{Anchor, Wildcard};

/// Largest compiled size allowed for one `/regex/` rule, in bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A line classified without allocating, for the loader's hot path.
#[derive(Debug)]
pub(crate) enum Line<'a> {
    /// Blank line or comment.
    Skip,
    /// A hosts entry: the names after the address, separated by whitespace, comment removed.
    Hosts(&'a str),
    /// A domain rule with no modifier other than `important` and `badfilter`.
    Simple(SimpleRule<'a>),
    /// Anything else: wildcards, regular expressions, other modifiers.
    Complex(Box<Rule>),
}

/// A domain rule that fits the compact index; `name` is not yet normalised.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SimpleRule<'a> {
    pub name: &'a str,
    pub subdomains: bool,
    pub exception: bool,
    pub important: bool,
    pub badfilter: bool,
    /// A plain domain line (no AdGuard syntax): machine-local names are skipped, as in hosts.
    pub plain: bool,
}

impl<'a> SimpleRule<'a> {
    /// The normalised name (borrowed from the line when already normal, else written into
    /// `buf`); `None` when the rule is to be skipped.
    pub fn normalized<'b>(&self, buf: &'b mut String) -> Result<Option<&'b str>, RuleError>
    where
        'a: 'b,
    {
        let name = normalize(self.name, buf).map_err(|reason| RuleError::BadName {
            name: self.name.to_string(),
            reason,
        })?;
        Ok(if self.plain && is_local_host_name(name) {
            None
        } else {
            Some(name)
        })
    }
}

/// Normalises each name of a hosts line into `out`, separated by one space, leaving out
/// machine-local names. Fails on the first bad name, so a line is used whole or not at all.
pub(crate) fn hosts_names(
    rest: &str,
    out: &mut String,
    scratch: &mut String,
) -> Result<(), RuleError> {
    out.clear();
    for raw in rest.split_ascii_whitespace() {
        let name = normalize(raw, scratch).map_err(|reason| RuleError::BadName {
            name: raw.to_string(),
            reason,
        })?;
        if is_local_host_name(name) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(name);
    }
    Ok(())
}

/// Parses one line of a list. `subdomains` is the list-level flag: whether plain domain lines
/// also match subdomains. Returns `Ok(None)` for blank lines, comments and hosts entries that
/// only name the machine itself (`localhost`, `ip6-*`, ...).
pub fn parse_line(line: &str, subdomains: bool) -> Result<Option<Rule>, RuleError> {
    let rule = match classify(line, subdomains, true)? {
        Line::Skip => return Ok(None),
        Line::Hosts(rest) => {
            let (mut names, mut scratch) = (String::new(), String::new());
            hosts_names(rest, &mut names, &mut scratch)?;
            if names.is_empty() {
                return Ok(None);
            }
            Rule {
                pattern: Pattern::Hosts(names.split(' ').map(str::to_string).collect()),
                exception: false,
                modifiers: Modifiers::default(),
            }
        }
        Line::Simple(s) => {
            let mut buf = String::new();
            let Some(name) = s.normalized(&mut buf)? else {
                return Ok(None);
            };
            Rule {
                pattern: Pattern::Domain {
                    name: name.to_string(),
                    subdomains: s.subdomains,
                },
                exception: s.exception,
                modifiers: Modifiers {
                    important: s.important,
                    badfilter: s.badfilter,
                    ..Modifiers::default()
                },
            }
        }
        Line::Complex(rule) => *rule,
    };
    Ok(Some(rule))
}

/// Classifies a line, allocating only for complex rules.
///
/// With `patterns` false, rules the index cannot file under a domain (regexes, some
/// wildcards) come back as [`Line::Skip`] without being compiled: rebuild passes after the
/// first only collect indexed rules.
pub(crate) fn classify(
    line: &str,
    subdomains: bool,
    patterns: bool,
) -> Result<Line<'_>, RuleError> {
    let line = line.trim();
    if line.len() > MAX_LINE_LEN {
        return Err(RuleError::TooLong(line.len()));
    }
    let Some(&first_byte) = line.as_bytes().first() else {
        return Ok(Line::Skip);
    };
    if first_byte == b'!' || first_byte == b'#' {
        return Ok(Line::Skip);
    }
    if first_byte == b'|' || first_byte == b'/' || line.starts_with("@@") {
        return adblock_rule(line, subdomains, patterns);
    }
    let first_end = line
        .bytes()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let first = &line[..first_end];
    if looks_like_ip(first) && first.parse::<IpAddr>().is_ok() {
        let rest = &line[first_end..];
        let rest = rest[..memchr::memchr(b'#', rest.as_bytes()).unwrap_or(rest.len())].trim();
        if rest.is_empty() {
            return Err(RuleError::HostsWithoutName);
        }
        return Ok(Line::Hosts(rest));
    }
    if memchr::memchr3(b'^', b'*', b'$', line.as_bytes()).is_some() {
        return adblock_rule(line, subdomains, patterns);
    }
    // A plain domain, optionally followed by a `#` comment.
    let name = &line[..memchr::memchr(b'#', line.as_bytes()).unwrap_or(line.len())];
    let mut tokens = name.split_ascii_whitespace();
    let (Some(name), None) = (tokens.next(), tokens.next()) else {
        return Err(RuleError::Unexpected(line.to_string()));
    };
    Ok(Line::Simple(SimpleRule {
        name,
        subdomains,
        exception: false,
        important: false,
        badfilter: false,
        plain: true,
    }))
}

/// Parses an AdGuard-syntax rule: `@@`, anchors, wildcards, `/regex/`, `$modifiers`.
fn adblock_rule(line: &str, subdomains: bool, patterns: bool) -> Result<Line<'_>, RuleError> {
    let (exception, body) = match line.strip_prefix("@@") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (pattern, mods) = split_modifiers(body)?;
    // Whitespace may only appear inside modifier values (quoted client names).
    if pattern.contains(char::is_whitespace) {
        return Err(RuleError::Unexpected(line.to_string()));
    }
    let modifiers = match mods {
        Some("") => {
            return Err(RuleError::BadPattern {
                pattern: body.to_string(),
                reason: "has '$' but no modifier after it",
            });
        }
        Some(m) => parse_modifiers(m)?,
        None => Modifiers::default(),
    };
    if modifiers.dnsrewrite == Some(RewriteModifier::Any) && !exception {
        return Err(RuleError::BadModifier {
            modifier: "dnsrewrite".into(),
            reason: "it needs a value on blocking rules (an address, a name, NXDOMAIN, REFUSED or NOERROR)"
                .into(),
        });
    }
    let spec = parse_pattern(pattern, subdomains)?;
    if let PatternSpec::Domain { name, subdomains } = spec
        && modifiers.is_plain()
    {
        return Ok(Line::Simple(SimpleRule {
            name,
            subdomains,
            exception,
            important: modifiers.important,
            badfilter: modifiers.badfilter,
            plain: false,
        }));
    }
    let keyed = match &spec {
        PatternSpec::Domain { .. } => true,
        PatternSpec::Wildcard(w) => w.key_domain().is_some(),
        PatternSpec::Regex(_) => false,
    };
    if !patterns && !keyed {
        return Ok(Line::Skip);
    }
    let pattern = match spec {
        PatternSpec::Domain { name, subdomains } => {
            let mut out = String::new();
            normalize_into(name, &mut out).map_err(|reason| RuleError::BadName {
                name: name.to_string(),
                reason,
            })?;
            Pattern::Domain {
                name: out,
                subdomains,
            }
        }
        PatternSpec::Wildcard(w) => Pattern::Wildcard(w),
        PatternSpec::Regex(src) => Pattern::Regex(
            regex::RegexBuilder::new(src)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| RuleError::BadRegex(e.to_string()))?,
        ),
    };
    Ok(Line::Complex(Box::new(Rule {
        pattern,
        exception,
        modifiers,
    })))
}

/// Splits `pattern$modifiers`. For `/regex/$modifiers` the split is at the last `/$`, since a
/// regular expression may itself contain `$`.
fn split_modifiers(body: &str) -> Result<(&str, Option<&str>), RuleError> {
    if let Some(inner) = body.strip_prefix('/') {
        if inner.ends_with('/') {
            return Ok((body, None));
        }
        return match body.rfind("/$") {
            Some(pos) if pos > 0 => Ok((&body[..=pos], Some(&body[pos + 2..]))),
            _ => Err(RuleError::BadPattern {
                pattern: body.to_string(),
                reason: "starts with '/' but has no closing '/'; write /regex/ or /regex/$modifiers",
            }),
        };
    }
    Ok(match body.split_once('$') {
        Some((p, m)) => (p, Some(m)),
        None => (body, None),
    })
}

/// A pattern before normalisation.
enum PatternSpec<'a> {
    Domain { name: &'a str, subdomains: bool },
    Wildcard(Wildcard),
    Regex(&'a str),
}

fn parse_pattern(pattern: &str, list_subdomains: bool) -> Result<PatternSpec<'_>, RuleError> {
    let bad = |reason| RuleError::BadPattern {
        pattern: pattern.to_string(),
        reason,
    };
    if let Some(src) = pattern.strip_prefix('/').and_then(|p| p.strip_suffix('/')) {
        if src.is_empty() {
            return Err(bad("is an empty regular expression"));
        }
        return Ok(PatternSpec::Regex(src));
    }
    let (anchor, mut body) = if let Some(rest) = pattern.strip_prefix("||") {
        (Anchor::Domain, rest)
    } else if let Some(rest) = pattern.strip_prefix('|') {
        (Anchor::Start, rest)
    } else {
        (Anchor::None, pattern)
    };
    let mut to_end = false;
    if let Some(rest) = body.strip_suffix('|') {
        body = rest;
        to_end = true;
    }
    if let Some(rest) = body.strip_suffix('^') {
        body = rest;
        to_end = true;
    }
    if body.is_empty() {
        return Err(bad("matches no name; write ||example.org^ or *"));
    }
    if body.contains(['^', '|']) {
        return Err(bad(
            "has '^' or '|' inside; in host names they may only end the pattern",
        ));
    }
    if !body.contains('*') {
        match (anchor, to_end) {
            (Anchor::Domain, true) => {
                return Ok(PatternSpec::Domain {
                    name: body,
                    subdomains: true,
                });
            }
            (Anchor::Start, true) => {
                return Ok(PatternSpec::Domain {
                    name: body,
                    subdomains: false,
                });
            }
            (Anchor::None, false) => {
                return Ok(PatternSpec::Domain {
                    name: body,
                    subdomains: list_subdomains,
                });
            }
            _ => {}
        }
    }
    let body = body.to_ascii_lowercase();
    if let Some(c) = body
        .chars()
        .find(|&c| !(c == '*' || (c.is_ascii() && is_name_byte(c as u8))))
    {
        return Err(RuleError::BadName {
            name: body.clone(),
            reason: crate::name::NameError::BadChar(c),
        });
    }
    Ok(PatternSpec::Wildcard(Wildcard {
        anchor,
        body,
        to_end,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Rewrite, TypeFilter};

    fn rule(line: &str) -> Rule {
        parse_line(line, false)
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .expect("a rule")
    }

    fn domain(r: &Rule) -> (&str, bool) {
        match &r.pattern {
            Pattern::Domain { name, subdomains } => (name, *subdomains),
            other => panic!("not a domain: {other:?}"),
        }
    }

    #[test]
    fn comments_and_blank_lines() {
        for line in ["", "   ", "! comment", "# comment", "#[apple.com]", "\t"] {
            assert!(parse_line(line, true).unwrap().is_none(), "{line:?}");
        }
    }

    #[test]
    fn hosts_lines() {
        let r = rule("0.0.0.0 Ads.Example.com tracker.example.net. # inline comment");
        match &r.pattern {
            Pattern::Hosts(names) => assert_eq!(names, &["ads.example.com", "tracker.example.net"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(rule("::1 a.example").pattern, Pattern::Hosts(_)));
        assert!(matches!(
            rule("127.0.0.1\ta.example  ").pattern,
            Pattern::Hosts(_)
        ));
        for local in [
            "127.0.0.1 localhost",
            "::1 ip6-localhost ip6-loopback",
            "255.255.255.255 broadcasthost",
            "0.0.0.0 0.0.0.0",
            "127.0.0.1 localhost.localdomain local",
        ] {
            assert!(parse_line(local, false).unwrap().is_none(), "{local}");
        }
        assert_eq!(
            parse_line("0.0.0.0", false).unwrap_err(),
            RuleError::HostsWithoutName
        );
        assert!(matches!(
            parse_line("0.0.0.0 good.com bad/name", false),
            Err(RuleError::BadName { .. })
        ));
    }

    #[test]
    fn plain_domains_follow_the_list_flag() {
        let r = parse_line("Example.COM ", true).unwrap().unwrap();
        assert_eq!(domain(&r), ("example.com", true));
        let r = parse_line("example.com # note", false).unwrap().unwrap();
        assert_eq!(domain(&r), ("example.com", false));
        assert!(parse_line("localhost", true).unwrap().is_none());
        assert!(matches!(
            parse_line("two words", true),
            Err(RuleError::Unexpected(_))
        ));
        assert!(matches!(
            parse_line("bad,name.com", true),
            Err(RuleError::BadName { .. })
        ));
    }

    #[test]
    fn adguard_domains() {
        let r = rule("||Example.org^");
        assert_eq!(domain(&r), ("example.org", true));
        assert!(!r.exception && r.modifiers == Modifiers::default());
        assert_eq!(domain(&rule("|example.org^")), ("example.org", false));
        assert_eq!(domain(&rule("||example.org^|")), ("example.org", true));
        let r = rule("@@||example.org^");
        assert!(r.exception);
        let r = rule("@@||example.org^$important");
        assert!(r.exception && r.modifiers.important);
        assert!(rule("||example.org^$badfilter").modifiers.badfilter);
    }

    #[test]
    fn wildcards_and_regex() {
        match rule("||admicro*.vcmedia.vn^").pattern {
            Pattern::Wildcard(w) => {
                assert_eq!(
                    (w.anchor, w.body.as_str(), w.to_end),
                    (Anchor::Domain, "admicro*.vcmedia.vn", true)
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            rule("||example.org").pattern,
            Pattern::Wildcard(_)
        ));
        assert!(matches!(rule("example.org^").pattern, Pattern::Wildcard(_)));
        assert!(matches!(
            rule("*$denyallow=com|net").pattern,
            Pattern::Wildcard(_)
        ));
        match rule(r"/^ad[0-9]+\.example\.com$/$important").pattern {
            Pattern::Regex(re) => {
                assert!(re.is_match("ad42.example.com") && !re.is_match("ad.example.com"))
            }
            other => panic!("{other:?}"),
        }
        let r = rule(r"/(ads|track)\./");
        assert!(matches!(r.pattern, Pattern::Regex(_)) && r.modifiers == Modifiers::default());
    }

    #[test]
    fn modifiers_make_complex_rules() {
        let r = rule("||example.org^$dnstype=AAAA,important");
        assert_eq!(domain(&r), ("example.org", true));
        assert_eq!(
            r.modifiers.dnstype,
            Some(TypeFilter {
                allowed: vec![28],
                excluded: vec![]
            })
        );
        let r = rule("|example.org^$dnsrewrite=NOERROR;CNAME;x.org");
        assert_eq!(
            r.modifiers.dnsrewrite,
            Some(RewriteModifier::Value(Rewrite::Cname("x.org".into())))
        );
        assert_eq!(
            domain(&rule("example.org$important")),
            ("example.org", false)
        );
    }

    #[test]
    fn invalid_adguard_lines() {
        type Expect = fn(&RuleError) -> bool;
        let cases: &[(&str, Expect)] = &[
            ("||example.org^$third-party", |e| {
                matches!(e, RuleError::UnknownModifier(_))
            }),
            ("||example.org^$", |e| {
                matches!(e, RuleError::BadPattern { .. })
            }),
            ("||^", |e| matches!(e, RuleError::BadPattern { .. })),
            ("||a^b.com^", |e| matches!(e, RuleError::BadPattern { .. })),
            ("/unclosed", |e| matches!(e, RuleError::BadPattern { .. })),
            ("/a(b/", |e| matches!(e, RuleError::BadRegex(_))),
            ("||exa mple.org^", |e| matches!(e, RuleError::Unexpected(_))),
            ("||ex!ample.org^", |e| {
                matches!(e, RuleError::BadName { .. })
            }),
            ("||ads*.ex@mple.org^", |e| {
                matches!(e, RuleError::BadName { .. })
            }),
            ("||example.org^$dnsrewrite", |e| {
                matches!(e, RuleError::BadModifier { .. })
            }),
        ];
        for (line, expected) in cases {
            let err = parse_line(line, false).expect_err(line);
            assert!(expected(&err), "{line}: {err:?}");
        }
        let long = format!("||{}.com^", "a".repeat(MAX_LINE_LEN));
        assert!(matches!(
            parse_line(&long, false),
            Err(RuleError::TooLong(_))
        ));
    }

    #[test]
    fn display_is_normalised_adguard_syntax() {
        assert_eq!(
            rule("@@||Example.org^$dnstype=~CNAME|A,important").to_string(),
            "@@||example.org^$important,dnstype=A|~CNAME"
        );
        assert_eq!(
            rule("||example.org^$badfilter").to_string(),
            "||example.org^"
        );
    }
}
