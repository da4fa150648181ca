//! The JSON API under `/api/v1`: the endpoint table, its handlers and the OpenAPI document.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use axum::{Extension, Json};
use lachan_policy::{Service, ServiceGroup};
use lachan_store::{ApiToken, Role};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// The OpenAPI 3.1 document of this API. The tests check that it names exactly the paths of
/// [`endpoints`], and over HTTP that each path answers exactly the methods it documents.
const OPENAPI: &str = include_str!("../data/openapi.json");

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone.
    Public,
    /// Requests with a valid bearer token.
    Token,
}

/// One API endpoint.
pub(crate) struct Endpoint {
    /// The full path.
    pub(crate) path: &'static str,
    /// Who may call it.
    pub(crate) access: Access,
    /// What answers it.
    pub(crate) handler: MethodRouter<AppState>,
}

/// Every endpoint of the API.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            path: "/api/v1/openapi.json",
            access: Access::Public,
            handler: get(openapi),
        },
        Endpoint {
            path: "/api/v1/services",
            access: Access::Token,
            handler: get(services),
        },
        Endpoint {
            path: "/api/v1/whoami",
            access: Access::Token,
            handler: get(whoami),
        },
    ]
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// The query of `GET /api/v1/services`.
#[derive(Debug, Deserialize)]
struct ServicesQuery {
    group: Option<String>,
}

async fn services(
    State(state): State<AppState>,
    query: Result<Query<ServicesQuery>, QueryRejection>,
) -> Result<Json<Vec<&'static Service>>, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the query string is not valid: {e}"),
            "use ?group=NAME or no query",
        )
    })?;
    let group = match query.group.as_deref() {
        None | Some("") => None,
        Some(name) => Some(name.parse::<ServiceGroup>().map_err(|_| {
            let groups: Vec<&str> = ServiceGroup::ALL.iter().map(|g| g.as_str()).collect();
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("unknown service group '{name}'"),
                format!("use one of: {}", groups.join(", ")),
            )
        })?),
    };
    let catalog = state.catalog;
    let list = catalog
        .all()
        .iter()
        .filter(|s| group.is_none_or(|g| s.group == g))
        .collect();
    Ok(Json(list))
}

/// The answer of `GET /api/v1/whoami`.
#[derive(Debug, Serialize)]
struct WhoAmI {
    name: String,
    role: Role,
    household: Option<String>,
}

async fn whoami(Extension(token): Extension<ApiToken>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: token.name,
        role: token.role,
        household: token.household,
    })
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
            for operation in item.as_object().unwrap().values() {
                let public = operation["security"]
                    .as_array()
                    .is_some_and(|s| s.is_empty());
                documented.insert((path.clone(), public));
            }
        }
        let routed: BTreeSet<_> = endpoints()
            .iter()
            .map(|e| (e.path.to_string(), e.access == Access::Public))
            .collect();
        assert_eq!(documented, routed);
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
