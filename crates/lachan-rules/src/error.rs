//! Why a list line was refused.

use crate::name::NameError;

/// Why one line of a list could not be used. Lines with errors are skipped and reported; they
/// never stop a list from loading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The line is longer than [`crate::MAX_LINE_LEN`].
    #[error("line is {0} bytes long; at most {max} are allowed, split or shorten it", max = crate::MAX_LINE_LEN)]
    TooLong(usize),
    /// The line is not valid UTF-8.
    #[error("line is not valid UTF-8; save the list as UTF-8 (names as punycode)")]
    NotUtf8,
    /// A name in the line is not a valid host name.
    #[error("'{name}' is not a valid domain name: {reason}")]
    BadName {
        /// The name as written.
        name: String,
        /// What is wrong with it.
        reason: NameError,
    },
    /// A hosts line with an address but no name.
    #[error("hosts entry has an address but no name; write 'address name [name ...]'")]
    HostsWithoutName,
    /// Text that fits none of the formats.
    #[error(
        "unexpected text '{0}'; write one domain per line, 'address name ...', or an AdGuard rule such as ||example.org^"
    )]
    Unexpected(String),
    /// A modifier this parser does not know.
    #[error(
        "unknown modifier '${0}'; supported: important, badfilter, dnstype, client, denyallow, dnsrewrite"
    )]
    UnknownModifier(String),
    /// A known modifier with a bad value.
    #[error("modifier '${modifier}': {reason}")]
    BadModifier {
        /// The modifier's name.
        modifier: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// An AdGuard pattern that cannot match host names.
    #[error("pattern '{pattern}' {reason}")]
    BadPattern {
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `/regex/` that does not compile or is too large.
    #[error("regular expression does not compile: {0}")]
    BadRegex(String),
}
