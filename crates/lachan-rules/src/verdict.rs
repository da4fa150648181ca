//! Queries, match results, and the precedence that picks one result among the rules that match.
//!
//! Precedence (AdGuard's): `@@...$important` > `$important` block or rewrite > `@@` exception >
//! `$dnsrewrite` > block. Within one level the first rule found wins; rules of the query name
//! itself are looked at before rules of its parent domains.

use std::net::IpAddr;

use crate::rule::{Rewrite, RewriteModifier};
use crate::source::ListId;

/// One DNS question to decide.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The name asked for: lowercase, without the trailing dot (a trailing dot and uppercase
    /// letters are tolerated, at a small cost).
    pub name: &'a str,
    /// Query type (1 = A, 28 = AAAA, 65 = HTTPS, ...).
    pub qtype: u16,
    /// The client's address, for `$client`.
    pub client_ip: IpAddr,
    /// The client's configured name, for `$client`.
    pub client_name: Option<&'a str>,
}

/// What to do with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Block it (the resolver answers with the profile's block answer).
    Block,
    /// An exception matched: do not block it.
    Allow,
    /// Answer it locally with this.
    Rewrite(Rewrite),
}

/// The rule that decided a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The rule's list.
    pub list: ListId,
    /// The rule's 1-based line in that list.
    pub line: u32,
    /// What the rule says.
    pub action: Action,
    /// The rule has `$important`.
    pub important: bool,
}

/// Precedence levels, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    ImportantAllow,
    Important,
    Allow,
    Rewrite,
    Block,
}

impl Tier {
    /// The level of a block or allow rule.
    pub fn of(exception: bool, important: bool) -> Tier {
        match (exception, important) {
            (true, true) => Tier::ImportantAllow,
            (false, true) => Tier::Important,
            (true, false) => Tier::Allow,
            (false, false) => Tier::Block,
        }
    }
}

/// How many non-important rewrites, and how many value-specific rewrite exceptions, one query
/// keeps track of. More than this many matching one name is not a realistic list; extra
/// rewrites are ignored and extra exceptions disable every rewrite.
const REWRITE_SLOTS: usize = 4;

/// Collects the rules that match one query and picks the winner. Never allocates.
#[derive(Default)]
pub(crate) struct Verdict {
    best: Option<(Tier, Match)>,
    rewrites: [Option<Match>; REWRITE_SLOTS],
    excepted: [Option<Rewrite>; REWRITE_SLOTS],
    except_all_rewrites: bool,
}

impl Verdict {
    /// Whether a rule of level `tier` would change the result; lets callers skip building a
    /// [`Match`].
    #[inline]
    pub fn wants(&self, tier: Tier) -> bool {
        self.best.as_ref().is_none_or(|(t, _)| tier < *t)
    }

    /// Offers a matching block, allow or important rule.
    #[inline]
    pub fn offer(&mut self, tier: Tier, m: impl FnOnce() -> Match) {
        if self.wants(tier) {
            self.best = Some((tier, m()));
        }
    }

    /// Offers a matching non-important `$dnsrewrite` rule.
    pub fn offer_rewrite(&mut self, m: impl FnOnce() -> Match) {
        if !self.wants(Tier::Rewrite) {
            return;
        }
        if let Some(slot) = self.rewrites.iter_mut().find(|s| s.is_none()) {
            *slot = Some(m());
        }
    }

    /// Records a matching `@@...$dnsrewrite` exception.
    pub fn except_rewrite(&mut self, which: &RewriteModifier) {
        match which {
            RewriteModifier::Any => self.except_all_rewrites = true,
            RewriteModifier::Value(r) => match self.excepted.iter_mut().find(|s| s.is_none()) {
                Some(slot) => *slot = Some(r.clone()),
                None => self.except_all_rewrites = true,
            },
        }
    }

    /// True once nothing can beat the current result.
    #[inline]
    pub fn decided(&self) -> bool {
        matches!(self.best, Some((Tier::ImportantAllow, _)))
    }

    /// The winning rule, if any matched.
    pub fn finish(self) -> Option<Match> {
        if matches!(self.best, Some((tier, _)) if tier < Tier::Rewrite) {
            return self.best.map(|(_, m)| m);
        }
        let excepted = self.excepted;
        let all = self.except_all_rewrites;
        let rewrite = self
            .rewrites
            .into_iter()
            .flatten()
            .find(|m| match &m.action {
                Action::Rewrite(r) => !all && !excepted.iter().flatten().any(|e| e == r),
                _ => false,
            });
        rewrite.or(self.best.map(|(_, m)| m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(line: u32, action: Action) -> Match {
        Match {
            list: 1,
            line,
            action,
            important: false,
        }
    }

    #[test]
    fn best_tier_wins_and_first_found_wins_ties() {
        let mut v = Verdict::default();
        v.offer(Tier::Block, || m(1, Action::Block));
        v.offer(Tier::Block, || m(2, Action::Block));
        assert_eq!(v.finish().unwrap().line, 1);

        let mut v = Verdict::default();
        v.offer(Tier::Block, || m(1, Action::Block));
        v.offer(Tier::Allow, || m(2, Action::Allow));
        v.offer(Tier::Important, || m(3, Action::Block));
        assert_eq!(v.finish().unwrap().line, 3);
    }

    #[test]
    fn rewrites_sit_between_allow_and_block() {
        let a = Rewrite::A("1.2.3.4".parse().unwrap());
        let mut v = Verdict::default();
        v.offer(Tier::Block, || m(1, Action::Block));
        v.offer_rewrite(|| m(2, Action::Rewrite(a.clone())));
        assert_eq!(v.finish().unwrap().line, 2);

        let mut v = Verdict::default();
        v.offer_rewrite(|| m(2, Action::Rewrite(a.clone())));
        v.offer(Tier::Allow, || m(3, Action::Allow));
        assert_eq!(v.finish().unwrap().line, 3);
    }

    #[test]
    fn rewrite_exceptions_disable_matching_rewrites_only() {
        let a = Rewrite::A("1.2.3.4".parse().unwrap());
        let b = Rewrite::NxDomain;
        let mut v = Verdict::default();
        v.offer(Tier::Block, || m(1, Action::Block));
        v.offer_rewrite(|| m(2, Action::Rewrite(a.clone())));
        v.offer_rewrite(|| m(3, Action::Rewrite(b.clone())));
        v.except_rewrite(&RewriteModifier::Value(a.clone()));
        assert_eq!(v.finish().unwrap().line, 3);

        let mut v = Verdict::default();
        v.offer(Tier::Block, || m(1, Action::Block));
        v.offer_rewrite(|| m(2, Action::Rewrite(a)));
        v.except_rewrite(&RewriteModifier::Any);
        assert_eq!(v.finish().unwrap().line, 1);
    }
}
