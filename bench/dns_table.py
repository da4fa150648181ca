#!/usr/bin/env python3
"""Turn the per-server JSON results of bench/dns-compare.sh into one comparison table.

Reads RESULTS_DIR/<server>.json (start and memory figures) and RESULTS_DIR/<server>-<set>.json
(dnsperf_stats.py output), prints an aligned text table to stdout and writes the same table as
markdown to the file given with --markdown.
"""

import argparse
import json
from pathlib import Path

SERVERS = [("unbound", "Unbound"), ("dnsmasq", "dnsmasq"), ("lachan", "Lachan"),
           ("lachan-nolog", "Lachan, no query log")]
SETS = [("blocked", "blocked"), ("cached", "cached allowed"), ("mix", "50/50 mix"),
        ("never", "never-seen (forwarding)")]


def load(path: Path):
    """The JSON object in path, or None if the file is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def rows(results: Path):
    """(label, better, {server: value or None}, format) for every measure."""
    info = {s: load(results / f"{s}.json") or {} for s, _ in SERVERS}
    runs = {(s, q): load(results / f"{s}-{q}.json") or {} for s, _ in SERVERS for q, _ in SETS}

    def per_server(fn):
        out = {}
        for s, _ in SERVERS:
            try:
                out[s] = fn(s)
            except (KeyError, TypeError, ZeroDivisionError):
                out[s] = None
        return out

    def mem_per_rule(s):
        i = info[s]
        return (i["rss_list_kb"] - i["rss_empty_kb"]) * 1024 / i["rules"]

    out = [
        ("start until first answer, list in force (s)", "lower", per_server(lambda s: info[s]["start_s"]), "{:.2f}"),
        ("start until first answer, empty list (s)", "lower", per_server(lambda s: info[s]["start_empty_s"]), "{:.2f}"),
        ("memory per rule (B) = (RSS list - RSS empty) / rules", "lower", per_server(mem_per_rule), "{:.0f}"),
        ("RSS with list (MiB)", "lower", per_server(lambda s: info[s]["rss_list_kb"] / 1024), "{:.1f}"),
    ]
    for q, label in SETS:
        out.append((f"{label}, QPS", "higher", per_server(lambda s, q=q: runs[(s, q)]["qps"]), "{:,.0f}"))
    for q, label in [("mix", "50/50 mix"), ("never", "never-seen")]:
        for key, name in [("avg_s", "avg"), ("p50_s", "p50"), ("p99_s", "p99"), ("max_s", "max")]:
            out.append((f"{label} latency {name} (ms)", "lower",
                        per_server(lambda s, q=q, key=key: runs[(s, q)][key] * 1000), "{:.2f}"))
    out.append(("queries lost, all sets", "lower",
                per_server(lambda s: sum(runs[(s, q)]["lost"] for q, _ in SETS)), "{:,.0f}"))
    return out


def ratio(a, b):
    """a / b formatted as a factor, or a dash when either side is missing."""
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def table(results: Path):
    """Header and body cells of the comparison table."""
    header = ["one server core, 1M rules", "better"] + [name for _, name in SERVERS] + [
        "Lachan/Unbound", "Lachan/dnsmasq", "no log/Unbound"]
    body = []
    for label, better, vals, fmt in rows(results):
        cells = [label, better]
        cells += ["–" if vals[s] is None else fmt.format(vals[s]) for s, _ in SERVERS]
        cells += [ratio(vals["lachan"], vals["unbound"]), ratio(vals["lachan"], vals["dnsmasq"]),
                  ratio(vals["lachan-nolog"], vals["unbound"])]
        body.append(cells)
    return header, body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("results", type=Path)
    ap.add_argument("--markdown", type=Path, required=True)
    args = ap.parse_args()
    header, body = table(args.results)

    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    def line(cells):
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in body:
        print(line(r))

    md = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    md += ["| " + " | ".join(r) + " |" for r in body]
    args.markdown.write_text("\n".join(md) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
