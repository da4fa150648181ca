//! Creating, changing and deleting a profile: name, age, household (administrators), blocked
//! categories, safe search, YouTube, blocked services, bedtime and other schedules, daily
//! budgets (with the Decree 147/2024 defaults explained) and custom allow/deny rules; and, for a
//! profile that exists, the guardian's consent that the child's repeated attempts at adult or
//! gambling sites are reported to the hotline.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use lachan_policy::{
    Category, Profile, RiskGroup, Schedule, ServiceGroup, Target, YoutubeMode, Zone,
};

use super::form::{Fields, Posted};
use super::i18n::Tr;
use super::page::{Nav, Page, Req, redirect_with, render};
use super::text;
use super::viewer::Viewer;
use crate::ops::{self, BudgetInput, ProfileInput, ScheduleInput};
use crate::principal::Principal;
use crate::state::AppState;

/// Empty rows offered for new schedules and budgets (pages work without scripts, so the rows
/// are there from the start).
const BLANK_ROWS: usize = 2;

/// A checkbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// An option of a `<select>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A group of options of a `<select>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChoiceGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

/// The services of one group, as checkboxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceChecks {
    pub label: String,
    pub summary: String,
    pub open: bool,
    pub whole: Check,
    pub services: Vec<Check>,
}

/// A schedule row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScheduleRow {
    pub targets: Vec<ChoiceGroup>,
    pub text: String,
}

/// A budget row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BudgetRow {
    pub targets: Vec<ChoiceGroup>,
    pub minutes: String,
    pub each: bool,
}

/// Everything the profile form shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProfileForm {
    pub action: &'static str,
    pub editing: bool,
    pub name: String,
    pub show_household: bool,
    pub household: String,
    pub age: String,
    pub time_zone: String,
    pub block_answer: String,
    pub categories: Vec<Check>,
    pub kept_categories: Vec<String>,
    pub safe_search: bool,
    pub youtube: Vec<Choice>,
    pub service_groups: Vec<ServiceChecks>,
    pub bedtime: bool,
    pub schedules: Vec<ScheduleRow>,
    pub budgets: Vec<BudgetRow>,
    pub decree_applies: bool,
    pub allow: String,
    pub deny: String,
}

#[derive(Template)]
#[template(path = "profile_form.html")]
struct ProfilePage {
    page: Page,
    form: ProfileForm,
    /// The hotline consent of a profile being edited.
    opt_in: Option<OptIn>,
}

/// Whether a guardian agreed that the child's repeated adult or gambling attempts are reported
/// to the hotline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptIn {
    /// Consent is given.
    pub on: bool,
    /// "Đồng ý bởi me-an lúc 27/11/2026 21:30", when given.
    pub since: String,
}

/// The categories offered as checkboxes: those about what sites are (content, scams, threats,
/// ads), which block lists carry. Others set on a profile (by the configuration file) are kept.
fn offered(category: Category) -> bool {
    matches!(category.group(), RiskGroup::Content | RiskGroup::Contract)
}

/// What the form shows for `input` (as typed or as stored).
fn form_of(
    tr: Tr,
    state: &AppState,
    who: &Principal,
    input: &FormInput,
    editing: bool,
) -> ProfileForm {
    let catalog = state.catalog;
    let blocked: Vec<&str> = input.block.iter().map(String::as_str).collect();
    let services: Vec<&str> = input.services.iter().map(String::as_str).collect();
    let mut schedules: Vec<ScheduleRow> = input
        .schedules
        .iter()
        .map(|(target, text)| ScheduleRow {
            targets: target_choices(tr, state, target),
            text: text.clone(),
        })
        .collect();
    schedules.extend((0..BLANK_ROWS).map(|_| ScheduleRow {
        targets: target_choices(tr, state, "all"),
        text: String::new(),
    }));
    let mut budgets: Vec<BudgetRow> = input
        .budgets
        .iter()
        .map(|(target, minutes, each)| BudgetRow {
            targets: target_choices(tr, state, target),
            minutes: minutes.clone(),
            each: *each,
        })
        .collect();
    budgets.extend((0..BLANK_ROWS).map(|_| BudgetRow {
        targets: target_choices(tr, state, "group:games"),
        minutes: String::new(),
        each: false,
    }));
    let age: Option<u8> = input.age.parse().ok();
    ProfileForm {
        action: if editing {
            "/profiles/edit"
        } else {
            "/profiles/new"
        },
        editing,
        name: input.name.clone(),
        show_household: who.is_admin(),
        household: input.household.clone(),
        age: input.age.clone(),
        time_zone: input.time_zone.clone(),
        block_answer: input.block_answer.clone(),
        categories: Category::ALL
            .iter()
            .filter(|c| offered(**c))
            .map(|&c| Check {
                value: c.as_str().to_string(),
                label: text::category(tr, c),
                checked: blocked.contains(&c.as_str()),
            })
            .collect(),
        kept_categories: input
            .block
            .iter()
            .filter(|c| c.parse::<Category>().is_ok_and(|c| !offered(c)))
            .cloned()
            .collect(),
        safe_search: input.safe_search,
        youtube: [
            ("off", "youtube-off"),
            ("moderate", "youtube-moderate"),
            ("strict", "youtube-strict"),
        ]
        .iter()
        .map(|(value, id)| Choice {
            value: value.to_string(),
            label: tr.t(id),
            selected: input.youtube == *value,
        })
        .collect(),
        service_groups: ServiceGroup::ALL
            .iter()
            .map(|&g| {
                let whole = format!("group:{}", g.as_str());
                let checks: Vec<Check> = catalog
                    .in_group(g)
                    .map(|s| {
                        let value = format!("service:{}", s.id);
                        Check {
                            checked: services.contains(&value.as_str()),
                            value,
                            label: s.name.clone(),
                        }
                    })
                    .collect();
                let whole_checked = services.contains(&whole.as_str());
                let chosen = checks.iter().filter(|c| c.checked).count();
                ServiceChecks {
                    label: text::group(tr, g),
                    summary: if whole_checked {
                        tr.t("services-group-blocked")
                    } else {
                        tr.t2(
                            "services-chosen",
                            ("chosen", chosen.into()),
                            ("total", checks.len().into()),
                        )
                    },
                    open: whole_checked || chosen > 0,
                    whole: Check {
                        value: whole,
                        label: tr.t1("services-block-group", "group", text::group(tr, g)),
                        checked: whole_checked,
                    },
                    services: checks,
                }
            })
            .collect(),
        bedtime: input.bedtime,
        schedules,
        budgets,
        decree_applies: age.is_some_and(|a| a < 18) && input.budgets.is_empty(),
        allow: input.allow.clone(),
        deny: input.deny.clone(),
    }
}

/// The options of a target `<select>`: all internet, each group, each service.
fn target_choices(tr: Tr, state: &AppState, selected: &str) -> Vec<ChoiceGroup> {
    let choice = |value: String, label: String| Choice {
        selected: value == selected,
        value,
        label,
    };
    let mut groups = vec![ChoiceGroup {
        label: tr.t("target-kind-general"),
        options: std::iter::once(choice("all".into(), tr.t("target-all")))
            .chain(
                ServiceGroup::ALL
                    .iter()
                    .map(|&g| choice(format!("group:{}", g.as_str()), text::group(tr, g))),
            )
            .collect(),
    }];
    for &g in ServiceGroup::ALL {
        groups.push(ChoiceGroup {
            label: text::group(tr, g),
            options: state
                .catalog
                .in_group(g)
                .map(|s| choice(format!("service:{}", s.id), s.name.clone()))
                .collect(),
        });
    }
    groups
}

/// The profile form's values as text, whether from a stored profile or a post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FormInput {
    name: String,
    household: String,
    age: String,
    time_zone: String,
    block_answer: String,
    block: Vec<String>,
    safe_search: bool,
    youtube: String,
    services: Vec<String>,
    bedtime: bool,
    schedules: Vec<(String, String)>,
    budgets: Vec<(String, String, bool)>,
    allow: String,
    deny: String,
}

impl FormInput {
    /// A new child's profile: the built-in child protection, in the default zone.
    fn new_child() -> FormInput {
        let child = Profile::default_child();
        FormInput {
            time_zone: Zone::default().to_string(),
            block: child.block.iter().map(|c| c.as_str().to_string()).collect(),
            safe_search: child.safe_search,
            youtube: youtube_value(child.youtube).into(),
            bedtime: true,
            ..FormInput::default()
        }
    }

    fn of_profile(view: &ops::ProfileView) -> FormInput {
        let p = &view.profile;
        let bedtime = Schedule::bedtime(p.time_zone.clone());
        FormInput {
            name: p.name.clone(),
            household: view.household.clone().unwrap_or_default(),
            age: p.age.map(|a| a.to_string()).unwrap_or_default(),
            time_zone: p.time_zone.to_string(),
            block_answer: p.block_answer.map(|b| b.to_string()).unwrap_or_default(),
            block: p.block.iter().map(|c| c.as_str().to_string()).collect(),
            safe_search: p.safe_search,
            youtube: youtube_value(p.youtube).into(),
            services: p.blocked_services.iter().map(Target::to_string).collect(),
            bedtime: p.schedules.contains(&bedtime),
            schedules: p
                .schedules
                .iter()
                .filter(|s| **s != bedtime)
                .map(|s| (s.target.to_string(), s.blocked.to_string()))
                .collect(),
            budgets: p
                .budgets
                .iter()
                .map(|b| {
                    (
                        b.target.to_string(),
                        b.minutes_per_day.to_string(),
                        b.each_service,
                    )
                })
                .collect(),
            allow: p.allow.join("\n"),
            deny: p.deny.join("\n"),
        }
    }

    fn of_fields(fields: &Fields) -> FormInput {
        let rows = |prefix: &str| {
            (0..)
                .take_while(|i| {
                    fields
                        .0
                        .iter()
                        .any(|(n, _)| *n == format!("{prefix}_target_{i}"))
                })
                .collect::<Vec<usize>>()
        };
        FormInput {
            name: fields.get("name").into(),
            household: fields.get("household").into(),
            age: fields.get("age").into(),
            time_zone: fields.get("time_zone").into(),
            block_answer: fields.get("block_answer").into(),
            block: fields.all("block"),
            safe_search: fields.checked("safe_search"),
            youtube: fields.get("youtube").into(),
            services: fields.all("blocked_services"),
            bedtime: fields.checked("bedtime"),
            schedules: rows("schedule")
                .into_iter()
                .map(|i| {
                    (
                        fields.get(&format!("schedule_target_{i}")).to_string(),
                        fields.get(&format!("schedule_blocked_{i}")).to_string(),
                    )
                })
                .filter(|(_, text)| !text.is_empty())
                .collect(),
            budgets: rows("budget")
                .into_iter()
                .map(|i| {
                    (
                        fields.get(&format!("budget_target_{i}")).to_string(),
                        fields.get(&format!("budget_minutes_{i}")).to_string(),
                        fields.checked(&format!("budget_each_{i}")),
                    )
                })
                .filter(|(_, minutes, _)| !minutes.is_empty())
                .collect(),
            allow: fields.raw("allow").to_string(),
            deny: fields.raw("deny").to_string(),
        }
    }

    /// The input of the profile action, or what is wrong (in the page's language) with a
    /// number the action cannot even receive.
    fn to_input(&self, tr: Tr, state: &AppState) -> Result<ProfileInput, String> {
        let age = match self.age.as_str() {
            "" => None,
            text => Some(
                text.parse::<u8>()
                    .map_err(|_| tr.t1("error-age", "value", text))?,
            ),
        };
        let mut schedules: Vec<ScheduleInput> = Vec::new();
        if self.bedtime {
            let zone = Zone::new(&self.time_zone).unwrap_or_default();
            let bedtime = Schedule::bedtime(zone);
            schedules.push(ScheduleInput {
                target: bedtime.target.to_string(),
                blocked: bedtime.blocked.to_string(),
            });
        }
        schedules.extend(self.schedules.iter().map(|(target, text)| ScheduleInput {
            target: target.clone(),
            blocked: text.clone(),
        }));
        let mut budgets = Vec::new();
        for (target, minutes, each) in &self.budgets {
            let minutes_per_day = minutes.parse::<u32>().map_err(|_| {
                tr.t2(
                    "error-minutes",
                    ("value", minutes.as_str().into()),
                    ("what", what(tr, state, target).into()),
                )
            })?;
            budgets.push(BudgetInput {
                target: target.clone(),
                minutes_per_day,
                each_service: *each,
            });
        }
        Ok(ProfileInput {
            name: self.name.clone(),
            household: Some(self.household.clone()).filter(|h| !h.is_empty()),
            age,
            block: self.block.clone(),
            safe_search: self.safe_search,
            youtube: Some(self.youtube.clone()).filter(|y| !y.is_empty()),
            allow: vec![self.allow.clone()],
            deny: vec![self.deny.clone()],
            blocked_services: self.services.clone(),
            time_zone: Some(self.time_zone.clone()).filter(|z| !z.is_empty()),
            schedules,
            budgets,
            block_answer: Some(self.block_answer.clone()).filter(|b| !b.is_empty()),
        })
    }
}

/// A target's words, or the text itself when it is not a target.
fn what(tr: Tr, state: &AppState, target: &str) -> String {
    target.parse::<Target>().map_or_else(
        |_| target.to_string(),
        |t| text::target(tr, state.catalog, &t),
    )
}

fn youtube_value(mode: YoutubeMode) -> &'static str {
    match mode {
        YoutubeMode::Off => "off",
        YoutubeMode::Moderate => "moderate",
        YoutubeMode::Strict => "strict",
    }
}

/// The hotline consent of profile `name` as the edit page shows it (none when it cannot be
/// read).
async fn opt_in(state: &AppState, who: &Principal, tr: Tr, name: &str) -> Option<OptIn> {
    let view = ops::hotline_opt_in(state, who, name).await.ok()?;
    let since = match (&view.opted_by, view.opted_ms) {
        (Some(by), Some(ms)) if view.on => tr.t2(
            "profile-hotline-since",
            ("who", by.as_str().into()),
            ("time", text::date_time(tr, &Zone::default(), ms).into()),
        ),
        _ => String::new(),
    };
    Some(OptIn { on: view.on, since })
}

/// The form for `input`, with `error` at the top when saving failed.
async fn show(
    req: &Req,
    state: &AppState,
    who: &Principal,
    input: &FormInput,
    editing: bool,
    error: Option<String>,
) -> Response {
    let lang = req.lang;
    let (title, help) = if editing {
        ("profile-edit-title", "profile-edit-help")
    } else {
        ("profile-new-title", "profile-new-help")
    };
    let mut page = Page::new(req, Some(who), Nav::Home, title, help);
    if editing {
        page.title = lang.tr().t1(title, "name", input.name.as_str());
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    if let Some(error) = error {
        page = page.with_error(error);
    }
    let form = form_of(lang.tr(), state, who, input, editing);
    let opt_in = if editing {
        opt_in(state, who, lang.tr(), &input.name).await
    } else {
        None
    };
    render(status, &ProfilePage { page, form, opt_in })
}

/// `GET /profiles/new`.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
) -> Response {
    let mut input = FormInput::new_child();
    if let Some(household) = &who.household {
        input.household = household.clone();
    }
    show(&req, &state, &who, &input, false, None).await
}

/// `GET /profiles/edit?name=NAME`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let name = query.get("name").map_or("", String::as_str);
    match ops::get_profile(&state, &who, name).await {
        Ok(view) if view.editable => {
            let input = FormInput::of_profile(&view);
            show(&req, &state, &who, &input, true, None).await
        }
        Ok(_) => redirect_with("/", true, &req.tr().t("error-file-profile")),
        Err(error) => redirect_with("/", true, &text::op_error(req.tr(), &error)),
    }
}

/// `POST /profiles/new` and `POST /profiles/edit`: saves, or shows the form again with what
/// is wrong.
async fn save(state: AppState, post: Posted, editing: bool) -> Response {
    let Posted { who, fields, req } = &post;
    let tr = req.tr();
    let input = FormInput::of_fields(fields);
    let request = match input.to_input(tr, &state) {
        Ok(request) => request,
        Err(error) => return show(req, &state, who, &input, editing, Some(error)).await,
    };
    let saved = if editing {
        ops::update_profile(&state, who, &request.name, &request).await
    } else {
        ops::create_profile(&state, who, &request).await
    };
    match saved {
        Err(error) if !matches!(error, ops::OpError::NotApplied(_)) => {
            let error = text::op_error(tr, &error);
            show(req, &state, who, &input, editing, Some(error)).await
        }
        saved => post.redirect("/", saved, |tr, view| {
            tr.t1("flash-profile-saved", "name", view.profile.name.as_str())
        }),
    }
}

/// `POST /profiles/new`.
pub(crate) async fn create(State(state): State<AppState>, post: Posted) -> Response {
    save(state, post, false).await
}

/// `POST /profiles/edit`.
pub(crate) async fn update(State(state): State<AppState>, post: Posted) -> Response {
    save(state, post, true).await
}

/// `POST /profiles/delete`: deletes a profile (and its devices) once the box is ticked.
pub(crate) async fn delete(State(state): State<AppState>, post: Posted) -> Response {
    let name = post.fields.get("name");
    if !post.fields.checked("confirm") {
        let back = format!("/profiles/edit?name={}", super::url::query_value(name));
        return redirect_with(&back, true, &post.tr().t("error-confirm-delete"));
    }
    let deleted = ops::delete_profile(&state, &post.who, name).await;
    post.redirect("/", deleted, |tr, ()| {
        tr.t1("flash-profile-deleted", "name", name)
    })
}

/// `POST /profiles/hotline`: gives (`on` ticked) or withdraws the consent that the child's
/// repeated attempts at adult or gambling sites are reported to the hotline.
pub(crate) async fn hotline_opt_in(State(state): State<AppState>, post: Posted) -> Response {
    let name = post.fields.get("name");
    let on = post.fields.checked("on");
    let back = format!("/profiles/edit?name={}", super::url::query_value(name));
    let set = ops::set_hotline_opt_in(&state, &post.who, name, on).await;
    post.redirect(&back, set, |tr, view| {
        tr.t(if view.on {
            "flash-hotline-opt-in"
        } else {
            "flash-hotline-opt-out"
        })
    })
}
