//! Rules that do not fit the compact index: those with `$dnstype`, `$client`, `$denyallow` or
//! `$dnsrewrite`, and wildcard or regex patterns. They are few and checked one by one.

use crate::mask::ListMask;
use crate::name::is_within;
use crate::rule::{ClientFilter, Modifiers, Pattern, RewriteModifier, Rule, TypeFilter};
use crate::source::ListId;
use crate::verdict::{Action, Match, Query, Tier, Verdict};
use crate::wildcard::Wildcard;

/// What every complex rule carries besides its pattern.
#[derive(Debug)]
pub(crate) struct RuleBody {
    list: ListId,
    line: u32,
    exception: bool,
    important: bool,
    dnstype: Option<TypeFilter>,
    client: Option<ClientFilter>,
    denyallow: Box<[String]>,
    rewrite: Option<RewriteModifier>,
    /// Lists holding a `$badfilter` for this rule: it is off while any of them is active.
    pub disabled_by: Box<[ListId]>,
}

impl RuleBody {
    pub fn new(modifiers: Modifiers, exception: bool, list: ListId, line: u32) -> Self {
        RuleBody {
            list,
            line,
            exception,
            important: modifiers.important,
            dnstype: modifiers.dnstype,
            client: modifiers.client,
            denyallow: modifiers.denyallow.into_boxed_slice(),
            rewrite: modifiers.dnsrewrite,
            disabled_by: Box::default(),
        }
    }

    /// Whether the rule is on for this query, its pattern aside.
    fn applies(&self, q: &Query, name: &str, active: &ListMask) -> bool {
        active.contains(self.list)
            && !active.contains_any(&self.disabled_by)
            && self.dnstype.as_ref().is_none_or(|t| t.accepts(q.qtype))
            && self
                .client
                .as_ref()
                .is_none_or(|c| c.accepts(q.client_ip, q.client_name))
            && !self.denyallow.iter().any(|d| is_within(name, d))
    }

    /// Hands the rule's effect to the verdict.
    fn offer(&self, v: &mut Verdict) {
        let m = |action| Match {
            list: self.list,
            line: self.line,
            action,
            important: self.important,
        };
        match (&self.rewrite, self.exception) {
            (Some(which), true) => v.except_rewrite(which),
            (Some(RewriteModifier::Value(r)), false) if self.important => {
                v.offer(Tier::Important, || m(Action::Rewrite(r.clone())))
            }
            (Some(RewriteModifier::Value(r)), false) => {
                v.offer_rewrite(|| m(Action::Rewrite(r.clone())))
            }
            (_, exception) => {
                let action = if exception {
                    Action::Allow
                } else {
                    Action::Block
                };
                v.offer(Tier::of(exception, self.important), || m(action))
            }
        }
    }
}

/// How a keyed rule matches, beyond the domain it is filed under.
#[derive(Debug)]
enum KeyedMatch {
    /// The domain itself, and its subdomains when `subdomains`.
    Domain { subdomains: bool },
    /// A wildcard tested against the full name.
    Wildcard(Wildcard),
}

/// A complex rule filed in the compact index under a domain, which points here.
#[derive(Debug)]
pub(crate) struct KeyedRule {
    pub body: RuleBody,
    matcher: KeyedMatch,
}

impl KeyedRule {
    /// The keyed form of a domain or wildcard rule; `None` for other patterns.
    pub fn new(rule: Rule, list: ListId, line: u32) -> Option<Self> {
        let matcher = match rule.pattern {
            Pattern::Domain { subdomains, .. } => KeyedMatch::Domain { subdomains },
            Pattern::Wildcard(w) => KeyedMatch::Wildcard(w),
            Pattern::Hosts(_) | Pattern::Regex(_) => return None,
        };
        Some(KeyedRule {
            body: RuleBody::new(rule.modifiers, rule.exception, list, line),
            matcher,
        })
    }

    /// Offers the rule when it applies to the query name `full`; `exact` says the probed
    /// domain is `full` itself.
    pub fn check(&self, q: &Query, full: &str, exact: bool, active: &ListMask, v: &mut Verdict) {
        let hit = match &self.matcher {
            KeyedMatch::Domain { subdomains } => exact || *subdomains,
            KeyedMatch::Wildcard(w) => w.matches(full),
        };
        if hit && self.body.applies(q, full, active) {
            self.body.offer(v);
        }
    }
}

/// How a pattern rule matches names.
#[derive(Debug)]
enum Matcher {
    Wildcard(Wildcard),
    Regex(regex::Regex),
}

/// A wildcard or regex rule, checked against every query.
#[derive(Debug)]
struct PatternRule {
    matcher: Matcher,
    body: RuleBody,
}

/// All wildcard and regex rules of all lists.
#[derive(Debug, Default)]
pub(crate) struct PatternSet {
    rules: Vec<PatternRule>,
}

impl PatternSet {
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn check(&self, q: &Query, name: &str, active: &ListMask, v: &mut Verdict) {
        for r in &self.rules {
            if v.decided() {
                return;
            }
            let hit = match &r.matcher {
                Matcher::Wildcard(w) => w.matches(name),
                Matcher::Regex(re) => re.is_match(name),
            };
            if hit && r.body.applies(q, name, active) {
                r.body.offer(v);
            }
        }
    }
}

/// Collects rules with a `$badfilter` and the rules they may disable, then links them.
#[derive(Debug)]
pub(crate) struct Badfilters<T> {
    rules: Vec<(T, String)>,
    filters: Vec<(String, ListId)>,
}

impl<T> Default for Badfilters<T> {
    fn default() -> Self {
        Badfilters {
            rules: Vec::new(),
            filters: Vec::new(),
        }
    }
}

impl<T> Badfilters<T> {
    /// Adds a rule (`key` is its normalised text) or, with `badfilter`, a filter for that text.
    pub fn push(&mut self, item: T, key: String, list: ListId, badfilter: bool) {
        if badfilter {
            self.filters.push((key, list));
        } else {
            self.rules.push((item, key));
        }
    }

    /// The rules, each with the lists whose badfilters name it.
    pub fn resolve(self) -> impl Iterator<Item = (T, Box<[ListId]>)> {
        let filters = self.filters;
        self.rules.into_iter().map(move |(item, key)| {
            let lists: Box<[ListId]> = filters
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, l)| *l)
                .collect();
            (item, lists)
        })
    }
}

/// Builds a [`PatternSet`] from wildcard and regex rules.
#[derive(Debug, Default)]
pub(crate) struct PatternBuilder {
    rules: Badfilters<PatternRule>,
}

impl PatternBuilder {
    /// Adds a rule whose pattern is a wildcard or a regex (other patterns are ignored), to be
    /// tested against every query.
    pub fn push(&mut self, rule: Rule, list: ListId, line: u32) {
        let key = rule.to_string();
        let badfilter = rule.modifiers.badfilter;
        let matcher = match rule.pattern {
            Pattern::Wildcard(w) => Matcher::Wildcard(w),
            Pattern::Regex(r) => Matcher::Regex(r),
            Pattern::Hosts(_) | Pattern::Domain { .. } => return,
        };
        let body = RuleBody::new(rule.modifiers, rule.exception, list, line);
        self.rules
            .push(PatternRule { matcher, body }, key, list, badfilter);
    }

    pub fn finish(self) -> PatternSet {
        let rules = self
            .rules
            .resolve()
            .map(|(mut r, lists)| {
                r.body.disabled_by = lists;
                r
            })
            .collect();
        PatternSet { rules }
    }
}
