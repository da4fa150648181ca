#!/usr/bin/env bash
# Whole-system DNS benchmark: Lachan side by side with Unbound and dnsmasq, same 1,000,000-name
# blocklist, same local upstream, same query sets, in one run. Method: shared/BASELINES.md.
#
# Usage: bench/dns-compare.sh [--quick] [--duration S] [--work-dir DIR] [--lachan PATH]
#                             [--servers unbound,dnsmasq,lachan,lachan-nolog] [--no-percentiles] [--data DIR]
#
#   --quick            3 s per query set (smoke test) instead of 20 s
#   --duration S       seconds per query set (default 20)
#   --work-dir DIR     lists, query sets, logs and results (default /tmp/lachan-bench)
#   --lachan PATH      Lachan binary (default $CARGO_TARGET_DIR/release/lachan, CARGO_TARGET_DIR
#                      defaulting to /work/target); skipped with a message if missing or not starting
#   --servers LIST     comma-separated subset of unbound,dnsmasq,lachan,lachan-nolog (default all
#                      four; lachan-nolog is Lachan with its query log off, as Unbound and dnsmasq
#                      log nothing)
#   --no-percentiles   run dnsperf without -v (no p50/p99; avg/min/max still reported)
#   --data DIR         blocklist folder (default <repo>/../shared/data/blocklists)
#
# Needs root for apt-get (installs dnsperf, unbound, dnsmasq-base, dnsutils if missing) and 2 cores:
# each server runs on core 0, dnsperf and the upstream on core 1. Sends traffic to 127.0.0.1 only.
# Prints the comparison table and writes it as markdown to WORK_DIR/results.md.
set -euo pipefail
export LC_ALL=C

ARGS="$*"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
DATA="$REPO/../shared/data/blocklists"
WORK=/tmp/lachan-bench
DURATION=20
SERVERS=unbound,dnsmasq,lachan,lachan-nolog
LACHAN_BIN="${CARGO_TARGET_DIR:-/work/target}/release/lachan"
PERCENTILES=1
RULES=1000000
SERVER_CORE=0
CLIENT_CORE=1
START_TIMEOUT=${DNS_COMPARE_START_TIMEOUT:-120}

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "dns-compare: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) DURATION=3 ;;
        --duration) [ $# -ge 2 ] || die "--duration needs a number of seconds"; DURATION=$2; shift ;;
        --work-dir) [ $# -ge 2 ] || die "--work-dir needs a directory"; WORK=$2; shift ;;
        --lachan) [ $# -ge 2 ] || die "--lachan needs a path"; LACHAN_BIN=$2; shift ;;
        --servers) [ $# -ge 2 ] || die "--servers needs a list"; SERVERS=$2; shift ;;
        --no-percentiles) PERCENTILES=0 ;;
        --data) [ $# -ge 2 ] || die "--data needs a directory"; DATA=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
    shift
done
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration must be a whole number of seconds, got '$DURATION'"
for s in ${SERVERS//,/ }; do
    case "$s" in unbound|dnsmasq|lachan|lachan-nolog) ;; *) die "--servers: unknown server '$s' (use unbound,dnsmasq,lachan,lachan-nolog)" ;; esac
done
[ -d "$DATA" ] || die "blocklist folder $DATA not found; pass --data DIR"
WORK=$(mkdir -p "$WORK" && cd "$WORK" && pwd)
if [ "$(nproc)" -lt 2 ]; then
    say "only $(nproc) core: server, dnsperf and upstream share core 0; figures are not comparable to BASELINES"
    CLIENT_CORE=0
fi

# ---------------------------------------------------------------- tools
install_tools() {
    local need=() pkgs=()
    command -v dnsperf >/dev/null || need+=(dnsperf)
    command -v unbound >/dev/null || need+=(unbound)
    command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
    command -v dig >/dev/null || need+=(dnsutils)
    command -v taskset >/dev/null || need+=(util-linux)
    command -v python3 >/dev/null || need+=(python3)
    [ ${#need[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing ${need[*]}: run as root or install them with apt-get"
    say "installing ${need[*]}"
    # Keep package scripts from starting a system unbound/dnsmasq (and unbound-resolvconf).
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
    fi
    pkgs=("${need[@]}")
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >&2; then
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >&2 \
            || { [ $made_policy -eq 1 ] && rm -f "$policy"; die "apt-get install ${pkgs[*]} failed"; }
    fi
    [ $made_policy -eq 1 ] && rm -f "$policy"
    local svc
    for svc in unbound dnsmasq; do
        if [ -d /run/systemd/system ]; then
            systemctl stop "$svc" >/dev/null 2>&1 || true
        elif command -v service >/dev/null; then
            service "$svc" stop >/dev/null 2>&1 || true
        fi
    done
}
install_tools
for t in dnsperf unbound dnsmasq dig taskset python3; do command -v "$t" >/dev/null || die "$t not found after install"; done

# ---------------------------------------------------------------- cleanup
PIDS=()
# kill_wait PID: SIGTERM, up to 5 s to exit, then SIGKILL; reaps the child.
kill_wait() {
    local pid=$1 i state
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
        [ -z "$state" ] || [ "$state" = Z ] && break
        sleep 0.1
    done
    if [ -n "$state" ] && [ "$state" != Z ]; then
        kill -KILL "$pid" 2>/dev/null || true
        echo "dns-compare: process $pid ignored SIGTERM for 5 s, sent SIGKILL" >&2
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    trap '' INT TERM HUP PIPE
    for pid in "${PIDS[@]}"; do
        kill_wait "$pid"
    done
    PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

stop_pid() {
    local pid=$1 p keep=()
    kill_wait "$pid"
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

free_port() {
    python3 - "$1" <<'EOF'
import socket, sys
for port in range(int(sys.argv[1]), int(sys.argv[1]) + 200):
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", port))
            s.close()
        print(port)
        break
    except OSError:
        pass
else:
    sys.exit("no free port")
EOF
}

# ---------------------------------------------------------------- data
NEVER=$(( DURATION * 150000 ))
[ $NEVER -ge 500000 ] || NEVER=500000
STAMP="rules=$RULES never=$NEVER data=$(cd "$DATA" && pwd) gen=$(md5sum < "$HERE/dns_bench_data.py" | cut -c1-12)"
if [ "$(cat "$WORK/data.stamp" 2>/dev/null)" != "$STAMP" ]; then
    say "building the $RULES-name list and query sets in $WORK"
    rm -f "$WORK/data.stamp"
    python3 "$HERE/dns_bench_data.py" --data "$DATA" --out "$WORK" --rules "$RULES" --never "$NEVER" >&2
    echo "$STAMP" > "$WORK/data.stamp"
else
    say "reusing the list and query sets in $WORK"
fi
: > "$WORK/list-empty.txt"
: > "$WORK/list-empty.conf"
PROBE_NAME=$(cat "$WORK/probe-name.txt")
LOGS="$WORK/logs"; OUT="$WORK/dnsperf"; RES="$WORK/results"
rm -rf "$LOGS" "$OUT" "$RES"
mkdir -p "$LOGS" "$OUT" "$RES"

# ---------------------------------------------------------------- upstream
UP_PORT=$(free_port 5300)
say "upstream: dnsmasq on 127.0.0.1:$UP_PORT, every name -> 192.0.2.99 (core $CLIENT_CORE)"
t0=$EPOCHREALTIME
taskset -c "$CLIENT_CORE" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --listen-address=127.0.0.1 --bind-interfaces --port="$UP_PORT" \
    --address=/#/192.0.2.99 --local-ttl=3600 --pid-file="$WORK/upstream.pid" --log-facility=- \
    > "$LOGS/upstream.log" 2>&1 &
UP_PID=$!
PIDS+=("$UP_PID")
python3 "$HERE/dns_probe.py" --port "$UP_PORT" --name probe.upstream.example --t0 "$t0" --pid "$UP_PID" \
    --want any --timeout 30 >/dev/null || die "upstream dnsmasq did not start; see $LOGS/upstream.log"

# ---------------------------------------------------------------- servers
# launch SERVER MODE PORT: writes the server's config and execs it on the server core (run in a subshell)
launch() {
    local server=$1 mode=$2 port=$3 list
    case "$server" in
        unbound)
            local conf="$WORK/unbound-$mode.conf"
            {
                echo "server:"
                echo "    interface: 127.0.0.1"
                echo "    port: $port"
                echo "    do-ip6: no"
                echo "    num-threads: 1"
                echo "    module-config: \"iterator\""
                echo "    username: \"\""
                echo "    chroot: \"\""
                echo "    directory: \"$WORK\""
                echo "    pidfile: \"\""
                echo "    use-syslog: no"
                echo "    logfile: \"\""
                echo "    verbosity: 0"
                echo "    do-not-query-localhost: no"
                [ "$mode" = list ] && echo "    include: \"$WORK/list-unbound.conf\""
                echo "forward-zone:"
                echo "    name: \".\""
                echo "    forward-addr: 127.0.0.1@$UP_PORT"
            } > "$conf"
            exec taskset -c "$SERVER_CORE" unbound -d -c "$conf"
            ;;
        dnsmasq)
            list="$WORK/list-dnsmasq.conf"; [ "$mode" = list ] || list="$WORK/list-empty.conf"
            exec taskset -c "$SERVER_CORE" dnsmasq --keep-in-foreground --conf-file="$list" --no-resolv \
                --no-hosts --listen-address=127.0.0.1 --bind-interfaces --port="$port" \
                --server="127.0.0.1#$UP_PORT" --cache-size=20000 --pid-file="$WORK/dnsmasq-$mode.pid" \
                --log-facility=-
            ;;
        lachan|lachan-nolog)
            list="$WORK/list-lachan.txt"; [ "$mode" = list ] || list="$WORK/list-empty.txt"
            local conf="$WORK/$server-$mode.toml" data="$WORK/$server-data-$mode" log=true
            [ "$server" = lachan ] || log=false
            rm -rf "$data"; mkdir -p "$data"
            cat > "$conf" <<EOF
[dns]
listen = ["127.0.0.1:$port"]
upstreams = ["127.0.0.1:$UP_PORT"]
# Lachan limits each client address to 300 queries/s by default; dnsperf is one client. Unbound and
# dnsmasq have no such limit by default, so it is off here.
rate_limit = 0
[[lists]]
name = "bench"
source = "$list"
category = "adult"
subdomains = false
[[profiles]]
name = "bench"
block = ["adult"]
[default]
profile = "bench"
[querylog]
enabled = $log
EOF
            LACHAN_LOG="${LACHAN_LOG:-warn}" exec taskset -c "$SERVER_CORE" "$LACHAN_BIN" serve --config "$conf" --data-dir "$data"
            ;;
    esac
}

# start SERVER MODE -> sets PID, PORT, START_ANY, START_BLOCKED, RSS_KB; returns 1 if it did not answer
start() {
    local server=$1 mode=$2 want=blocked times
    PORT=$(free_port 5301)
    [ "$mode" = list ] || want=any
    local t0=$EPOCHREALTIME
    ( launch "$server" "$mode" "$PORT" ) > "$LOGS/$server-$mode.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    if ! times=$(taskset -c "$CLIENT_CORE" python3 "$HERE/dns_probe.py" --port "$PORT" --name "$PROBE_NAME" \
            --t0 "$t0" --pid "$PID" --want "$want" --timeout "$START_TIMEOUT" 2>>"$LOGS/$server-$mode.log"); then
        say "$server ($mode) did not answer; last lines of $LOGS/$server-$mode.log:"
        tail -n 15 "$LOGS/$server-$mode.log" >&2
        stop_pid "$PID"
        return 1
    fi
    START_ANY=${times% *}
    START_BLOCKED=${times#* }
    sleep 1
    RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
    say "$server ($mode) on 127.0.0.1:$PORT: first answer ${START_ANY} s, blocked answer ${START_BLOCKED} s, RSS ${RSS_KB} kB"
    return 0
}

# run_set SERVER SET FILE -> writes $RES/SERVER-SET.json
run_set() {
    local server=$1 set=$2 file=$3 out="$OUT/$1-$2.txt" verbose=()
    [ $PERCENTILES -eq 1 ] && verbose=(-v)
    taskset -c "$CLIENT_CORE" dnsperf -s 127.0.0.1 -p "$PORT" -l "$DURATION" -c 8 -q 100 -d "$file" \
        "${verbose[@]}" > "$out" 2>&1 || true
    if python3 "$HERE/dnsperf_stats.py" "$out" > "$RES/$server-$set.json"; then
        python3 - "$RES/$server-$set.json" "$set" "$NEVER" <<'EOF' >&2
import json, sys
r = json.load(open(sys.argv[1]))
p99 = "-" if r["p99_s"] is None else f'{r["p99_s"] * 1000:.2f}'
print(f'   {sys.argv[2]:8} {r["qps"]:>10,.0f} QPS  avg {r["avg_s"] * 1000:.2f} ms  p99 {p99} ms  '
      f'lost {r["lost"]:,.0f}  [{r["rcodes"]}]')
if sys.argv[2] == "never" and r["sent"] > int(sys.argv[3]):
    print(f"   warning: dnsperf sent {r['sent']:,.0f} queries but the never-seen set has {int(sys.argv[3]):,}:"
          " it wrapped, so part of that figure is cache hits", file=sys.stderr)
EOF
    else
        rm -f "$RES/$server-$set.json"
        say "$server: dnsperf gave no result for $set; see $out"
    fi
    # Keep the summary, drop the per-query lines (hundreds of MB at full duration).
    grep -v '^> ' "$out" > "$out.tmp" || true
    mv "$out.tmp" "$out"
}

bench_server() {
    local server=$1 start_empty=null rss_empty=null
    say "$server: start with an empty list"
    if start "$server" empty; then
        start_empty=$START_ANY; rss_empty=$RSS_KB
        stop_pid "$PID"
    fi
    say "$server: start with the $RULES-name list"
    start "$server" list || return 0
    if [ "$START_BLOCKED" = "-" ]; then
        say "$server: answered but never blocked $PROBE_NAME"
        START_BLOCKED=null
    fi
    printf '{"rules": %d, "start_s": %s, "start_any_s": %s, "start_empty_s": %s, "rss_list_kb": %s, "rss_empty_kb": %s, "port": %d}\n' \
        "$RULES" "$START_BLOCKED" "$START_ANY" "$start_empty" "$RSS_KB" "$rss_empty" "$PORT" > "$RES/$server.json"
    # Warm the cache with one pass over the allowed names, as the cached set measures hits.
    taskset -c "$CLIENT_CORE" dnsperf -s 127.0.0.1 -p "$PORT" -n 1 -c 8 -q 100 -d "$WORK/q-cached.txt" \
        > "$OUT/$server-warmup.txt" 2>&1 || true
    run_set "$server" blocked "$WORK/q-blocked.txt"
    run_set "$server" cached "$WORK/q-cached.txt"
    run_set "$server" mix "$WORK/q-mix.txt"
    run_set "$server" never "$WORK/q-never.txt"
    if ! kill -0 "$PID" 2>/dev/null; then
        say "$server exited during the run; see $LOGS/$server-list.log"
    fi
    stop_pid "$PID"
}

VERSIONS="dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ {print $2; exit}'), unbound $(unbound -V 2>/dev/null | awk '/^Version/ {print $2; exit}'), dnsmasq $(dnsmasq --version | awk 'NR==1 {print $3}')"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for server in ${SERVERS//,/ }; do
    if [ "${server%-nolog}" = lachan ]; then
        if [ ! -x "$LACHAN_BIN" ]; then
            say "Lachan skipped: no executable at $LACHAN_BIN (build it with: CARGO_TARGET_DIR=/work/target cargo build --release -p lachan, or pass --lachan PATH)"
            continue
        fi
        case "$VERSIONS" in *lachan*) ;; *) VERSIONS="$VERSIONS, lachan $({ "$LACHAN_BIN" --version 2>/dev/null || true; } | awk '{print $NF; exit}')" ;; esac
    fi
    bench_server "$server"
    [ -e "$RES/$server.json" ] || say "$server skipped: it did not start (see $LOGS/)"
done
cleanup

# ---------------------------------------------------------------- table
{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), load average before the run $LOAD_BEFORE."
    echo "$VERSIONS. Command: \`bench/dns-compare.sh${ARGS:+ $ARGS}\`,"
    echo "dnsperf -l $DURATION -c 8 -q 100 over UDP; server on core $SERVER_CORE, dnsperf and upstream on core $CLIENT_CORE; $(sed -n 's/^real //p' "$WORK/counts.txt") real + $(sed -n 's/^generated //p' "$WORK/counts.txt") generated names."
    echo
} > "$WORK/results.md"
echo
python3 "$HERE/dns_table.py" "$RES" --markdown "$WORK/table.md"
cat "$WORK/table.md" >> "$WORK/results.md"
echo
echo "markdown: $WORK/results.md   raw: $RES/   dnsperf summaries: $OUT/   server logs: $LOGS/"
