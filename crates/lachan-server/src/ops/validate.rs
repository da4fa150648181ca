//! Checking what people type: names, rules, device matchers, targets, counts.

use std::net::IpAddr;

use lachan_policy::{ServiceCatalog, Target};

use super::OpError;
use crate::MIN_PASSWORD_CHARS;

/// Longest name of a profile, device, household, user or token, in characters.
pub(super) const MAX_NAME_CHARS: usize = 64;

/// Most custom rules of one kind (allow or deny) per profile.
const MAX_RULES: usize = 1000;

/// Longest custom rule, in characters.
const MAX_RULE_CHARS: usize = 300;

/// Most matchers per device.
const MAX_MATCHERS: usize = 32;

/// A name (of a profile, device, household, user): trimmed, 1 to 64 characters, no control
/// characters and no `/` or `\`.
pub(super) fn name(kind: &str, text: &str) -> Result<String, OpError> {
    let text = text.trim();
    let count = text.chars().count();
    if count == 0 || count > MAX_NAME_CHARS {
        return Err(OpError::Invalid(format!(
            "the {kind} name must have 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(OpError::Invalid(format!(
            "the {kind} name '{}' contains a slash or a control character; use letters, digits, \
             spaces, '-' or '_'",
            text.escape_debug()
        )));
    }
    Ok(text.to_string())
}

/// An optional household name: blank is none.
pub(super) fn household(text: Option<&str>) -> Result<Option<String>, OpError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => name("household", text).map(Some),
        None => Ok(None),
    }
}

/// Custom allow or deny rules in list syntax: one rule per entry (entries may also hold several
/// lines), blank lines and `!`/`#` comments dropped.
pub(super) fn rules(kind: &str, entries: &[String]) -> Result<Vec<String>, OpError> {
    let mut out = Vec::new();
    for line in entries.iter().flat_map(|e| e.lines()).map(str::trim) {
        if line.is_empty() || line.starts_with('!') || line.starts_with('#') {
            continue;
        }
        if line.chars().count() > MAX_RULE_CHARS
            || line.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(OpError::Invalid(format!(
                "{kind} rule '{}' is not a rule: write one domain or list rule per line, e.g. \
                 example.com or ||example.com^ (no spaces, at most {MAX_RULE_CHARS} characters)",
                line.chars().take(80).collect::<String>().escape_debug()
            )));
        }
        if !out.iter().any(|r| r == line) {
            out.push(line.to_string());
        }
    }
    if out.len() > MAX_RULES {
        return Err(OpError::Invalid(format!(
            "at most {MAX_RULES} {kind} rules per profile; use a block list for more"
        )));
    }
    Ok(out)
}

/// A target (`all`, `group:NAME`, `service:ID`) whose service exists in the catalogue.
pub(super) fn target(catalog: &ServiceCatalog, text: &str) -> Result<Target, OpError> {
    let target: Target = text
        .parse()
        .map_err(|e: lachan_policy::InvalidTarget| OpError::Invalid(e.to_string()))?;
    if let Target::Service(id) = &target
        && catalog.get(id).is_none()
    {
        return Err(OpError::Invalid(format!(
            "'{id}' is not a service of the catalogue; GET /api/v1/services lists the ids"
        )));
    }
    Ok(target)
}

/// Device matchers: IP addresses, CIDR ranges and MAC addresses, one per entry or several
/// separated by commas or spaces; returned in a canonical form (networks truncated, MACs in
/// lower case with colons), without repeats.
pub(super) fn matchers(entries: &[String]) -> Result<Vec<String>, OpError> {
    let mut out: Vec<String> = Vec::new();
    for word in entries
        .iter()
        .flat_map(|e| e.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|w| !w.is_empty())
    {
        let canonical = matcher(word).ok_or_else(|| {
            OpError::Invalid(format!(
                "'{}' is not an IP address (192.168.1.23), a CIDR range (192.168.1.0/24) or a \
                 MAC address (aa:bb:cc:dd:ee:ff)",
                word.chars().take(60).collect::<String>().escape_debug()
            ))
        })?;
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    if out.is_empty() {
        return Err(OpError::Invalid(
            "a device needs at least one IP address, CIDR range or MAC address".into(),
        ));
    }
    if out.len() > MAX_MATCHERS {
        return Err(OpError::Invalid(format!(
            "at most {MAX_MATCHERS} addresses per device; use a CIDR range for a whole network"
        )));
    }
    Ok(out)
}

/// One matcher in canonical form, or `None` when it is none of the three kinds.
fn matcher(word: &str) -> Option<String> {
    if let Ok(ip) = word.parse::<IpAddr>() {
        return Some(ip.to_string());
    }
    if let Ok(net) = word.parse::<ipnet::IpNet>() {
        return Some(net.trunc().to_string());
    }
    let parts: Vec<&str> = word.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut bytes = Vec::with_capacity(6);
    for part in parts {
        if part.len() != 2 {
            return None;
        }
        bytes.push(u8::from_str_radix(part, 16).ok()?);
    }
    Some(
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// A password for a new account: [`MIN_PASSWORD_CHARS`] to 256 characters.
pub(super) fn new_password(password: &str) -> Result<(), OpError> {
    let count = password.chars().count();
    if count < MIN_PASSWORD_CHARS {
        return Err(OpError::Invalid(format!(
            "the password is too short: use at least {MIN_PASSWORD_CHARS} characters (a short \
             sentence is easy to remember)"
        )));
    }
    if count > 256 {
        return Err(OpError::Invalid(
            "the password is too long: use at most 256 characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("profile", "  Lớp 6A ").unwrap(), "Lớp 6A");
        for bad in ["", "   ", "a/b", "tab\there", &"x".repeat(65)] {
            assert!(name("profile", bad).is_err(), "{bad:?}");
        }
        assert_eq!(household(Some("  ")).unwrap(), None);
        assert_eq!(
            household(Some("nha-an")).unwrap().as_deref(),
            Some("nha-an")
        );
    }

    #[test]
    fn matchers_are_canonical() {
        let got = matchers(&strings(&[
            "192.168.1.23, 192.168.1.0/24",
            "AA-BB-CC-DD-EE-0F 2001:db8::1",
            "192.168.1.23",
            "10.1.2.3/8",
        ]))
        .unwrap();
        assert_eq!(
            got,
            [
                "192.168.1.23",
                "192.168.1.0/24",
                "aa:bb:cc:dd:ee:0f",
                "2001:db8::1",
                "10.0.0.0/8"
            ]
        );
        for bad in ["192.168.1.300", "aa:bb:cc", "laptop", "10.0.0.0/33"] {
            let err = matchers(&strings(&[bad])).unwrap_err();
            assert!(err.to_string().contains("MAC address"), "{bad}: {err}");
        }
        assert!(matchers(&strings(&[" , "])).is_err());
    }

    #[test]
    fn targets_must_name_catalogue_services() {
        let catalog = ServiceCatalog::builtin();
        assert_eq!(target(catalog, "all").unwrap(), Target::All);
        assert!(target(catalog, "group:games").is_ok());
        assert!(target(catalog, "service:roblox").is_ok());
        assert!(target(catalog, "service:no_such_game").is_err());
        assert!(target(catalog, "group:casino").is_err());
    }

    #[test]
    fn rules_drop_comments_and_refuse_spaces() {
        let got = rules(
            "deny",
            &strings(&["example.com\n! note\n\n||ads.test^", "example.com"]),
        )
        .unwrap();
        assert_eq!(got, ["example.com", "||ads.test^"]);
        assert!(rules("deny", &strings(&["two words"])).is_err());
    }
}
