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
    /// People: a signed-in user (session cookie) or a token of a person's role. Platform
    /// tokens are refused (403). For the session, accounts and the audit log, whose actions
    /// check the role further.
    People,
    /// Families: administrators and guardians (profiles, devices, alerts, services, tokens).
    /// The hotline's operators and supervisors and platform tokens are refused (403).
    Family,
    /// The hotline: its operators and supervisors, and administrators (who reach case contents
    /// only when they also supervise a hotline, and edit authorities). Guardians and platform
    /// tokens are refused (403).
    Hotline,
    /// The content-safety API (text and images) and report filing: platform tokens, and
    /// administrators (to try it). Other people are refused (403).
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
            Access::Family => Some("family"),
            Access::Hotline => Some("hotline"),
            Access::Platform => Some("platform"),
        }
    }

    /// Whether a principal of `role` may call an endpoint of this level.
    pub(crate) fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::People => role.is_person(),
            Access::Family => matches!(role, Role::Admin | Role::Guardian),
            Access::Hotline => matches!(role, Role::Admin | Role::Operator | Role::Supervisor),
            Access::Platform => matches!(role, Role::Admin | Role::Platform),
        }
    }

    /// The 403 answer for a principal of `role` that this level does not let through.
    pub(crate) fn denied(self, role: Role) -> ApiError {
        if role == Role::Platform {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "a {role} token can use the content-safety endpoints only (POST \
                     /api/v1/text/check, POST /api/v1/conversations/{{id}}/messages, DELETE \
                     /api/v1/conversations/{{id}}, POST /api/v1/images/check) and file reports \
                     (POST /api/v1/reports); it reads nothing else"
                ),
                "use a person's account or token for this endpoint",
            );
        }
        match self {
            Access::Platform => ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "the content-safety API (text and images) and report filing are for \
                     platforms and administrators; an account or token with the {role} role \
                     cannot use them"
                ),
                "ask an administrator for a platform token (lachan token create --role platform \
                 --name NAME, or the console's API tokens page)",
            ),
            Access::Family => ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "profiles, devices, alerts, services and tokens are for families' guardians \
                     and administrators; an account with the {role} role cannot use them"
                ),
                "use the hotline's endpoints (/api/v1/hotline/...), or a guardian's or \
                 administrator's account",
            ),
            Access::Hotline => ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "the hotline's API is for its operators and supervisors and for \
                     administrators; an account with the {role} role cannot use it"
                ),
                "sign in with a hotline account; to report harm to a child, use the public \
                 form at /report",
            ),
            Access::Public | Access::People => ApiError::new(
                StatusCode::FORBIDDEN,
                format!("the {role} role cannot use this endpoint"),
                "use an administrator's account for this endpoint",
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
    fn each_level_lets_exactly_its_roles_through() {
        use Role::{Admin, Guardian, Operator, Platform, Supervisor};
        let cases = [
            (Access::People, vec![Admin, Guardian, Operator, Supervisor]),
            (Access::Family, vec![Admin, Guardian]),
            (Access::Hotline, vec![Admin, Operator, Supervisor]),
            (Access::Platform, vec![Admin, Platform]),
        ];
        for (access, allowed) in cases {
            for &role in Role::ALL {
                assert_eq!(
                    access.allows(role),
                    allowed.contains(&role),
                    "{access:?} {role}"
                );
            }
        }
        for &role in Role::ALL {
            assert!(Access::Public.allows(role));
        }
    }

    #[test]
    fn refusals_say_who_may() {
        let denied = |access: Access, role| format!("{:?}", access.denied(role));
        assert!(denied(Access::Family, Role::Operator).contains("guardians"));
        assert!(denied(Access::Hotline, Role::Guardian).contains("operators and supervisors"));
        assert!(denied(Access::Hotline, Role::Platform).contains("POST /api/v1/reports"));
        assert!(denied(Access::Platform, Role::Guardian).contains("platforms"));
    }
}
