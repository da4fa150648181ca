//! Domain rule lists for Lachan: hosts files, plain domain lists and AdGuard DNS filtering
//! syntax, parsed line by line and compiled into a compact matcher that the DNS resolver asks
//! about every query.
//!
//! - [`parse_line`] turns one line into a [`Rule`]; the format is detected per line, so one file
//!   may mix hosts entries, plain domains and AdGuard rules. Bad lines are reported with their
//!   line number and a reason, never fatal.
//! - [`RuleIndex::build`] compiles [`ListInput`]s; [`RuleIndex::rebuild`] swaps in new lists
//!   shard by shard while queries go on; [`RuleIndex::check`] decides a [`Query`] for the lists
//!   active in a [`ListMask`] with AdGuard's precedence.
//!
//! Semantics, following AdGuard's DNS filtering syntax:
//! - hosts lines (`IP name ...`) block each name exactly; plain domain lines follow the list's
//!   `subdomains` flag; `||name^` covers subdomains, `|name^` does not; `*` wildcards and
//!   `/regex/` match the whole lowercase name. Names are normalised (lowercase, no trailing dot,
//!   Unicode labels to punycode).
//! - A query matches a rule through its name or any parent domain. Precedence:
//!   `@@...$important` > `$important` block or rewrite > `@@` exception > `$dnsrewrite` > block;
//!   within one level the first rule found wins: those of the name itself, then of each parent
//!   in turn, then regex and unanchored wildcard rules. `@@...$dnsrewrite` only disables
//!   rewrites.
//! - Exceptions and `$badfilter` act across lists, but only while their own list is active;
//!   `$badfilter` compares rules after normalisation, so `||Example.org^` and a plain
//!   `example.org` in a `subdomains` list are the same rule.
//!
//! This crate is a pure engine: it must never depend on networking, databases, async runtimes
//! (tokio) or the DNS wire format. It reads files only when asked to build.

mod complex;
mod error;
mod index;
mod mask;
mod modifiers;
mod name;
mod parse;
mod pass;
mod punycode;
mod rule;
mod shard;
mod source;
mod verdict;
mod wildcard;

pub use error::RuleError;
pub use index::RuleIndex;
pub use mask::ListMask;
pub use name::{MAX_LABEL_LEN, MAX_NAME_LEN, NameError};
pub use parse::parse_line;
pub use rule::{
    ClientFilter, ClientId, Modifiers, Pattern, Rewrite, RewriteModifier, Rule, TypeFilter,
};
pub use source::{LineError, ListId, ListInput, ListReport, ListSource, MAX_REPORTED_ERRORS};
pub use verdict::{Action, Match, Query};
pub use wildcard::{Anchor, Wildcard};

/// Longest line accepted, in bytes; longer lines are reported as invalid.
pub const MAX_LINE_LEN: usize = 4096;
