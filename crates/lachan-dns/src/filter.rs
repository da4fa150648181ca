//! The decision pipeline: which profile a query falls under, and what that profile says about
//! the name (custom rules, lists by category, safe search, the browser DoH canary).
//!
//! A [`Filter`] is shared by every listener. Lists are rebuilt in place (the rule index swaps
//! one shard at a time); profiles and clients are swapped atomically as a whole.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use lachan_policy::{
    BlockAnswer, BlockReason, Category, ExtraTime, Profile, Service, ServiceCatalog,
};
use lachan_rules::{
    Action, ListId, ListInput, ListMask, ListReport, ListSource, Query, Rewrite, RuleIndex,
};

use crate::clients::{ClientTable, Matcher, NeighbourTable};
use crate::safesearch::{self, Engine};
use crate::timelimits::{Clock, SystemClock, TimeStatus, UsageBook};

/// The name browsers ask to learn whether the network wants them to keep using its resolver
/// (answering NXDOMAIN keeps them from switching to their own DNS-over-HTTPS).
pub const DOH_CANARY: &str = "use-application-dns.net";

/// A list of domain rules, as configured.
#[derive(Debug, Clone)]
pub struct ListConfig {
    /// Unique name.
    pub name: String,
    /// The category every rule of the list carries.
    pub category: Category,
    /// Whether plain domains (and hosts entries) also cover subdomains.
    pub subdomains: bool,
    /// Where the rules are read from (URL lists are downloaded to a file by the caller).
    pub source: ListSource,
}

/// A client, as configured.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Display name ("An's tablet").
    pub name: String,
    /// How the client is recognised.
    pub matchers: Vec<Matcher>,
    /// The profile it uses.
    pub profile: String,
}

/// Everything the filter is built from.
#[derive(Debug, Clone)]
pub struct FilterConfig {
    /// Domain lists.
    pub lists: Vec<ListConfig>,
    /// Profiles.
    pub profiles: Vec<Profile>,
    /// Known clients.
    pub clients: Vec<ClientConfig>,
    /// The profile of clients that match nothing.
    pub default_profile: String,
    /// How blocked names are answered when the profile does not say.
    pub block_answer: BlockAnswer,
}

/// A configuration the filter cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// A client or the default refers to a profile that does not exist.
    #[error("{who} uses profile '{profile}', which is not defined; defined profiles: {known}")]
    UnknownProfile {
        /// Which setting named it.
        who: String,
        /// The missing profile.
        profile: String,
        /// The profiles that exist.
        known: String,
    },
    /// Two lists or two profiles share a name.
    #[error("two {kind} are named '{name}'; names must be unique")]
    Duplicate {
        /// "lists" or "profiles".
        kind: &'static str,
        /// The repeated name.
        name: String,
    },
    /// More lists than the rule index can number.
    #[error("too many lists ({0}); at most 65,000 are supported")]
    TooManyLists(usize),
}

/// The rule that decided, for the query log and `lachan check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// The list's name, or `custom` for a profile's own rules.
    pub list: Arc<str>,
    /// The 1-based line in the list (for custom rules, the rule's position).
    pub line: u32,
    /// For custom rules, the rule's text (list rules are read back from the list by line).
    pub text: Option<String>,
}

impl std::fmt::Display for RuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.text {
            Some(text) => write!(f, "{}: {}", self.list, text),
            None => write!(f, "{}:{}", self.list, self.line),
        }
    }
}

/// What to do with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Resolve it upstream; `allowed_by` names an exception rule that allowed it, if any.
    Forward {
        /// The exception that matched, if one did.
        allowed_by: Option<RuleRef>,
    },
    /// Blocked by a rule.
    Block {
        /// The list's category (`None` for a profile's custom rule).
        category: Option<Category>,
        /// The rule.
        rule: RuleRef,
    },
    /// Answered as a rule's `$dnsrewrite` says.
    Rewrite {
        /// The rewrite.
        rewrite: Rewrite,
        /// The rule.
        rule: RuleRef,
    },
    /// Blocked because the profile blocks this service of the catalogue (or its group).
    BlockService {
        /// The service.
        service: &'static Service,
    },
    /// Blocked by the profile's pause, a schedule or a used-up daily budget.
    BlockTime {
        /// Why, with the time it ends.
        reason: BlockReason,
    },
    /// Answered with the engine's safe-search host as a CNAME.
    SafeSearch {
        /// Which engine.
        engine: Engine,
        /// The CNAME target.
        target: &'static str,
    },
    /// The DoH canary: answered NXDOMAIN.
    Canary,
}

/// A decision and who it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruling {
    /// The configured client, if the source was recognised.
    pub client: Option<Arc<str>>,
    /// The profile applied.
    pub profile: Arc<str>,
    /// How a block is answered for this profile.
    pub block_answer: BlockAnswer,
    /// What to do.
    pub verdict: Verdict,
    /// The service whose use counts against the profile's time budgets if this query is
    /// answered (see [`Filter::note_use`]).
    pub metered: Option<&'static Service>,
}

/// One list's load report, by name.
#[derive(Debug, Clone)]
pub struct NamedReport {
    /// The list's name.
    pub name: String,
    /// What loading it found.
    pub report: ListReport,
}

struct ListMeta {
    name: Arc<str>,
    category: Category,
}

struct CompiledProfile {
    name: Arc<str>,
    profile: Profile,
    mask: ListMask,
    custom: RuleIndex,
    /// Whether the profile has any custom rule (an empty index is not consulted).
    has_custom: bool,
    /// Custom rules in index order: allow rules (list 0) then deny rules (list 1).
    custom_text: [Vec<String>; 2],
    block_answer: BlockAnswer,
}

struct ClientInfo {
    name: Arc<str>,
    profile: usize,
}

struct State {
    lists: HashMap<ListId, ListMeta>,
    profiles: Vec<CompiledProfile>,
    clients: ClientTable<usize>,
    client_info: Vec<ClientInfo>,
    default_profile: usize,
}

/// The compiled filtering configuration.
pub struct Filter {
    rules: RuleIndex,
    state: ArcSwap<State>,
    list_ids: Mutex<HashMap<String, ListId>>,
    neighbours: ArcSwap<NeighbourTable>,
    clock: Arc<dyn Clock>,
    usage: UsageBook,
}

const CUSTOM_ALLOW: ListId = 0;
const CUSTOM_DENY: ListId = 1;

impl Filter {
    /// Builds the filter, loading every list. Unreadable lists and invalid lines are reported,
    /// not fatal; an inconsistent configuration is an error.
    pub fn new(config: &FilterConfig) -> Result<(Filter, Vec<NamedReport>), FilterError> {
        Filter::with_clock(config, Arc::new(SystemClock))
    }

    /// Like [`Filter::new`], reading the time from `clock` (tests drive schedules and budgets).
    pub fn with_clock(
        config: &FilterConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<(Filter, Vec<NamedReport>), FilterError> {
        let mut ids = HashMap::new();
        let inputs = list_inputs(config, &mut ids)?;
        let state = compile_state(config, &ids)?;
        let (rules, reports) = RuleIndex::build(&inputs);
        let filter = Filter {
            rules,
            state: ArcSwap::from_pointee(state),
            list_ids: Mutex::new(ids),
            neighbours: ArcSwap::from_pointee(NeighbourTable::default()),
            clock,
            usage: UsageBook::default(),
        };
        let reports = filter.name_reports(reports);
        Ok((filter, reports))
    }

    /// Replaces lists, profiles and clients without stopping queries. List ids stay stable by
    /// name, so profiles keep pointing at the right lists while shards are swapped.
    pub fn reload(&self, config: &FilterConfig) -> Result<Vec<NamedReport>, FilterError> {
        let mut ids = self
            .list_ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let inputs = list_inputs(config, &mut ids)?;
        let state = compile_state(config, &ids)?;
        let reports = self.rules.rebuild(&inputs);
        self.state.store(Arc::new(state));
        *self.list_ids.lock().unwrap_or_else(|p| p.into_inner()) = ids;
        Ok(self.name_reports(reports))
    }

    fn name_reports(&self, reports: Vec<ListReport>) -> Vec<NamedReport> {
        let state = self.state.load();
        reports
            .into_iter()
            .map(|report| NamedReport {
                name: state
                    .lists
                    .get(&report.id)
                    .map(|m| m.name.to_string())
                    .unwrap_or_default(),
                report,
            })
            .collect()
    }

    /// Per-profile service usage for time budgets (to persist it and preload it at start).
    pub fn usage(&self) -> &UsageBook {
        &self.usage
    }

    /// The profile named `name`, as compiled (schedules in its time zone).
    pub fn profile(&self, name: &str) -> Option<Profile> {
        let state = self.state.load();
        state
            .profiles
            .iter()
            .find(|p| &*p.name == name)
            .map(|p| p.profile.clone())
    }

    /// Now, by the filter's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Where the profile named `name` stands now against its pause, schedules and budgets;
    /// `None` for an unknown profile.
    pub fn time_status(&self, name: &str) -> Option<TimeStatus> {
        let state = self.state.load();
        let p = state.profiles.iter().find(|p| &*p.name == name)?;
        Some(self.usage.status(&p.profile, self.clock.now()))
    }

    /// Gives the profile named `name` extra time today; false for an unknown profile.
    pub fn grant_extra(&self, name: &str, extra: ExtraTime) -> bool {
        let state = self.state.load();
        let Some(p) = state.profiles.iter().find(|p| &*p.name == name) else {
            return false;
        };
        self.usage.grant_extra(&p.profile, extra, self.clock.now());
        true
    }

    /// Rules held by the list index.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Whether any client is recognised by MAC address.
    pub fn uses_mac(&self) -> bool {
        self.state.load().clients.uses_mac()
    }

    /// Replaces the neighbour table used for MAC matching.
    pub fn set_neighbours(&self, table: NeighbourTable) {
        self.neighbours.store(Arc::new(table));
    }

    /// Decides a query from `client_ip` for `name` (lowercase, no trailing dot) of type `qtype`.
    pub fn decide(&self, client_ip: IpAddr, name: &str, qtype: u16) -> Ruling {
        let state = self.state.load();
        let neighbours = self.neighbours.load();
        let client = state
            .clients
            .identify(client_ip, &neighbours)
            .map(|i| &state.client_info[i]);
        let profile = &state.profiles[client.map_or(state.default_profile, |c| c.profile)];
        let verdict = verdict_for(&state, profile, self, client_ip, client, name, qtype);
        let answered = matches!(
            verdict,
            Verdict::Forward { .. } | Verdict::SafeSearch { .. }
        );
        let metered = (answered && profile.profile.has_time_limits())
            .then(|| ServiceCatalog::builtin().service_of(name))
            .flatten();
        Ruling {
            client: client.map(|c| c.name.clone()),
            profile: profile.name.clone(),
            block_answer: profile.block_answer,
            verdict,
            metered,
        }
    }

    /// Counts the current minute against the time budgets of the ruling's profile, for a query
    /// that was answered. Deciding alone (checks, explanations, refused queries) uses no time.
    pub fn note_use(&self, ruling: &Ruling) {
        let Some(service) = ruling.metered else {
            return;
        };
        let state = self.state.load();
        if let Some(p) = state.profiles.iter().find(|p| p.name == ruling.profile) {
            self.usage.mark_used(&p.profile, service, self.clock.now());
        }
    }
}

fn verdict_for(
    state: &State,
    profile: &CompiledProfile,
    filter: &Filter,
    client_ip: IpAddr,
    client: Option<&ClientInfo>,
    name: &str,
    qtype: u16,
) -> Verdict {
    if name == DOH_CANARY {
        return Verdict::Canary;
    }
    let query = Query {
        name,
        qtype,
        client_ip,
        client_name: client.map(|c| &*c.name),
    };
    let custom_ref = |list: ListId, line: u32| RuleRef {
        list: Arc::from("custom"),
        line,
        text: profile.custom_text[usize::from(list.min(1))]
            .get(line.saturating_sub(1) as usize)
            .cloned(),
    };
    let mut allowed_by = None;
    if profile.has_custom
        && let Some(m) = profile.custom.check(&query, &ListMask::all())
    {
        let rule = custom_ref(m.list, m.line);
        match m.action {
            Action::Allow => allowed_by = Some(rule),
            Action::Block => {
                return Verdict::Block {
                    category: None,
                    rule,
                };
            }
            Action::Rewrite(rewrite) => return Verdict::Rewrite { rewrite, rule },
        }
    }
    let p = &profile.profile;
    let service = if allowed_by.is_none() && (p.has_time_limits() || !p.blocked_services.is_empty())
    {
        ServiceCatalog::builtin().service_of(name)
    } else {
        None
    };
    if let Some(service) = service
        && p.blocked_services
            .iter()
            .any(|t| t.covers(Some(&service.id), Some(service.group)))
    {
        return Verdict::BlockService { service };
    }
    if allowed_by.is_none()
        && p.has_time_limits()
        && let Some(reason) = filter.usage.check(p, service, filter.clock.now())
    {
        return Verdict::BlockTime { reason };
    }
    if allowed_by.is_none()
        && let Some(m) = filter.rules.check(&query, &profile.mask)
    {
        let meta = state.lists.get(&m.list);
        let rule = RuleRef {
            list: meta.map_or_else(|| Arc::from("list"), |meta| meta.name.clone()),
            line: m.line,
            text: None,
        };
        match m.action {
            Action::Allow => allowed_by = Some(rule),
            Action::Block => {
                return Verdict::Block {
                    category: meta.map(|m| m.category),
                    rule,
                };
            }
            Action::Rewrite(rewrite) => return Verdict::Rewrite { rewrite, rule },
        }
    }
    if let Some((engine, target)) =
        safesearch::rewrite(name, profile.profile.safe_search, profile.profile.youtube)
    {
        return Verdict::SafeSearch { engine, target };
    }
    Verdict::Forward { allowed_by }
}

fn list_inputs(
    config: &FilterConfig,
    ids: &mut HashMap<String, ListId>,
) -> Result<Vec<ListInput>, FilterError> {
    if config.lists.len() > 65_000 {
        return Err(FilterError::TooManyLists(config.lists.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for list in &config.lists {
        if !seen.insert(list.name.as_str()) {
            return Err(FilterError::Duplicate {
                kind: "lists",
                name: list.name.clone(),
            });
        }
    }
    // Forget lists that are gone, then number the new ones with the smallest free ids.
    ids.retain(|name, _| seen.contains(name.as_str()));
    let mut inputs = Vec::with_capacity(config.lists.len());
    for list in &config.lists {
        let id = match ids.get(&list.name) {
            Some(id) => *id,
            None => {
                let used: std::collections::HashSet<ListId> = ids.values().copied().collect();
                let id = (0..=ListId::MAX)
                    .find(|i| !used.contains(i))
                    .unwrap_or(ListId::MAX);
                ids.insert(list.name.clone(), id);
                id
            }
        };
        inputs.push(ListInput {
            id,
            name: list.name.clone(),
            subdomains: list.subdomains,
            source: list.source.clone(),
        });
    }
    Ok(inputs)
}

fn compile_state(
    config: &FilterConfig,
    ids: &HashMap<String, ListId>,
) -> Result<State, FilterError> {
    let mut profile_index = HashMap::new();
    for (i, p) in config.profiles.iter().enumerate() {
        if profile_index.insert(p.name.clone(), i).is_some() {
            return Err(FilterError::Duplicate {
                kind: "profiles",
                name: p.name.clone(),
            });
        }
    }
    let known = || {
        config
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lookup = |who: String, name: &str| {
        profile_index
            .get(name)
            .copied()
            .ok_or_else(|| FilterError::UnknownProfile {
                who,
                profile: name.to_string(),
                known: known(),
            })
    };
    let default_profile = lookup("[default]".into(), &config.default_profile)?;
    let mut lists = HashMap::new();
    for list in &config.lists {
        if let Some(id) = ids.get(&list.name) {
            lists.insert(
                *id,
                ListMeta {
                    name: Arc::from(list.name.as_str()),
                    category: list.category,
                },
            );
        }
    }
    let profiles = config
        .profiles
        .iter()
        .map(|p| compile_profile(p, config, ids))
        .collect();
    let mut clients = ClientTable::default();
    let mut client_info = Vec::with_capacity(config.clients.len());
    for c in &config.clients {
        let profile = lookup(format!("client '{}'", c.name), &c.profile)?;
        for m in &c.matchers {
            clients.insert(*m, client_info.len());
        }
        client_info.push(ClientInfo {
            name: Arc::from(c.name.as_str()),
            profile,
        });
    }
    Ok(State {
        lists,
        profiles,
        clients,
        client_info,
        default_profile,
    })
}

/// The profile as decisions use it: every schedule in the profile's own time zone, and the
/// budgets in force (the Decree 147/2024 limits for a child under 18 with none written).
fn with_profile_zone(p: &Profile) -> Profile {
    let mut profile = p.clone();
    for schedule in &mut profile.schedules {
        schedule.time_zone = p.time_zone.clone();
    }
    profile.budgets = p.effective_budgets();
    profile
}

fn compile_profile(
    p: &Profile,
    config: &FilterConfig,
    ids: &HashMap<String, ListId>,
) -> CompiledProfile {
    let mask = ListMask::from_ids(
        config
            .lists
            .iter()
            .filter(|l| p.blocks(l.category))
            .filter_map(|l| ids.get(&l.name).copied()),
    );
    // Allow rules are exceptions: written plainly by guardians ("||school.edu.vn^"), they are
    // compiled as "@@" rules so they win over every list.
    let allow: Vec<String> = p
        .allow
        .iter()
        .map(|r| {
            if r.trim_start().starts_with("@@") {
                r.clone()
            } else {
                format!("@@{}", r.trim())
            }
        })
        .collect();
    let source = |lines: &[String]| ListSource::Text(Arc::from(lines.join("\n").as_str()));
    let (custom, reports) = RuleIndex::build(&[
        ListInput {
            id: CUSTOM_ALLOW,
            name: "allow".into(),
            subdomains: true,
            source: source(&allow),
        },
        ListInput {
            id: CUSTOM_DENY,
            name: "deny".into(),
            subdomains: true,
            source: source(&p.deny),
        },
    ]);
    for report in &reports {
        for error in &report.errors {
            tracing::warn!(profile = %p.name, rule = %error.text, "custom rule ignored: {}", error.reason);
        }
    }
    CompiledProfile {
        name: Arc::from(p.name.as_str()),
        profile: with_profile_zone(p),
        mask,
        has_custom: !custom.is_empty(),
        custom,
        custom_text: [p.allow.clone(), p.deny.clone()],
        block_answer: p.block_answer.unwrap_or(config.block_answer),
    }
}
