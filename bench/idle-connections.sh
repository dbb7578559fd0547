#!/usr/bin/env bash
# Idle-connection probe: COUNT (20,000) idle TCP connections to one Switchyard node, some
# silent after connecting, some with a half-sent request head, while /health is requested
# every 100 ms. One command:
#
#   bash bench/idle-connections.sh
#
# Builds the release binary and runs the probe twice, each time against a fresh node on
# SQLite on a free port (never 4242) with SERVER_HEADERS_TIMEOUT=HEADERS_TIMEOUT_MS:
#   1. SERVER_MAX_CONNECTIONS unset (derived from the open-file limit, at most 16,384);
#   2. SERVER_MAX_CONNECTIONS=LOW_LIMIT (1000).
# bench/idle_connections.py opens the connections from several processes (each within the
# open-file hard limit) and source addresses 127.0.0.2.. (so that ephemeral ports never run
# short), and probes /health on a new connection and on one kept-alive connection. Prints
# per run: how many connections the server closed and after how long (within 1 s: refused at
# the limit; before the head timeout: closed to make room for newer ones; at the timeout),
# the /health probes' failures and latency, a timeline, and the server's own log lines about
# the connection limit. Exits non-zero when a /health probe failed.
#
# Knobs: COUNT (20000), HALF (0.5), HEADERS_TIMEOUT_MS (10000), LOW_LIMIT (1000), HOLD
#        (seconds to watch after all are open; HEADERS_TIMEOUT_MS/1000 + 20), HOLDERS (4),
#        SOURCES (4), ONLY (default|low: one run), SWITCHYARD_BIN, KEEP=1 keeps the logs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export COUNT="${COUNT:-20000}"
export HALF="${HALF:-0.5}"
export HEADERS_TIMEOUT_MS="${HEADERS_TIMEOUT_MS:-10000}"
LOW_LIMIT="${LOW_LIMIT:-1000}"
export HOLD="${HOLD:-$(( HEADERS_TIMEOUT_MS / 1000 + 20 ))}"
export HOLDERS="${HOLDERS:-4}"
export SOURCES="${SOURCES:-4}"

. "$HERE/lib.sh"
need_tools python3 curl

BIN="$(switchyard_bin)"

WORK="$(mktemp -d)"
PID=""
stop_server() {
  stop_pid "$PID"
  PID=""
}
cleanup() {
  stop_server
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_case NAME [VAR=VALUE...]: a fresh node, the probe, the node's log lines
run_case() {
  local name="$1"; shift
  local port status=0
  port="$(free_port)"
  mkdir -p "$WORK/$name"
  env DATABASE_URL="sqlite://$WORK/$name/bench.db" HTTP_HOST=127.0.0.1 PORT="$port" \
    SERVER_HEADERS_TIMEOUT="$HEADERS_TIMEOUT_MS" LOG_LEVEL=info "$@" \
    "$BIN" >"$WORK/$name/server.log" 2>&1 &
  PID=$!
  wait_healthy "http://127.0.0.1:$port/health" "$PID" "$WORK/$name/server.log" 100
  local files; files="$(awk '/Max open files/{print $4}' "/proc/$PID/limits")"
  echo
  echo "### $name: SERVER_HEADERS_TIMEOUT=$HEADERS_TIMEOUT_MS ${*:-(SERVER_MAX_CONNECTIONS unset)}"
  echo
  echo "Server pid $PID on port $port; its open-file soft limit after start-up: $files" \
       "(the derived connection limit is that minus 256, at most 16,384, when SERVER_MAX_CONNECTIONS is unset);" \
       "load average $(cut -d' ' -f1-3 /proc/loadavg)."
  python3 "$HERE/idle_connections.py" 127.0.0.1 "$port" "$PID" || status=$?
  if kill -0 "$PID" 2>/dev/null; then
    echo
    echo "Server still running after the probe; resident memory $(awk '/VmRSS/{printf "%.1f MiB", $2/1024}' "/proc/$PID/status")."
  else
    echo
    echo "SERVER EXITED during the probe:"; tail -20 "$WORK/$name/server.log"
    status=3
  fi
  stop_server
  sed 's/\x1b\[[0-9;]*m//g' "$WORK/$name/server.log" >"$WORK/$name/plain.log"
  local n; n="$(grep -c 'connection limit reached' "$WORK/$name/plain.log" || true)"
  echo
  # the server writes one line per 1,000 times it meets the limit, with the count so far
  local times; times="$(grep 'connection limit reached' "$WORK/$name/plain.log" | sed -n 's/.* times=\([0-9]*\).*/\1/p' | tail -1)"
  echo "Server log: $n line(s) about the connection limit$([ -n "$times" ] && echo " (the limit was met $times to $((times + 999)) times)")$([ "$n" = 0 ] && echo ': the limit was never met')$([ "$n" = 1 ] && echo ':')$([ "$n" -gt 1 ] && echo '; the first and the last:')"
  if [ "$n" -gt 0 ]; then
    grep 'connection limit reached' "$WORK/$name/plain.log" | awk 'NR == 1 { print } END { if (NR > 1) print }' | cut -c1-300 | sed 's/^/    /'
  fi
  local other; other="$(grep -E '^[^ ]+ +(WARN|ERROR) ' "$WORK/$name/plain.log" | grep -vc 'connection limit reached' || true)"
  echo "Other warnings and errors in the server log: $other"
  [ "$other" -gt 0 ] && grep -E '^[^ ]+ +(WARN|ERROR) ' "$WORK/$name/plain.log" | grep -v 'connection limit reached' \
    | cut -d' ' -f2- | cut -c1-200 | sort | uniq -c | sort -rn | head -5 | sed 's/^/    /'
  return "$status"
}

overall=0
if [ "${ONLY:-default}" = default ] || [ -z "${ONLY:-}" ]; then
  run_case default || overall=$?
fi
if [ "${ONLY:-low}" = low ] || [ -z "${ONLY:-}" ]; then
  run_case low SERVER_MAX_CONNECTIONS="$LOW_LIMIT" || overall=$?
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
exit "$overall"
