//! Bearer-token authentication: `Authorization: Bearer TOKEN`, looked up by its SHA-256, with
//! failed attempts limited per source address.

use std::net::IpAddr;
use std::time::Instant;

use axum::http::{HeaderMap, header};

use crate::principal::{AuthError, Principal, Via};
use crate::state::AppState;
use crate::token::hash_token;

/// The principal of a request's bearer token; an error when the token is missing, malformed
/// or unknown (each counted as a failure of `peer`), or when `peer` has failed too often.
pub(crate) async fn token_principal(
    state: &AppState,
    headers: &HeaderMap,
    peer: IpAddr,
) -> Result<Principal, AuthError> {
    if let Err(wait) = state.failures.check(peer, Instant::now()) {
        return Err(AuthError::TooManyFailures {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let token = match bearer(headers) {
        Ok(token) => token,
        Err(problem) => {
            state.failures.record_failure(peer, Instant::now());
            return Err(AuthError::BadToken(problem));
        }
    };
    match state.store.api_token_by_hash(&hash_token(token)).await? {
        Some(found) => Ok(Principal {
            actor: format!("token:{}", found.name),
            role: found.role,
            household: found.household,
            hotline: None,
            via: Via::Token {
                id: found.id,
                name: found.name,
            },
        }),
        None => {
            state.failures.record_failure(peer, Instant::now());
            Err(AuthError::BadToken(
                "the token is not valid (wrong, or revoked)",
            ))
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` header, or what is wrong with the header.
fn bearer(headers: &HeaderMap) -> Result<&str, &'static str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or("this API needs a token")?
        .to_str()
        .map_err(|_| "the Authorization header is not valid text")?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("the Authorization header is not of the form \"Bearer TOKEN\"")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("the Authorization header must use the Bearer scheme");
    }
    let token = token.trim();
    if token.is_empty() {
        return Err("the bearer token is empty");
    }
    Ok(token)
}
