//! Domain-name normalisation: lowercase, no trailing dot, Unicode labels to Punycode, length and
//! character checks.

use std::fmt;

use crate::punycode;

/// Longest name accepted, in bytes, without the trailing dot (RFC 1035: 255 octets on the wire).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label accepted, in bytes.
pub const MAX_LABEL_LEN: usize = 63;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Nothing left after removing the trailing dot.
    Empty,
    /// Over [`MAX_NAME_LEN`] bytes.
    TooLong(usize),
    /// Two dots in a row, or a leading dot.
    EmptyLabel,
    /// A label over [`MAX_LABEL_LEN`] bytes.
    LabelTooLong(usize),
    /// A character that cannot appear in a host name.
    BadChar(char),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the name is empty"),
            NameError::TooLong(n) => {
                write!(
                    f,
                    "the name is {n} bytes long; at most {MAX_NAME_LEN} are allowed"
                )
            }
            NameError::EmptyLabel => write!(
                f,
                "the name has an empty label (two dots in a row or a leading dot)"
            ),
            NameError::LabelTooLong(n) => {
                write!(
                    f,
                    "a label is {n} bytes long; at most {MAX_LABEL_LEN} are allowed"
                )
            }
            NameError::BadChar(c) => write!(
                f,
                "character {c:?} cannot appear in a host name (use letters, digits, '-', '_' and '.')"
            ),
        }
    }
}

/// Normalises `raw`: ASCII lowercase, trailing dot removed, labels with non-ASCII letters
/// converted to Punycode, then checked for length and characters. Returns `raw` itself when it
/// is already normal (the common case, no copy), else the name written into `buf`.
pub fn normalize<'a>(raw: &'a str, buf: &'a mut String) -> Result<&'a str, NameError> {
    let raw = raw.strip_suffix('.').unwrap_or(raw);
    if raw.is_ascii() {
        if !check_ascii(raw.as_bytes())? {
            return Ok(raw);
        }
        buf.clear();
        buf.push_str(raw);
        buf.make_ascii_lowercase();
        return Ok(buf);
    }
    buf.clear();
    let mut chars = Vec::new();
    for (i, label) in raw.split('.').enumerate() {
        if i > 0 {
            buf.push('.');
        }
        if label.is_ascii() {
            buf.push_str(label);
            continue;
        }
        chars.clear();
        for c in label.chars().flat_map(char::to_lowercase) {
            if !(c.is_alphanumeric() || c == '-' || c == '_') {
                return Err(NameError::BadChar(c));
            }
            chars.push(c);
        }
        buf.push_str("xn--");
        punycode::encode_label(&chars, buf).ok_or(NameError::LabelTooLong(label.len()))?;
    }
    buf.make_ascii_lowercase();
    check_ascii(buf.as_bytes())?;
    Ok(buf)
}

/// Like [`normalize`], into an owned string `out` (cleared first).
pub fn normalize_into(raw: &str, out: &mut String) -> Result<(), NameError> {
    let mut buf = String::new();
    let name = normalize(raw, &mut buf)?;
    out.clear();
    out.push_str(name);
    Ok(())
}

/// Bytes allowed in a normalised name.
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
}

/// Checks an ASCII name in one pass: characters, label and name lengths. Returns whether it
/// has upper-case letters to fold.
fn check_ascii(name: &[u8]) -> Result<bool, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong(name.len()));
    }
    let mut upper = false;
    let mut label = 0usize;
    for (i, &b) in name.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {}
            b'A'..=b'Z' => upper = true,
            b'.' if label == 0 => return Err(NameError::EmptyLabel),
            b'.' => {
                label = 0;
                continue;
            }
            _ => return Err(NameError::BadChar(char::from(b))),
        }
        label += 1;
        if label > MAX_LABEL_LEN {
            let rest = name[i + 1..]
                .iter()
                .position(|&c| c == b'.')
                .unwrap_or(name.len() - i - 1);
            return Err(NameError::LabelTooLong(label + rest));
        }
    }
    if label == 0 {
        return Err(NameError::EmptyLabel);
    }
    Ok(upper)
}

/// A token that may be an IP address (cheap test before parsing).
pub fn looks_like_ip(token: &str) -> bool {
    token.contains(':')
        || (!token.is_empty() && token.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// Names that hosts files map to loopback addresses for the machine itself; they never block.
pub fn is_local_host_name(name: &str) -> bool {
    matches!(
        name,
        "localhost" | "localhost.localdomain" | "local" | "broadcasthost" | "0.0.0.0"
    ) || name.starts_with("ip6-")
        || (looks_like_ip(name) && name.parse::<std::net::IpAddr>().is_ok())
}

/// `name` is `parent` or one of its subdomains (both normalised).
pub fn is_within(name: &str, parent: &str) -> bool {
    match name.strip_suffix(parent) {
        Some("") => true,
        Some(rest) => rest.ends_with('.'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Result<String, NameError> {
        let mut buf = String::new();
        normalize(s, &mut buf).map(str::to_string)
    }

    #[test]
    fn lowercases_and_drops_trailing_dot() {
        assert_eq!(norm("WWW.Example.COM.").unwrap(), "www.example.com");
        assert_eq!(norm("a_b.example").unwrap(), "a_b.example");
        let mut buf = String::new();
        let raw = "already.normal";
        assert!(
            std::ptr::eq(normalize(raw, &mut buf).unwrap(), raw),
            "no copy when already normal"
        );
    }

    #[test]
    fn unicode_labels_become_punycode() {
        assert_eq!(norm("Bücher.example").unwrap(), "xn--bcher-kva.example");
        assert!(norm("shọpmobaviet.vn").unwrap().starts_with("xn--"));
    }

    #[test]
    fn refuses_bad_names() {
        assert_eq!(norm(""), Err(NameError::Empty));
        assert_eq!(norm("."), Err(NameError::Empty));
        assert_eq!(norm("a..b"), Err(NameError::EmptyLabel));
        assert_eq!(norm(".a"), Err(NameError::EmptyLabel));
        assert_eq!(norm("a/b"), Err(NameError::BadChar('/')));
        assert_eq!(norm("a b"), Err(NameError::BadChar(' ')));
        assert_eq!(norm("ví dụ.vn"), Err(NameError::BadChar(' ')));
        let long_label = "a".repeat(64);
        assert_eq!(norm(&long_label), Err(NameError::LabelTooLong(64)));
        let long_name = vec!["a".repeat(60); 5].join(".");
        assert_eq!(norm(&long_name), Err(NameError::TooLong(304)));
    }

    #[test]
    fn local_names() {
        for n in [
            "localhost",
            "local",
            "ip6-allnodes",
            "broadcasthost",
            "0.0.0.0",
            "::1",
        ] {
            assert!(is_local_host_name(n), "{n}");
        }
        assert!(!is_local_host_name("localhost.example.com"));
    }

    #[test]
    fn within() {
        assert!(is_within("a.example.com", "example.com"));
        assert!(is_within("example.com", "example.com"));
        assert!(!is_within("badexample.com", "example.com"));
        assert!(!is_within("com", "example.com"));
    }
}
