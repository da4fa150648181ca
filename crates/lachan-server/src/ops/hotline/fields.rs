//! Reading what people type into hotline forms and requests: vocabulary names, free texts
//! within the store's limits, URLs, content hashes and times, each refused with a message that
//! says what to write.

use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use lachan_hotline::VIETNAM_UTC_OFFSET_MINUTES;
use lachan_policy::UnknownName;
use lachan_store::hotline::{ContentHash, HashKind, limits};
use serde::Deserialize;

use crate::ops::OpError;

/// A content hash as written: its algorithm and hexadecimal digits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashInput {
    /// `pdq`, `sha256` or `md5`.
    pub kind: String,
    /// The hash in hexadecimal (64 digits for pdq and sha256, 32 for md5).
    pub value: String,
}

/// `text` trimmed, `None` when blank.
pub(super) fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A required vocabulary name (`field` names it in the error).
pub(super) fn name<T>(field: &str, text: &str) -> Result<T, OpError>
where
    T: FromStr<Err = UnknownName>,
{
    if text.trim().is_empty() {
        return Err(OpError::Invalid(format!(
            "the {field} is missing; choose one"
        )));
    }
    text.parse().map_err(|e: UnknownName| {
        OpError::Invalid(format!(
            "'{}' is not a {field}; use one of: {}",
            e.name.escape_debug(),
            e.expected
        ))
    })
}

/// An optional vocabulary name: blank is none.
pub(super) fn optional_name<T>(field: &str, text: Option<&str>) -> Result<Option<T>, OpError>
where
    T: FromStr<Err = UnknownName>,
{
    given(text).map(|t| name(field, t)).transpose()
}

/// An optional free text of at most `max` characters without control characters other than
/// line breaks and tabs (when `multiline`); blank is none.
pub(super) fn text(
    field: &str,
    value: Option<&str>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, OpError> {
    let Some(value) = given(value) else {
        return Ok(None);
    };
    let count = value.chars().count();
    if count > max {
        return Err(OpError::Invalid(format!(
            "the {field} has {count} characters; shorten it to at most {max}"
        )));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !value.chars().all(allowed) {
        return Err(OpError::Invalid(format!(
            "the {field} contains control characters; write plain text{}",
            if multiline { "" } else { " on one line" }
        )));
    }
    Ok(Some(value.to_string()))
}

/// A required free text (see [`text`]).
pub(super) fn required_text(
    field: &str,
    value: &str,
    max: usize,
    multiline: bool,
) -> Result<String, OpError> {
    text(field, Some(value), max, multiline)?
        .ok_or_else(|| OpError::Invalid(format!("the {field} is empty; fill it in")))
}

/// URLs: at most [`limits::MAX_URLS`], each an `http://` or `https://` URL with a host, of
/// at most [`limits::MAX_URL_CHARS`] characters and no spaces; blank entries dropped, repeats
/// kept once.
pub(super) fn urls(values: &[String]) -> Result<Vec<String>, OpError> {
    let mut out: Vec<String> = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let shown: String = value.chars().take(80).collect();
        if value.chars().count() > limits::MAX_URL_CHARS {
            return Err(OpError::Invalid(format!(
                "the URL '{}…' is longer than {} characters; give the address of the page \
                 without tracking parameters",
                shown.escape_debug(),
                limits::MAX_URL_CHARS
            )));
        }
        let lower = value.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
        let plain = value.chars().all(|c| !c.is_whitespace() && !c.is_control());
        if !plain || host.is_none_or(|h| h.is_empty() || h.starts_with(':')) {
            return Err(OpError::Invalid(format!(
                "'{}' is not a web address; write each URL in full, starting with http:// or \
                 https:// (e.g. https://www.facebook.com/some.page), without spaces",
                shown.escape_debug()
            )));
        }
        if !out.iter().any(|u| u == value) {
            // Refused as soon as there is one too many, so a long list costs no more.
            if out.len() == limits::MAX_URLS {
                return Err(OpError::Invalid(format!(
                    "more than {0} URLs were given; give at most {0}, the ones that matter most",
                    limits::MAX_URLS
                )));
            }
            out.push(value.to_string());
        }
    }
    Ok(out)
}

/// Suspect account references: at most [`limits::MAX_ACCOUNTS`] of at most
/// [`limits::MAX_ACCOUNT_CHARS`] characters each; blank entries dropped.
pub(super) fn accounts(values: &[String]) -> Result<Vec<String>, OpError> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if let Some(account) = text(
            "account reference",
            Some(value),
            limits::MAX_ACCOUNT_CHARS,
            false,
        )? && !out.contains(&account)
        {
            if out.len() == limits::MAX_ACCOUNTS {
                return Err(OpError::Invalid(format!(
                    "more than {0} account references were given; give at most {0}",
                    limits::MAX_ACCOUNTS
                )));
            }
            out.push(account);
        }
    }
    Ok(out)
}

/// Content hashes: at most [`limits::MAX_HASHES`], each of a known kind with the right
/// number of hexadecimal digits (stored in lower case).
pub(super) fn hashes(values: &[HashInput]) -> Result<Vec<ContentHash>, OpError> {
    if values.len() > limits::MAX_HASHES {
        return Err(OpError::Invalid(format!(
            "{} hashes were given; give at most {}",
            values.len(),
            limits::MAX_HASHES
        )));
    }
    values
        .iter()
        .map(|h| {
            let kind: HashKind = name("hash kind", &h.kind)?;
            let value = h.value.trim();
            let digits = kind.hex_digits();
            if value.len() != digits || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(OpError::Invalid(format!(
                    "'{}' is not a {kind} hash: write {digits} hexadecimal digits (0-9, a-f)",
                    value.chars().take(80).collect::<String>().escape_debug()
                )));
            }
            Ok(ContentHash {
                kind,
                value: value.to_ascii_lowercase(),
            })
        })
        .collect()
}

/// Viet Nam's offset from UTC.
pub(super) fn vietnam() -> Offset {
    Offset::from_seconds(VIETNAM_UTC_OFFSET_MINUTES * 60).unwrap_or(Offset::UTC)
}

/// A time as written: RFC 3339 (`2026-03-14T21:30:00+07:00`), or a local date and time in Viet
/// Nam (`2026-03-14T21:30`, `2026-03-14 21:30`, as a browser's `datetime-local` field sends
/// it). Unix milliseconds.
pub(super) fn time(field: &str, value: &str) -> Result<i64, OpError> {
    let value = value.trim();
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at.as_millisecond());
    }
    value
        .parse::<DateTime>()
        .ok()
        .and_then(|local| vietnam().to_timestamp(local).ok())
        .map(|at| at.as_millisecond())
        .ok_or_else(|| {
            OpError::Invalid(format!(
                "the {field} '{}' is not a time; write it as 2026-03-14T21:30 (Viet Nam time) or \
                 2026-03-14T21:30:00+07:00",
                value.chars().take(40).collect::<String>().escape_debug()
            ))
        })
}

/// A calendar day as written (`2026-03-14`).
pub(super) fn date(field: &str, value: &str) -> Result<Date, OpError> {
    value.trim().parse::<Date>().map_err(|_| {
        OpError::Invalid(format!(
            "the {field} '{}' is not a date; write it as 2026-03-14",
            value.chars().take(40).collect::<String>().escape_debug()
        ))
    })
}

/// The start of `day` in Viet Nam, in Unix milliseconds.
pub(super) fn day_start_ms(day: Date) -> Result<i64, OpError> {
    vietnam()
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .map(|t| t.as_millisecond())
        .map_err(|_| OpError::Invalid(format!("the date {day} is out of range")))
}

/// The day in Viet Nam at `ms`.
pub(super) fn day_of(ms: i64) -> Date {
    Timestamp::from_millisecond(ms)
        .map(|t| vietnam().to_datetime(t).date())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_web_addresses() {
        let ok = urls(&[
            " https://www.facebook.com/x ".into(),
            "HTTP://example.vn/a?b=1".into(),
            String::new(),
            "https://www.facebook.com/x".into(),
        ])
        .unwrap();
        assert_eq!(
            ok,
            ["https://www.facebook.com/x", "HTTP://example.vn/a?b=1"]
        );
        for bad in [
            "ftp://example.vn",
            "example.vn",
            "https://",
            "https:///path",
            "https://a b",
            "javascript:alert(1)",
        ] {
            let err = urls(&[bad.into()]).unwrap_err().to_string();
            assert!(err.contains("http://"), "{bad}: {err}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("https://e.vn/{i}")).collect();
        assert!(urls(&many).unwrap_err().to_string().contains("at most 20"));
        let repeated: Vec<String> = many[..20].iter().chain(&many[..20]).cloned().collect();
        assert_eq!(urls(&repeated).unwrap().len(), 20, "repeats do not count");
        let accounts_given: Vec<String> = (0..21).map(|i| format!("tiktok:@a{i}")).collect();
        let err = accounts(&accounts_given).unwrap_err().to_string();
        assert!(err.contains("at most 20"), "{err}");
        assert_eq!(accounts(&accounts_given[..20]).unwrap().len(), 20);
        let long = format!("https://e.vn/{}", "a".repeat(2048));
        assert!(urls(&[long]).unwrap_err().to_string().contains("2048"));
    }

    #[test]
    fn hashes_have_their_kind_s_length() {
        let pdq = "A".repeat(64);
        let ok = hashes(&[HashInput {
            kind: "pdq".into(),
            value: pdq,
        }])
        .unwrap();
        assert_eq!(ok[0].value, "a".repeat(64));
        let err = hashes(&[HashInput {
            kind: "md5".into(),
            value: "a".repeat(64),
        }])
        .unwrap_err()
        .to_string();
        assert!(err.contains("32 hexadecimal digits"), "{err}");
        let err = hashes(&[HashInput {
            kind: "crc".into(),
            value: "00".into(),
        }])
        .unwrap_err()
        .to_string();
        assert!(err.contains("pdq, sha256, md5"), "{err}");
    }

    #[test]
    fn times_are_read_in_viet_nam_unless_they_say_otherwise() {
        let local = time("due time", "2026-03-14T21:30").unwrap();
        let explicit = time("due time", "2026-03-14T21:30:00+07:00").unwrap();
        assert_eq!(local, explicit);
        assert_eq!(time("due time", "2026-03-14T14:30:00Z").unwrap(), local);
        assert!(time("due time", "tomorrow").is_err());
        let day = date("start date", "2026-03-14").unwrap();
        assert_eq!(day_of(day_start_ms(day).unwrap()), day);
    }

    #[test]
    fn texts_are_bounded_and_plain() {
        assert_eq!(text("note", Some("  "), 10, false).unwrap(), None);
        assert!(text("note", Some("a\nb"), 10, false).is_err());
        assert_eq!(
            text("note", Some("a\nb"), 10, true).unwrap().as_deref(),
            Some("a\nb")
        );
        let err = text("note", Some("abcdef"), 5, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 5"), "{err}");
        let err = name::<lachan_hotline::Risk>("risk", "urgent").unwrap_err();
        assert!(err.to_string().contains("emergency"), "{err}");
    }
}
