//! The dashboard: one card per profile the user manages, with its devices, whether internet is
//! paused (and the buttons to pause or resume it), each daily budget's minutes used and left
//! (with "+30 minutes"), and its unread alerts; and the actions of those buttons. The hotline's
//! operators and supervisors have no profiles: their overview is `/hotline`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lachan_policy::Pause;

use super::form::Posted;
use super::i18n::{Lang, Tr};
use super::page::{Nav, Page, Req, render};
use super::text;
use super::url::query_value;
use super::viewer::Viewer;
use crate::ops::{self, LiveView, PauseLength, ProfileView};
use crate::principal::Principal;
use crate::state::AppState;

/// Extra minutes the dashboard's button grants.
const EXTRA_MINUTES: u32 = 30;

/// Whether a profile's internet is open now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// Nothing blocks all internet.
    Open,
    /// Paused by a guardian (the text says until when).
    Paused(String),
    /// Blocked by a schedule (the text says until when).
    Scheduled(String),
}

/// One budget on a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BudgetBar {
    /// What it counts.
    pub label: String,
    /// "25 / 60 phút", or "60 phút mỗi ngày" when usage is not known.
    pub amount: String,
    /// "Còn 35 phút", "Hết giờ hôm nay", or empty.
    pub left: String,
    /// Width of the used part, 0 to 100, when usage is known.
    pub percent: Option<u32>,
    /// CSS class of the bar: "", "low" or "out".
    pub level: &'static str,
    /// The target "+30" extends.
    pub target: String,
}

/// One profile's card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    /// The profile's name.
    pub name: String,
    /// Household, age, origin.
    pub subtitle: String,
    /// Whether the console may change it (console-made).
    pub editable: bool,
    /// Link to its form.
    pub edit_href: String,
    /// Link to its activity.
    pub activity_href: String,
    /// Whether internet is open now.
    pub status: Status,
    /// Whether a guardian's pause holds now (the card offers "resume").
    pub paused: bool,
    /// Its budgets.
    pub budgets: Vec<BudgetBar>,
    /// Whether DNS said how much is used.
    pub live_known: bool,
    /// Names of its devices.
    pub devices: Vec<String>,
    /// "Cảnh báo (2)": unread alerts.
    pub alerts_label: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    cards: Vec<Card>,
}

/// `GET /`: the dashboard.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
) -> Response {
    if who.role.is_hotline_staff() {
        return Redirect::to("/hotline").into_response();
    }
    let mut page = Page::new(&req, Some(&who), Nav::Home, "home-title", "home-help").live();
    let cards = page.or_error(cards(&state, &who, req.tr()).await);
    render(StatusCode::OK, &DashboardPage { page, cards })
}

/// The cards of the profiles `who` manages.
async fn cards(state: &AppState, who: &Principal, tr: Tr) -> Result<Vec<Card>, ops::OpError> {
    let profiles = ops::list_profiles(state, who).await?;
    let devices = ops::list_devices(state, who).await?;
    let alerts = ops::list_alerts(state, who, 500).await?;
    let now = state.now();
    let mut cards = Vec::with_capacity(profiles.len());
    for view in profiles {
        let live = ops::live(state, who, &view.profile.name).await?;
        let name = view.profile.name.clone();
        let unread = alerts
            .iter()
            .filter(|a| a.profile == name && !a.read)
            .count();
        let paused = view.profile.pause.is_some_and(|p| p.active_at(now));
        cards.push(Card {
            subtitle: subtitle(tr, &view),
            editable: view.editable,
            edit_href: format!("/profiles/edit?name={}", query_value(&name)),
            activity_href: format!("/activity?profile={}", query_value(&name)),
            status: status(tr, &view, live.as_ref(), paused),
            paused,
            budgets: match &live {
                Some(live) => live_bars(tr, state, live),
                None => configured_bars(tr, state, &view),
            },
            live_known: live.is_some(),
            devices: devices
                .iter()
                .filter(|d| d.profile == name)
                .map(|d| d.name.clone())
                .collect(),
            alerts_label: tr.t1("card-alerts", "count", unread),
            name,
        });
    }
    Ok(cards)
}

/// "Lớp 6A · 11 tuổi".
fn subtitle(tr: Tr, view: &ProfileView) -> String {
    let mut parts = Vec::new();
    if let Some(household) = &view.household {
        parts.push(household.clone());
    }
    if let Some(age) = view.profile.age {
        parts.push(tr.t1("card-age", "age", age));
    }
    if !view.editable {
        parts.push(tr.t("origin-file"));
    }
    if parts.is_empty() {
        parts.push(tr.t("card-no-details"));
    }
    parts.join(" · ")
}

fn status(tr: Tr, view: &ProfileView, live: Option<&LiveView>, paused: bool) -> Status {
    if let Some(block) = live.and_then(|l| l.blocked.as_ref()) {
        let text = match tr.lang() {
            Lang::Vi => block.text_vi.clone(),
            Lang::En => block.text_en.clone(),
        };
        return if paused {
            Status::Paused(text)
        } else {
            Status::Scheduled(text)
        };
    }
    match (paused, view.profile.pause) {
        (true, Some(Pause::Until(end))) => Status::Paused(tr.t1(
            "status-paused-until",
            "time",
            text::date_time(tr, &view.profile.time_zone, end.as_millisecond()),
        )),
        (true, _) => Status::Paused(tr.t("status-paused")),
        (false, _) => Status::Open,
    }
}

/// Bars of the budgets as DNS counts them now.
fn live_bars(tr: Tr, state: &AppState, live: &LiveView) -> Vec<BudgetBar> {
    live.budgets
        .iter()
        .map(|b| {
            let percent = if b.allowance == 0 {
                100
            } else {
                (u64::from(b.used.min(b.allowance)) * 100 / u64::from(b.allowance)) as u32
            };
            let level = if b.remaining == 0 {
                "out"
            } else if b.remaining <= 10 || percent >= 85 {
                "low"
            } else {
                ""
            };
            BudgetBar {
                label: text::target(tr, state.catalog, &b.target),
                amount: tr.t2(
                    "budget-used-of",
                    ("used", b.used.into()),
                    ("allowed", b.allowance.into()),
                ),
                left: if b.remaining == 0 {
                    tr.t("budget-none-left")
                } else {
                    tr.t1("budget-left", "minutes", b.remaining)
                },
                percent: Some(percent),
                level,
                target: b.target.to_string(),
            }
        })
        .collect()
}

/// Bars of the budgets as configured, when DNS does not say how much is used.
fn configured_bars(tr: Tr, state: &AppState, view: &ProfileView) -> Vec<BudgetBar> {
    view.effective_budgets
        .iter()
        .map(|b| {
            let what = text::target(tr, state.catalog, &b.target);
            BudgetBar {
                label: if b.each_service {
                    tr.t1("budget-each", "what", what)
                } else {
                    what
                },
                amount: tr.t1("budget-per-day", "minutes", b.minutes_per_day),
                left: String::new(),
                percent: None,
                level: "",
                target: b.target.to_string(),
            }
        })
        .collect()
}

/// `POST /pause`: pauses internet for one hour, until tomorrow morning, or until turned off.
pub(crate) async fn pause(State(state): State<AppState>, post: Posted) -> Response {
    let profile = post.fields.get("profile");
    let length = match post.fields.get("length") {
        "hour" => PauseLength::Minutes(60),
        "tomorrow" => PauseLength::Until("06:00".into()),
        _ => PauseLength::UntilTurnedOff,
    };
    let paused = ops::pause_profile(&state, &post.who, profile, &length).await;
    post.redirect("/", paused, |tr, _| {
        tr.t1("flash-paused", "profile", profile)
    })
}

/// `POST /resume`: turns the pause off.
pub(crate) async fn resume(State(state): State<AppState>, post: Posted) -> Response {
    let profile = post.fields.get("profile");
    let resumed = ops::resume_profile(&state, &post.who, profile).await;
    post.redirect("/", resumed, |tr, _| {
        tr.t1("flash-resumed", "profile", profile)
    })
}

/// `POST /extra`: grants extra minutes today for one budget's target.
pub(crate) async fn extra(State(state): State<AppState>, post: Posted) -> Response {
    let fields = &post.fields;
    let minutes = fields.get("minutes").parse().unwrap_or(EXTRA_MINUTES);
    let (profile, target) = (fields.get("profile"), fields.get("target"));
    let granted = ops::grant_extra_time(&state, &post.who, profile, target, minutes).await;
    post.redirect("/", granted, |tr, granted| {
        let what = text::target(tr, state.catalog, &granted.target);
        tr.t2(
            "flash-extra-granted",
            ("minutes", granted.minutes.into()),
            ("what", what.into()),
        )
    })
}
