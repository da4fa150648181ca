//! Console passwords: Argon2id hashes in PHC strings.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::ServerError;

/// The shortest password accepted for an account (setup, new users, LACHAN_ADMIN_PASSWORD).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes `password` with Argon2id (the crate's default parameters: 19 MiB, 2 passes) and a
/// random salt, as a PHC string for [`lachan_store::Store::create_user`].
pub fn hash_password(password: &str) -> Result<String, ServerError> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| ServerError::PasswordHash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServerError::PasswordHash(e.to_string()))
}

/// Whether `password` matches the PHC string `phc`; false for a malformed `phc`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash_password("mật khẩu của bố").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"));
        assert!(verify_password("mật khẩu của bố", &phc));
        assert!(!verify_password("mat khau cua bo", &phc));
        assert!(!verify_password("mật khẩu của bố", "not a phc string"));
    }
}
