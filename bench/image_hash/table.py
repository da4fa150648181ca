"""Reads the JSON lines of bench/image_hash/run.sh and prints the Markdown tables.

    python table.py WORK_DIR THREATEXCHANGE_DIR

WORK_DIR/out holds `{lachan,pdqhash}-{full,shrink512}-ROUND.jsonl` (one line per file, from
`hash_timing` and `peer.py`) and `memory.tsv` (tool, file, peak RSS in kB). Per file, the
decode and hash times are the median over all rounds (each round already a median of its
repeats); a set's images/s is its file count over the sum of those per-file times.
"""

import collections
import json
import pathlib
import statistics
import sys

TOOLS = ("lachan", "pdqhash")
MODES = ("full", "shrink512")


def load(out: pathlib.Path) -> dict:
    """{(tool, mode): {path: [records over rounds]}}."""
    runs = collections.defaultdict(lambda: collections.defaultdict(list))
    for tool in TOOLS:
        for mode in MODES:
            for f in sorted(out.glob(f"{tool}-{mode}-*.jsonl")):
                for line in f.read_text().splitlines():
                    rec = json.loads(line)
                    runs[(tool, mode)][rec["path"]].append(rec)
    return runs


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def per_file(records: list) -> dict | None:
    if any("error" in r for r in records):
        return None
    first = dict(records[0])
    first["decode_ms"] = statistics.median(r["decode_ms"] for r in records)
    first["hash_ms"] = statistics.median(r["hash_ms"] for r in records)
    return first


def sets(paths: list, te_dir: str) -> list:
    """(label, paths) for each set, in table order."""
    te = [p for p in paths if p.startswith(te_dir)]
    te_small = [p for p in te if "/exif-rotn/" not in p]
    p12 = [p for p in paths if "/phone12mp-" in p]
    p2 = [p for p in paths if "/phone2mp-" in p]
    return [
        (f"ThreatExchange test images, all {len(te)}", te),
        (f"  of which the {len(te_small)} under 4 MP (without the 4 12-MP `exif-rotn`)", te_small),
        (f"generated 12 MP phone JPEGs (4032×3024, q90), {len(p12)}", p12),
        (f"generated 2 MP phone JPEGs (1920×1080, q90), {len(p2)}", p2),
    ]


def speed(files: dict, paths: list) -> tuple:
    """(images/s, mean decode ms, mean hash ms)."""
    dec = [files[p]["decode_ms"] for p in paths]
    hsh = [files[p]["hash_ms"] for p in paths]
    total_s = (sum(dec) + sum(hsh)) / 1e3
    return len(paths) / total_s, statistics.mean(dec), statistics.mean(hsh)


def fmt_speed(s: tuple) -> str:
    ips, dec, hsh = s
    return f"{ips:,.1f} ({dec:,.1f} + {hsh:,.1f} ms)"


def main() -> None:
    work, te_dir = pathlib.Path(sys.argv[1]), sys.argv[2].rstrip("/") + "/"
    runs = load(work / "out")
    files = {key: {p: per_file(rs) for p, rs in by_path.items()} for key, by_path in runs.items()}
    every = sorted(files[("lachan", "full")])
    refused = {t: sorted(p for p in every if files[(t, "full")].get(p) is None) for t in TOOLS}
    ok = [p for p in every if all(files[(t, m)].get(p) is not None for t in TOOLS for m in MODES)]
    for tool, paths in refused.items():
        for p in paths:
            err = next(r["error"] for r in runs[(tool, "full")][p] if "error" in r)
            print(f"<!-- {tool} refused {p}: {err} -->")

    print("| set | policy | Lachan images/s (decode + hash ms per image) "
          "| pdqhash + Pillow images/s (decode + hash ms) | Lachan ÷ reference "
          "| hash distance Lachan ↔ reference: exact files; median, max bits (all 8 transforms: max) |")
    print("|---|---|---:|---:|---:|---|")
    for label, paths in sets(ok, te_dir):
        for mode in MODES:
            lach, ref = files[("lachan", mode)], files[("pdqhash", mode)]
            ls, rs = speed(lach, paths), speed(ref, paths)
            d0 = [hamming(lach[p]["stored"][0], ref[p]["stored"][0]) for p in paths]
            d8 = [max(hamming(a, b) for a, b in zip(lach[p]["stored"], ref[p]["stored"])) for p in paths]
            exact = sum(d == 0 for d in d8)
            policy = "full size" if mode == "full" else "shrink to 512"
            print(f"| {label if mode == 'full' else ''} | {policy} | {fmt_speed(ls)} | {fmt_speed(rs)} "
                  f"| {ls[0] / rs[0]:.1f}× | {exact}/{len(paths)}; {statistics.median(d0):g}, {max(d0)} "
                  f"({max(d8)}) |")

    print()
    print("Files not bit-identical at full size (bits apart on the original hash; max over the 8):")
    print()
    lach, ref = files[("lachan", "full")], files[("pdqhash", "full")]
    for p in ok:
        d8 = [hamming(a, b) for a, b in zip(lach[p]["stored"], ref[p]["stored"])]
        if max(d8):
            name = p[len(te_dir):] if p.startswith(te_dir) else pathlib.Path(p).name
            print(f"- `{name}` ({lach[p]['format']}, {lach[p]['width']}×{lach[p]['height']}, "
                  f"quality {lach[p]['quality']}/{ref[p]['quality']}): {d8[0]} ({max(d8)})")

    print()
    print("Shrinking to 512 first: distance from each tool's own full-size hash (median, max bits):")
    print()
    for label, paths in sets(ok, te_dir):
        parts = []
        for tool in TOOLS:
            full, small = files[(tool, "full")], files[(tool, "shrink512")]
            moved = [hamming(full[p]["stored"][0], small[p]["stored"][0]) for p in paths
                     if max(full[p]["width"], full[p]["height"]) > 512]
            if moved:
                parts.append(f"{tool} {statistics.median(moved):g}, {max(moved)} ({len(moved)} files over 512)")
        if parts:
            print(f"- {label.strip()}: " + "; ".join(parts))

    mem = work / "out" / "memory.tsv"
    if mem.exists():
        print()
        print("| peak RSS (`/usr/bin/time`), one process, full size | Lachan | pdqhash + Pillow |")
        print("|---|---:|---:|")
        rows = collections.defaultdict(dict)
        for line in mem.read_text().splitlines():
            tool, name, kb = line.split("\t")
            rows[name][tool] = int(kb)
        for name, by_tool in rows.items():
            cells = [f"{by_tool[t] / 1024:,.0f} MB" if t in by_tool else "" for t in TOOLS]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
