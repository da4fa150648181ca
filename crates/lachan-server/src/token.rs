//! API tokens: making them, hashing them, and the `lachan token create` operation.

use lachan_store::{Role, Store};
use sha2::{Digest, Sha256};

use crate::ServerError;

/// Every token starts with this, so that leaked ones are easy to search for.
pub const TOKEN_PREFIX: &str = "lachan_";

/// Longest accepted token name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// A new random token (`lachan_` and 64 hex digits, 256 random bits) and its SHA-256, which is
/// what the store keeps. The token is shown to its owner once and never stored.
pub fn new_token() -> (String, [u8; 32]) {
    let token = format!("{TOKEN_PREFIX}{}", random_hex());
    let hash = hash_token(&token);
    (token, hash)
}

/// 256 random bits as 64 lower-case hex digits.
pub(crate) fn random_hex() -> String {
    let secret: [u8; 32] = rand::random();
    let mut text = String::with_capacity(64);
    for byte in secret {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    text
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The SHA-256 of a token's text, as stored and looked up.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Makes and stores a new API token, records "token created" in the audit log (actor
/// `command line`), and returns the token text to show once.
///
/// A guardian token needs the household it is limited to; an admin token acts on every
/// household and takes none; a platform token (the text-safety API only) takes none.
pub async fn create_token(
    store: &Store,
    name: &str,
    role: Role,
    household: Option<&str>,
) -> Result<String, ServerError> {
    create_token_as(store, "command line", name, role, household)
        .await
        .map(|(_, token)| token)
}

/// [`create_token`] on behalf of `actor` (who the audit log names); returns the new token's id
/// and text.
pub(crate) async fn create_token_as(
    store: &Store,
    actor: &str,
    name: &str,
    role: Role,
    household: Option<&str>,
) -> Result<(i64, String), ServerError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ServerError::InvalidToken(
            "the name must have 1 to 64 characters; choose a short label such as \"phone-app\"",
        ));
    }
    let household = household.map(str::trim).filter(|h| !h.is_empty());
    match (role, household) {
        (Role::Guardian, None) => {
            return Err(ServerError::InvalidToken(
                "a guardian token is limited to one household or class; give it with --household",
            ));
        }
        (Role::Admin, Some(_)) => {
            return Err(ServerError::InvalidToken(
                "an admin token acts on every household; drop --household or use --role guardian",
            ));
        }
        (Role::Platform, Some(_)) => {
            return Err(ServerError::InvalidToken(
                "a platform token uses the text-safety API and manages no household; drop \
                 --household",
            ));
        }
        (Role::Operator | Role::Supervisor, _) => {
            return Err(ServerError::InvalidToken(
                "operators and supervisors work in the hotline console with their own account; \
                 API tokens are for admin, guardian or platform",
            ));
        }
        (Role::Admin | Role::Platform, None) | (Role::Guardian, Some(_)) => {}
    }
    let (token, hash) = new_token();
    let id = store.create_api_token(name, role, household, hash).await?;
    let detail = match household {
        Some(h) => format!("id {id}, role {role}, household {h}"),
        None => format!("id {id}, role {role}"),
    };
    store
        .append_audit(actor, "token created", name, &detail)
        .await?;
    Ok((id, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_hex_and_distinct() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        let digits = a.strip_prefix(TOKEN_PREFIX).unwrap();
        assert_eq!(digits.len(), 64);
        assert!(digits.bytes().all(|c| HEX.contains(&c)));
        assert_eq!(hash_token(&a), hash_a);
    }

    #[test]
    fn the_hash_is_sha256_of_the_text() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hex: String = hash_token("abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, expected);
    }
}
