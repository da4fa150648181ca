//! Alerts about the user's profiles (repeated attempts at adult, gambling or threat sites, used-up
//! budgets), newest first, each with a button to mark it read.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_policy::{Category, Target, Zone};
use lachan_store::{Alert, AlertKind};

use super::form::Posted;
use super::i18n::Tr;
use super::page::{Nav, Page, Req, render};
use super::text;
use super::viewer::Viewer;
use crate::ops;
use crate::state::AppState;

/// Most alerts shown.
const SHOWN: u32 = 200;

/// An alert row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AlertRow {
    pub id: i64,
    pub time: String,
    pub profile: String,
    pub text: String,
    pub detail: String,
    pub count: u32,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    page: Page,
    alerts: Vec<AlertRow>,
}

/// What an alert says, in the page's language.
fn describe(tr: Tr, state: &AppState, alert: &Alert) -> String {
    match alert.kind {
        AlertKind::RepeatedBlocks => {
            let what = alert
                .subject
                .parse::<Category>()
                .map_or_else(|_| alert.subject.clone(), |c| text::category(tr, c));
            tr.t1("alert-repeated-blocks", "category", what)
        }
        AlertKind::BudgetUsedUp => {
            let what = alert.subject.parse::<Target>().map_or_else(
                |_| alert.subject.clone(),
                |t| text::target(tr, state.catalog, &t),
            );
            tr.t1("alert-budget-used-up", "what", what)
        }
    }
}

/// `GET /alerts`.
pub(crate) async fn list(State(state): State<AppState>, req: Req, Viewer(who): Viewer) -> Response {
    let tr = req.tr();
    let mut page = Page::new(&req, Some(&who), Nav::Alerts, "alerts-title", "alerts-help");
    let alerts = page.or_error(ops::list_alerts(&state, &who, SHOWN).await);
    let zone = Zone::default();
    let alerts = alerts
        .iter()
        .map(|a| AlertRow {
            id: a.id,
            time: text::date_time(tr, &zone, a.time_ms),
            profile: a.profile.clone(),
            text: describe(tr, &state, a),
            detail: a.detail.clone(),
            count: a.count,
            read: a.read,
        })
        .collect();
    render(StatusCode::OK, &AlertsPage { page, alerts })
}

/// `POST /alerts/read`: marks one alert read.
pub(crate) async fn mark_read(State(state): State<AppState>, post: Posted) -> Response {
    let read = async { ops::mark_alert_read(&state, &post.who, post.fields.id()?).await };
    post.redirect("/alerts", read.await, |tr, ()| tr.t("flash-alert-read"))
}
