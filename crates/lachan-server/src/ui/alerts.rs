//! Alerts about the user's profiles (repeated attempts at adult, gambling or threat sites, used-up
//! budgets), newest first, each with a button to mark it read.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_policy::{Category, Target, Zone};
use lachan_store::{Alert, AlertKind};

use super::form::{Fields, poster, signed_in};
use super::i18n::Tr;
use super::page::{Nav, Page, Req, redirect_with, render};
use super::text;
use crate::ops;
use crate::principal::Principal;
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
pub(crate) async fn list(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
) -> Response {
    let who = match signed_in(&state, who).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let tr = req.tr();
    let mut page = Page::new(&req, Some(&who), Nav::Alerts, "alerts-title", "alerts-help");
    let alerts = match ops::list_alerts(&state, &who, SHOWN).await {
        Ok(alerts) => alerts,
        Err(error) => {
            page = page.with_error(text::op_error(tr, &error));
            Vec::new()
        }
    };
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
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let who = match poster(&state, who, &req, &fields).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let tr = req.tr();
    let Ok(id) = fields.get("id").parse::<i64>() else {
        return redirect_with("/alerts", true, &tr.t("error-not-found"));
    };
    match ops::mark_alert_read(&state, &who, id).await {
        Ok(()) => redirect_with("/alerts", false, &tr.t("flash-alert-read")),
        Err(error) => redirect_with("/alerts", true, &text::op_error(tr, &error)),
    }
}
