//! Who calls a protected endpoint, with the application they call: what every handler behind
//! [`require_principal`](crate::principal::require_principal) starts from.

use axum::Extension;
use axum::extract::FromRequestParts;
use axum::extract::rejection::ExtensionRejection;
use axum::http::request::Parts;

use crate::principal::Principal;
use crate::state::AppState;

/// The application's state and the [`Principal`] that `require_principal` let through.
pub(crate) struct Caller {
    /// The application.
    pub(crate) state: AppState,
    /// Who calls.
    pub(crate) who: Principal,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Caller, Self::Rejection> {
        let Extension(who) = Extension::<Principal>::from_request_parts(parts, state).await?;
        Ok(Caller {
            state: state.clone(),
            who,
        })
    }
}
