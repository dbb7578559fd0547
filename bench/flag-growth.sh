#!/usr/bin/env bash
# Flag growth: a node's resident memory while flags are created and the project is read, on
# PostgreSQL. One command:
#
#   bash bench/flag-growth.sh
#
# Builds the release binary (or takes SWITCHYARD_BIN), creates a fresh PostgreSQL database
# (dropped at exit), starts one node on it on a free port (never 4242), seeds SEED flags with
# bench/seed.py (a flexibleRollout strategy with three constraints each) and runs
# bench/flag_growth.py: ROUNDS rounds of one new flag (MODE=create) or one toggle
# (MODE=toggle: the project keeps its size), each followed by READS reads of
# GET /api/admin/projects/default and one of the UI's project page. Prints the node's
# resident memory every STEP rounds.
#
# DATABASE_QUERY is appended to the node's DATABASE_URL, e.g.
# DATABASE_QUERY=statement-cache-capacity=0 turns off sqlx's per-connection cache of
# prepared statements, to see how much of the growth that cache holds.
#
# Knobs: MODE (create), SEED (24), ROUNDS (100), READS (5), STEP (20), DATABASE_QUERY,
#        SWITCHYARD_BIN, PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGMAINTDB
#        (test), KEEP=1 keeps the node's log. Needs python3, curl and psql.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MODE="${MODE:-create}"
SEED="${SEED:-24}"
ROUNDS="${ROUNDS:-100}"
READS="${READS:-5}"
STEP="${STEP:-20}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PGMAINTDB="${PGMAINTDB:-test}"

. "$HERE/lib.sh"
need_tools python3 curl psql

BIN="$(switchyard_bin)"

WORK="$(mktemp -d)"
DB="switchyard_flag_growth_$$_$(date +%s)"
DB_MADE=0
PID=""
psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$PGMAINTDB" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
cleanup() {
  stop_pid "$PID"
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
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB${DATABASE_QUERY:+?$DATABASE_QUERY}"
env DATABASE_URL="$URL" HTTP_HOST=127.0.0.1 PORT="$PORT" \
  UNLEASH_DEFAULT_ADMIN_USERNAME="$BENCH_ADMIN_USER" UNLEASH_DEFAULT_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
  LOG_LEVEL="warn,switchyard=info" "$BIN" >"$WORK/node.log" 2>&1 &
PID=$!
wait_healthy "$BASE/health" "$PID" "$WORK/node.log"
python3 "$HERE/seed.py" "$BASE" flags "$SEED" >/dev/null

echo
echo "One node on PostgreSQL $(psql_admin 'SHOW server_version' | cut -d' ' -f1), $SEED seeded flags; MODE=$MODE: $ROUNDS rounds of" \
     "$([ "$MODE" = create ] && echo 'a new flag' || echo 'a toggle'), $READS project reads and one UI project page" \
     "${DATABASE_QUERY:+(DATABASE_URL with ?$DATABASE_QUERY)}. Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
python3 "$HERE/flag_growth.py" "$BASE" "$PID" "$MODE" "$ROUNDS" "$READS" "$STEP"
