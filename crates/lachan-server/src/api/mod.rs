//! The JSON API under `/api/v1`: the endpoint table with each endpoint's [`Access`], its
//! handlers (one module per area, each calling [`crate::ops`] or, for the content-safety API,
//! [`crate::text`] and [`crate::images`]) and the OpenAPI document.
//!
//! Access levels ([`Access`]): families (profiles, devices, alerts, services, tokens), the
//! hotline (`/hotline/...`, `/authorities`), platforms (content safety, report filing), people
//! (session, accounts, audit).

mod access;
mod accounts;
mod activity;
mod authorities;
mod body;
mod caller;
mod devices;
mod hotline;
mod images;
mod profiles;
mod reports;
mod text;

use axum::extract::State;
use axum::extract::rejection::QueryRejection;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::MethodRouter;
use axum::{Extension, Json};
use lachan_policy::Service;
use lachan_store::{Alert, Role};
use serde::{Deserialize, Serialize};

pub(crate) use self::access::{Access, guard};
use self::body::Id;
use self::caller::Caller;
use crate::error::ApiError;
use crate::ops;
use crate::principal::Principal;
use crate::state::AppState;

/// The OpenAPI 3.1 document of this API. The tests check that it names exactly the paths and
/// methods of [`endpoints`], with the same access, and over HTTP that each path answers exactly
/// the methods it documents.
const OPENAPI: &str = include_str!("../../data/openapi.json");

/// One method of one API path.
pub(crate) struct Endpoint {
    /// The full path.
    pub(crate) path: &'static str,
    /// The method, lower-case as in OpenAPI (`get`, `post`, `put`, `delete`): what `handler`
    /// answers, for the test that compares the table with the OpenAPI document.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the OpenAPI test only"))]
    pub(crate) method: &'static str,
    /// Who may call it.
    pub(crate) access: Access,
    /// How large its request body may be.
    pub(crate) body: BodyLimit,
    /// What answers it (a method router with this one method).
    pub(crate) handler: MethodRouter<AppState>,
}

/// How large an endpoint's request body may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyLimit {
    /// A JSON request: [`crate::MAX_BODY_BYTES`].
    Json,
    /// An image upload: the configured [`crate::ImageOptions::max_body_bytes`].
    Upload,
    /// A case attachment: the configured [`crate::HotlineOptions::max_attachment_bytes`] and
    /// the form's framing.
    Attachment,
}

/// One row of the endpoint table: `method "/path", access, handler`, with the path under
/// `/api/v1` and the method named once, for both the router and the OpenAPI test; a JSON body
/// unless the row ends with `upload` (an image) or `attachment` (a case's file).
macro_rules! endpoint {
    ($method:ident $path:literal, $access:expr, $handler:expr) => {
        endpoint!($method $path, $access, $handler, BodyLimit::Json)
    };
    ($method:ident $path:literal, $access:expr, $handler:expr, upload) => {
        endpoint!($method $path, $access, $handler, BodyLimit::Upload)
    };
    ($method:ident $path:literal, $access:expr, $handler:expr, attachment) => {
        endpoint!($method $path, $access, $handler, BodyLimit::Attachment)
    };
    ($method:ident $path:literal, $access:expr, $handler:expr, $body:expr) => {
        Endpoint {
            path: concat!("/api/v1", $path),
            method: stringify!($method),
            access: $access,
            body: $body,
            handler: axum::routing::$method($handler),
        }
    };
}

/// Every endpoint of the API.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    use Access::{Family as F, Hotline as H, People as P, Platform as T, Public};
    vec![
        endpoint!(get "/openapi.json", Public, openapi),
        endpoint!(get "/setup", Public, accounts::setup_status),
        endpoint!(post "/setup", Public, accounts::setup),
        endpoint!(post "/session", Public, accounts::login),
        endpoint!(delete "/session", P, accounts::logout),
        endpoint!(get "/whoami", P, whoami),
        endpoint!(get "/services", F, services),
        endpoint!(get "/profiles", F, profiles::list),
        endpoint!(post "/profiles", F, profiles::create),
        endpoint!(get "/profiles/{name}", F, profiles::read),
        endpoint!(put "/profiles/{name}", F, profiles::update),
        endpoint!(delete "/profiles/{name}", F, profiles::remove),
        endpoint!(post "/profiles/{name}/pause", F, profiles::pause),
        endpoint!(delete "/profiles/{name}/pause", F, profiles::resume),
        endpoint!(post "/profiles/{name}/extra-time", F, profiles::extra_time),
        endpoint!(get "/profiles/{name}/live", F, profiles::live),
        endpoint!(get "/profiles/{name}/activity", F, activity::day),
        endpoint!(get "/profiles/{name}/week", F, activity::week),
        endpoint!(get "/profiles/{name}/hotline-opt-in", F, hotline::opt_in),
        endpoint!(put "/profiles/{name}/hotline-opt-in", F, hotline::set_opt_in),
        endpoint!(get "/devices", F, devices::list),
        endpoint!(post "/devices", F, devices::create),
        endpoint!(get "/devices/unseen", F, devices::unseen),
        endpoint!(get "/devices/{name}", F, devices::read),
        endpoint!(put "/devices/{name}", F, devices::update),
        endpoint!(delete "/devices/{name}", F, devices::remove),
        endpoint!(get "/alerts", F, alerts),
        endpoint!(post "/alerts/{id}/read", F, mark_alert_read),
        endpoint!(get "/tokens", F, accounts::list_tokens),
        endpoint!(post "/tokens", F, accounts::create_token),
        endpoint!(delete "/tokens/{id}", F, accounts::revoke_token),
        endpoint!(get "/users", P, accounts::list_users),
        endpoint!(post "/users", P, accounts::create_user),
        endpoint!(delete "/users/{id}", P, accounts::delete_user),
        endpoint!(get "/audit", P, accounts::audit),
        endpoint!(post "/text/check", T, text::check),
        endpoint!(post "/conversations/{id}/messages", T, text::push),
        endpoint!(delete "/conversations/{id}", T, text::forget),
        endpoint!(post "/images/check", T, images::check, upload),
        endpoint!(post "/reports", T, reports::file),
        endpoint!(get "/hotline/reports", H, hotline::queue),
        endpoint!(post "/hotline/reports", H, hotline::file_report),
        endpoint!(get "/hotline/reports/{id}", H, hotline::report),
        endpoint!(post "/hotline/contacts", H, hotline::contact),
        endpoint!(get "/hotline/cases", H, hotline::cases),
        endpoint!(post "/hotline/cases", H, hotline::open_case),
        endpoint!(get "/hotline/cases/{id}", H, hotline::case),
        endpoint!(post "/hotline/cases/{id}/reports", H, hotline::join),
        endpoint!(put "/hotline/cases/{id}/status", H, hotline::status),
        endpoint!(put "/hotline/cases/{id}/risk", H, hotline::risk),
        endpoint!(put "/hotline/cases/{id}/assignee", H, hotline::assignee),
        endpoint!(put "/hotline/cases/{id}/hold", H, hotline::hold),
        endpoint!(post "/hotline/cases/{id}/actions", H, hotline::add_action),
        endpoint!(put "/hotline/cases/{id}/actions/{action}", H, hotline::outcome),
        endpoint!(post "/hotline/cases/{id}/attachments", H, hotline::upload, attachment),
        endpoint!(get "/hotline/cases/{id}/attachments/{attachment}", H, hotline::download),
        endpoint!(get "/hotline/notifications", H, hotline::notifications),
        endpoint!(post "/hotline/notifications/{id}/read", H, hotline::notification_read),
        endpoint!(get "/hotline/staff", H, hotline::staff),
        endpoint!(get "/hotline/stats", H, hotline::stats),
        endpoint!(get "/hotline/stats.csv", H, hotline::stats_csv),
        endpoint!(get "/hotline/stats.xlsx", H, hotline::stats_xlsx),
        endpoint!(get "/authorities", H, authorities::list),
        endpoint!(post "/authorities", H, authorities::create),
        endpoint!(put "/authorities/{id}", H, authorities::update),
        endpoint!(delete "/authorities/{id}", H, authorities::deactivate),
    ]
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// The query of `GET /api/v1/services`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesQuery {
    group: Option<String>,
}

async fn services(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<ServicesQuery>, QueryRejection>,
) -> Result<Json<Vec<&'static Service>>, ApiError> {
    let query = body::query(query, "use ?group=NAME or no query")?;
    Ok(Json(ops::list_services(&state, query.group.as_deref())?))
}

/// The answer of `GET /api/v1/whoami`.
#[derive(Debug, Serialize)]
struct WhoAmI {
    name: String,
    role: Role,
    household: Option<String>,
    /// The hotline an operator or supervisor works for, or that an administrator supervises.
    hotline: Option<String>,
    /// `session` or `token`.
    via: &'static str,
    /// The session's CSRF token (for `X-CSRF-Token`); null for API tokens.
    csrf: Option<String>,
}

async fn whoami(Extension(who): Extension<Principal>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: who.name().to_string(),
        via: match who.via {
            crate::principal::Via::Session { .. } => "session",
            crate::principal::Via::Token { .. } => "token",
        },
        csrf: who.csrf_token().map(str::to_string),
        role: who.role,
        household: who.household,
        hotline: who.hotline,
    })
}

/// The query of list endpoints with a size.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitQuery {
    limit: Option<u32>,
}

async fn alerts(
    Caller { state, who }: Caller,
    query: Result<axum::extract::Query<LimitQuery>, QueryRejection>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let query = body::query(query, "use ?limit=N (1 to 500) or no query")?;
    Ok(Json(
        ops::list_alerts(&state, &who, query.limit.unwrap_or(100)).await?,
    ))
}

async fn mark_alert_read(
    Caller { state, who }: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    ops::mark_alert_read(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The access level an operation of the document states: `None` for a public one (empty
    /// `security`), else its `x-lachan-access`.
    fn documented_access(operation: &serde_json::Value) -> Option<String> {
        let public = operation["security"]
            .as_array()
            .is_some_and(|s| s.is_empty());
        if public {
            None
        } else {
            Some(
                operation["x-lachan-access"]
                    .as_str()
                    .unwrap_or("(no x-lachan-access)")
                    .to_string(),
            )
        }
    }

    #[test]
    fn the_document_lists_exactly_the_endpoints_with_their_access() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                documented.insert((path.clone(), method.clone(), documented_access(operation)));
            }
        }
        let routed: BTreeSet<_> = endpoints()
            .iter()
            .map(|e| {
                (
                    e.path.to_string(),
                    e.method.to_string(),
                    e.access.name().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(
            routed.len(),
            endpoints().len(),
            "an endpoint is listed twice"
        );
        assert_eq!(documented, routed);
    }

    /// Paths whose parameter is a key the client chooses: any value names something (a new
    /// conversation), so they never answer 404.
    const CLIENT_CHOSEN_KEYS: &[&str] = &["/api/v1/conversations/{id}/messages"];

    #[test]
    fn every_operation_has_a_unique_id_and_documents_its_errors() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        let mut ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_string()), "{id} repeated");
                let responses = operation["responses"].as_object().unwrap();
                if documented_access(operation).is_some() {
                    assert!(responses.contains_key("401"), "{method} {path}: no 401");
                    assert!(responses.contains_key("403"), "{method} {path}: no 403");
                }
                if path.contains('{') && !CLIENT_CHOSEN_KEYS.contains(&path.as_str()) {
                    assert!(responses.contains_key("404"), "{method} {path}: no 404");
                }
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for reference in refs {
            let pointer = reference.strip_prefix('#').unwrap();
            assert!(
                doc.pointer(pointer).is_some(),
                "{reference} does not resolve"
            );
        }
    }

    fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                        _ => collect_refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
