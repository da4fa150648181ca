//! Who is looking at a console page: the signed-in user, or the redirect that sends a visitor
//! to sign in (to the first-run page while no user exists). The console is for people: a
//! platform token is refused.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::api::Access;
use crate::ops;
use crate::principal::Principal;
use crate::state::AppState;

/// The signed-in user of a page request. Extracting it answers a visitor who is not signed in
/// with the redirect to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Viewer(pub Principal);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let who = Option::<Principal>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        signed_in(state, who).await.map(Viewer)
    }
}

/// `who` when someone is signed in, else the redirect to sign in; a platform token (sent as
/// `Authorization: Bearer`) is no person and gets the API's 403 answer.
pub(crate) async fn signed_in(
    state: &AppState,
    who: Option<Principal>,
) -> Result<Principal, Response> {
    match who {
        Some(who) if Access::People.allows(who.role) => Ok(who),
        Some(who) => Err(Access::People.denied(who.role).into_response()),
        None => Err(to_sign_in(state).await),
    }
}

/// Where a visitor who is not signed in goes: the first-run page while no user exists, else
/// the sign-in page.
async fn to_sign_in(state: &AppState) -> Response {
    match ops::setup_needed(state).await {
        Ok(true) => Redirect::to("/setup").into_response(),
        _ => Redirect::to("/login").into_response(),
    }
}
