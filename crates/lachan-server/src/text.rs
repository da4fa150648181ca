//! The text-safety API's engine side: the server's policy and limits ([`TextOptions`]), one
//! message checked, and a message pushed to a conversation whose analyser state the store
//! keeps per owner.
//!
//! Texts are never logged or stored: the store keeps the analyser's state (participants as
//! hashes, stage indices, the risk) under the SHA-256 of the conversation id.

use std::sync::OnceLock;

use lachan_policy::Category;
use lachan_store::{ConversationLimits, ConversationOwner, ConversationUpdate, Store, StoreError};
use lachan_text::classify::{Classifier, Policy, TEXT_CATEGORIES, Verdict};
use lachan_text::conversation::{Analyser, AnalyserConfig, Conversation, Message, MessageReport};
use lachan_text::normalize::{Normalized, TextError};
use sha2::{Digest, Sha256};

use crate::principal::{Principal, Via};

/// Longest conversation id, in characters (of `A-Z a-z 0-9 . _ : -`).
pub const MAX_CONVERSATION_ID_CHARS: usize = 128;

/// Longest sender id, in bytes (only its hash is kept).
pub const MAX_SENDER_BYTES: usize = 256;

/// The text-safety API's settings (`[text]` of the configuration).
#[derive(Debug, Clone, PartialEq)]
pub struct TextOptions {
    /// The thresholds used when a request gives none for a category; categories it does not
    /// list use [`Policy::default_thresholds`].
    pub policy: Policy,
    /// A conversation's state is forgotten this many hours after its last message (at least 1).
    pub conversation_hours: u64,
    /// The most live conversations one platform token (or administrator) may keep (at least 1).
    pub max_conversations: u64,
}

impl Default for TextOptions {
    /// The engine's default policy, 168 hours (7 days), 100,000 conversations.
    fn default() -> Self {
        TextOptions {
            policy: Policy::default(),
            conversation_hours: 168,
            max_conversations: 100_000,
        }
    }
}

impl TextOptions {
    /// The store's limits for these options.
    pub fn limits(&self) -> ConversationLimits {
        ConversationLimits {
            expire_after_ms: i64::try_from(self.conversation_hours.max(1))
                .unwrap_or(i64::MAX)
                .saturating_mul(3_600_000),
            max_per_owner: self.max_conversations.max(1),
        }
    }
}

/// What is wrong with a policy's thresholds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// A threshold names a category that text cannot show.
    #[error("'{category}' is not a category a text can show; use one of: {expected}")]
    NotTextCategory {
        /// The category named.
        category: Category,
        /// The categories a text can show, comma-separated.
        expected: String,
    },
    /// A threshold is not a number from 0 to 1.
    #[error("the {which} threshold of {category} is {value}; use a number from 0 to 1")]
    OutOfRange {
        /// The category.
        category: Category,
        /// `review` or `block`.
        which: &'static str,
        /// The value given.
        value: f32,
    },
}

/// Checks that a policy names only text categories, with thresholds from 0 to 1.
pub fn check_policy(policy: &Policy) -> Result<(), PolicyError> {
    for (&category, thresholds) in &policy.thresholds {
        if !TEXT_CATEGORIES.contains(&category) {
            let expected: Vec<&str> = TEXT_CATEGORIES.iter().map(|c| c.as_str()).collect();
            return Err(PolicyError::NotTextCategory {
                category,
                expected: expected.join(", "),
            });
        }
        let values = [
            ("review", Some(thresholds.review)),
            ("block", thresholds.block),
        ];
        for (which, value) in values {
            if let Some(value) = value
                && !(0.0..=1.0).contains(&value)
            {
                return Err(PolicyError::OutOfRange {
                    category,
                    which,
                    value,
                });
            }
        }
    }
    Ok(())
}

/// A conversation id as the platform chose it: 1 to [`MAX_CONVERSATION_ID_CHARS`] characters
/// of `A-Z a-z 0-9 . _ : -`. Only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConversationId([u8; 32]);

impl ConversationId {
    /// The key the store keeps the conversation under (SHA-256 of its id).
    pub(crate) fn key(&self) -> &[u8; 32] {
        &self.0
    }

    /// The id `text`, or what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<ConversationId, String> {
        conversation_key(text).map(ConversationId).ok_or_else(|| {
            format!(
                "the conversation id must have 1 to {MAX_CONVERSATION_ID_CHARS} characters of \
                 A-Z, a-z, 0-9, '.', '_', ':' and '-'"
            )
        })
    }
}

/// The key the store keeps conversation `id` under (its SHA-256, for
/// [`lachan_store::Store::conversation_state`]), or `None` when `id` is not a valid
/// conversation id (1 to [`MAX_CONVERSATION_ID_CHARS`] characters of `A-Z a-z 0-9 . _ : -`).
pub fn conversation_key(id: &str) -> Option<[u8; 32]> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    let valid = !id.is_empty() && id.len() <= MAX_CONVERSATION_ID_CHARS && id.chars().all(allowed);
    valid.then(|| Sha256::digest(id.as_bytes()).into())
}

/// Why a message was not added to its conversation.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PushError {
    /// The text is too long.
    #[error(transparent)]
    Text(#[from] TextError),
    /// The conversation is new and the owner keeps the most conversations allowed.
    #[error(
        "you keep {max} live conversations, the most allowed; this message would start another"
    )]
    Full {
        /// The limit.
        max: u64,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one message pushed to a conversation showed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Pushed {
    /// The analyser's report: index, stages, risk, alert.
    #[serde(flatten)]
    pub(crate) report: MessageReport,
    /// The message on its own, under the server's policy.
    pub(crate) verdict: Verdict,
}

/// The text-safety engine as the server uses it: options, and the analyser built on first use.
#[derive(Debug)]
pub(crate) struct TextService {
    options: TextOptions,
    analyser: OnceLock<AnalyserCell>,
}

/// The analyser, in a wrapper that prints as its configuration.
struct AnalyserCell(Analyser);

impl std::fmt::Debug for AnalyserCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.config().fmt(f)
    }
}

impl TextService {
    /// The service under `options`.
    pub(crate) fn new(options: TextOptions) -> TextService {
        TextService {
            options,
            analyser: OnceLock::new(),
        }
    }

    /// The options in force.
    pub(crate) fn options(&self) -> &TextOptions {
        &self.options
    }

    fn analyser(&self) -> &Analyser {
        &self
            .analyser
            .get_or_init(|| AnalyserCell(Analyser::new(AnalyserConfig::default())))
            .0
    }

    /// The server's policy with the thresholds of `request` over it; an error when `request`
    /// is not valid.
    pub(crate) fn policy(&self, request: Option<Policy>) -> Result<Policy, PolicyError> {
        let mut policy = self.options.policy.clone();
        if let Some(request) = request {
            check_policy(&request)?;
            policy.thresholds.extend(request.thresholds);
        }
        Ok(policy)
    }

    /// Classifies one message under `policy`; an error when it is too long.
    pub(crate) fn check(&self, text: &str, policy: &Policy) -> Result<Verdict, TextError> {
        Ok(Classifier::builtin().check(&Normalized::new(text)?, policy))
    }

    /// Adds `message` to conversation `id` of `owner` at `now_ms`: classifies it under the
    /// server's policy, then runs the analyser on the stored state and saves it, in one write
    /// transaction.
    pub(crate) async fn push(
        &self,
        store: &Store,
        owner: ConversationOwner,
        id: &ConversationId,
        now_ms: i64,
        message: &Message<'_>,
    ) -> Result<Pushed, PushError> {
        let verdict = self.check(message.text, &self.options.policy)?;
        let analyser = self.analyser();
        let outcome = store
            .update_conversation(owner, &id.0, now_ms, self.options.limits(), |stored| {
                let mut conversation = stored.map_or_else(Conversation::new, restore);
                let report = conversation.push(analyser, message);
                (save(&conversation), report)
            })
            .await?;
        match outcome {
            ConversationUpdate::Saved(report) => Ok(Pushed { report, verdict }),
            ConversationUpdate::Full { max_per_owner } => {
                Err(PushError::Full { max: max_per_owner })
            }
        }
    }

    /// Forgets conversation `id` of `owner`; whether it was live.
    pub(crate) async fn forget(
        &self,
        store: &Store,
        owner: ConversationOwner,
        id: &ConversationId,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let limits = self.options.limits();
        store
            .forget_conversation(owner, &id.0, now_ms, limits.expire_after_ms)
            .await
    }
}

/// A stored state; one that cannot be read (written by another version of the analyser)
/// starts the conversation afresh.
fn restore(stored: &str) -> Conversation {
    serde_json::from_str(stored).unwrap_or_else(|error| {
        tracing::warn!(%error, "a stored conversation state is unreadable; it starts afresh");
        Conversation::new()
    })
}

/// A state as stored (an empty text, read back as a fresh conversation, if it could not be
/// written: the analyser's state holds nothing JSON cannot represent).
fn save(conversation: &Conversation) -> String {
    serde_json::to_string(conversation).unwrap_or_else(|error| {
        tracing::warn!(%error, "a conversation state could not be written; it will start afresh");
        String::new()
    })
}

/// Whose conversations a principal reaches: its token's, or its user's.
pub(crate) fn owner(who: &Principal) -> ConversationOwner {
    match &who.via {
        Via::Token { id, .. } => ConversationOwner::Token(*id),
        Via::Session { user_id, .. } => ConversationOwner::User(*user_id),
    }
}

#[cfg(test)]
mod tests {
    use lachan_text::classify::Thresholds;

    use super::*;

    #[test]
    fn conversation_ids_are_short_and_plain() {
        assert!(ConversationId::parse("room-42:match_7.v2").is_ok());
        let longest = "a".repeat(MAX_CONVERSATION_ID_CHARS);
        assert!(ConversationId::parse(&longest).is_ok());
        for bad in ["", "a b", "phòng", "a/b", &format!("{longest}a")] {
            let err = ConversationId::parse(bad).unwrap_err();
            assert!(err.contains("1 to 128 characters"), "{bad}: {err}");
        }
        assert_ne!(
            ConversationId::parse("a").unwrap(),
            ConversationId::parse("A").unwrap()
        );
    }

    #[test]
    fn a_request_s_thresholds_override_the_server_s() {
        let mut server = TextOptions::default();
        server.policy.thresholds.insert(
            Category::Profanity,
            Thresholds {
                review: 0.9,
                block: None,
            },
        );
        let service = TextService::new(server);
        let mut request = Policy {
            thresholds: Default::default(),
        };
        request.thresholds.insert(
            Category::Gambling,
            Thresholds {
                review: 0.1,
                block: Some(0.2),
            },
        );
        let policy = service.policy(Some(request)).unwrap();
        assert_eq!(policy.thresholds(Category::Profanity).review, 0.9);
        assert_eq!(policy.thresholds(Category::Gambling).block, Some(0.2));

        let mut ads = Policy {
            thresholds: Default::default(),
        };
        ads.thresholds.insert(
            Category::Ads,
            Thresholds {
                review: 0.5,
                block: None,
            },
        );
        let err = service.policy(Some(ads)).unwrap_err().to_string();
        assert!(err.contains("'ads' is not a category"), "{err}");
        let mut high = Policy {
            thresholds: Default::default(),
        };
        high.thresholds.insert(
            Category::Scam,
            Thresholds {
                review: 0.5,
                block: Some(1.5),
            },
        );
        let err = service.policy(Some(high)).unwrap_err().to_string();
        assert!(err.contains("block threshold of scam is 1.5"), "{err}");
    }
}
