//! The parsed form of one list line.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::modifiers::TypeName;
use crate::wildcard::Wildcard;

/// One parsed rule line.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Which names the rule matches.
    pub pattern: Pattern,
    /// An `@@` exception (allow) rather than a block or rewrite.
    pub exception: bool,
    /// Modifiers after `$`.
    pub modifiers: Modifiers,
}

impl Rule {
    /// The domain the compact index files this rule under: its name for a domain rule, the
    /// [`Wildcard`]'s key domain for most wildcards; `None` for regexes and wildcards that any
    /// name may match, which are tested against every query.
    pub(crate) fn index_key(&self) -> Option<&str> {
        match &self.pattern {
            Pattern::Domain { name, .. } => Some(name),
            Pattern::Wildcard(w) => w.key_domain(),
            Pattern::Hosts(_) | Pattern::Regex(_) => None,
        }
    }
}

/// Which names a rule matches.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// A hosts-file line: each name matches exactly itself, never its subdomains.
    Hosts(Vec<String>),
    /// One domain: `||name^` or a plain domain in a list with subdomains (`subdomains: true`),
    /// `|name^` or a plain domain in a list without (`subdomains: false`).
    Domain {
        /// Normalised name.
        name: String,
        /// The rule also matches every subdomain of `name`.
        subdomains: bool,
    },
    /// An AdGuard pattern with `*` wildcards or without a full domain anchor.
    Wildcard(Wildcard),
    /// `/regex/`, matched against the lowercase query name.
    Regex(regex::Regex),
}

/// Modifiers after `$` in AdGuard syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modifiers {
    /// `$important`: wins over rules without it, exceptions included.
    pub important: bool,
    /// `$badfilter`: the rule disables every identical rule (without this modifier).
    pub badfilter: bool,
    /// `$dnstype=`: query types the rule applies to.
    pub dnstype: Option<TypeFilter>,
    /// `$client=`: clients the rule applies to.
    pub client: Option<ClientFilter>,
    /// `$denyallow=`: domains (and their subdomains) the rule does not apply to.
    pub denyallow: Vec<String>,
    /// `$dnsrewrite=`: answer to give instead of blocking.
    pub dnsrewrite: Option<RewriteModifier>,
}

impl Modifiers {
    /// True when no modifier other than `$important` and `$badfilter` is present, so the rule
    /// fits the compact index.
    pub fn is_plain(&self) -> bool {
        self.dnstype.is_none()
            && self.client.is_none()
            && self.denyallow.is_empty()
            && self.dnsrewrite.is_none()
    }
}

/// `$dnstype` values: numeric query types allowed and excluded (`~`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeFilter {
    /// Types listed without `~`; when not empty, only these match.
    pub allowed: Vec<u16>,
    /// Types listed with `~`; these never match.
    pub excluded: Vec<u16>,
}

impl TypeFilter {
    /// Whether a query of type `qtype` passes the filter.
    pub fn accepts(&self, qtype: u16) -> bool {
        !self.excluded.contains(&qtype)
            && (self.allowed.is_empty() || self.allowed.contains(&qtype))
    }
}

/// `$client` values: clients included and excluded (`~`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFilter {
    /// Clients listed without `~`; when not empty, only these match.
    pub included: Vec<ClientId>,
    /// Clients listed with `~`; these never match.
    pub excluded: Vec<ClientId>,
}

impl ClientFilter {
    /// Whether the client with address `ip` and optional name passes the filter.
    pub fn accepts(&self, ip: IpAddr, name: Option<&str>) -> bool {
        let ip = ip.to_canonical();
        let hit = |c: &ClientId| c.matches(ip, name);
        !self.excluded.iter().any(hit)
            && (self.included.is_empty() || self.included.iter().any(hit))
    }
}

/// One `$client` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientId {
    /// A client name, compared exactly with [`crate::Query::client_name`].
    Name(String),
    /// An address range `addr/prefix`; a single address has the full prefix length.
    Net {
        /// Network address (host bits cleared).
        addr: IpAddr,
        /// Prefix length in bits.
        prefix: u8,
    },
}

impl ClientId {
    fn matches(&self, ip: IpAddr, name: Option<&str>) -> bool {
        match self {
            ClientId::Name(n) => name == Some(n.as_str()),
            ClientId::Net { addr, prefix } => match (addr, ip) {
                (IpAddr::V4(net), IpAddr::V4(ip)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                    u32::from(ip) & mask == u32::from(*net)
                }
                (IpAddr::V6(net), IpAddr::V6(ip)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                    u128::from(ip) & mask == u128::from(*net)
                }
                _ => false,
            },
        }
    }
}

/// A local answer given instead of forwarding the query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rewrite {
    /// Answer with this IPv4 address.
    A(Ipv4Addr),
    /// Answer with this IPv6 address.
    Aaaa(Ipv6Addr),
    /// Answer with a CNAME to this (normalised) name. Shared, so that returning it from
    /// [`crate::RuleIndex::check`] never allocates.
    Cname(Arc<str>),
    /// Answer NXDOMAIN.
    NxDomain,
    /// Answer REFUSED.
    Refused,
    /// Answer NOERROR with no records (`$dnsrewrite=NOERROR`).
    NoData,
}

/// A `$dnsrewrite` modifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewriteModifier {
    /// `$dnsrewrite` without a value, allowed on exceptions: disables every rewrite.
    Any,
    /// `$dnsrewrite=value`.
    Value(Rewrite),
}

impl fmt::Display for Rewrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rewrite::A(ip) => write!(f, "NOERROR;A;{ip}"),
            Rewrite::Aaaa(ip) => write!(f, "NOERROR;AAAA;{ip}"),
            Rewrite::Cname(name) => write!(f, "NOERROR;CNAME;{name}"),
            Rewrite::NxDomain => f.write_str("NXDOMAIN"),
            Rewrite::Refused => f.write_str("REFUSED"),
            Rewrite::NoData => f.write_str("NOERROR"),
        }
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientId::Name(n) => {
                f.write_str("'")?;
                for c in n.chars() {
                    if matches!(c, '\'' | '"' | ',' | '|' | '\\') {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("'")
            }
            ClientId::Net { addr, prefix } => write!(f, "{addr}/{prefix}"),
        }
    }
}

/// Writes `items` joined by `|`, each excluded one with a `~` before it.
fn write_alternatives<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    included: &[T],
    excluded: &[T],
) -> fmt::Result {
    let all = included
        .iter()
        .map(|v| (false, v))
        .chain(excluded.iter().map(|v| (true, v)));
    for (i, (negated, v)) in all.enumerate() {
        if i > 0 {
            f.write_str("|")?;
        }
        if negated {
            f.write_str("~")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

impl fmt::Display for Modifiers {
    /// The modifiers in a fixed order, without the leading `$`, `badfilter` left out: two rules
    /// with the same pattern and the same `Display` are identical for `$badfilter`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        let mut next = |f: &mut fmt::Formatter<'_>| {
            let s = sep;
            sep = ",";
            f.write_str(s)
        };
        if self.important {
            next(f)?;
            f.write_str("important")?;
        }
        if let Some(t) = &self.dnstype {
            next(f)?;
            f.write_str("dnstype=")?;
            let names = |v: &[u16]| v.iter().map(|&t| TypeName(t)).collect::<Vec<_>>();
            write_alternatives(f, &names(&t.allowed), &names(&t.excluded))?;
        }
        if let Some(c) = &self.client {
            next(f)?;
            f.write_str("client=")?;
            write_alternatives(f, &c.included, &c.excluded)?;
        }
        if !self.denyallow.is_empty() {
            next(f)?;
            write!(f, "denyallow={}", self.denyallow.join("|"))?;
        }
        match &self.dnsrewrite {
            Some(RewriteModifier::Any) => {
                next(f)?;
                f.write_str("dnsrewrite")?;
            }
            Some(RewriteModifier::Value(r)) => {
                next(f)?;
                write!(f, "dnsrewrite={r}")?;
            }
            None => {}
        }
        Ok(())
    }
}

impl fmt::Display for Rule {
    /// A normalised AdGuard-syntax form of the rule, without `$badfilter`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exception {
            f.write_str("@@")?;
        }
        match &self.pattern {
            Pattern::Hosts(names) => write!(f, "0.0.0.0 {}", names.join(" "))?,
            Pattern::Domain {
                name,
                subdomains: true,
            } => write!(f, "||{name}^")?,
            Pattern::Domain {
                name,
                subdomains: false,
            } => write!(f, "|{name}^")?,
            Pattern::Wildcard(w) => write!(f, "{w}")?,
            Pattern::Regex(r) => write!(f, "/{}/", r.as_str())?,
        }
        let mods = self.modifiers.to_string();
        if !mods.is_empty() {
            write!(f, "${mods}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str, prefix: u8) -> ClientId {
        ClientId::Net {
            addr: s.parse().unwrap(),
            prefix,
        }
    }

    #[test]
    fn client_filter_semantics() {
        let f = ClientFilter {
            included: vec![ClientId::Name("Kids".into()), net("192.168.0.0", 24)],
            excluded: vec![net("192.168.0.7", 32)],
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(f.accepts(ip("10.0.0.1"), Some("Kids")));
        assert!(f.accepts(ip("192.168.0.9"), None));
        assert!(f.accepts(ip("::ffff:192.168.0.9"), None));
        assert!(!f.accepts(ip("192.168.0.7"), Some("Kids")));
        assert!(!f.accepts(ip("10.0.0.1"), Some("Mom")));
        let only_excluded = ClientFilter {
            included: vec![],
            excluded: vec![ClientId::Name("Mom".into())],
        };
        assert!(only_excluded.accepts(ip("10.0.0.1"), None));
        assert!(!only_excluded.accepts(ip("10.0.0.1"), Some("Mom")));
        let v6 = ClientFilter {
            included: vec![net("2001:db8::", 32)],
            excluded: vec![],
        };
        assert!(v6.accepts(ip("2001:db8::1"), None));
        assert!(!v6.accepts(ip("2001:db9::1"), None));
        let any = ClientFilter {
            included: vec![net("0.0.0.0", 0)],
            excluded: vec![],
        };
        assert!(any.accepts(ip("8.8.8.8"), None));
    }

    #[test]
    fn type_filter_semantics() {
        let f = TypeFilter {
            allowed: vec![1, 28],
            excluded: vec![5],
        };
        assert!(f.accepts(1) && f.accepts(28));
        assert!(!f.accepts(5) && !f.accepts(65));
        let not_cname = TypeFilter {
            allowed: vec![],
            excluded: vec![5],
        };
        assert!(not_cname.accepts(65) && !not_cname.accepts(5));
    }
}
