#!/usr/bin/env bash
# Soak test: two Switchyard nodes on one PostgreSQL database under ten minutes of mixed
# traffic, with one node restarted halfway. One command:
#
#   bash bench/soak.sh
#
# Builds the release binary, creates a fresh PostgreSQL database (dropped at exit), starts
# node A and node B on free ports (never 4242) with TRUSTED_PROXY_HEADER=X-Forwarded-For,
# and runs bench/soak.py, which sets up an Editor with a personal access token, client and
# frontend tokens, 24 flags and a UI session, then sends (through its own round-robin load
# balancer, keep-alive connections) for DURATION seconds:
#   sdk    GET /api/client/features (with and without If-None-Match), GET /api/frontend with
#          a query-string context, now and then POST /api/client/metrics and /register;
#   admin  the Editor's token: GET /api/admin/projects, a project, a flag; toggles of a flag's
#          environment; a new flag now and then (every acknowledged write is checked on both
#          nodes at the end, in the Admin API and in the client API);
#   ui     a few UI pages with the session cookie from the login form;
#   flood  random well-formed tokens from their own address (401 and 429 expected).
# Halfway, node B leaves the rotation, drains, gets SIGTERM, starts again on the same port
# and database and returns once /health answers. Prints requests and errors per class,
# p50/p99 per 30-second window, and node A's resident memory after a 60 s warm-up and at
# the end. Exits 1 when valid traffic had an error or an acknowledged write is missing.
#
# Knobs: DURATION (600, seconds), RESTART_AT (DURATION/2), RATE_SDK (160), RATE_ADMIN (30),
#        RATE_UI (4), RATE_FLOOD (40) requests per second, PGHOST (127.0.0.1), PGPORT (5432),
#        PGUSER (postgres), PGMAINTDB (test: the database the new one is created from),
#        SWITCHYARD_BIN (a binary to run instead of building the release one), KEEP=1 keeps
#        the temporary folder (node logs). Needs python3, curl and psql.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export DURATION="${DURATION:-600}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PGMAINTDB="${PGMAINTDB:-test}"

. "$HERE/lib.sh"

need_tools python3 curl psql

BIN="$(switchyard_bin)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d)"
DB="switchyard_soak_$$_$(date +%s)"
DB_MADE=0
psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$PGMAINTDB" -v ON_ERROR_STOP=1 -qAt -c "$1"; }

# stop_pid FILE: SIGTERM to the pid in FILE when it is still the switchyard binary, then wait
stop_pid() {
  local f="$1" pid
  [ -s "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$BIN" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      grep -qs '^State:.*[ZX]' "/proc/$pid/status" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && ! grep -qs '^State:.*[ZX]' "/proc/$pid/status"; then
      say "pid $pid still running 10 s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$WORK/b.pid"
  stop_pid "$WORK/a.pid"
  if [ "$DB_MADE" = 1 ]; then
    psql_admin "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || say "could not drop database $DB"
  fi
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_admin "CREATE DATABASE \"$DB\""
DB_MADE=1
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"

PORT_A="$(free_port)"
PORT_B="$(free_port "$PORT_A")"

export BENCH_ADMIN_USER=admin
BENCH_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export BENCH_ADMIN_PASSWORD
# what both nodes are started with (apart from PORT); soak.py starts node B again with it
NODE_ENV_JSON="$(python3 - <<'PY'
import json, os
print(json.dumps({
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "HTTP_HOST": "127.0.0.1",
    "UNLEASH_DEFAULT_ADMIN_USERNAME": os.environ["BENCH_ADMIN_USER"],
    "UNLEASH_DEFAULT_ADMIN_PASSWORD": os.environ["BENCH_ADMIN_PASSWORD"],
    "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
    "LOG_LEVEL": "warn,switchyard=info",
}))
PY
)"

# start_node NAME PORT: starts a node in the background with NODE_ENV_JSON, waits for /health
start_node() {
  local name="$1" port="$2" pid
  env $(python3 -c 'import json,sys; print(" ".join(f"{k}={v}" for k, v in json.loads(sys.argv[1]).items()))' "$NODE_ENV_JSON") \
    PORT="$port" "$BIN" >>"$WORK/$name.log" 2>&1 &
  pid=$!
  echo "$pid" >"$WORK/$name.pid"
  wait_healthy "http://127.0.0.1:$port/health" "$pid" "$WORK/$name.log"
  say "node $name: pid $pid on http://127.0.0.1:$port"
}

say "database $DB on $PGHOST:$PGPORT"
start_node a "$PORT_A"   # first alone: it runs the migrations
start_node b "$PORT_B"

say "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
status=0
SOAK_A="http://127.0.0.1:$PORT_A" SOAK_B="http://127.0.0.1:$PORT_B" \
  SOAK_A_PID="$(cat "$WORK/a.pid")" SOAK_B_PID="$(cat "$WORK/b.pid")" SOAK_B_PIDFILE="$WORK/b.pid" \
  SOAK_BIN="$BIN" SOAK_B_LOG="$WORK/b.log" SOAK_NODE_ENV="$NODE_ENV_JSON" \
  python3 "$HERE/soak.py" || status=$?
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; other work on the machine skews the figures)"

# what the nodes logged at warn and above, and node B's shutdown and start
for n in a b; do
  sed 's/\x1b\[[0-9;]*m//g' "$WORK/$n.log" >"$WORK/$n.plain.log"
  lines="$(grep -cE '^[^ ]+ +(WARN|ERROR) ' "$WORK/$n.plain.log" || true)"
  say "node $(echo "$n" | tr a-z A-Z) log: $lines warning/error lines"
  grep -E '^[^ ]+ +(WARN|ERROR) ' "$WORK/$n.plain.log" | cut -d' ' -f2- | cut -c1-240 | sort | uniq -c | sort -rn | head -5 >&2 || true
done
say "node B's log around its restart:"
grep -iE 'shutdown|listening|started|in-flight|migrat' "$WORK/b.plain.log" | cut -c1-200 | head -12 >&2 || true
exit "$status"
