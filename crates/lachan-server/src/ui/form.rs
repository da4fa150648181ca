//! The fields of a posted form, and who may post it: a signed-in user whose form carries the
//! session's CSRF token.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::i18n::Lang;
use super::page::Req;
use crate::csrf::{CSRF_FIELD, verify_form};
use crate::ops;
use crate::principal::{Principal, peer_ip};
use crate::state::AppState;

/// The fields of a form in the order sent (a name may repeat, as checkboxes do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; empty when absent.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The first value of `name` untrimmed (passwords, rule lists).
    pub(crate) fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every non-blank value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// Whether checkbox `name` was ticked.
    pub(crate) fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// The first value of `name` as text, `None` when blank.
    pub(crate) fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }
}

/// The address a request came from (for sign-in limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Peer(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Peer, Self::Rejection> {
        Ok(Peer(peer_ip(&parts.extensions)))
    }
}

/// Where a visitor who is not signed in goes: the first-run page while no user exists, else
/// the sign-in page.
pub(crate) async fn to_sign_in(state: &AppState) -> Response {
    match ops::setup_needed(state).await {
        Ok(true) => Redirect::to("/setup").into_response(),
        _ => Redirect::to("/login").into_response(),
    }
}

/// The signed-in user of a page request, or the redirect to sign in.
pub(crate) async fn signed_in(
    state: &AppState,
    who: Option<Principal>,
) -> Result<Principal, Response> {
    match who {
        Some(who) => Ok(who),
        None => Err(to_sign_in(state).await),
    }
}

/// The signed-in user of a form post, whose form carries the session's CSRF token and comes
/// from the console's own pages; otherwise the redirect to sign in, or 403 with a page saying
/// to reload.
pub(crate) async fn poster(
    state: &AppState,
    who: Option<Principal>,
    req: &Req,
    fields: &Fields,
) -> Result<Principal, Response> {
    let who = signed_in(state, who).await?;
    match verify_form(&who, &req.headers, fields.get(CSRF_FIELD)) {
        Ok(()) => Ok(who),
        Err(error) => {
            tracing::info!(actor = %who.actor, %error, "console form refused");
            Err((StatusCode::FORBIDDEN, forbidden_page(req.lang)).into_response())
        }
    }
}

/// The short page a refused (possibly forged) form post gets.
fn forbidden_page(lang: Lang) -> axum::response::Html<String> {
    let tr = lang.tr();
    axum::response::Html(format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/static/console.css\"><title>Lachan</title>\
         <main class=\"main\"><div class=\"card\"><h1>{}</h1><p>{}</p>\
         <p><a class=\"btn\" href=\"/\">{}</a></p></div></main></html>",
        lang.code(),
        crate::block_page::escape_html(&tr.t("csrf-title")),
        crate::block_page::escape_html(&tr.t("csrf-text")),
        crate::block_page::escape_html(&tr.t("action-back-home")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn repeated_names_keep_their_order_and_blanks_are_dropped() {
        let f = fields(&[
            ("block", "adult"),
            ("name", "  An "),
            ("block", " "),
            ("block", "gambling"),
        ]);
        assert_eq!(f.all("block"), ["adult", "gambling"]);
        assert_eq!(f.get("name"), "An");
        assert_eq!(f.raw("name"), "  An ");
        assert_eq!(f.get("missing"), "");
        assert!(f.checked("name"));
        assert!(!f.checked("missing"));
        assert_eq!(f.optional("missing"), None);
    }
}
