//! The catalogue of blockable services, by group (read-only).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_policy::ServiceGroup;

use super::page::{Nav, Page, Req, render};
use super::text;
use super::viewer::Viewer;
use crate::state::AppState;

/// Domains shown per service before "+N".
const SHOWN_DOMAINS: usize = 3;

/// A service as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceRow {
    pub name: String,
    pub domains: String,
}

/// One group of services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupCard {
    pub label: String,
    pub count: usize,
    pub services: Vec<ServiceRow>,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    page: Page,
    groups: Vec<GroupCard>,
}

/// `GET /services`.
pub(crate) async fn list(State(state): State<AppState>, req: Req, Viewer(who): Viewer) -> Response {
    let tr = req.tr();
    let page = Page::new(
        &req,
        Some(&who),
        Nav::Services,
        "services-title",
        "services-help",
    );
    let groups = ServiceGroup::ALL
        .iter()
        .map(|&g| {
            let services: Vec<ServiceRow> = state
                .catalog
                .in_group(g)
                .map(|s| {
                    let mut domains: Vec<&str> = s
                        .domains
                        .iter()
                        .take(SHOWN_DOMAINS)
                        .map(String::as_str)
                        .collect();
                    let more = s.domains.len().saturating_sub(SHOWN_DOMAINS);
                    let more_text = tr.t1("services-more-domains", "count", more);
                    if more > 0 {
                        domains.push(&more_text);
                    }
                    ServiceRow {
                        name: s.name.clone(),
                        domains: domains.join(", "),
                    }
                })
                .collect();
            GroupCard {
                label: text::group(tr, g),
                count: services.len(),
                services,
            }
        })
        .collect();
    render(StatusCode::OK, &ServicesPage { page, groups })
}
