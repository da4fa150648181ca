#!/usr/bin/env bash
# Platform intake throughput for issue 6: `POST /api/v1/reports` (one durable SQLite write per
# report) against `lachan serve` (release build, fresh data directory, default SQLite store) on
# loopback, measured with wrk at 1, 16 and 64 connections, side by side in the same run with
# endpoints that write nothing, so the table shows what the durable write costs.
#
#   bench/intake/run.sh [SECONDS]          (default 15 s per measurement; 15 measurements, ~5 min)
#
# Rows: GET /api/v1/openapi.json (no token, no database), POST /api/v1/text/check (token looked
# up, a short text classified, nothing written), POST /api/v1/reports with an unknown category
# (token, JSON parsed and checked, rejected with 400 before any write), POST /api/v1/reports
# (201, each a new report), the same with a distinct Idempotency-Key per request.
# Needs wrk (Debian package `wrk`; installed with apt-get when missing) and python3. Set LACHAN
# to a built binary to skip the build. Data and logs: ${CARGO_TARGET_DIR:-/tmp}/intake-bench.
# Prints a Markdown table for docs/benchmarks.md, then the database size per report.
set -euo pipefail

SECONDS_EACH=${1:-15}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/intake"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=${CARGO_TARGET_DIR:-/tmp}/intake-bench
CONCURRENCY=(1 16 64)

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >&2
fi

if [ -z "${LACHAN:-}" ]; then
    (cd "$ROOT" && cargo build --release -j2 --quiet -p lachan)
    LACHAN="$TARGET/release/lachan"
fi

rm -rf "$WORK"
mkdir -p "$WORK"
DATA="$WORK/data"
CONFIG="$WORK/lachan.toml"
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
DNS_PORT=$(free_port)
WEB_PORT=$(free_port)
cat > "$CONFIG" <<EOF
lists = []
[dns]
listen = ["127.0.0.1:$DNS_PORT"]
upstreams = ["127.0.0.1:9"]
[http]
listen = "127.0.0.1:$WEB_PORT"
EOF
TOKEN=$(LACHAN_LOG=warn "$LACHAN" token create --role platform --name bench \
    --config "$CONFIG" --data-dir "$DATA")
# The database's size in bytes once its WAL is checkpointed into it (server stopped).
db_bytes() {
    python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(c.execute("PRAGMA page_count").fetchone()[0] * c.execute("PRAGMA page_size").fetchone()[0])' "$1"
}
EMPTY_BYTES=$(db_bytes "$DATA/lachan.db")

LACHAN_LOG=warn "$LACHAN" serve --config "$CONFIG" --data-dir "$DATA" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q "Web:" "$WORK/serve.log" && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.2
done
grep -q "Web:" "$WORK/serve.log" || { echo "lachan serve did not start" >&2; exit 1; }
BASE="http://127.0.0.1:$WEB_PORT/api/v1"

# No "reference": without an Idempotency-Key the platform's reference is the report's key, so a
# fixed one would make every request after the first a retry.
REPORT='{"url":"https://video.example.test/watch/81234","urls":["https://cdn.example.test/v/81234.mp4"],"platform":"TikTok","content_type":"video","category":"sexual_minors","subtype":"csam","hashes":[{"kind":"sha256","value":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}],"accounts":["@uploader42"],"description":"Upload removed by moderation: a minor in sexualised poses.","age_band":"age_11_13"}'
REJECTED=${REPORT/sexual_minors/no_such_category}
CHECK='{"text":"Chào em, hôm nay ở trường thế nào?"}'

# measure NAME METHOD PATH BODY TOKEN KEYS CONNECTIONS: one wrk run, one JSON line into results.
measure() {
    local threads=$(( $7 < 2 ? $7 : 2 ))
    local line
    line=$(INTAKE_METHOD=$2 INTAKE_BODY=$4 INTAKE_TOKEN=$5 INTAKE_KEYS=$6 INTAKE_RUN="bench-$$-c$7" \
        wrk -t "$threads" -c "$7" -d "${SECONDS_EACH}s" --timeout 10s -s "$HERE/wrk.lua" \
        "$BASE$3" | grep '^{"requests"')
    echo "{\"name\":\"$1\",\"connections\":$7,${line#\{}" >> "$WORK/results.jsonl"
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) threads; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "command: bench/intake/run.sh $SECONDS_EACH   (wrk -t min(c,2) -c C -d ${SECONDS_EACH}s --timeout 10s -s bench/intake/wrk.lua URL)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "${CONCURRENCY[@]}"; do
    measure "GET /openapi.json" GET /openapi.json "" "" 0 "$c"
    measure "POST /text/check" POST /text/check "$CHECK" "$TOKEN" 0 "$c"
    measure "POST /reports, rejected (400)" POST /reports "$REJECTED" "$TOKEN" 0 "$c"
    measure "POST /reports" POST /reports "$REPORT" "$TOKEN" 0 "$c"
    measure "POST /reports + Idempotency-Key" POST /reports "$REPORT" "$TOKEN" 1 "$c"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "WAL file before the clean stop: $(stat -c %s "$DATA/lachan.db-wal" 2>/dev/null || echo 0) bytes"

# A clean stop closes the database, which checkpoints the WAL into the main file.
kill -TERM "$SERVER"
wait "$SERVER" || true
trap - EXIT

FULL_BYTES=$(db_bytes "$DATA/lachan.db")
python3 - "$WORK/results.jsonl" "$DATA/lachan.db" "$EMPTY_BYTES" "$FULL_BYTES" "${#REPORT}" <<'EOF'
import json, os, sqlite3, sys

results = [json.loads(line) for line in open(sys.argv[1])]
names = list(dict.fromkeys(r["name"] for r in results))
print()
print("| endpoint | connections | requests/s | p50 ms | p99 ms | max ms | non-2xx | socket errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in names:
    for r in (r for r in results if r["name"] == name):
        rate = r["requests"] / (r["duration_us"] / 1e6)
        print(f"| {name} | {r['connections']} | {rate:,.0f} | {r['p50_us'] / 1000:.2f} | "
              f"{r['p99_us'] / 1000:.2f} | {r['max_us'] / 1000:.1f} | {r['non_2xx']:,} | "
              f"{r['socket_errors']} |")

db, empty, full, body = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
reports = con.execute("SELECT count(*) FROM reports").fetchone()[0]
audit = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def table_bytes(table):
    """Bytes of the pages of `table` and its indexes (SQLite's dbstat)."""
    return con.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name IN "
        "(SELECT name FROM sqlite_schema WHERE tbl_name = ?)", (table,)).fetchone()[0] or 0


def per(n):
    return n / max(reports, 1)


acknowledged = sum(r["requests"] - r["non_2xx"] for r in results
                   if r["name"].startswith("POST /reports") and "rejected" not in r["name"])
print()
print(f"reports stored: {reports:,}; 201 answers counted by wrk: {acknowledged:,} (wrk does not "
      f"count the requests still in flight when each run ends, up to its connections)")
print(f"database after the run, WAL checkpointed: {full:,} bytes (empty: {empty:,}); "
      f"{reports:,} reports, {audit:,} audit entries")
print(f"bytes per report: {per(full - empty):,.0f} in all; table `reports` and its indexes "
      f"{per(table_bytes('reports')):,.0f}, `audit_log` {per(table_bytes('audit_log')):,.0f} "
      f"(request body {body} bytes)")
EOF
