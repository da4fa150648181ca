//! The fields of a posted form, and who may post it: a signed-in user whose form carries the
//! session's CSRF token; and the redirect that reports what the form's action did.

use std::net::IpAddr;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::i18n::{Lang, Tr};
use super::page::{Req, redirect_with};
use super::text;
use super::viewer::signed_in;
use crate::csrf::{CSRF_FIELD, verify_form};
use crate::ops::OpError;
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

    /// The `id` field: the number of the row a button acts on. One that is not a number names
    /// no row, and is not found.
    pub(crate) fn id(&self) -> Result<i64, OpError> {
        let id = self.get("id");
        id.parse()
            .map_err(|_| OpError::NotFound(format!("row '{}'", id.escape_debug())))
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

/// A form post by a signed-in user, whose form carries the session's CSRF token and comes from
/// the console's own pages. Extracting it answers everyone else: the redirect to sign in, or
/// 403 with a page saying to reload.
#[derive(Debug)]
pub(crate) struct Posted {
    /// Who posted.
    pub who: Principal,
    /// The form's fields.
    pub fields: Fields,
    /// The request's language, headers and address.
    pub req: Req,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Posted, Response> {
        let (mut parts, body) = request.into_parts();
        let Ok(req) = Req::from_request_parts(&mut parts, state).await;
        let who = Option::<Principal>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let request = Request::from_parts(parts, body);
        let Form(fields) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = Fields(fields);
        let who = signed_in(state, who).await?;
        match verify_form(&who, &req.headers, fields.get(CSRF_FIELD)) {
            Ok(()) => Ok(Posted { who, fields, req }),
            Err(error) => {
                tracing::info!(actor = %who.actor, %error, "console form refused");
                Err((StatusCode::FORBIDDEN, forbidden_page(req.lang)).into_response())
            }
        }
    }
}

impl Posted {
    /// The translator into the page's language.
    pub(crate) fn tr(&self) -> Tr {
        self.req.tr()
    }

    /// The 303 redirect to `to` after the form's action: with the flash `done` writes of its
    /// result when it succeeded, else with what went wrong.
    pub(crate) fn redirect<T>(
        &self,
        to: &str,
        result: Result<T, OpError>,
        done: impl FnOnce(Tr, T) -> String,
    ) -> Response {
        let tr = self.tr();
        match result {
            Ok(value) => redirect_with(to, false, &done(tr, value)),
            Err(error) => redirect_with(to, true, &text::op_error(tr, &error)),
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

    #[test]
    fn an_id_that_is_not_a_number_is_not_found() {
        assert_eq!(fields(&[("id", " 42 ")]).id().ok(), Some(42));
        for id in ["", "4x", "99999999999999999999"] {
            let error = fields(&[("id", id)]).id();
            assert!(matches!(error, Err(OpError::NotFound(_))), "{id}");
        }
    }
}
