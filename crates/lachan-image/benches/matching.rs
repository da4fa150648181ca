//! Hash matching speed: one upload (8 needles, one per transform) against a bank of random PDQ
//! hashes.
//!
//! `cargo bench -p lachan-image --bench matching` runs criterion on banks of up to a million
//! hashes (elements/s = stored hashes scanned per second).
//!
//! `cargo bench -p lachan-image --bench matching -- --figures DIR [--hashes N] [--queries Q]`
//! is the Rust half of `bench/image_match/run.sh`: it writes N seeded random hashes to
//! `DIR/hashes.bin` (32 bytes each, hex order) and Q queries to `DIR/queries.bin` (8 needles of
//! 32 bytes, each 0 to 31 bits from a planted stored hash whose position is in
//! `DIR/planted.bin`, u32 little-endian), so FAISS reads the very same data; then it times
//! [`HashIndex`] and, for the record, the multi-index it was measured against, and prints one
//! JSON object per method.

use std::io::Write;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use lachan_image::index::{HashIndex, available_threads};
use lachan_image::{Hash256, MATCH_DISTANCE, Transform};

/// SplitMix64, seeded: the same hashes on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn hash(&mut self) -> Hash256 {
        Hash256([self.next(), self.next(), self.next(), self.next()])
    }

    /// `hash` with `count` distinct random bits flipped.
    fn flip(&mut self, hash: Hash256, count: usize) -> Hash256 {
        let mut bits: Vec<usize> = (0..256).collect();
        let mut out = hash;
        for k in 0..count {
            let pick = k + self.below(256 - k);
            bits.swap(k, pick);
            out.0[bits[k] / 64] ^= 1 << (bits[k] % 64);
        }
        out
    }
}

/// The hashes of the bank: position `i` is the `i`-th hash drawn from seed 1.
fn bank(n: usize) -> HashIndex {
    let mut rng = Rng(1);
    let mut index = HashIndex::with_capacity(n);
    for entry in 0..n as u32 {
        index.push(rng.hash(), entry);
    }
    index
}

/// An upload: 8 needles, 0 to 31 bits away from random stored hashes (regenerated from seed 1).
fn upload(n: usize) -> Vec<(Transform, Hash256)> {
    let mut rng = Rng(1);
    let stored: Vec<Hash256> = (0..n).map(|_| rng.hash()).collect();
    let mut pick = Rng(2);
    Transform::ALL
        .iter()
        .map(|&t| {
            let (at, bits) = (pick.below(n), pick.below(32));
            (t, pick.flip(stored[at], bits))
        })
        .collect()
}

fn criterion_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("match one upload (8 transforms)");
    group.sample_size(20).warm_up_time(Duration::from_secs(1));
    for n in [10_000, 100_000, 1_000_000] {
        let (index, needles) = (bank(n), upload(n));
        assert!(index.search(&needles, MATCH_DISTANCE).len() >= 8);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("flat, 1 thread", n), &n, |b, _| {
            b.iter(|| index.search(&needles, MATCH_DISTANCE))
        });
        if n == 1_000_000 {
            let threads = available_threads();
            let name = format!("flat, {threads} threads");
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| index.search_parallel(&needles, MATCH_DISTANCE, threads))
            });
        }
    }
    group.finish();
}

/// The multi-index that [`HashIndex`] was measured against (kept here, not in the crate, since
/// it lost): 16 tables, one per 16-bit substring; a hash within 31 bits of a needle agrees with
/// it on some substring to within 1 bit (pigeonhole), so each query probes every substring's
/// value and its 16 one-bit neighbours and confirms each candidate on all 256 bits.
struct MultiIndex {
    hashes: Vec<[u64; 4]>,
    /// `starts[t][v]..starts[t][v + 1]` is the range of `ids[t]` with substring `t` equal to `v`.
    starts: Vec<Vec<u32>>,
    ids: Vec<Vec<u32>>,
}

fn substring(hash: &[u64; 4], t: usize) -> usize {
    (hash[t / 4] >> (t % 4 * 16) & 0xffff) as usize
}

impl MultiIndex {
    fn build(hashes: Vec<[u64; 4]>) -> MultiIndex {
        let mut starts = vec![vec![0u32; 65537]; 16];
        let mut ids = vec![vec![0u32; hashes.len()]; 16];
        for t in 0..16 {
            for hash in &hashes {
                starts[t][substring(hash, t) + 1] += 1;
            }
            for v in 0..65536 {
                starts[t][v + 1] += starts[t][v];
            }
            let mut next = starts[t].clone();
            for (i, hash) in hashes.iter().enumerate() {
                let slot = &mut next[substring(hash, t)];
                ids[t][*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        MultiIndex {
            hashes,
            starts,
            ids,
        }
    }

    fn memory_bytes(&self) -> usize {
        self.hashes.len() * 32 + 16 * (65537 * 4 + self.ids[0].len() * 4)
    }

    /// Positions within `max` (≤ 31) of `needle`, unsorted, possibly repeated.
    fn search_one(&self, needle: &[u64; 4], max: u32, out: &mut Vec<u32>) {
        for t in 0..16 {
            let value = substring(needle, t);
            for probe in std::iter::once(value).chain((0..16).map(|b| value ^ 1 << b)) {
                let range = self.starts[t][probe] as usize..self.starts[t][probe + 1] as usize;
                for &id in &self.ids[t][range] {
                    if Hash256(self.hashes[id as usize]).hamming(&Hash256(*needle)) <= max {
                        out.push(id);
                    }
                }
            }
        }
    }

    fn search(&self, needles: &[[u64; 4]], threads: usize) -> Vec<u32> {
        let per = needles.len().div_ceil(threads.max(1));
        let mut out: Vec<u32> = std::thread::scope(|scope| {
            let handles: Vec<_> = needles
                .chunks(per)
                .map(|chunk| {
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        for needle in chunk {
                            self.search_one(needle, MATCH_DISTANCE, &mut out);
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("multi-index thread"))
                .collect()
        });
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Resident memory of this process, in bytes.
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// Median milliseconds of `run` over the queries, and the share of planted positions found.
fn time_queries(
    queries: &[Vec<[u64; 4]>],
    planted: &[Vec<u32>],
    run: impl Fn(&[[u64; 4]]) -> Vec<u32>,
) -> (f64, f64) {
    run(&queries[0]);
    let (mut ms, mut found) = (Vec::new(), 0usize);
    for (needles, want) in queries.iter().zip(planted) {
        let start = Instant::now();
        let got = run(needles);
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        found += want.iter().filter(|p| got.binary_search(p).is_ok()).count();
    }
    (median(ms), found as f64 / (planted.len() * 8) as f64)
}

/// One method's figures, printed as a JSON line for `peers.py`.
struct Row {
    build: f64,
    bytes_per_hash: f64,
    one: f64,
    many: f64,
    threads: usize,
    recall: f64,
}

impl Row {
    fn print(&self, method: &str) {
        println!(
            "{{\"method\":\"{method}\",\"build_s\":{:.2},\"bytes_per_hash\":{:.1},\
             \"ms_1\":{:.2},\"ms_all\":{:.2},\"threads\":{},\"recall\":{:.4}}}",
            self.build, self.bytes_per_hash, self.one, self.many, self.threads, self.recall
        );
    }
}

struct Args {
    dir: std::path::PathBuf,
    hashes: usize,
    queries: usize,
}

fn figures(args: &Args) -> std::io::Result<()> {
    let (n, threads) = (args.hashes, available_threads());
    // The planted positions and distances first, so the bank can be streamed.
    let mut pick = Rng(2);
    let planted: Vec<Vec<u32>> = (0..args.queries)
        .map(|_| (0..8).map(|_| pick.below(n) as u32).collect())
        .collect();
    let mut wanted: Vec<u32> = planted.iter().flatten().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();

    let mut rng = Rng(1);
    let all: Vec<[u64; 4]> = (0..n).map(|_| rng.hash().0).collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(args.dir.join("hashes.bin"))?);
    for hash in &all {
        file.write_all(&Hash256(*hash).to_bytes())?;
    }
    file.flush()?;
    drop(file);

    let before = resident_bytes();
    let started = Instant::now();
    let mut index = HashIndex::with_capacity(n);
    for (entry, hash) in (0..).zip(&all) {
        index.push(Hash256(*hash), entry);
    }
    let build = started.elapsed().as_secs_f64();
    let index_rss = resident_bytes() - before;

    // Queries: needle k of a query is 0..=31 bits from planted hash k (one at exactly 31).
    let mut queries = Vec::new();
    let mut bytes = Vec::new();
    let mut positions = Vec::new();
    for query in &planted {
        let needles: Vec<[u64; 4]> = query
            .iter()
            .enumerate()
            .map(|(k, &p)| {
                let bits = if k == 0 { 31 } else { pick.below(32) };
                pick.flip(Hash256(all[p as usize]), bits).0
            })
            .collect();
        for needle in &needles {
            bytes.extend_from_slice(&Hash256(*needle).to_bytes());
        }
        positions.extend(query.iter().flat_map(|p| p.to_le_bytes()));
        queries.push(needles);
    }
    std::fs::write(args.dir.join("queries.bin"), bytes)?;
    std::fs::write(args.dir.join("planted.bin"), positions)?;

    let index_ref = &index;
    let flat = |threads: usize| {
        move |needles: &[[u64; 4]]| {
            let needles: Vec<(Transform, Hash256)> = Transform::ALL
                .iter()
                .zip(needles)
                .map(|(&t, h)| (t, Hash256(*h)))
                .collect();
            let mut got: Vec<u32> = index_ref
                .search_parallel(&needles, MATCH_DISTANCE, threads)
                .iter()
                .map(|m| m.entry)
                .collect();
            got.sort_unstable();
            got
        }
    };
    let (one, recall_one) = time_queries(&queries, &planted, flat(1));
    let (many, recall_many) = time_queries(&queries, &planted, flat(threads));
    let row = Row {
        build,
        bytes_per_hash: index_rss as f64 / n as f64,
        one,
        many,
        threads,
        recall: recall_one.min(recall_many),
    };
    row.print("Lachan HashIndex (flat scan)");
    drop(index);

    let started = Instant::now();
    let multi = MultiIndex::build(all);
    let build = started.elapsed().as_secs_f64();
    let (one, recall_one) = time_queries(&queries, &planted, |q| multi.search(q, 1));
    let (many, recall_many) = time_queries(&queries, &planted, |q| multi.search(q, threads));
    let row = Row {
        build,
        bytes_per_hash: multi.memory_bytes() as f64 / n as f64,
        one,
        many,
        threads,
        recall: recall_one.min(recall_many),
    };
    row.print("Lachan multi-index 16x16, 1-bit probes (rejected, bench only)");
    Ok(())
}

fn parse_args() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let mut parsed = None;
    let (mut hashes, mut queries) = (10_000_000, 20);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--figures" => parsed = args.next().map(std::path::PathBuf::from),
            "--hashes" => hashes = args.next()?.parse().ok()?,
            "--queries" => queries = args.next()?.parse().ok()?,
            _ => {}
        }
    }
    Some(Args {
        dir: parsed?,
        hashes,
        queries,
    })
}

fn main() {
    match parse_args() {
        Some(args) => figures(&args).expect("write the figures' data files"),
        None => {
            let mut c = Criterion::default().configure_from_args();
            criterion_benches(&mut c);
            c.final_summary();
        }
    }
}
