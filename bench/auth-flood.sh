#!/usr/bin/env bash
# Valid SDK traffic under a flood of invalid tokens, with and without throttling of failed
# token authentication. One command:
#
#   bash bench/auth-flood.sh
#
# Builds the release binary and, for each mode (throttling on with the default limit of 60
# failures per minute and address; throttling off with TOKEN_AUTH_FAILURE_LIMIT_PER_MINUTE=0),
# starts Switchyard on SQLite on a free port (never 4242) with TRUSTED_PROXY_HEADER=
# X-Forwarded-For, so that the load generator can speak for distinct client addresses. Then:
#   1. valid GET /api/client/features alone (a client token, from 10.0.0.1);
#   2. the same while wrk floods the same endpoint with random well-formed tokens from
#      another address (10.66.0.1; FLOOD_ADDRESSES=N spreads the flood over N addresses).
# Prints valid traffic's throughput and p99 in each case, and the flood's own figures.
#
# Knobs: DURATION (10s), CONNS (16, valid traffic), FLOOD_CONNS (64), FLOOD_ADDRESSES (1),
#        LIMIT (60), SWITCHYARD_BIN (a binary to run instead of building the release one),
#        KEEP=1 keeps the temporary folder. Needs wrk (installed from Debian when
#        missing), python3 and curl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-16}"
FLOOD_CONNS="${FLOOD_CONNS:-64}"
FLOOD_ADDRESSES="${FLOOD_ADDRESSES:-1}"
LIMIT="${LIMIT:-60}"
export FLOOD_ADDRESSES

. "$HERE/lib.sh"

install_missing wrk
need_tools python3 curl

BIN="$(switchyard_bin)"

WORK="$(mktemp -d)"
PID=""
FLOOD_PID=""
stop_server() {
  if [ -n "$FLOOD_PID" ] && kill -0 "$FLOOD_PID" 2>/dev/null; then kill "$FLOOD_PID" 2>/dev/null || true; wait "$FLOOD_PID" 2>/dev/null || true; fi
  FLOOD_PID=""
  stop_pid "$PID"
  PID=""
}
cleanup() {
  stop_server
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

export BENCH_ADMIN_USER=admin
BENCH_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export BENCH_ADMIN_PASSWORD

# start_server MODE LIMIT: a fresh SQLite database per mode
start_server() {
  local mode="$1" limit="$2"
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  mkdir -p "$WORK/$mode"
  DATABASE_URL="sqlite://$WORK/$mode/bench.db" HTTP_HOST=127.0.0.1 PORT="$PORT" \
    UNLEASH_DEFAULT_ADMIN_USERNAME="$BENCH_ADMIN_USER" UNLEASH_DEFAULT_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
    TRUSTED_PROXY_HEADER=X-Forwarded-For TOKEN_AUTH_FAILURE_LIMIT_PER_MINUTE="$limit" \
    LOG_LEVEL=warn "$BIN" >"$WORK/$mode/server.log" 2>&1 &
  PID=$!
  wait_healthy "$BASE/health" "$PID" "$WORK/$mode/server.log" 100
  say "[$mode] switchyard pid $PID on $BASE, TOKEN_AUTH_FAILURE_LIMIT_PER_MINUTE=$limit"
  python3 "$HERE/seed.py" "$BASE" flags 10 >/dev/null
  CLIENT="$(python3 "$HERE/seed.py" "$BASE" tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)["client"])')"
  sleep 0.5
}

RESULTS="$WORK/results.tsv"
: > "$RESULTS"

# parse RAW MODE CASE [FLOOD_RAW]: one row of figures from wrk's output
parse() {
  python3 - "$@" >>"$RESULTS" <<'PY'
import re, sys
raw, mode, case = sys.argv[1:4]
flood = sys.argv[4] if len(sys.argv) > 4 else None
def figures(path):
    t = open(path).read()
    def ms(s):
        m = re.match(r'([\d.]+)(us|ms|s)', s or '')
        if not m: return float('nan')
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == 'us' else v * 1000 if u == 's' else v
    rps = re.search(r'Requests/sec:\s+([\d.]+)', t)
    lat = dict(re.findall(r'^\s+(50|99)%\s+(\S+)', t, re.M))
    bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', t)
    st = re.search(r'flood statuses: 401/403=(\d+) 429=(\d+) other=(\d+)', t)
    return (float(rps.group(1)) if rps else float('nan'), ms(lat.get('50')), ms(lat.get('99')),
            int(bad.group(1)) if bad else 0, st.groups() if st else None)
v = figures(raw)
row = [mode, case, f"{v[0]:.0f}", f"{v[1]:.2f}", f"{v[2]:.2f}", str(v[3])]
if flood:
    f = figures(flood)
    row += [f"{f[0]:.0f}", f"{f[2]:.2f}"] + (list(f[4]) if f[4] else ['?', '?', '?'])
else:
    row += ['', '', '', '', '']
print('\t'.join(row))
PY
}

valid_load() {
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency \
    -H "Authorization: $CLIENT" -H "X-Forwarded-For: 10.0.0.1" \
    "$BASE/api/client/features" >"$1" 2>&1 || true
}

run_mode() {
  local mode="$1" limit="$2"
  start_server "$mode" "$limit"
  say "[$mode] valid traffic alone"
  valid_load "$WORK/$mode/alone.txt"
  parse "$WORK/$mode/alone.txt" "$mode" alone
  say "[$mode] valid traffic during the flood"
  # the flood runs a little longer than the valid measurement, which starts once it is going
  local secs="${DURATION%s}"
  wrk -t1 -c"$FLOOD_CONNS" -d"$((secs + 3))s" --latency -s "$HERE/auth-flood.lua" \
    "$BASE/api/client/features" >"$WORK/$mode/flood.txt" 2>&1 &
  FLOOD_PID=$!
  sleep 1
  valid_load "$WORK/$mode/during.txt"
  wait "$FLOOD_PID" || true
  FLOOD_PID=""
  parse "$WORK/$mode/during.txt" "$mode" flood "$WORK/$mode/flood.txt"
  tail -2 "$RESULTS" | awk -F'\t' '{printf "  %-4s %-6s valid %8s req/s p99 %7s ms non-2xx %s   flood %s req/s: 401/403 %s, 429 %s\n", $1, $2, $3, $5, $6, $7, $9, $10}' >&2
  stop_server
}

run_mode on "$LIMIT"
run_mode off 0

say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; other work on the machine skews the figures)"
python3 - "$RESULTS" "$DURATION" "$CONNS" "$FLOOD_CONNS" "$FLOOD_ADDRESSES" "$LIMIT" <<'PY'
import sys
results, duration, conns, flood_conns, addrs, limit = sys.argv[1:]
rows = [l.rstrip('\n').split('\t') for l in open(results) if l.strip()]
by = {(r[0], r[1]): r for r in rows}
print()
print(f"Valid `GET /api/client/features` ({conns} connections, {duration}) alone and during a flood of random "
      f"tokens ({flood_conns} connections from {addrs} address(es)); throttling at {limit} failures per minute and address, or off.")
print()
print("| throttling | valid traffic | valid req/s | valid p50 ms | valid p99 ms | valid non-2xx | share of alone | flood req/s | flood 401/403 | flood 429 |")
print("|---|---|---|---|---|---|---|---|---|---|")
for mode in ("on", "off"):
    alone = by.get((mode, "alone"))
    for case in ("alone", "flood"):
        r = by.get((mode, case))
        if not r: continue
        share = f"{float(r[2]) / float(alone[2]) * 100:.0f}%" if alone and float(alone[2]) > 0 else ""
        label = "on" if mode == "on" else "off (limit 0)"
        what = "alone" if case == "alone" else "during the flood"
        if case == "alone":
            print(f"| {label} | {what} | {float(r[2]):,.0f} | {r[3]} | {r[4]} | {r[5]} | 100% | | | |")
        else:
            print(f"| {label} | {what} | {float(r[2]):,.0f} | {r[3]} | {r[4]} | {r[5]} | {share} | {float(r[6]):,.0f} | {r[8]} | {r[9]} |")
PY
