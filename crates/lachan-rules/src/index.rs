//! [`RuleIndex`]: all lists compiled into one matcher, rebuilt in place shard by shard.

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;
use foldhash::fast::RandomState;

use crate::complex::PatternSet;
use crate::mask::ListMask;
use crate::pass::Pass;
use crate::shard::{Probe, SHARDS, Shard, name_hash, shard_of};
use crate::source::{ListInput, ListReport};
use crate::verdict::{Match, Query, Verdict};

/// How many suffixes of a query name are looked up together (names with more labels take
/// several rounds).
const BATCH: usize = 8;

/// What queries read: all shards and the pattern rules, replaced as a whole but sharing the
/// shards that did not change.
#[derive(Debug, Clone)]
struct Snapshot {
    shards: [Arc<Shard>; SHARDS],
    patterns: Arc<PatternSet>,
}

impl Snapshot {
    #[inline]
    fn shard(&self, hash: u64) -> &Shard {
        &self.shards[shard_of(hash)]
    }
}

/// The compiled rules of all lists.
///
/// Domain rules (nearly all rules of real lists) and most wildcard rules sit in a compact hash
/// index split into shards; regex rules and wildcards that any name may match sit in a small
/// side table tested against every query. [`RuleIndex::check`] does one hash probe per parent
/// name and never allocates. [`RuleIndex::rebuild`] replaces one shard at a time while queries
/// go on, so memory peaks at about the steady size plus one shard.
pub struct RuleIndex {
    hasher: RandomState,
    snapshot: ArcSwap<Snapshot>,
    rebuilding: Mutex<()>,
}

impl Default for RuleIndex {
    fn default() -> Self {
        RuleIndex {
            hasher: RandomState::default(),
            snapshot: ArcSwap::from_pointee(Snapshot {
                shards: std::array::from_fn(|_| Arc::new(Shard::default())),
                patterns: Arc::new(PatternSet::default()),
            }),
            rebuilding: Mutex::new(()),
        }
    }
}

impl std::fmt::Debug for RuleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleIndex")
            .field("rules", &self.len())
            .finish_non_exhaustive()
    }
}

impl RuleIndex {
    /// An index with no rules.
    pub fn new() -> Self {
        RuleIndex::default()
    }

    /// Reads and compiles `inputs` in one pass over each source, with one report per input (in
    /// the same order).
    pub fn build(inputs: &[ListInput]) -> (RuleIndex, Vec<ListReport>) {
        let index = RuleIndex::new();
        let total = total_size(inputs);
        let mut pass = Pass::new(&index.hasher, inputs, true);
        for shard in 0..SHARDS {
            pass.target(shard, total / SHARDS as u64);
        }
        let mut out = pass.run();
        for (shard, builder) in out.shards.drain(..) {
            index.replace_shard(shard, builder.finish(&index.hasher));
        }
        index.replace_patterns(out.patterns.finish());
        (index, out.reports)
    }

    /// Replaces all rules with those of `inputs` while queries keep running on other threads.
    ///
    /// Sources are read once per shard, and each pass keeps only one shard's names, so memory
    /// peaks at about the steady size plus one shard (1/16). While a rebuild runs, some shards
    /// answer from the old lists and some from the new. Concurrent rebuilds run one after the
    /// other. Returns one report per input, in the same order.
    pub fn rebuild(&self, inputs: &[ListInput]) -> Vec<ListReport> {
        let _only_one = self
            .rebuilding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let per_shard = total_size(inputs) / SHARDS as u64;
        let mut reports = Vec::new();
        for shard in 0..SHARDS {
            let first = shard == 0;
            let mut pass = Pass::new(&self.hasher, inputs, first);
            pass.target(shard, per_shard);
            let mut out = pass.run();
            for (shard, builder) in out.shards.drain(..) {
                self.replace_shard(shard, builder.finish(&self.hasher));
            }
            if first {
                self.replace_patterns(out.patterns.finish());
                reports = out.reports;
            } else {
                // A source that failed only in a later pass (for instance a file removed while
                // rebuilding) left its shard incomplete: say so.
                for (report, io_error) in reports.iter_mut().zip(out.io_errors) {
                    if report.io_error.is_none() {
                        report.io_error = io_error;
                    }
                }
            }
        }
        reports
    }

    /// Publishes a new shard; the old one is freed when the last query using it ends. Callers
    /// hold `rebuilding` or own the index, so no other writer races this load-then-store.
    fn replace_shard(&self, shard: usize, new: Shard) {
        let mut snapshot = Snapshot::clone(&self.snapshot.load());
        snapshot.shards[shard] = Arc::new(new);
        self.snapshot.store(Arc::new(snapshot));
    }

    fn replace_patterns(&self, new: PatternSet) {
        let mut snapshot = Snapshot::clone(&self.snapshot.load());
        snapshot.patterns = Arc::new(new);
        self.snapshot.store(Arc::new(snapshot));
    }

    /// Decides `q` with the rules of the lists in `active`: the winning rule, or `None` when no
    /// rule matches. Looks at the name and each parent domain; never allocates.
    pub fn check(&self, q: &Query, active: &ListMask) -> Option<Match> {
        let mut buf = [0u8; MAX_QUERY_LEN];
        let name = query_name(q.name, &mut buf)?;
        let snap = self.snapshot.load();
        let mut v = Verdict::default();
        let mut next = Some(0);
        // Each round looks up to BATCH suffixes; offsets only grow, so this ends.
        while let Some(first) = next {
            let mut batch = [Probe::default(); BATCH];
            let mut n = 0;
            let mut at = Some(first);
            while let Some(offset) = at.filter(|_| n < BATCH) {
                let suffix = &name[offset..];
                batch[n] = Probe::new(name_hash(&self.hasher, suffix.as_bytes()), offset);
                n += 1;
                at = memchr::memchr(b'.', suffix.as_bytes()).map(|i| offset + i + 1);
            }
            next = at;
            let batch = &mut batch[..n];
            for p in batch.iter_mut() {
                snap.shard(p.hash).locate(p);
            }
            for p in batch.iter_mut() {
                snap.shard(p.hash).filter(p);
            }
            for p in batch.iter().filter(|p| p.candidate) {
                let suffix = &name[p.offset..];
                snap.shard(p.hash)
                    .offer(p, suffix, p.offset == 0, q, name, active, &mut v);
                if v.decided() {
                    return v.finish();
                }
            }
        }
        snap.patterns.check(q, name, active, &mut v);
        v.finish()
    }

    /// Rules held (after dropping rules repeated within one list).
    pub fn len(&self) -> usize {
        let snap = self.snapshot.load();
        snap.shards.iter().map(|s| s.len()).sum::<usize>() + snap.patterns.len()
    }

    /// Whether no rule is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn total_size(inputs: &[ListInput]) -> u64 {
    inputs.iter().map(|i| i.source.size_hint()).sum()
}

/// The longest query name in presentation form: a 255-byte wire name whose every byte is
/// written as a `\DDD` escape (four labels of 63, 63, 63 and 61 bytes, three dots). Names from
/// the resolver can be longer than `MAX_NAME_LEN` (253) once escaped; cutting them off there
/// would let a name under a blocked domain skip every rule.
const MAX_QUERY_LEN: usize = 4 * 250 + 3;

/// The query name without trailing dot, lowercased into `buf` when it has capitals; `None`
/// for the root or a name longer than any DNS name can be.
fn query_name<'a>(name: &'a str, buf: &'a mut [u8; MAX_QUERY_LEN]) -> Option<&'a str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > MAX_QUERY_LEN {
        return None;
    }
    if !name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some(name);
    }
    let out = &mut buf[..name.len()];
    out.copy_from_slice(name.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}
