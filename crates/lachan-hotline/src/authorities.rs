//! The bodies that referrals and takedown requests go to: the defaults shipped in
//! `data/authorities.toml` (seeded once, then edited by admins), and which [`ActionKind`] goes to
//! which [`AuthorityKind`].

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::line::{line_of, line_of_error};
use crate::{ActionKind, AuthorityKind};

/// The text of the defaults shipped with Lachan.
const TEXT: &str = include_str!("../data/authorities.toml");

/// The longest name or contact of an authority, in characters.
pub const MAX_AUTHORITY_CHARS: usize = 200;

/// One default authority, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityDefault {
    /// What kind of body it is.
    pub kind: AuthorityKind,
    /// Its name in Vietnamese.
    pub name_vi: String,
    /// Its name in English.
    pub name_en: String,
    /// Phone, e-mail or reporting address; may be empty.
    pub contact: String,
}

/// An authorities text that was rejected: where, what, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authorities, line {line}: {message}")]
pub struct AuthorityError {
    /// The 1-based line of the text at fault.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// A referral or takedown request given an authority of the wrong kind, or an action given one
/// it does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityMismatch {
    /// A referral or takedown request without an authority.
    #[error("a {0} action needs an authority; choose one")]
    Missing(ActionKind),
    /// An authority of a kind this action does not go to.
    #[error("a {action} action cannot go to a {kind} authority; {hint}")]
    WrongKind {
        /// The action.
        action: ActionKind,
        /// The authority's kind.
        kind: AuthorityKind,
        /// What to choose instead.
        hint: &'static str,
    },
}

/// The file layout: an array of `[[authority]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    authority: Vec<RawAuthority>,
}

/// One `[[authority]]` table, with the places of the texts that validation may reject.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthority {
    kind: AuthorityKind,
    name_vi: Spanned<String>,
    name_en: Spanned<String>,
    contact: Spanned<String>,
}

/// The authorities shipped with Lachan (`data/authorities.toml`), to seed an empty table. The
/// hotline must check and edit them: institutions were renamed in 2025.
pub fn default_authorities() -> Result<Vec<AuthorityDefault>, AuthorityError> {
    parse(TEXT)
}

/// Parses and validates an authorities text in the layout of `data/authorities.toml`.
fn parse(text: &str) -> Result<Vec<AuthorityDefault>, AuthorityError> {
    let file: File = toml::from_str(text).map_err(|e| AuthorityError {
        line: line_of_error(text, &e),
        message: format!(
            "{}; each [[authority]] has kind, name_vi, name_en and contact",
            e.message().trim_end()
        ),
    })?;
    let field = |value: Spanned<String>, name: &str, required: bool| {
        let trimmed = value.get_ref().trim();
        let count = trimmed.chars().count();
        if (required && count == 0) || count > MAX_AUTHORITY_CHARS {
            let need = if required { "1" } else { "0" };
            return Err(AuthorityError {
                line: line_of(text, value.span().start),
                message: format!(
                    "{name} has {count} characters; write {need} to {MAX_AUTHORITY_CHARS}"
                ),
            });
        }
        Ok(trimmed.to_string())
    };
    file.authority
        .into_iter()
        .map(|raw| {
            Ok(AuthorityDefault {
                kind: raw.kind,
                name_vi: field(raw.name_vi, "name_vi", true)?,
                name_en: field(raw.name_en, "name_en", true)?,
                contact: field(raw.contact, "contact", false)?,
            })
        })
        .collect()
}

impl ActionKind {
    /// True for the actions that go to an authority: referrals and takedown requests.
    pub fn needs_authority(self) -> bool {
        matches!(self, ActionKind::Referral | ActionKind::TakedownRequest)
    }

    /// Whether an action of this kind may go to an authority of `kind`: a referral to any kind
    /// but a platform, a takedown request to a platform only, other actions to none.
    pub fn accepts(self, kind: AuthorityKind) -> bool {
        match self {
            ActionKind::Referral => kind != AuthorityKind::Platform,
            ActionKind::TakedownRequest => kind == AuthorityKind::Platform,
            ActionKind::Counselling | ActionKind::EmergencyIntervention | ActionKind::FollowUp => {
                false
            }
        }
    }

    /// Checks the authority (by kind) given with a new action of this kind.
    pub fn check_authority(self, kind: Option<AuthorityKind>) -> Result<(), AuthorityMismatch> {
        match kind {
            None if self.needs_authority() => Err(AuthorityMismatch::Missing(self)),
            None => Ok(()),
            Some(kind) if self.accepts(kind) => Ok(()),
            Some(kind) => Err(AuthorityMismatch::WrongKind {
                action: self,
                kind,
                hint: match self {
                    ActionKind::Referral => {
                        "refer to a public body; ask a platform through a takedown request"
                    }
                    ActionKind::TakedownRequest => "choose a platform",
                    _ => "leave the authority out",
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "[[authority]]\nkind = \"school\"\nname_vi = \"Trường của trẻ\"\n\
                       name_en = \"The child's school\"\ncontact = \"\"\n";

    #[test]
    fn defaults_cover_every_kind_and_the_named_platforms() {
        let all = default_authorities().unwrap();
        for &kind in AuthorityKind::ALL {
            assert!(all.iter().any(|a| a.kind == kind), "{kind}");
        }
        let platforms: Vec<&str> = all
            .iter()
            .filter(|a| a.kind == AuthorityKind::Platform)
            .map(|a| a.name_en.as_str())
            .collect();
        assert_eq!(
            platforms,
            [
                "Meta (Facebook, Instagram)",
                "TikTok",
                "Google (YouTube)",
                "Zalo (VNG)",
                "Roblox",
                "Garena"
            ]
        );
        let a05 = all
            .iter()
            .find(|a| a.kind == AuthorityKind::PoliceCyber)
            .unwrap();
        assert!(a05.name_vi.contains("(A05)"), "{}", a05.name_vi);
    }

    #[test]
    fn a_valid_text_parses_and_trims() {
        let parsed = parse(&ONE.replace("\"\"", "\" 111 \"")).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].kind, AuthorityKind::School);
        assert_eq!(parsed[0].contact, "111");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse(&ONE.replace("school", "ministry")).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("ministry"), "{err}");
        let err = parse(&ONE.replace("Trường của trẻ", "  ")).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("name_vi has 0 characters"), "{err}");
        let long = "x".repeat(MAX_AUTHORITY_CHARS + 1);
        let err =
            parse(&ONE.replace("contact = \"\"", &format!("contact = \"{long}\""))).unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        let err = parse("[[authority]]\nkind = \"school\"\n").unwrap_err();
        assert!(err.message.contains("missing field"), "{err}");
    }

    #[test]
    fn actions_accept_the_right_authorities() {
        for &kind in AuthorityKind::ALL {
            let platform = kind == AuthorityKind::Platform;
            assert_eq!(ActionKind::Referral.accepts(kind), !platform, "{kind}");
            assert_eq!(
                ActionKind::TakedownRequest.accepts(kind),
                platform,
                "{kind}"
            );
            assert!(!ActionKind::Counselling.accepts(kind));
            assert!(!ActionKind::EmergencyIntervention.accepts(kind));
            assert!(!ActionKind::FollowUp.accepts(kind));
        }
    }

    #[test]
    fn check_authority_explains_refusals() {
        assert_eq!(
            ActionKind::Referral.check_authority(None),
            Err(AuthorityMismatch::Missing(ActionKind::Referral))
        );
        assert_eq!(ActionKind::Counselling.check_authority(None), Ok(()));
        assert_eq!(
            ActionKind::TakedownRequest.check_authority(Some(AuthorityKind::Platform)),
            Ok(())
        );
        let err = ActionKind::TakedownRequest
            .check_authority(Some(AuthorityKind::School))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a takedown_request action cannot go to a school authority; choose a platform"
        );
        let err = ActionKind::FollowUp
            .check_authority(Some(AuthorityKind::Health))
            .unwrap_err();
        assert!(
            err.to_string().ends_with("leave the authority out"),
            "{err}"
        );
    }
}
