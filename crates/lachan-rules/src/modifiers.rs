//! Parsing of the modifiers after `$`: `important`, `badfilter`, `dnstype`, `client`,
//! `denyallow`, `dnsrewrite`.

use std::net::IpAddr;
use std::sync::Arc;

use crate::error::RuleError;
use crate::name::normalize_into;
use crate::rule::{ClientFilter, ClientId, Modifiers, Rewrite, RewriteModifier, TypeFilter};

/// Parses the comma-separated modifier list (the text after `$`).
pub fn parse_modifiers(text: &str) -> Result<Modifiers, RuleError> {
    let mut mods = Modifiers::default();
    for item in split_unquoted(text, ',') {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item, None),
        };
        let key_lower = key.trim().to_ascii_lowercase();
        let bad = |reason: String| RuleError::BadModifier {
            modifier: key_lower.clone(),
            reason,
        };
        match (key_lower.as_str(), value) {
            ("important", None) => mods.important = true,
            ("badfilter", None) => mods.badfilter = true,
            ("important" | "badfilter", Some(_)) => return Err(bad("it takes no value".into())),
            ("dnstype", Some(v)) => mods.dnstype = Some(parse_dnstype(v).map_err(bad)?),
            ("client", Some(v)) => mods.client = Some(parse_client(v).map_err(bad)?),
            ("denyallow", Some(v)) => mods.denyallow = parse_denyallow(v).map_err(bad)?,
            ("dnsrewrite", None) => mods.dnsrewrite = Some(RewriteModifier::Any),
            ("dnsrewrite", Some(v)) => {
                mods.dnsrewrite = Some(RewriteModifier::Value(parse_rewrite(v).map_err(bad)?))
            }
            ("dnstype" | "client" | "denyallow", None) => {
                return Err(bad("it needs a value after '='".into()));
            }
            _ => return Err(RuleError::UnknownModifier(key.to_string())),
        }
    }
    Ok(mods)
}

/// Splits on `sep` outside single or double quotes and not escaped with `\`.
fn split_unquoted(text: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut cuts = Vec::new();
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == sep {
            cuts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    cuts.push(&text[start..]);
    cuts.into_iter()
}

/// DNS type mnemonics accepted by `$dnstype`, with their numbers (IANA registry).
const TYPES: &[(&str, u16)] = &[
    ("A", 1),
    ("NS", 2),
    ("CNAME", 5),
    ("SOA", 6),
    ("PTR", 12),
    ("HINFO", 13),
    ("MX", 15),
    ("TXT", 16),
    ("AAAA", 28),
    ("SRV", 33),
    ("NAPTR", 35),
    ("DS", 43),
    ("SSHFP", 44),
    ("RRSIG", 46),
    ("NSEC", 47),
    ("DNSKEY", 48),
    ("NSEC3", 50),
    ("TLSA", 52),
    ("SVCB", 64),
    ("HTTPS", 65),
    ("ANY", 255),
    ("CAA", 257),
];

/// Displays a query type by its mnemonic, or as `TYPEn`.
pub(crate) struct TypeName(pub u16);

impl std::fmt::Display for TypeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match TYPES.iter().find(|(_, n)| *n == self.0) {
            Some((name, _)) => f.write_str(name),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

fn parse_type(name: &str) -> Option<u16> {
    let upper = name.to_ascii_uppercase();
    if let Some(&(_, n)) = TYPES.iter().find(|(t, _)| *t == upper) {
        return Some(n);
    }
    upper.strip_prefix("TYPE").and_then(|n| n.parse().ok())
}

fn parse_dnstype(value: &str) -> Result<TypeFilter, String> {
    let mut filter = TypeFilter::default();
    for item in value.split('|') {
        let (negated, name) = match item.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let t = parse_type(name).ok_or_else(|| {
            format!("unknown DNS type '{name}'; use a name such as A, AAAA, HTTPS or TYPE65")
        })?;
        if negated {
            &mut filter.excluded
        } else {
            &mut filter.allowed
        }
        .push(t);
    }
    Ok(filter)
}

fn parse_client(value: &str) -> Result<ClientFilter, String> {
    let mut filter = ClientFilter::default();
    for item in split_unquoted(value, '|') {
        let (negated, item) = match item.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let id = parse_client_id(item)?;
        if negated {
            &mut filter.excluded
        } else {
            &mut filter.included
        }
        .push(id);
    }
    Ok(filter)
}

fn parse_client_id(item: &str) -> Result<ClientId, String> {
    if item.is_empty() {
        return Err("a client is empty; write a name, an IP address or a CIDR range".into());
    }
    if let Some(quoted) = unquote(item) {
        return quoted.map(ClientId::Name);
    }
    if let Ok(ip) = item.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        return Ok(ClientId::Net { addr: ip, prefix });
    }
    if let Some((addr, len)) = item.split_once('/') {
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{item}' is not a CIDR range (address/prefix)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 =
            len.parse().ok().filter(|p| *p <= max).ok_or_else(|| {
                format!("'{item}' needs a prefix length from 0 to {max} after '/'")
            })?;
        return Ok(ClientId::Net {
            addr: network(addr, prefix),
            prefix,
        });
    }
    if item.contains(['\'', '"', '\\', ' ']) {
        return Err(format!(
            "client name {item:?} must be quoted ('...' or \"...\")"
        ));
    }
    Ok(ClientId::Name(item.to_string()))
}

/// Clears the host bits of `addr`.
fn network(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

/// For a value in quotes, the unescaped text; `None` when `item` is not quoted.
fn unquote(item: &str) -> Option<Result<String, String>> {
    let q = item.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = item[1..].strip_suffix(q).filter(|_| item.len() >= 2);
    let Some(inner) = inner else {
        return Some(Err(format!("client name {item:?} has no closing quote")));
    };
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    Some(if out.is_empty() {
        Err("a quoted client name is empty".into())
    } else {
        Ok(out)
    })
}

fn parse_denyallow(value: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for item in value.split('|') {
        if item.starts_with('~') || item.contains('*') {
            return Err(format!(
                "'{item}': denyallow takes plain domains, without '~' or '*'"
            ));
        }
        let mut name = String::new();
        normalize_into(item, &mut name).map_err(|e| format!("'{item}': {e}"))?;
        out.push(name);
    }
    Ok(out)
}

/// Parses a `$dnsrewrite` value: a keyword (`NXDOMAIN`, `REFUSED`, `NOERROR`), an address, a
/// CNAME target, or the full `RCODE;TYPE;VALUE` form.
fn parse_rewrite(value: &str) -> Result<Rewrite, String> {
    let mut parts = value.splitn(3, ';');
    let first = parts.next().unwrap_or("");
    let Some(rtype) = parts.next() else {
        return parse_short_rewrite(value);
    };
    let rvalue = parts.next().unwrap_or("");
    let rcode = first.to_ascii_uppercase();
    if rtype.is_empty() && rvalue.is_empty() {
        return rcode_rewrite(&rcode).ok_or_else(|| {
            format!("unknown response code '{first}'; use NOERROR, NXDOMAIN or REFUSED")
        });
    }
    if rcode != "NOERROR" {
        return Err(format!(
            "records need the NOERROR response code, not '{first}'"
        ));
    }
    match rtype.to_ascii_uppercase().as_str() {
        "A" => rvalue
            .parse()
            .map(Rewrite::A)
            .map_err(|_| format!("'{rvalue}' is not an IPv4 address")),
        "AAAA" => rvalue
            .parse()
            .map(Rewrite::Aaaa)
            .map_err(|_| format!("'{rvalue}' is not an IPv6 address")),
        "CNAME" => cname(rvalue),
        other => Err(format!(
            "record type '{other}' is not supported; use A, AAAA or CNAME"
        )),
    }
}

fn parse_short_rewrite(value: &str) -> Result<Rewrite, String> {
    if let Some(r) = rcode_rewrite(&value.to_ascii_uppercase()) {
        return Ok(r);
    }
    match value.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => Ok(Rewrite::A(a)),
        Ok(IpAddr::V6(a)) => Ok(Rewrite::Aaaa(a)),
        Err(_) => cname(value),
    }
}

fn rcode_rewrite(rcode: &str) -> Option<Rewrite> {
    match rcode {
        "NXDOMAIN" => Some(Rewrite::NxDomain),
        "REFUSED" => Some(Rewrite::Refused),
        "NOERROR" => Some(Rewrite::NoData),
        _ => None,
    }
}

fn cname(value: &str) -> Result<Rewrite, String> {
    let mut name = String::new();
    normalize_into(value, &mut name)
        .map_err(|e| format!("'{value}' is not a CNAME target: {e}"))?;
    Ok(Rewrite::Cname(Arc::from(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_types() {
        let m = parse_modifiers("important,dnstype=A|aaaa|~CNAME").unwrap();
        assert!(m.important && !m.badfilter);
        assert_eq!(
            m.dnstype,
            Some(TypeFilter {
                allowed: vec![1, 28],
                excluded: vec![5]
            })
        );
        assert_eq!(
            parse_modifiers("dnstype=TYPE65")
                .unwrap()
                .dnstype
                .unwrap()
                .allowed,
            vec![65]
        );
        assert!(parse_modifiers("dnstype=BOGUS").is_err());
        assert!(parse_modifiers("dnstype").is_err());
        assert!(parse_modifiers("important=1").is_err());
    }

    #[test]
    fn unknown_modifier_is_refused() {
        let err = parse_modifiers("third-party").unwrap_err();
        assert!(matches!(err, RuleError::UnknownModifier(ref m) if m == "third-party"));
    }

    #[test]
    fn clients_with_quotes_escapes_and_ranges() {
        let m = parse_modifiers(
            r#"client='Frank\'s laptop'|~"Mom, Dad"|192.168.0.0/24|~10.1.2.3|Kids"#,
        )
        .unwrap();
        let c = m.client.unwrap();
        assert_eq!(
            c.included,
            vec![
                ClientId::Name("Frank's laptop".into()),
                ClientId::Net {
                    addr: "192.168.0.0".parse().unwrap(),
                    prefix: 24
                },
                ClientId::Name("Kids".into()),
            ]
        );
        assert_eq!(
            c.excluded,
            vec![
                ClientId::Name("Mom, Dad".into()),
                ClientId::Net {
                    addr: "10.1.2.3".parse().unwrap(),
                    prefix: 32
                },
            ]
        );
        // AdGuard's documented example of a quoted name with escaped quotes and commas.
        let m = parse_modifiers(r"client=~'Mary\'s\, John\'s\, and Boris\'s laptops'").unwrap();
        assert_eq!(
            m.client.unwrap().excluded,
            vec![ClientId::Name("Mary's, John's, and Boris's laptops".into())]
        );
        let host_bits = parse_modifiers("client=192.168.1.77/24")
            .unwrap()
            .client
            .unwrap();
        assert_eq!(
            host_bits.included,
            vec![ClientId::Net {
                addr: "192.168.1.0".parse().unwrap(),
                prefix: 24
            }]
        );
        assert!(parse_modifiers("client=10.0.0.0/33").is_err());
        assert!(parse_modifiers("client='unterminated").is_err());
        assert!(parse_modifiers("client=a|").is_err());
    }

    #[test]
    fn denyallow_domains() {
        let m = parse_modifiers("denyallow=Sub.Example.org|b.net.").unwrap();
        assert_eq!(m.denyallow, vec!["sub.example.org", "b.net"]);
        assert!(parse_modifiers("denyallow=~a.com").is_err());
        assert!(parse_modifiers("denyallow=*.a.com").is_err());
    }

    #[test]
    fn rewrite_forms() {
        let r = |v: &str| match parse_modifiers(&format!("dnsrewrite={v}"))
            .unwrap()
            .dnsrewrite
        {
            Some(RewriteModifier::Value(r)) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(r("1.2.3.4"), Rewrite::A("1.2.3.4".parse().unwrap()));
        assert_eq!(r("::1"), Rewrite::Aaaa("::1".parse().unwrap()));
        assert_eq!(r("Example.NET"), Rewrite::Cname("example.net".into()));
        assert_eq!(r("NXDOMAIN"), Rewrite::NxDomain);
        assert_eq!(r("refused"), Rewrite::Refused);
        assert_eq!(r("NOERROR"), Rewrite::NoData);
        assert_eq!(r("NXDOMAIN;;"), Rewrite::NxDomain);
        assert_eq!(
            r("NOERROR;A;1.2.3.4"),
            Rewrite::A("1.2.3.4".parse().unwrap())
        );
        assert_eq!(r("NOERROR;AAAA;::1"), Rewrite::Aaaa("::1".parse().unwrap()));
        assert_eq!(r("NOERROR;CNAME;x.org"), Rewrite::Cname("x.org".into()));
        for bad in [
            "NOERROR;A;::1",
            "NOERROR;MX;10 mx.x.org",
            "SERVFAIL;A;1.2.3.4",
            "a b",
            "BOGUS;;",
        ] {
            assert!(
                parse_modifiers(&format!("dnsrewrite={bad}")).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            parse_modifiers("dnsrewrite").unwrap().dnsrewrite,
            Some(RewriteModifier::Any)
        );
    }
}
