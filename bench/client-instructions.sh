#!/usr/bin/env bash
# Instructions per request of GET /api/client/features, Switchyard beside bench/bare-axum,
# counted by valgrind's callgrind: unlike req/s, the count does not depend on what else the
# machine is doing, so a change to the request path can be judged on a busy machine.
#
#   bash bench/client-instructions.sh
#
# Builds Switchyard's release binary (or takes SWITCHYARD_BIN) and bench/bare-axum, starts
# Switchyard under callgrind on SQLite in a temporary folder, seeds FLAGS flags and a client
# token (bench/seed.py), warms up with wrk, then counts only REQUESTS requests sent one after
# another on one kept-alive connection (callgrind's counters are zeroed before and dumped
# after). Then the same for bare-axum answering the same body and ETag. Prints both counts
# per request and their ratio.
#
# Knobs: FLAGS (10), REQUESTS (3000), KEEP=1 keeps the temporary folder. Needs valgrind,
#        wrk, python3 and curl (valgrind and wrk are installed from Debian when missing).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
FLAGS="${FLAGS:-10}"
REQUESTS="${REQUESTS:-3000}"

. "$HERE/lib.sh"
install_missing valgrind wrk
need_tools python3 curl

TARGET="$(target_dir)"
BIN="$(switchyard_bin)"
say "building bench/bare-axum"
(cd "$HERE/bare-axum" && CARGO_TARGET_DIR="$TARGET/bare-axum" cargo build --release --quiet)
BARE="$TARGET/bare-axum/release/bare-axum"

WORK="$(mktemp -d)"
VPID=""
cleanup() {
  stop_pid "$VPID"
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Counts the instructions of REQUESTS requests to $1 with the Authorization value $2, made by
# the callgrind process $VPID; prints the count per request.
count() {
  local url="$1" auth="$2" name="$3"
  wrk -t1 -c4 -d3s -H "Authorization: $auth" "$url" >/dev/null
  callgrind_control -z "$VPID" >/dev/null
  python3 - "$url" "$auth" "$REQUESTS" <<'PY'
import http.client, sys, urllib.parse
url, auth, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
for _ in range(n):
    c.request("GET", u.path, headers={"Authorization": auth})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        raise SystemExit(f"{url} answered {r.status}")
PY
  callgrind_control -d "$VPID" >/dev/null
  sleep 1
  kill -TERM "$VPID"; wait "$VPID" 2>/dev/null || true; VPID=""
  local total
  total="$(for f in "$WORK/$name".out.*; do callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1; exit}'; done | sort -n | tail -1)"
  echo $((total / REQUESTS))
}

PORT="$(free_port)"
export BENCH_ADMIN_USER=admin
BENCH_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export BENCH_ADMIN_PASSWORD
# MALLOC_ARENA_MAX set: the server then runs as it is, without re-executing itself to set
# its allocator's environment (which valgrind would not follow).
DATABASE_URL="sqlite://$WORK/bench.db" HTTP_HOST=127.0.0.1 PORT="$PORT" MALLOC_ARENA_MAX=2 \
  UNLEASH_DEFAULT_ADMIN_USERNAME="$BENCH_ADMIN_USER" UNLEASH_DEFAULT_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
  LOG_LEVEL=warn valgrind --tool=callgrind --callgrind-out-file="$WORK/switchyard.out" "$BIN" \
  >"$WORK/switchyard.log" 2>&1 &
VPID=$!
BASE="http://127.0.0.1:$PORT"
wait_healthy "$BASE/health" "$VPID" "$WORK/switchyard.log" 900
CLIENT="$(python3 "$HERE/seed.py" "$BASE" tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)["client"])')"
python3 "$HERE/seed.py" "$BASE" flags "$FLAGS" >/dev/null
curl -fsS -D "$WORK/headers.txt" -o "$WORK/body.json" -H "Authorization: $CLIENT" "$BASE/api/client/features"
ETAG="$(awk 'tolower($1)=="etag:"{print $2}' "$WORK/headers.txt" | tr -d '\r')"
say "counting $REQUESTS requests to Switchyard ($FLAGS flags, $(wc -c <"$WORK/body.json") bytes)"
SY="$(count "$BASE/api/client/features" "$CLIENT" switchyard)"

BARE_PORT="$(free_port "$PORT")"
valgrind --tool=callgrind --callgrind-out-file="$WORK/bare.out" "$BARE" "$BARE_PORT" "$WORK/body.json" "$ETAG" \
  >"$WORK/bare.log" 2>&1 &
VPID=$!
wait_healthy "http://127.0.0.1:$BARE_PORT/api/client/features" "$VPID" "$WORK/bare.log" 900
say "counting $REQUESTS requests to bare-axum (the same body)"
BARE_COUNT="$(count "http://127.0.0.1:$BARE_PORT/api/client/features" "$CLIENT" bare)"

echo
echo "GET /api/client/features, $FLAGS flags: instructions per request (callgrind)"
echo "switchyard: $SY"
echo "bare-axum:  $BARE_COUNT"
python3 -c "import sys; s,b=int(sys.argv[1]),int(sys.argv[2]); print(f'switchyard / bare-axum = {s/b:.2f}x')" "$SY" "$BARE_COUNT"
