//! The JSON API under `/api/v1`: the endpoint table, its handlers (one module per area, each
//! calling [`crate::ops`]) and the OpenAPI document.

mod accounts;
mod activity;
mod body;
mod devices;
mod profiles;

use axum::extract::State;
use axum::extract::rejection::QueryRejection;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, delete, get, post, put};
use axum::{Extension, Json};
use lachan_policy::Service;
use lachan_store::{Alert, Role};
use serde::{Deserialize, Serialize};

use self::body::Id;
use crate::error::ApiError;
use crate::ops;
use crate::principal::Principal;
use crate::state::AppState;

/// The OpenAPI 3.1 document of this API. The tests check that it names exactly the paths and
/// methods of [`endpoints`], with the same access, and over HTTP that each path answers exactly
/// the methods it documents.
const OPENAPI: &str = include_str!("../../data/openapi.json");

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone.
    Public,
    /// A signed-in user (session cookie) or a valid bearer token.
    Principal,
}

/// One method of one API path.
pub(crate) struct Endpoint {
    /// The full path.
    pub(crate) path: &'static str,
    /// The method, lower-case as in OpenAPI (`get`, `post`, `put`, `delete`): what `handler`
    /// answers, written out for the test that compares the table with the OpenAPI document.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the OpenAPI test only"))]
    pub(crate) method: &'static str,
    /// Who may call it.
    pub(crate) access: Access,
    /// What answers it (a method router with this one method).
    pub(crate) handler: MethodRouter<AppState>,
}

/// Every endpoint of the API.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    use Access::{Principal as P, Public};
    let e = |path, method, access, handler| Endpoint {
        path,
        method,
        access,
        handler,
    };
    vec![
        e("/api/v1/openapi.json", "get", Public, get(openapi)),
        e("/api/v1/setup", "get", Public, get(accounts::setup_status)),
        e("/api/v1/setup", "post", Public, post(accounts::setup)),
        e("/api/v1/session", "post", Public, post(accounts::login)),
        e("/api/v1/session", "delete", P, delete(accounts::logout)),
        e("/api/v1/whoami", "get", P, get(whoami)),
        e("/api/v1/services", "get", P, get(services)),
        e("/api/v1/profiles", "get", P, get(profiles::list)),
        e("/api/v1/profiles", "post", P, post(profiles::create)),
        e("/api/v1/profiles/{name}", "get", P, get(profiles::read)),
        e("/api/v1/profiles/{name}", "put", P, put(profiles::update)),
        e(
            "/api/v1/profiles/{name}",
            "delete",
            P,
            delete(profiles::remove),
        ),
        e(
            "/api/v1/profiles/{name}/pause",
            "post",
            P,
            post(profiles::pause),
        ),
        e(
            "/api/v1/profiles/{name}/pause",
            "delete",
            P,
            delete(profiles::resume),
        ),
        e(
            "/api/v1/profiles/{name}/extra-time",
            "post",
            P,
            post(profiles::extra_time),
        ),
        e(
            "/api/v1/profiles/{name}/live",
            "get",
            P,
            get(profiles::live),
        ),
        e(
            "/api/v1/profiles/{name}/activity",
            "get",
            P,
            get(activity::day),
        ),
        e(
            "/api/v1/profiles/{name}/week",
            "get",
            P,
            get(activity::week),
        ),
        e("/api/v1/devices", "get", P, get(devices::list)),
        e("/api/v1/devices", "post", P, post(devices::create)),
        e("/api/v1/devices/unseen", "get", P, get(devices::unseen)),
        e("/api/v1/devices/{name}", "get", P, get(devices::read)),
        e("/api/v1/devices/{name}", "put", P, put(devices::update)),
        e(
            "/api/v1/devices/{name}",
            "delete",
            P,
            delete(devices::remove),
        ),
        e("/api/v1/alerts", "get", P, get(alerts)),
        e("/api/v1/alerts/{id}/read", "post", P, post(mark_alert_read)),
        e("/api/v1/tokens", "get", P, get(accounts::list_tokens)),
        e("/api/v1/tokens", "post", P, post(accounts::create_token)),
        e(
            "/api/v1/tokens/{id}",
            "delete",
            P,
            delete(accounts::revoke_token),
        ),
        e("/api/v1/users", "get", P, get(accounts::list_users)),
        e("/api/v1/users", "post", P, post(accounts::create_user)),
        e(
            "/api/v1/users/{id}",
            "delete",
            P,
            delete(accounts::delete_user),
        ),
        e("/api/v1/audit", "get", P, get(accounts::audit)),
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
    })
}

/// The query of list endpoints with a size.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitQuery {
    limit: Option<u32>,
}

async fn alerts(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    query: Result<axum::extract::Query<LimitQuery>, QueryRejection>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let query = body::query(query, "use ?limit=N (1 to 500) or no query")?;
    Ok(Json(
        ops::list_alerts(&state, &who, query.limit.unwrap_or(100)).await?,
    ))
}

async fn mark_alert_read(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    ops::mark_alert_read(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_document_lists_exactly_the_endpoints() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let public = operation["security"]
                    .as_array()
                    .is_some_and(|s| s.is_empty());
                documented.insert((path.clone(), method.clone(), public));
            }
        }
        let routed: BTreeSet<_> = endpoints()
            .iter()
            .map(|e| {
                (
                    e.path.to_string(),
                    e.method.to_string(),
                    e.access == Access::Public,
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

    #[test]
    fn every_operation_has_a_unique_id_and_documents_its_errors() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
        let mut ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_string()), "{id} repeated");
                let public = operation["security"]
                    .as_array()
                    .is_some_and(|s| s.is_empty());
                let responses = operation["responses"].as_object().unwrap();
                if !public {
                    assert!(responses.contains_key("401"), "{method} {path}: no 401");
                }
                if path.contains('{') {
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
