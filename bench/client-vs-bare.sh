#!/usr/bin/env bash
# /api/client/features beside the floor: a bare axum server answering the same bytes.
#
#   bash bench/client-vs-bare.sh
#
# Builds Switchyard's release binary (or takes SWITCHYARD_BIN) and bench/bare-axum (axum on
# tokio answering one fixed body, nothing else), starts Switchyard on SQLite in a temporary
# folder on a free port (never 4242), seeds FLAGS flags through the Admin API
# (bench/seed.py: strategies with constraints, on in development) and a client token, saves
# the body that `GET /api/client/features` answers, and starts bare-axum on another free port
# with that body and ETag. Then ROUNDS rounds, each a wrk run of DURATION at CONNS
# connections against Switchyard (with the client token) and then against bare-axum (with the
# same header, which it ignores), after one unmeasured WARMUP run against each. Prints every
# run, the median req/s and p99 of each server, and Switchyard's share of bare-axum's
# throughput (the issue's target: at least 80%).
#
# Knobs: FLAGS (10), ROUNDS (3), DURATION (10s), WARMUP (3s), THREADS (2), CONNS (32),
#        KEEP=1 keeps the temporary folder. Needs wrk (installed from Debian when missing),
#        python3 and curl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
FLAGS="${FLAGS:-10}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-3s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-32}"

. "$HERE/lib.sh"
install_missing wrk
need_tools python3 curl

TARGET="$(target_dir)"
BIN="$(switchyard_bin)"
say "building bench/bare-axum"
(cd "$HERE/bare-axum" && CARGO_TARGET_DIR="$TARGET/bare-axum" cargo build --release --quiet)
BARE="$TARGET/bare-axum/release/bare-axum"

WORK="$(mktemp -d)"
PORT="$(free_port)"
BARE_PORT="$(free_port "$PORT")"
BASE="http://127.0.0.1:$PORT"
BARE_BASE="http://127.0.0.1:$BARE_PORT"
export BENCH_ADMIN_USER=admin
BENCH_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export BENCH_ADMIN_PASSWORD
PID=""
BARE_PID=""
cleanup() {
  stop_pid "$PID" "$BARE_PID"
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

DATABASE_URL="sqlite://$WORK/bench.db" HTTP_HOST=127.0.0.1 PORT="$PORT" \
  UNLEASH_DEFAULT_ADMIN_USERNAME="$BENCH_ADMIN_USER" UNLEASH_DEFAULT_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
  LOG_LEVEL=warn "$BIN" >"$WORK/switchyard.log" 2>&1 &
PID=$!
wait_healthy "$BASE/health" "$PID" "$WORK/switchyard.log"

CLIENT="$(python3 "$HERE/seed.py" "$BASE" tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)["client"])')"
python3 "$HERE/seed.py" "$BASE" flags "$FLAGS"
sleep 0.5
curl -fsS -D "$WORK/headers.txt" -o "$WORK/body.json" -H "Authorization: $CLIENT" "$BASE/api/client/features"
ETAG="$(awk 'tolower($1)=="etag:"{print $2}' "$WORK/headers.txt" | tr -d '\r')"
BYTES="$(wc -c <"$WORK/body.json")"
say "Switchyard on $BASE: $FLAGS flags, body $BYTES bytes, ETag $ETAG"

"$BARE" "$BARE_PORT" "$WORK/body.json" "$ETAG" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
wait_healthy "$BARE_BASE/api/client/features" "$BARE_PID" "$WORK/bare.log"
cmp -s "$WORK/body.json" <(curl -fsS "$BARE_BASE/api/client/features") \
  || { say "bare-axum does not answer the same body"; exit 1; }
say "bare-axum on $BARE_BASE answers the same $BYTES bytes"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
run() {
  local label="$1" url="$2" round="$3" raw="$WORK/wrk-$1-$3.txt"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: $CLIENT" "$url" >"$raw" 2>&1 || true
  python3 - "$raw" "$label" "$round" >>"$RESULTS" <<'PY'
import re, sys
raw, label, rnd = sys.argv[1:]
t = open(raw).read()
def ms(s):
    m = re.match(r'([\d.]+)(us|ms|s)', s or '')
    if not m: return float('nan')
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == 'us' else v * 1000 if u == 's' else v
rps = re.search(r'Requests/sec:\s+([\d.]+)', t)
lat = dict(re.findall(r'^\s+(50|99)%\s+(\S+)', t, re.M))
bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', t)
err = re.search(r'Socket errors:.*', t)
print('\t'.join([label, rnd, rps.group(1) if rps else 'nan', f"{ms(lat.get('50')):.2f}",
                 f"{ms(lat.get('99')):.2f}", (bad.group(1) if bad else '0') + (f' ({err.group(0)})' if err else '')]))
PY
  tail -1 "$RESULTS" | awk -F'\t' '{printf "  round %s %-10s %10s req/s  p50 %6s ms  p99 %6s ms  non-2xx %s\n", $2, $1, $3, $4, $5, $6}' >&2
}

say "warming up ($WARMUP each)"
wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -H "Authorization: $CLIENT" "$BASE/api/client/features" >/dev/null 2>&1 || true
wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -H "Authorization: $CLIENT" "$BARE_BASE/api/client/features" >/dev/null 2>&1 || true
for r in $(seq 1 "$ROUNDS"); do
  run switchyard "$BASE/api/client/features" "$r"
  run bare-axum "$BARE_BASE/api/client/features" "$r"
done

say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
python3 - "$RESULTS" "$BYTES" "$FLAGS" "$CONNS" <<'PY'
import statistics, sys
results, size, flags, conns = sys.argv[1:]
rows = [l.rstrip('\n').split('\t') for l in open(results) if l.strip()]
print()
print(f"GET /api/client/features, {flags} flags, {size} bytes, {conns} connections")
print()
print("| server | round | req/s | p50 ms | p99 ms | non-2xx |")
print("|---|---|---|---|---|---|")
for label, rnd, rps, p50, p99, bad in rows:
    print(f"| {label} | {rnd} | {float(rps):,.0f} | {p50} | {p99} | {bad} |")
med = {}
for server in ("switchyard", "bare-axum"):
    mine = [r for r in rows if r[0] == server]
    med[server] = (statistics.median(float(r[2]) for r in mine),
                   statistics.median(float(r[4]) for r in mine))
print()
for server, (rps, p99) in med.items():
    print(f"{server}: median {rps:,.0f} req/s, median p99 {p99:.2f} ms")
share = med["switchyard"][0] / med["bare-axum"][0]
print(f"Switchyard / bare-axum = {share:.0%} (target: at least 80%)")
PY
