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
                write!(f, "the name is {n} bytes long; at most {MAX_NAME_LEN} are allowed")
            }
            NameError::EmptyLabel => write!(f, "the name has an empty label (two dots in a row or a leading dot)"),
            NameError::LabelTooLong(n) => {
                write!(f, "a label is {n} bytes long; at most {MAX_LABEL_LEN} are allowed")
            }
            NameError::BadChar(c) => write!(
                f,
                "character {c:?} cannot appear in a host name (use letters, digits, '-', '_' and '.')"
            ),
        }
    }
}

/// Normalises `raw` into `out` (cleared first): ASCII lowercase, trailing dot removed, labels with
/// non-ASCII letters converted to Punycode, then checked for length and characters.
pub fn normalize_into(raw: &str, out: &mut String) -> Result<(), NameError> {
    out.clear();
    let raw = raw.strip_suffix('.').unwrap_or(raw);
    if raw.is_empty() {
        return Err(NameError::Empty);
    }
    if raw.is_ascii() {
        if raw.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong(raw.len()));
        }
        for b in raw.bytes() {
            let b = b.to_ascii_lowercase();
            if !is_name_byte(b) {
                return Err(NameError::BadChar(char::from(b)));
            }
            out.push(char::from(b));
        }
    } else {
        let mut chars = Vec::new();
        for (i, label) in raw.split('.').enumerate() {
            if i > 0 {
                out.push('.');
            }
            if label.is_ascii() {
                out.push_str(&label.to_ascii_lowercase());
                continue;
            }
            chars.clear();
            for c in label.chars().flat_map(char::to_lowercase) {
                if !(c.is_alphanumeric() || c == '-' || c == '_') {
                    return Err(NameError::BadChar(c));
                }
                chars.push(c);
            }
            out.push_str("xn--");
            punycode::encode_label(&chars, out).ok_or(NameError::LabelTooLong(label.len()))?;
        }
        if let Some(c) = out.chars().find(|&c| !c.is_ascii() || !is_name_byte(c as u8)) {
            return Err(NameError::BadChar(c));
        }
        if out.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong(out.len()));
        }
    }
    check_labels(out)
}

/// Bytes allowed in a normalised name.
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
}

fn check_labels(name: &str) -> Result<(), NameError> {
    for label in name.split('.') {
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong(label.len()));
        }
    }
    Ok(())
}

/// Names that hosts files map to loopback addresses for the machine itself; they never block.
pub fn is_local_host_name(name: &str) -> bool {
    matches!(
        name,
        "localhost" | "localhost.localdomain" | "local" | "broadcasthost" | "0.0.0.0"
    ) || name.starts_with("ip6-")
        || name.parse::<std::net::IpAddr>().is_ok()
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
        let mut out = String::new();
        normalize_into(s, &mut out).map(|()| out)
    }

    #[test]
    fn lowercases_and_drops_trailing_dot() {
        assert_eq!(norm("WWW.Example.COM.").unwrap(), "www.example.com");
        assert_eq!(norm("a_b.example").unwrap(), "a_b.example");
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
        let long_name = ["a".repeat(60); 5].join(".");
        assert_eq!(norm(&long_name), Err(NameError::TooLong(304)));
    }

    #[test]
    fn local_names() {
        for n in ["localhost", "local", "ip6-allnodes", "broadcasthost", "0.0.0.0", "::1"] {
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
