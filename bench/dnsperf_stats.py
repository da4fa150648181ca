#!/usr/bin/env python3
"""Summarise one dnsperf 2.x output file as a single line of JSON.

dnsperf 2.10 (Debian 12) has no latency histogram option; with -v it prints one line per answer,
"> RCODE name TYPE latency_seconds", from which p50/p99 are computed here. The summary block gives
QPS, average, min, max and the loss count. Without -v lines, p50/p99 are null.
"""

import json
import math
import re
import sys
from array import array

SUMMARY = {
    "sent": re.compile(r"Queries sent:\s+(\d+)"),
    "completed": re.compile(r"Queries completed:\s+(\d+)"),
    "lost": re.compile(r"Queries lost:\s+(\d+)"),
    "qps": re.compile(r"Queries per second:\s+([\d.]+)"),
    "avg_s": re.compile(r"Average Latency \(s\):\s+([\d.]+)"),
    "min_s": re.compile(r"Average Latency \(s\):.*min ([\d.]+)"),
    "max_s": re.compile(r"Average Latency \(s\):.*max ([\d.]+)"),
}
RCODES = re.compile(r"Response codes:\s+(.*)")


def percentile(sorted_values: array, q: float):
    """Nearest-rank percentile of an ascending array, or None if empty."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(q * len(sorted_values))))
    return sorted_values[rank - 1]


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: dnsperf_stats.py DNSPERF_OUTPUT", file=sys.stderr)
        return 2
    result: dict = {k: None for k in SUMMARY}
    result["rcodes"] = None
    lat = array("d")
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("> "):
                parts = line.split()
                try:
                    lat.append(float(parts[-1]))
                except (ValueError, IndexError):
                    pass
                continue
            for key, rx in SUMMARY.items():
                m = rx.search(line)
                if m:
                    result[key] = float(m.group(1))
            m = RCODES.search(line)
            if m:
                result["rcodes"] = m.group(1).strip()
    values = array("d", sorted(lat))
    result["p50_s"] = percentile(values, 0.50)
    result["p99_s"] = percentile(values, 0.99)
    result["samples"] = len(values)
    print(json.dumps(result))
    return 0 if result["qps"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
