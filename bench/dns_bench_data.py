#!/usr/bin/env python3
"""Build the blocklist and the dnsperf query sets for bench/dns-compare.sh.

Everything is deterministic (fixed seeds), so two runs build byte-identical files.

Outputs in OUT_DIR:
  list-lachan.txt     one domain per line (1,000,000 by default)
  list-unbound.conf   local-zone: "name." always_nxdomain
  list-dnsmasq.conf   address=/name/
  q-blocked.txt       every listed name once, shuffled ("name A")
  q-cached.txt        10,000 allowed names ("name A"), repeated by dnsperf
  q-mix.txt           50/50 blocked and cached-allowed names, shuffled
  q-never.txt         unique names under allowed domains, never asked before
  probe-name.txt      last name of the list (answered blocked only once the whole list is in force)
  counts.txt          how many names came from the real lists and how many were generated
"""

import argparse
import random
import re
import sys
from pathlib import Path

# Hostname syntax accepted as a rule: ASCII labels of letters, digits, '-' and '_', at least two labels.
# This drops the 4 non-ASCII (unencoded IDN) names of hostsVN, which gives the 641,076 real unique
# names that BASELINES.md reports (hostsVN's one IPv4 literal stays in as a name; without it the count is
# 641,075).
NAME_RE = re.compile(r"^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})+$")
HOSTS_RE = re.compile(r"^(0\.0\.0\.0|127\.0\.0\.1)\s+(\S+)")

# TLD weights and label-count shares roughly follow the real lists.
TLDS = ["com"] * 50 + ["net"] * 6 + ["top"] * 4 + ["xyz"] * 3 + ["de", "org", "shop", "buzz", "site",
        "online", "info", "vn", "com.vn", "io", "app", "cc", "club", "live", "ru", "co"] * 2
PREFIXES = ["www", "cdn", "api", "ads", "img", "static", "m", "track", "stats", "go", "link", "media"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LETTERS + "0123456789"


def read_sources(data: Path) -> set[str]:
    """Return the unique valid names of the HaGeZi, hostsVN and StevenBlack files."""
    raw: list[str] = []
    domain_files = sorted((data / "hagezi" / "wildcard").glob("*.txt"))
    domain_files.append(data / "stevenblack" / "hosts-domains.txt")
    for path in domain_files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                raw.append(line.split()[0])
    hosts_files = [data / "hostsvn" / "hosts"]
    hosts_files += sorted((data / "hostsvn" / "extensions").glob("*/hosts"))
    for path in hosts_files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            m = HOSTS_RE.match(line.strip())
            if m:
                raw.append(m.group(2))
    names = set()
    for name in raw:
        name = name.lower().rstrip(".")
        if len(name) <= 253 and NAME_RE.match(name):
            names.add(name)
    return names


def label(rng: random.Random, lo: int, hi: int) -> str:
    """A random label: starts with a letter, then letters and digits."""
    n = rng.randint(lo, hi)
    return rng.choice(LETTERS) + "".join(rng.choice(ALNUM) for _ in range(n - 1))


def gen_name(rng: random.Random) -> str:
    """A random registrable-looking name, sometimes with one or two sub-labels."""
    base = f"{label(rng, 5, 14)}.{rng.choice(TLDS)}"
    r = rng.random()
    if r < 0.78:
        return base
    if r < 0.96:
        return f"{rng.choice(PREFIXES) if rng.random() < 0.5 else label(rng, 2, 10)}.{base}"
    return f"{label(rng, 2, 8)}.{label(rng, 2, 8)}.{base}"


def blocked_by(name: str, listed: set[str]) -> bool:
    """True if the name or any parent domain is listed (Unbound and dnsmasq block subdomains)."""
    parts = name.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))


def write_lines(path: Path, lines) -> None:
    with path.open("w", encoding="ascii", newline="\n") as f:
        for line in lines:
            f.write(line)
            f.write("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="shared/data/blocklists directory")
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    ap.add_argument("--rules", type=int, default=1_000_000, help="list size (default 1,000,000)")
    ap.add_argument("--allowed", type=int, default=10_000, help="cached allowed names (default 10,000)")
    ap.add_argument("--mix", type=int, default=200_000, help="lines in the 50/50 mix set (default 200,000)")
    ap.add_argument("--never", type=int, required=True, help="unique never-seen names to generate")
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    real = read_sources(args.data)
    if len(real) > args.rules:
        print(f"error: {len(real)} real names exceed --rules {args.rules}", file=sys.stderr)
        return 1
    names = sorted(real)
    listed = set(real)
    rng = random.Random(20261127)
    while len(names) < args.rules:
        name = gen_name(rng)
        if name not in listed:
            listed.add(name)
            names.append(name)

    write_lines(out / "list-lachan.txt", names)
    write_lines(out / "list-unbound.conf", (f'local-zone: "{n}." always_nxdomain' for n in names))
    write_lines(out / "list-dnsmasq.conf", (f"address=/{n}/" for n in names))
    write_lines(out / "probe-name.txt", [names[-1]])

    arng = random.Random(7)
    allowed: list[str] = []
    seen: set[str] = set()
    while len(allowed) < args.allowed:
        name = gen_name(arng)
        if name not in seen and not blocked_by(name, listed):
            seen.add(name)
            allowed.append(name)

    qrng = random.Random(11)
    blocked = names[:]
    qrng.shuffle(blocked)
    write_lines(out / "q-blocked.txt", (f"{n} A" for n in blocked))
    write_lines(out / "q-cached.txt", (f"{n} A" for n in allowed))

    half = args.mix // 2
    mix = qrng.sample(names, half)
    mix += [allowed[i % len(allowed)] for i in range(args.mix - half)]
    qrng.shuffle(mix)
    write_lines(out / "q-mix.txt", (f"{n} A" for n in mix))

    # Unique by construction (the hex counter); parents are allowed names, so nothing here is blocked.
    parents = [a for a in allowed[:200] if a.count(".") == 1] or allowed[:200]
    write_lines(
        out / "q-never.txt",
        (f"{label(qrng, 4, 10)}{i:x}.{parents[i % len(parents)]} A" for i in range(args.never)),
    )
    write_lines(out / "counts.txt", [f"real {len(real)}", f"generated {len(names) - len(real)}",
                                     f"allowed {len(allowed)}", f"mix {args.mix}", f"never {args.never}"])
    print(f"list: {len(real)} real + {len(names) - len(real)} generated = {len(names)}; "
          f"allowed {len(allowed)}; mix {args.mix}; never-seen {args.never}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
