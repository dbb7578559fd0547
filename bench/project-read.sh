#!/usr/bin/env bash
# Project read: how long GET /api/admin/projects/default takes on PostgreSQL as the project
# grows. One command:
#
#   bash bench/project-read.sh
#
# Builds the release binary (or takes SWITCHYARD_BIN), creates a fresh PostgreSQL database
# (dropped at exit), starts a node on it on a free port (never 4242), creates a personal
# access token of the admin, and for each count in FLAGS seeds the project up to that many
# flags with bench/seed.py (a flexibleRollout strategy with three constraints each, a second
# strategy on every fourth) and times REQUESTS sequential reads with bench/project_read.py.
#
# To compare with another build, give its binary as BASELINE_BIN: a second node runs it on
# the same database (started first, so that it runs the migrations; the two builds must
# share the schema), and each measured round asks both nodes in turn. A binary of an earlier
# commit, for example (built in its own target directory: with CARGO_TARGET_DIR shared with
# this tree, cargo afterwards takes the other commit's build for this tree's and stops
# rebuilding it):
#
#   git worktree add --detach ../baseline <commit> && (cd ../baseline && cargo build --release)
#   BASELINE_BIN=../baseline/target/release/switchyard BASELINE_LABEL=<commit> bash bench/project-read.sh
#   git worktree remove ../baseline
#
# Knobs: FLAGS ("25 100 200 1000"), REQUESTS (50), WARMUP (3), LABEL (the current commit),
#        BASELINE_BIN, BASELINE_LABEL (baseline), PGHOST (127.0.0.1), PGPORT (5432),
#        PGUSER (postgres), PGMAINTDB (test), KEEP=1 keeps the node logs. Needs python3, curl
#        and psql.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
FLAGS="${FLAGS:-25 100 200 1000}"
export REQUESTS="${REQUESTS:-50}"
export WARMUP="${WARMUP:-3}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PGMAINTDB="${PGMAINTDB:-test}"

. "$HERE/lib.sh"
need_tools python3 curl psql

BIN="$(switchyard_bin)"
LABEL="${LABEL:-$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo this build)}"
if [ -n "${BASELINE_BIN:-}" ]; then
  [ -x "$BASELINE_BIN" ] || { say "no binary at $BASELINE_BIN"; exit 1; }
  BASELINE_LABEL="${BASELINE_LABEL:-baseline}"
fi

WORK="$(mktemp -d)"
DB="switchyard_project_read_$$_$(date +%s)"
DB_MADE=0
PIDS=()
psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$PGMAINTDB" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
cleanup() {
  for pid in "${PIDS[@]}"; do
    stop_pid "$pid"
  done
  if [ "$DB_MADE" = 1 ]; then
    psql_admin "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || say "could not drop database $DB"
  fi
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_admin "CREATE DATABASE \"$DB\""
DB_MADE=1
export BENCH_ADMIN_USER=admin
BENCH_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export BENCH_ADMIN_PASSWORD

# start_node NAME BINARY: a node on the database on a free port; prints its URL
start_node() {
  local name="$1" bin="$2" port pid
  port="$(free_port)"
  env DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" HTTP_HOST=127.0.0.1 PORT="$port" \
    UNLEASH_DEFAULT_ADMIN_USERNAME="$BENCH_ADMIN_USER" UNLEASH_DEFAULT_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
    LOG_LEVEL="warn,switchyard=info" "$bin" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_healthy "http://127.0.0.1:$port/health" "$pid" "$WORK/$name.log"
  URL="http://127.0.0.1:$port"
}

NODES=()
if [ -n "${BASELINE_BIN:-}" ]; then
  start_node baseline "$BASELINE_BIN"
  NODES+=("$BASELINE_LABEL=$URL")
fi
start_node current "$BIN"
NODES+=("$LABEL=$URL")
SEED_URL="$URL"
TOKEN="$(python3 "$HERE/seed.py" "$SEED_URL" admin-pat)"

echo
echo "GET /api/admin/projects/default with the admin's personal access token, PostgreSQL $(psql_admin 'SHOW server_version' | cut -d' ' -f1);" \
     "$WARMUP unmeasured and $REQUESTS measured requests per node and size, one keep-alive connection per node$([ "${#NODES[@]}" -gt 1 ] && echo ', the nodes asked in turn')."
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)."
echo
echo "| flags | build | requests | p50 ms | p90 ms | p99 ms | min ms | max ms | answer |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $FLAGS; do
  python3 "$HERE/seed.py" "$SEED_URL" flags "$n" 2>/dev/null
  python3 "$HERE/project_read.py" "$n" "$TOKEN" "${NODES[@]}"
done
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
