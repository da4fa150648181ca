//! How long the texts and lists of reports, cases, actions and attachments may be. The store
//! refuses longer ones ([`super::HotlineError::TooLong`], [`super::HotlineError::TooMany`]);
//! forms and the API check the same limits to say so early.

use super::HotlineError;

/// A hotline's name (`[hotline] name`, e.g. `111`).
pub const MAX_HOTLINE_CHARS: usize = 64;
/// The online platform where it happened, free text.
pub const MAX_PLATFORM_CHARS: usize = 80;
/// The kind of content (`image`, `video`, `chat`, ...), free text.
pub const MAX_CONTENT_TYPE_CHARS: usize = 80;
/// A report's description.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// URLs of one report.
pub const MAX_URLS: usize = 20;
/// One URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Content hashes of one report.
pub const MAX_HASHES: usize = 20;
/// Suspect account references of one report.
pub const MAX_ACCOUNTS: usize = 20;
/// One account reference.
pub const MAX_ACCOUNT_CHARS: usize = 200;
/// A person's name (reporter, child).
pub const MAX_NAME_CHARS: usize = 120;
/// A person's contact (phone, e-mail, Zalo, address).
pub const MAX_CONTACT_CHARS: usize = 200;
/// A platform's reference, an idempotency key, a username.
pub const MAX_REFERENCE_CHARS: usize = 200;
/// A case's title.
pub const MAX_TITLE_CHARS: usize = 120;
/// A note on a case event or an action, a reason for a legal hold.
pub const MAX_NOTE_CHARS: usize = 2000;
/// An authority's name (in either language) or contact, as `lachan_hotline` checks its
/// defaults.
pub use lachan_hotline::MAX_AUTHORITY_CHARS;
/// An attachment's file name.
pub const MAX_FILENAME_CHARS: usize = 255;
/// An attachment's media type.
pub const MAX_MEDIA_TYPE_CHARS: usize = 127;

/// Refuses `value` if it has more than `max` characters.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<(), HotlineError> {
    if value.chars().count() > max {
        return Err(HotlineError::TooLong { field, max });
    }
    Ok(())
}

/// Refuses an optional text longer than `max` characters.
pub(crate) fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), HotlineError> {
    value.map_or(Ok(()), |v| text(field, v, max))
}

/// Refuses an empty (blank) text, or one longer than `max` characters.
pub(crate) fn required(field: &'static str, value: &str, max: usize) -> Result<(), HotlineError> {
    if value.trim().is_empty() {
        return Err(HotlineError::Empty(field));
    }
    text(field, value, max)
}

/// Refuses a list (`field`) of more than `max` entries, or with an entry (`entry`) longer than
/// `max_chars`.
pub(crate) fn list(
    field: &'static str,
    entry: &'static str,
    values: &[String],
    max: usize,
    max_chars: usize,
) -> Result<(), HotlineError> {
    if values.len() > max {
        return Err(HotlineError::TooMany { field, max });
    }
    values.iter().try_for_each(|v| text(entry, v, max_chars))
}
