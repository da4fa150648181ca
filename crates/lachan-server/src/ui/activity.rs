//! A profile's activity: one day (queries and blocks, a chart of queries per hour, minutes per
//! service, blocked attempts per category, top domains) with a day picker, and the week before
//! it as a chart of minutes per service group and blocked attempts.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::{Date, Weekday};
use lachan_policy::ServiceGroup;

use super::charts::{self, ALLOWED, BLOCKED, DayData, Stack, Swatch, WeekData};
use super::i18n::Tr;
use super::page::{Nav, Page, Req, render};
use super::profiles::Choice;
use super::text;
use super::url::query_value;
use super::viewer::Viewer;
use crate::ops::{self, DayActivity, WeekActivity};
use crate::state::AppState;

/// Most services and categories listed for a day.
const MAX_LISTED: usize = 12;

/// A number with its meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stat {
    pub value: String,
    pub label: String,
}

/// A name and a value, as in "Roblox — 45 phút".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    pub label: String,
    pub value: String,
}

/// A row of the top domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DomainRow {
    pub name: String,
    pub queries: u64,
    pub blocked: u64,
}

/// A legend entry of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LegendItem {
    pub label: String,
    pub color: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    page: Page,
    profiles: Vec<Choice>,
    day: String,
    today: String,
    prev_href: String,
    next_href: Option<String>,
    stats: Vec<Stat>,
    day_chart: String,
    day_legend: Vec<LegendItem>,
    services: Vec<Pair>,
    categories: Vec<Pair>,
    domains: Vec<DomainRow>,
    week_chart: String,
    week_legend: Vec<LegendItem>,
}

/// The colour of each service group in the week chart.
fn group_color(group: ServiceGroup) -> Swatch {
    match group {
        ServiceGroup::Games => Swatch(0xf0, 0x8a, 0x24),
        ServiceGroup::Social => Swatch(0x3b, 0x82, 0xc4),
        ServiceGroup::Video => Swatch(0x8e, 0x6b, 0xbf),
        ServiceGroup::Chat => Swatch(0x2f, 0x9e, 0x6e),
        ServiceGroup::Shopping => Swatch(0xd4, 0x6a, 0x9f),
        ServiceGroup::Dating => Swatch(0x7a, 0x86, 0x94),
    }
}

/// `GET /activity?profile=NAME&day=YYYY-MM-DD`: the first profile and today by default.
pub(crate) async fn activity(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let tr = req.tr();
    let page = Page::new(
        &req,
        Some(&who),
        Nav::Activity,
        "activity-title",
        "activity-help",
    );
    let mut view = ActivityPage {
        page,
        profiles: Vec::new(),
        day: String::new(),
        today: String::new(),
        prev_href: String::new(),
        next_href: None,
        stats: Vec::new(),
        day_chart: String::new(),
        day_legend: Vec::new(),
        services: Vec::new(),
        categories: Vec::new(),
        domains: Vec::new(),
        week_chart: String::new(),
        week_legend: Vec::new(),
    };
    let profiles = match ops::list_profiles(&state, &who).await {
        Ok(profiles) => profiles,
        Err(error) => {
            view.page = view.page.with_error(text::op_error(tr, &error));
            return render(StatusCode::OK, &view);
        }
    };
    let Some(first) = profiles.first() else {
        return render(StatusCode::OK, &view);
    };
    let chosen = query
        .get("profile")
        .filter(|name| profiles.iter().any(|p| &p.profile.name == *name))
        .cloned()
        .unwrap_or_else(|| first.profile.name.clone());
    view.profiles = profiles
        .iter()
        .map(|p| Choice {
            value: p.profile.name.clone(),
            label: p.profile.name.clone(),
            selected: p.profile.name == chosen,
        })
        .collect();
    let day = query.get("day").map(String::as_str);
    let found = async {
        let today = ops::day_activity(&state, &who, &chosen, None).await?.date;
        let day = ops::day_activity(&state, &who, &chosen, day).await?;
        let week = ops::week_activity(&state, &who, &chosen, Some(&day.date.to_string())).await?;
        Ok::<_, ops::OpError>((today, day, week))
    }
    .await;
    let (today, day, week) = match found {
        Ok(found) => found,
        Err(error) => {
            view.page = view.page.with_error(text::op_error(tr, &error));
            return render(StatusCode::BAD_REQUEST, &view);
        }
    };
    fill_day(tr, &state, &mut view, &day, today);
    fill_week(tr, &mut view, &week);
    render(StatusCode::OK, &view)
}

/// The link to the activity of `profile` on `date`.
fn day_href(profile: &str, date: Date) -> String {
    format!("/activity?profile={}&day={date}", query_value(profile))
}

fn fill_day(tr: Tr, state: &AppState, view: &mut ActivityPage, day: &DayActivity, today: Date) {
    let summary = &day.summary;
    view.day = day.date.to_string();
    view.today = today.to_string();
    if let Ok(prev) = day.date.yesterday() {
        view.prev_href = day_href(&day.profile, prev);
    }
    view.next_href = day
        .date
        .tomorrow()
        .ok()
        .filter(|next| *next <= today)
        .map(|next| day_href(&day.profile, next));
    let minutes: u64 = summary
        .service_minutes
        .iter()
        .map(|s| u64::from(s.minutes))
        .sum();
    view.stats = vec![
        Stat {
            value: summary.queries.to_string(),
            label: tr.t("stat-queries"),
        },
        Stat {
            value: summary.blocked.to_string(),
            label: tr.t("stat-blocked"),
        },
        Stat {
            value: tr.t1("minutes-short", "minutes", minutes),
            label: tr.t("stat-minutes"),
        },
        Stat {
            value: summary.service_minutes.len().to_string(),
            label: tr.t("stat-services"),
        },
    ];
    let allowed: Vec<u64> = summary
        .per_hour
        .iter()
        .map(|h| h.queries.saturating_sub(h.blocked))
        .collect();
    let blocked: Vec<u64> = summary.per_hour.iter().map(|h| h.blocked).collect();
    view.day_chart = charts::day_svg(&DayData {
        allowed,
        blocked,
        queries_axis: tr.t("chart-queries"),
        hour_suffix: tr.t("chart-hour-suffix"),
    })
    .unwrap_or_else(|error| {
        tracing::warn!(%error, "day chart");
        String::new()
    });
    view.day_legend = vec![
        LegendItem {
            label: tr.t("chart-allowed"),
            color: ALLOWED.hex(),
        },
        LegendItem {
            label: tr.t("chart-blocked"),
            color: BLOCKED.hex(),
        },
    ];
    view.services = summary
        .service_minutes
        .iter()
        .take(MAX_LISTED)
        .map(|s| Pair {
            label: state
                .catalog
                .get(&s.service)
                .map_or_else(|| s.service.clone(), |found| found.name.clone()),
            value: tr.t1("minutes-short", "minutes", s.minutes),
        })
        .collect();
    view.categories = summary
        .blocked_by_category
        .iter()
        .take(MAX_LISTED)
        .map(|(category, count)| Pair {
            label: text::category(tr, *category),
            value: tr.t1("times", "count", *count),
        })
        .collect();
    view.domains = summary
        .top_domains
        .iter()
        .map(|d| DomainRow {
            name: d.name.clone(),
            queries: d.queries,
            blocked: d.blocked,
        })
        .collect();
}

fn fill_week(tr: Tr, view: &mut ActivityPage, week: &WeekActivity) {
    let days: Vec<String> = week
        .days
        .iter()
        .map(|d| weekday(tr, d.date.weekday()))
        .collect();
    let stacks: Vec<Stack> = ServiceGroup::ALL
        .iter()
        .map(|&group| Stack {
            label: text::group(tr, group),
            color: group_color(group),
            minutes: week
                .days
                .iter()
                .map(|d| {
                    d.totals
                        .minutes_by_group
                        .iter()
                        .filter(|(g, _)| *g == group)
                        .map(|(_, m)| *m)
                        .sum()
                })
                .collect(),
        })
        .filter(|s| s.minutes.iter().any(|m| *m > 0))
        .collect();
    view.week_legend = stacks
        .iter()
        .map(|s| LegendItem {
            label: s.label.clone(),
            color: s.color.hex(),
        })
        .chain(std::iter::once(LegendItem {
            label: tr.t("chart-blocked-line"),
            color: BLOCKED.hex(),
        }))
        .collect();
    let data = WeekData {
        days,
        blocked: week.days.iter().map(|d| d.totals.blocked).collect(),
        stacks,
        minutes_axis: tr.t("chart-minutes"),
        blocked_axis: tr.t("chart-blocked-axis"),
    };
    view.week_chart = charts::week_svg(&data).unwrap_or_else(|error| {
        tracing::warn!(%error, "week chart");
        String::new()
    });
}

/// A weekday's short name ("T2", "Mon").
fn weekday(tr: Tr, day: Weekday) -> String {
    tr.t(&format!("weekday-{}", day.to_monday_one_offset()))
}
