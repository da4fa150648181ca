//! One shard of the compact domain index.
//!
//! Names live once each in a byte arena (a length byte, then the name). Each rule is a 12-byte
//! [`Entry`]: arena offset, line, list id, and 16 bits of flags and hash fingerprint. Entries are
//! grouped by hash bucket; a directory of `u32` bucket starts (about one per four entries) finds
//! a bucket with one read. There is no per-rule heap allocation.

use std::hash::BuildHasher;

use foldhash::fast::RandomState;

use crate::complex::{Badfilters, KeyedRule};
use crate::mask::ListMask;
use crate::rule::Rule;
use crate::source::ListId;
use crate::verdict::{Action, Match, Query, Tier, Verdict};

/// log2 of the number of shards.
pub(crate) const SHARD_BITS: u32 = 4;
/// Number of shards; a rebuild replaces one at a time.
pub(crate) const SHARDS: usize = 1 << SHARD_BITS;

const FP_BITS: u32 = 11;
const FP_MASK: u16 = (1 << FP_BITS) - 1;
/// The rule also matches subdomains.
pub(crate) const SUBTREE: u16 = 1 << 15;
/// `@@` exception.
pub(crate) const EXCEPTION: u16 = 1 << 14;
/// `$important`.
pub(crate) const IMPORTANT: u16 = 1 << 13;
/// `$badfilter`: disables entries with the same name and the three bits above.
pub(crate) const BADFILTER: u16 = 1 << 12;
/// A complex rule; `line` is its index in [`Shard::keyed`].
const COMPLEX: u16 = 1 << 11;

/// Hash of a normalised name, shared by building and probing.
#[inline]
pub(crate) fn name_hash(hasher: &RandomState, name: &[u8]) -> u64 {
    hasher.hash_one(name)
}

/// The shard a name hash belongs to (its top bits).
#[inline]
pub(crate) fn shard_of(hash: u64) -> usize {
    (hash >> (64 - SHARD_BITS)) as usize
}

#[inline]
fn fingerprint(hash: u64) -> u16 {
    hash as u16 & FP_MASK
}

/// Bucket of a hash: the bits right below the shard bits.
#[inline]
fn bucket_of(hash: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        ((hash << SHARD_BITS) >> (64 - bits)) as usize
    }
}

/// log2 of the bucket count for `n` entries: two to four entries per bucket.
fn bucket_bits(n: usize) -> u32 {
    if n < 8 {
        0
    } else {
        n.next_power_of_two()
            .trailing_zeros()
            .saturating_sub(2)
            .min(40)
    }
}

/// Which of the 8 (subtree, exception, important) combinations an entry has.
#[inline]
fn kind(meta: u16) -> u8 {
    (meta >> 13) as u8
}

/// One rule in the compact index.
#[derive(Debug, Clone, Copy)]
struct Entry {
    name: u32,
    line: u32,
    list: ListId,
    meta: u16,
}

fn name_at(arena: &[u8], offset: u32) -> &[u8] {
    let start = offset as usize;
    let len = arena.get(start).copied().unwrap_or(0) as usize;
    arena.get(start + 1..start + 1 + len).unwrap_or(&[])
}

/// An immutable shard, shared by queries through an `ArcSwap`.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    bits: u32,
    dir: Box<[u32]>,
    entries: Box<[Entry]>,
    arena: Box<[u8]>,
    keyed: Box<[KeyedRule]>,
    has_badfilter: bool,
}

impl Shard {
    /// Rules held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Step 1 of a lookup: finds the bucket of `p` (one directory read).
    #[inline]
    pub fn locate(&self, p: &mut Probe) {
        let b = bucket_of(p.hash, self.bits);
        if let (Some(&start), Some(&end)) = (self.dir.get(b), self.dir.get(b + 1)) {
            (p.start, p.end) = (start, end);
        }
    }

    /// Step 2: whether any entry of the bucket has the fingerprint of `p` (one read of the
    /// bucket's entries, usually one cache line).
    #[inline]
    pub fn filter(&self, p: &mut Probe) {
        let fp = fingerprint(p.hash);
        p.candidate = self.bucket(p).iter().any(|e| e.meta & FP_MASK == fp);
    }

    fn bucket(&self, p: &Probe) -> &[Entry] {
        self.entries
            .get(p.start as usize..p.end as usize)
            .unwrap_or(&[])
    }

    /// Step 3: offers every rule for `name` (the suffix of the query name `full` that `p`
    /// looks up) to `v`. `exact` says `name` is `full` itself.
    #[allow(clippy::too_many_arguments)]
    pub fn offer(
        &self,
        p: &Probe,
        name: &str,
        exact: bool,
        q: &Query,
        full: &str,
        active: &ListMask,
        v: &mut Verdict,
    ) {
        let bucket = self.bucket(p);
        let fp = fingerprint(p.hash);
        let same_name =
            |e: &Entry| e.meta & FP_MASK == fp && name_at(&self.arena, e.name) == name.as_bytes();
        let mut disabled = 0u8;
        if self.has_badfilter {
            for e in bucket {
                if e.meta & BADFILTER != 0 && active.contains(e.list) && same_name(e) {
                    disabled |= 1 << kind(e.meta);
                }
            }
        }
        for e in bucket {
            if e.meta & (FP_MASK | BADFILTER) != fp || !active.contains(e.list) || !same_name(e) {
                continue;
            }
            if e.meta & COMPLEX != 0 {
                if let Some(rule) = self.keyed.get(e.line as usize) {
                    rule.check(q, full, exact, active, v);
                }
                continue;
            }
            if (!exact && e.meta & SUBTREE == 0) || disabled & (1 << kind(e.meta)) != 0 {
                continue;
            }
            let exception = e.meta & EXCEPTION != 0;
            let important = e.meta & IMPORTANT != 0;
            v.offer(Tier::of(exception, important), || Match {
                list: e.list,
                line: e.line,
                action: if exception {
                    Action::Allow
                } else {
                    Action::Block
                },
                important,
            });
        }
    }
}

/// The lookup of one suffix of a query name. A query runs each step for all its suffixes
/// before the next step, so that their memory reads overlap instead of waiting one by one.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Probe {
    /// Hash of the suffix.
    pub hash: u64,
    /// Byte offset of the suffix in the query name.
    pub offset: usize,
    start: u32,
    end: u32,
    /// Some entry has the suffix's fingerprint.
    pub candidate: bool,
}

impl Probe {
    pub fn new(hash: u64, offset: usize) -> Self {
        Probe {
            hash,
            offset,
            ..Probe::default()
        }
    }
}

/// The index ran out of 32-bit offsets (over 4 GiB of names in one shard).
#[derive(Debug)]
pub(crate) struct ShardFull;

/// Collects one shard's rules, then sorts them into a [`Shard`].
#[derive(Debug, Default)]
pub(crate) struct ShardBuilder {
    entries: Vec<Entry>,
    arena: Vec<u8>,
    keyed: Badfilters<KeyedRule>,
    keyed_count: u32,
}

impl ShardBuilder {
    /// A builder with room for about `entries` rules and `arena` bytes of names.
    pub fn with_capacity(entries: usize, arena: usize) -> Self {
        ShardBuilder {
            entries: Vec::with_capacity(entries),
            arena: Vec::with_capacity(arena),
            ..ShardBuilder::default()
        }
    }

    fn push_name(&mut self, name: &str) -> Result<u32, ShardFull> {
        let offset = u32::try_from(self.arena.len()).map_err(|_| ShardFull)?;
        let len = u8::try_from(name.len()).map_err(|_| ShardFull)?;
        if u32::try_from(self.arena.len() + 1 + name.len()).is_err()
            || self.entries.len() >= u32::MAX as usize
        {
            return Err(ShardFull);
        }
        self.arena.push(len);
        self.arena.extend_from_slice(name.as_bytes());
        Ok(offset)
    }

    /// Adds a rule for the normalised `name`, whose hash is `hash`; `flags` is a combination of
    /// [`SUBTREE`], [`EXCEPTION`], [`IMPORTANT`] and [`BADFILTER`].
    pub fn push_simple(
        &mut self,
        hash: u64,
        name: &str,
        list: ListId,
        line: u32,
        flags: u16,
    ) -> Result<(), ShardFull> {
        let name = self.push_name(name)?;
        self.entries.push(Entry {
            name,
            line,
            list,
            meta: flags | fingerprint(hash),
        });
        Ok(())
    }

    /// Adds a complex rule filed under the normalised domain `key` (its [`Rule::index_key`]),
    /// whose hash is `hash`.
    pub fn push_keyed(
        &mut self,
        hash: u64,
        key: &str,
        rule: Rule,
        list: ListId,
        line: u32,
    ) -> Result<(), ShardFull> {
        let text = rule.to_string();
        let badfilter = rule.modifiers.badfilter;
        let Some(keyed) = KeyedRule::new(rule, list, line) else {
            return Ok(());
        };
        if !badfilter {
            let offset = self.push_name(key)?;
            self.entries.push(Entry {
                name: offset,
                line: self.keyed_count,
                list,
                meta: COMPLEX | fingerprint(hash),
            });
            self.keyed_count += 1;
        }
        self.keyed.push(keyed, text, list, badfilter);
        Ok(())
    }

    /// Sorts the entries into buckets, drops repeated rules, stores each name once.
    pub fn finish(mut self, hasher: &RandomState) -> Shard {
        let bits = bucket_bits(self.entries.len());
        let buckets = 1usize << bits;
        let arena = &self.arena;
        let bucket = |e: &Entry| bucket_of(name_hash(hasher, name_at(arena, e.name)), bits);

        // Each entry's bucket, hashed once (a temporary 4 bytes per entry of this shard).
        let mut of: Vec<u32> = self.entries.iter().map(|e| bucket(e) as u32).collect();
        let mut dir = vec![0u32; buckets + 1];
        for &b in &of {
            dir[b as usize + 1] += 1;
        }
        for i in 1..=buckets {
            dir[i] += dir[i - 1];
        }
        // In-place distribution: each swap puts one entry into its bucket for good.
        let mut next: Vec<u32> = dir[..buckets].to_vec();
        for b in 0..buckets {
            while next[b] < dir[b + 1] {
                let i = next[b] as usize;
                let target = of[i] as usize;
                if target == b {
                    next[b] += 1;
                } else {
                    let j = next[target] as usize;
                    self.entries.swap(i, j);
                    of.swap(i, j);
                    next[target] += 1;
                }
            }
        }
        drop(next);
        drop(of);

        let shared = dedup_buckets(&mut self.entries, &mut dir, &self.arena);
        let arena = if shared > 0 {
            compact_arena(
                &mut self.entries,
                &dir,
                &self.arena,
                self.arena.len() - shared,
            )
        } else {
            self.arena
        };
        let keyed: Box<[KeyedRule]> = self
            .keyed
            .resolve()
            .map(|(mut rule, lists)| {
                rule.body.disabled_by = lists;
                rule
            })
            .collect();
        let has_badfilter = self.entries.iter().any(|e| e.meta & BADFILTER != 0);
        Shard {
            bits,
            dir: dir.into_boxed_slice(),
            entries: self.entries.into_boxed_slice(),
            arena: arena.into_boxed_slice(),
            keyed,
            has_badfilter,
        }
    }
}

/// Within each bucket, drops entries repeating an earlier one (same name, list and flags) and
/// points entries with an earlier entry's name at that copy. Rewrites `dir` for the kept
/// entries and returns the arena bytes no longer referenced.
fn dedup_buckets(entries: &mut Vec<Entry>, dir: &mut [u32], arena: &[u8]) -> usize {
    let buckets = dir.len() - 1;
    let mut write = 0usize;
    let mut read = 0usize;
    let mut freed = 0usize;
    for b in 0..buckets {
        let end = dir[b + 1] as usize;
        let start = write;
        dir[b] = start as u32;
        for i in read..end {
            let mut e = entries[i];
            let name = name_at(arena, e.name);
            let mut keep = true;
            let mut shared_with = None;
            for k in &entries[start..write] {
                if k.meta & FP_MASK != e.meta & FP_MASK || name_at(arena, k.name) != name {
                    continue;
                }
                shared_with.get_or_insert(k.name);
                if k.list == e.list && k.meta == e.meta && e.meta & COMPLEX == 0 {
                    keep = false;
                }
            }
            match (keep, shared_with) {
                (false, _) => freed += 1 + name.len(),
                (true, Some(offset)) => {
                    e.name = offset;
                    freed += 1 + name.len();
                }
                (true, None) => {}
            }
            if keep {
                entries[write] = e;
                write += 1;
            }
        }
        read = end;
    }
    dir[buckets] = write as u32;
    entries.truncate(write);
    freed
}

/// Copies each referenced name once into a new arena of `size` bytes and updates the offsets.
/// Entries sharing a name are in the same bucket and point at the same old offset.
fn compact_arena(entries: &mut [Entry], dir: &[u32], old: &[u8], size: usize) -> Vec<u8> {
    let mut arena = Vec::with_capacity(size);
    let mut olds: Vec<u32> = Vec::new();
    for w in dir.windows(2) {
        let bucket = &mut entries[w[0] as usize..w[1] as usize];
        olds.clear();
        olds.extend(bucket.iter().map(|e| e.name));
        for i in 0..bucket.len() {
            match olds[..i].iter().position(|&o| o == olds[i]) {
                Some(j) => bucket[i].name = bucket[j].name,
                None => {
                    let name = name_at(old, olds[i]);
                    // The new arena is never larger than the old one, whose offsets fit in u32.
                    bucket[i].name = arena.len() as u32;
                    arena.push(name.len() as u8);
                    arena.extend_from_slice(name);
                }
            }
        }
    }
    arena
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn q(name: &str) -> Query<'_> {
        Query {
            name,
            qtype: 1,
            client_ip: Ipv4Addr::LOCALHOST.into(),
            client_name: None,
        }
    }

    fn probe_all(
        shard: &Shard,
        hasher: &RandomState,
        name: &str,
        active: &ListMask,
    ) -> Option<Match> {
        let mut v = Verdict::default();
        let mut offset = Some(0);
        while let Some(at) = offset {
            let mut p = Probe::new(name_hash(hasher, &name.as_bytes()[at..]), at);
            shard.locate(&mut p);
            shard.filter(&mut p);
            if p.candidate {
                shard.offer(&p, &name[at..], at == 0, &q(name), name, active, &mut v);
            }
            offset = name[at..].find('.').map(|i| at + i + 1);
        }
        v.finish()
    }

    #[test]
    fn builds_dedups_and_finds() {
        let hasher = RandomState::default();
        let mut b = ShardBuilder::with_capacity(16, 256);
        let names = ["a.example", "b.example", "example.org", "a.example"];
        for (i, n) in names.iter().enumerate() {
            let h = name_hash(&hasher, n.as_bytes());
            b.push_simple(h, n, 1, i as u32 + 1, 0).unwrap();
        }
        let h = name_hash(&hasher, b"example.org");
        b.push_simple(h, "example.org", 2, 7, SUBTREE).unwrap();
        let shard = b.finish(&hasher);
        // The repeated a.example of list 1 is dropped; example.org is stored once for two lists.
        assert_eq!(shard.len(), 4);
        assert_eq!(
            shard.arena.len(),
            "a.example".len() + "b.example".len() + "example.org".len() + 3
        );
        let all = ListMask::all();
        assert_eq!(
            probe_all(&shard, &hasher, "a.example", &all).unwrap().line,
            1
        );
        assert!(probe_all(&shard, &hasher, "x.a.example", &all).is_none());
        let m = probe_all(&shard, &hasher, "www.example.org", &all).unwrap();
        assert_eq!((m.list, m.line), (2, 7));
        assert!(probe_all(&shard, &hasher, "www.example.org", &ListMask::from_ids([1])).is_none());
        assert!(probe_all(&shard, &hasher, "c.example", &all).is_none());
    }

    #[test]
    fn many_entries_spread_over_buckets() {
        let hasher = RandomState::default();
        let mut b = ShardBuilder::with_capacity(0, 0);
        let names: Vec<String> = (0..5000).map(|i| format!("n{i}.example")).collect();
        for (i, n) in names.iter().enumerate() {
            b.push_simple(name_hash(&hasher, n.as_bytes()), n, 3, i as u32 + 1, 0)
                .unwrap();
        }
        let shard = b.finish(&hasher);
        assert_eq!(shard.len(), 5000);
        assert!(shard.bits >= 10);
        for (i, n) in names.iter().enumerate() {
            assert_eq!(
                probe_all(&shard, &hasher, n, &ListMask::all())
                    .unwrap()
                    .line,
                i as u32 + 1
            );
        }
    }
}
