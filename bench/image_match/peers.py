"""FAISS half of bench/image_match/run.sh: the same hashes and queries as Lachan, then one table.

Reads DIR/hashes.bin (N x 32 bytes), DIR/queries.bin (Q x 8 needles x 32 bytes),
DIR/planted.bin (Q x 8 u32, the stored positions each needle was made from) written by
`cargo bench -p lachan-image --bench matching -- --figures DIR`, and DIR/lachan.jsonl (that run's
results). Times FAISS IndexBinaryFlat and IndexBinaryMultiHash with range_search at radius 32
(FAISS keeps distances < radius, i.e. <= 31) on one thread and on all, and prints a Markdown
table with every method.
"""

import json
import os
import statistics
import sys
import time

import faiss
import numpy as np

RADIUS = 32  # FAISS range_search on binary codes keeps distance < radius: <= 31 bits.


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def time_queries(index, queries, planted, threads):
    """Median ms per query (8 needles in one range_search call) and the share of planted found."""
    faiss.omp_set_num_threads(threads)
    index.range_search(queries[0], RADIUS)  # warm up
    times, found, worst = [], 0, 0
    for needles, want in zip(queries, planted):
        start = time.perf_counter()
        lims, dist, ids = index.range_search(needles, RADIUS)
        times.append((time.perf_counter() - start) * 1e3)
        got = set(ids.tolist())
        found += sum(1 for p in want if int(p) in got)
        if len(dist):
            worst = max(worst, int(dist.max()))
    assert worst <= 31, f"FAISS returned a distance of {worst}"
    return statistics.median(times), found / planted.size


def measure(name, make, hashes, queries, planted, threads, params=None):
    before = resident_bytes()
    start = time.perf_counter()
    index = make()
    index.add(hashes)
    build = time.perf_counter() - start
    memory = (resident_bytes() - before) / len(hashes)
    rows = []
    for label, setting in params or [("", None)]:
        if setting is not None:
            setting(index)
        one, recall_one = time_queries(index, queries, planted, 1)
        many, recall_many = time_queries(index, queries, planted, threads)
        rows.append(
            {
                "method": name + label,
                "build_s": build,
                "bytes_per_hash": memory,
                "ms_1": one,
                "ms_all": many,
                "threads": threads,
                "recall": min(recall_one, recall_many),
            }
        )
        print(f"# {rows[-1]}", file=sys.stderr, flush=True)
    del index
    return rows


def main():
    directory = sys.argv[1]
    hashes = np.fromfile(os.path.join(directory, "hashes.bin"), dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(os.path.join(directory, "queries.bin"), dtype=np.uint8).reshape(-1, 8, 32)
    planted = np.fromfile(os.path.join(directory, "planted.bin"), dtype="<u4").reshape(-1, 8)
    threads = os.cpu_count() or 1
    with open(os.path.join(directory, "lachan.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.startswith("{")]

    rows += measure("FAISS IndexBinaryFlat", lambda: faiss.IndexBinaryFlat(256), hashes, queries, planted, threads)

    def nflip(n):
        def set_nflip(index):
            index.nflip = n

        return set_nflip

    # (256, nhash=16, b=16) with nflip=1 is exact at <= 31 bits by the pigeonhole principle
    # (ThreatExchange HMA's setting); nflip=0 is FAISS's default and misses matches.
    rows += measure(
        "FAISS IndexBinaryMultiHash(256, 16, 16)",
        lambda: faiss.IndexBinaryMultiHash(256, 16, 16),
        hashes,
        queries,
        planted,
        threads,
        [(", nflip=1", nflip(1)), (", nflip=0 (default)", nflip(0))],
    )

    base = rows[0]["ms_1"]
    print(f"{len(hashes):,} random hashes; {len(queries)} queries of 8 needles (0-31 bits from a planted hash); "
          f"median ms per query; FAISS {faiss.__version__}")
    print()
    print(f"| method | build | memory per hash | ms/query, 1 thread | ms/query, {threads} threads | × Lachan flat (1 thread) | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['method']} | {r['build_s']:.1f} s | {r['bytes_per_hash']:.0f} B | {r['ms_1']:.1f} | "
            f"{r['ms_all']:.1f} | {r['ms_1'] / base:.1f}× | {100 * r['recall']:.1f} % |"
        )


if __name__ == "__main__":
    main()
