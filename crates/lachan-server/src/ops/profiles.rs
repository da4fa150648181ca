//! Profiles: list, read, create, change and delete, within the principal's household.

use lachan_policy::{
    BlockAnswer, Budget, Category, Profile, Schedule, Target, Weekly, YoutubeMode, Zone,
};
use lachan_store::{ORIGIN_CONSOLE, ProfileRecord};
use serde::{Deserialize, Serialize};

use super::{OpError, apply, record, validate};
use crate::principal::Principal;
use crate::state::AppState;

/// Most schedules or budgets per profile.
const MAX_TIME_RULES: usize = 50;

/// Oldest age accepted.
const MAX_AGE: u8 = 120;

/// A profile as the console and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileView {
    /// The profile itself (name, categories, services, time rules, pause).
    #[serde(flatten)]
    pub profile: Profile,
    /// The household or class it belongs to (`None`: administrators only).
    pub household: Option<String>,
    /// `console` (made here, editable) or `file` (from the configuration file).
    pub origin: String,
    /// Whether the console may change it (only console-made profiles).
    pub editable: bool,
    /// The budgets in force: those written, or the Decree 147/2024 defaults for children under
    /// 18 with none written.
    pub effective_budgets: Vec<Budget>,
}

impl ProfileView {
    fn of(record: ProfileRecord) -> ProfileView {
        ProfileView {
            effective_budgets: record.profile.effective_budgets(),
            editable: record.origin == ORIGIN_CONSOLE,
            profile: record.profile,
            household: record.household,
            origin: record.origin,
        }
    }
}

/// What a guardian writes for a profile. Texts are checked and explained when wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// The profile's name (for a change, the current name: renaming is not supported).
    pub name: String,
    /// The household or class; only administrators choose it (a guardian's profiles are
    /// always in the guardian's household).
    #[serde(default)]
    pub household: Option<String>,
    /// The child's age (under 18 with no budgets: Decree 147/2024 gaming limits).
    #[serde(default)]
    pub age: Option<u8>,
    /// Blocked categories, e.g. `adult`, `gambling`.
    #[serde(default)]
    pub block: Vec<String>,
    /// Force safe search.
    #[serde(default)]
    pub safe_search: bool,
    /// YouTube Restricted Mode: `off` (default), `moderate` or `strict`.
    #[serde(default)]
    pub youtube: Option<String>,
    /// Custom allow rules, one per entry or line.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Custom deny rules, one per entry or line.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Blocked services: `service:ID` or `group:NAME`.
    #[serde(default)]
    pub blocked_services: Vec<String>,
    /// IANA time zone (default `Asia/Ho_Chi_Minh`).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Blocking schedules.
    #[serde(default)]
    pub schedules: Vec<ScheduleInput>,
    /// Daily time budgets.
    #[serde(default)]
    pub budgets: Vec<BudgetInput>,
    /// How blocked names are answered: `null_ip`, `nxdomain`, `refused` or a block page's IP;
    /// none uses the server's default.
    #[serde(default)]
    pub block_answer: Option<String>,
}

/// One schedule as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// `all`, `group:NAME` or `service:ID`.
    pub target: String,
    /// Blocked intervals, e.g. `Mon-Fri 21:30-06:30, Sat-Sun 22:30-07:00`.
    pub blocked: String,
}

/// One daily budget as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetInput {
    /// `all`, `group:NAME` or `service:ID`.
    pub target: String,
    /// Minutes allowed per day (0 to 1440).
    pub minutes_per_day: u32,
    /// The limit applies to each service of the target separately.
    #[serde(default)]
    pub each_service: bool,
}

/// The profiles `who` manages, by name.
pub async fn list_profiles(state: &AppState, who: &Principal) -> Result<Vec<ProfileView>, OpError> {
    let records = managed_records(state, who).await?;
    Ok(records.into_iter().map(ProfileView::of).collect())
}

/// The records of the profiles `who` manages, by name.
pub(super) async fn managed_records(
    state: &AppState,
    who: &Principal,
) -> Result<Vec<ProfileRecord>, OpError> {
    let mut records = state.store.profile_records().await?;
    records.retain(|r| who.manages(r.household.as_deref()));
    Ok(records)
}

/// One profile `who` manages.
pub async fn get_profile(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<ProfileView, OpError> {
    visible_record(state, who, name).await.map(ProfileView::of)
}

/// Creates a console profile; a guardian's goes in the guardian's household.
pub async fn create_profile(
    state: &AppState,
    who: &Principal,
    input: &ProfileInput,
) -> Result<ProfileView, OpError> {
    let household = chosen_household(who, input.household.as_deref())?;
    let profile = build(state, input, None)?;
    if state.store.profile_record(&profile.name).await?.is_some() {
        return Err(OpError::Conflict(format!(
            "a profile named '{}' already exists; choose another name",
            profile.name
        )));
    }
    state
        .store
        .save_console_profile(&profile, household.as_deref())
        .await?;
    let detail = match &household {
        Some(h) => format!("household {h}; {}", describe(&profile)),
        None => describe(&profile),
    };
    record(state, who, "profile created", &profile.name, &detail).await?;
    apply(state).await?;
    get_profile(state, who, &profile.name).await
}

/// Replaces the settings of the console profile `name` (its pause is kept).
pub async fn update_profile(
    state: &AppState,
    who: &Principal,
    name: &str,
    input: &ProfileInput,
) -> Result<ProfileView, OpError> {
    let old = editable_record(state, who, name).await?;
    if !input.name.trim().is_empty() && input.name.trim() != old.profile.name {
        return Err(OpError::Invalid(format!(
            "profiles cannot be renamed (from '{}' to '{}'); create a new profile and move the \
             devices to it",
            old.profile.name,
            input.name.trim()
        )));
    }
    let household = chosen_household(who, input.household.as_deref())?;
    let profile = build(state, input, Some(&old.profile))?;
    state
        .store
        .save_console_profile(&profile, household.as_deref())
        .await?;
    let mut detail = changes(&old.profile, &profile);
    if household != old.household {
        detail.push(format!(
            "household {} → {}",
            old.household.as_deref().unwrap_or("none"),
            household.as_deref().unwrap_or("none")
        ));
    }
    let detail = if detail.is_empty() {
        "no change".to_string()
    } else {
        detail.join("; ")
    };
    record(state, who, "profile updated", &profile.name, &detail).await?;
    apply(state).await?;
    get_profile(state, who, &profile.name).await
}

/// Deletes the console profile `name` and the console devices assigned to it.
pub async fn delete_profile(state: &AppState, who: &Principal, name: &str) -> Result<(), OpError> {
    let old = editable_record(state, who, name).await?;
    let devices: Vec<String> = state
        .store
        .clients()
        .await?
        .into_iter()
        .filter(|c| c.profile == old.profile.name && c.origin == ORIGIN_CONSOLE)
        .map(|c| c.name)
        .collect();
    if !state
        .store
        .delete_console_profile(&old.profile.name)
        .await?
    {
        return Err(OpError::NotFound(format!("profile '{name}'")));
    }
    let detail = if devices.is_empty() {
        "no devices".to_string()
    } else {
        format!("with its devices: {}", devices.join(", "))
    };
    record(state, who, "profile deleted", &old.profile.name, &detail).await?;
    apply(state).await
}

/// The record of profile `name` if `who` manages it; otherwise not found.
pub(super) async fn visible_record(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<ProfileRecord, OpError> {
    match state.store.profile_record(name.trim()).await? {
        Some(r) if who.manages(r.household.as_deref()) => Ok(r),
        _ => Err(OpError::NotFound(format!("profile '{}'", name.trim()))),
    }
}

/// [`visible_record`], refusing profiles of the configuration file.
pub(super) async fn editable_record(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<ProfileRecord, OpError> {
    let found = visible_record(state, who, name).await?;
    if found.origin != ORIGIN_CONSOLE {
        return Err(OpError::Conflict(format!(
            "profile '{}' is declared in the configuration file; change it there (or make a new \
             profile in the console)",
            found.profile.name
        )));
    }
    Ok(found)
}

/// The household a profile goes in: a guardian's own (naming another is refused); for an
/// administrator, the one written.
fn chosen_household(who: &Principal, written: Option<&str>) -> Result<Option<String>, OpError> {
    let written = validate::household(written)?;
    if who.is_admin() {
        return Ok(written);
    }
    let own = who.household.clone().ok_or_else(|| {
        OpError::Forbidden("this guardian account has no household; ask an administrator".into())
    })?;
    match written {
        Some(h) if h != own => Err(OpError::Forbidden(format!(
            "guardians make profiles in their own household ('{own}') only"
        ))),
        _ => Ok(Some(own)),
    }
}

/// Checks `input` and builds the profile; `old` gives the pause to keep.
fn build(
    state: &AppState,
    input: &ProfileInput,
    old: Option<&Profile>,
) -> Result<Profile, OpError> {
    let name = match old {
        Some(old) => old.name.clone(),
        None => validate::name("profile", &input.name)?,
    };
    if input.age.is_some_and(|a| a > MAX_AGE) {
        return Err(OpError::Invalid(format!(
            "the age must be 0 to {MAX_AGE}, or left empty"
        )));
    }
    let mut block = Vec::new();
    for word in input
        .block
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
    {
        let category: Category = word
            .parse()
            .map_err(|e: lachan_policy::UnknownName| OpError::Invalid(e.to_string()))?;
        if !block.contains(&category) {
            block.push(category);
        }
    }
    let youtube = match input.youtube.as_deref().map(str::trim) {
        None | Some("") | Some("off") => YoutubeMode::Off,
        Some("moderate") => YoutubeMode::Moderate,
        Some("strict") => YoutubeMode::Strict,
        Some(other) => {
            return Err(OpError::Invalid(format!(
                "unknown YouTube level '{other}': use off, moderate or strict"
            )));
        }
    };
    let mut blocked_services = Vec::new();
    for text in input
        .blocked_services
        .iter()
        .filter(|t| !t.trim().is_empty())
    {
        let target = validate::target(state.catalog, text)?;
        if target == Target::All {
            return Err(OpError::Invalid(
                "blocked services cannot be \"all\"; name services (service:tiktok) or groups \
                 (group:games), or pause the profile to stop all internet"
                    .into(),
            ));
        }
        if !blocked_services.contains(&target) {
            blocked_services.push(target);
        }
    }
    let time_zone = match input.time_zone.as_deref().map(str::trim) {
        None | Some("") => Zone::default(),
        Some(name) => Zone::new(name)
            .map_err(|e: lachan_policy::UnknownTimeZone| OpError::Invalid(e.to_string()))?,
    };
    if input.schedules.len() > MAX_TIME_RULES || input.budgets.len() > MAX_TIME_RULES {
        return Err(OpError::Invalid(format!(
            "at most {MAX_TIME_RULES} schedules and {MAX_TIME_RULES} budgets per profile"
        )));
    }
    let mut schedules = Vec::new();
    for s in &input.schedules {
        let target = validate::target(state.catalog, &s.target)?;
        let blocked = Weekly::parse(&s.blocked)
            .map_err(|e| OpError::Invalid(format!("schedule for {target}: {e}")))?;
        if blocked.is_empty() {
            return Err(OpError::Invalid(format!(
                "the schedule for {target} blocks no time; write e.g. Mon-Fri 21:30-06:30, or \
                 remove it"
            )));
        }
        schedules.push(Schedule {
            target,
            time_zone: time_zone.clone(),
            blocked,
        });
    }
    let mut budgets = Vec::new();
    for b in &input.budgets {
        let target = validate::target(state.catalog, &b.target)?;
        if b.minutes_per_day > 24 * 60 {
            return Err(OpError::Invalid(format!(
                "the budget for {target} is {} minutes a day; a day has 1440",
                b.minutes_per_day
            )));
        }
        if b.each_service && matches!(target, Target::Service(_)) {
            return Err(OpError::Invalid(format!(
                "\"each service\" applies to all or a group, not to the single service {target}"
            )));
        }
        budgets.push(Budget {
            target,
            minutes_per_day: b.minutes_per_day,
            each_service: b.each_service,
        });
    }
    let block_answer = match input.block_answer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<BlockAnswer>()
                .map_err(|e| OpError::Invalid(e.to_string()))?,
        ),
    };
    Ok(Profile {
        name,
        block,
        safe_search: input.safe_search,
        youtube,
        allow: validate::rules("allow", &input.allow)?,
        deny: validate::rules("deny", &input.deny)?,
        block_answer,
        blocked_services,
        age: input.age,
        time_zone,
        schedules,
        budgets,
        pause: old.and_then(|o| o.pause),
    })
}

/// A one-line summary of a new profile for the audit log.
fn describe(p: &Profile) -> String {
    let mut parts = vec![format!("blocks {}", list(&p.block))];
    if !p.blocked_services.is_empty() {
        parts.push(format!("services {}", list(&p.blocked_services)));
    }
    if let Some(age) = p.age {
        parts.push(format!("age {age}"));
    }
    parts.push(format!(
        "{} schedules, {} budgets",
        p.schedules.len(),
        p.budgets.len()
    ));
    parts.join("; ")
}

/// What changed between two versions of a profile, for the audit log.
fn changes(old: &Profile, new: &Profile) -> Vec<String> {
    let mut out = Vec::new();
    let mut note = |field: &str, before: String, after: String| {
        if before != after {
            out.push(format!("{field} {before} → {after}"));
        }
    };
    let age = |a: Option<u8>| a.map_or("none".to_string(), |a| a.to_string());
    note("age", age(old.age), age(new.age));
    note("block", list(&old.block), list(&new.block));
    note(
        "safe search",
        old.safe_search.to_string(),
        new.safe_search.to_string(),
    );
    note(
        "youtube",
        format!("{:?}", old.youtube).to_lowercase(),
        format!("{:?}", new.youtube).to_lowercase(),
    );
    note("allow", list(&old.allow), list(&new.allow));
    note("deny", list(&old.deny), list(&new.deny));
    note(
        "services",
        list(&old.blocked_services),
        list(&new.blocked_services),
    );
    note(
        "time zone",
        old.time_zone.to_string(),
        new.time_zone.to_string(),
    );
    let schedules = |p: &Profile| {
        list(
            &p.schedules
                .iter()
                .map(|s| format!("{} {}", s.target, s.blocked))
                .collect::<Vec<_>>(),
        )
    };
    note("schedules", schedules(old), schedules(new));
    let budgets = |p: &Profile| {
        list(
            &p.budgets
                .iter()
                .map(|b| {
                    let each = if b.each_service { " each" } else { "" };
                    format!("{} {}min{each}", b.target, b.minutes_per_day)
                })
                .collect::<Vec<_>>(),
        )
    };
    note("budgets", budgets(old), budgets(new));
    let answer = |p: &Profile| {
        p.block_answer
            .map_or("default".to_string(), |a| a.to_string())
    };
    note("block answer", answer(old), answer(new));
    out
}

/// Items joined with commas, or `none`.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
