//! Who may call an endpoint: the access level of each row of the endpoint table, which roles
//! it lets through, and the layers that enforce it.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use lachan_store::Role;

use crate::error::ApiError;
use crate::principal::{self, Principal};
use crate::state::AppState;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone.
    Public,
    /// People: a signed-in user (session cookie) or a token of a person's role (admin,
    /// guardian). Platform tokens are refused (403).
    People,
    /// The content-safety API (text and images): platform tokens, and administrators (to try
    /// it). Guardians are refused (403).
    Platform,
}

impl Access {
    /// The name the OpenAPI document gives this level (`x-lachan-access`); `None` for
    /// [`Access::Public`], which the document marks with an empty `security`.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the OpenAPI test only"))]
    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            Access::Public => None,
            Access::People => Some("people"),
            Access::Platform => Some("platform"),
        }
    }

    /// Whether a principal of `role` may call an endpoint of this level.
    pub(crate) fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::People => role.is_person(),
            Access::Platform => match role {
                Role::Admin | Role::Platform => true,
                Role::Guardian => false,
            },
        }
    }

    /// The 403 answer for a principal of `role` that this level does not let through.
    pub(crate) fn denied(self, role: Role) -> ApiError {
        match self {
            Access::Platform => ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "the content-safety API (text and images) is for platforms and \
                     administrators; a {role} account or token cannot use it"
                ),
                "ask an administrator for a platform token (lachan token create --role platform \
                 --name NAME, or the console's API tokens page)",
            ),
            Access::Public | Access::People => ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "a {role} token can use the content-safety endpoints only: POST \
                     /api/v1/text/check, POST /api/v1/conversations/{{id}}/messages, DELETE \
                     /api/v1/conversations/{{id}} and POST /api/v1/images/check"
                ),
                "use an administrator's or guardian's account or token for this endpoint",
            ),
        }
    }
}

/// `handler` behind the checks of `access`: none for [`Access::Public`]; otherwise a principal
/// (401 without one, CSRF for cookie requests, see [`principal::require_principal`]) whose
/// role the level allows (403 otherwise).
pub(crate) fn guard(
    handler: MethodRouter<AppState>,
    access: Access,
    state: &AppState,
) -> MethodRouter<AppState> {
    if access == Access::Public {
        return handler;
    }
    // The layer added last runs first: the principal is found, then its role checked.
    handler
        .route_layer(from_fn_with_state(access, require_access))
        .route_layer(from_fn_with_state(
            state.clone(),
            principal::require_principal,
        ))
}

/// Lets a request through when its [`Principal`] (set by `require_principal`) has a role
/// `access` allows.
async fn require_access(State(access): State<Access>, request: Request, next: Next) -> Response {
    let Some(role) = request.extensions().get::<Principal>().map(|p| p.role) else {
        return crate::principal::AuthError::Missing.into_response();
    };
    if access.allows(role) {
        next.run(request).await
    } else {
        access.denied(role).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_platforms_reach_different_endpoints_and_admins_both() {
        for &role in Role::ALL {
            assert!(Access::Public.allows(role));
        }
        assert!(Access::People.allows(Role::Admin));
        assert!(Access::People.allows(Role::Guardian));
        assert!(!Access::People.allows(Role::Platform));
        assert!(Access::Platform.allows(Role::Admin));
        assert!(Access::Platform.allows(Role::Platform));
        assert!(!Access::Platform.allows(Role::Guardian));
    }
}
