//! AdGuard patterns with `*` wildcards and `||`, `|`, `^` anchors, matched against a host name
//! without allocating.

use std::fmt;

/// Where a pattern must start matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// No anchor: the pattern may match anywhere in the name.
    None,
    /// `||`: at the start of the name or right after a dot.
    Domain,
    /// `|`: at the start of the name.
    Start,
}

/// A wildcard pattern such as `||ads*.example.com^` or `*$denyallow=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    /// Start anchor.
    pub anchor: Anchor,
    /// Lowercase body: name bytes and `*`.
    pub body: String,
    /// The pattern ended with `^` or `|`: it must match up to the end of the name.
    pub to_end: bool,
}

impl Wildcard {
    /// Whether `name` (lowercase, no trailing dot) matches.
    pub fn matches(&self, name: &str) -> bool {
        let pat = self.body.as_bytes();
        let text = name.as_bytes();
        // Cheap rejection: a pattern that runs to the end needs its literal tail at the end.
        let tail = pat
            .iter()
            .rposition(|&b| b == b'*')
            .map_or(pat, |i| &pat[i + 1..]);
        if self.to_end && !text.ends_with(tail) {
            return false;
        }
        // Start positions worth trying must hold the pattern's first byte (any, after a '*').
        let first = pat.first().copied().filter(|&b| b != b'*');
        let try_at = |i: usize| {
            first.is_none_or(|f| text.get(i) == Some(&f)) && glob(pat, &text[i..], self.to_end)
        };
        match self.anchor {
            Anchor::Start => try_at(0),
            Anchor::None => (0..=text.len()).any(try_at),
            Anchor::Domain => {
                try_at(0) || memchr::memchr_iter(b'.', text).any(|dot| try_at(dot + 1))
            }
        }
    }

    /// A domain every matching name lies strictly within, when the pattern has one: for a
    /// pattern ending at the end of the name, the part of its literal tail after the tail's
    /// first dot (`||ads*.example.com^` → `example.com`). Lets the index find the rule with the
    /// same hash probes as domain rules instead of testing it against every query.
    pub(crate) fn key_domain(&self) -> Option<&str> {
        if !self.to_end {
            return None;
        }
        let tail = match self.body.rfind('*') {
            Some(i) => &self.body[i + 1..],
            None => &self.body,
        };
        let (_, key) = tail.split_once('.')?;
        let labels_ok = key
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= crate::MAX_LABEL_LEN);
        (!key.is_empty() && key.len() <= crate::MAX_NAME_LEN && labels_ok).then_some(key)
    }
}

/// Iterative glob match with backtracking to the last `*`: O(|pat| * |text|) at worst, no
/// recursion. With `to_end` false, `text` may continue after the pattern.
fn glob(pat: &[u8], text: &[u8], to_end: bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p == pat.len() && (!to_end || t == text.len()) {
            return true;
        }
        if p < pat.len() && pat[p] == b'*' {
            star = Some((p, t));
            p += 1;
            continue;
        }
        if p < pat.len() && t < text.len() && pat[p] == text[t] {
            p += 1;
            t += 1;
            continue;
        }
        match star {
            Some((sp, st)) if st < text.len() => {
                star = Some((sp, st + 1));
                p = sp + 1;
                t = st + 1;
            }
            _ => return false,
        }
    }
}

impl fmt::Display for Wildcard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.anchor {
            Anchor::None => {}
            Anchor::Domain => f.write_str("||")?,
            Anchor::Start => f.write_str("|")?,
        }
        f.write_str(&self.body)?;
        if self.to_end {
            f.write_str("^")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(anchor: Anchor, body: &str, to_end: bool) -> Wildcard {
        Wildcard {
            anchor,
            body: body.into(),
            to_end,
        }
    }

    #[test]
    fn domain_anchor_with_star() {
        let p = w(Anchor::Domain, "admicro*.vcmedia.vn", true);
        assert!(p.matches("admicro1.vcmedia.vn"));
        assert!(p.matches("x.admicro-static.vcmedia.vn"));
        assert!(p.matches("admicro.vcmedia.vn"));
        assert!(!p.matches("xadmicro1.vcmedia.vn"));
        assert!(!p.matches("admicro1.vcmedia.vn.evil.com"));
    }

    #[test]
    fn star_in_middle_label() {
        let p = w(Anchor::Domain, "piwik.*.vn", true);
        assert!(p.matches("piwik.site.vn"));
        assert!(p.matches("a.piwik.b.c.vn"));
        assert!(!p.matches("piwik.vn"));
    }

    #[test]
    fn unanchored_and_open_ended() {
        assert!(w(Anchor::None, "*", false).matches("anything.example"));
        assert!(w(Anchor::None, "ads", false).matches("myads.example"));
        assert!(!w(Anchor::None, "ads", true).matches("myads.example"));
        assert!(w(Anchor::Domain, "example.org", false).matches("example.org.evil.com"));
        assert!(w(Anchor::Start, "ex", false).matches("example.org"));
        assert!(!w(Anchor::Start, "ex", false).matches("www.example.org"));
        assert!(w(Anchor::Domain, "*", true).matches("a.b"));
    }

    #[test]
    fn key_domains() {
        assert_eq!(
            w(Anchor::Domain, "admicro*.vcmedia.vn", true).key_domain(),
            Some("vcmedia.vn")
        );
        assert_eq!(
            w(Anchor::Domain, "mads*z.com", true).key_domain(),
            Some("com")
        );
        assert_eq!(
            w(Anchor::None, "example.org", true).key_domain(),
            Some("org")
        );
        assert_eq!(
            w(Anchor::Domain, "piwik.*.vn", true).key_domain(),
            Some("vn")
        );
        assert_eq!(w(Anchor::Domain, "ads*", true).key_domain(), None);
        assert_eq!(w(Anchor::Domain, "*", true).key_domain(), None);
        assert_eq!(
            w(Anchor::Domain, "ads*.example.com", false).key_domain(),
            None
        );
        assert_eq!(w(Anchor::Domain, "ads*.a..b", true).key_domain(), None);
    }

    #[test]
    fn backtracking_stays_correct() {
        let p = w(Anchor::Start, "a*a*a*b", true);
        assert!(p.matches("aaaaab"));
        assert!(!p.matches(&"a".repeat(200)));
    }
}
