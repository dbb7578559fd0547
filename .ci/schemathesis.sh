#!/usr/bin/env bash
# Property-based API testing: schemathesis (a pinned version) reads the server's own OpenAPI
# document and sends generated requests, valid and invalid, to every operation of a real
# server on SQLite, signed in with an Admin API token. The run fails on any 5xx, any dropped
# connection or timeout, any status code the document does not declare for the operation,
# any answer whose body does not match the schema the document declares for it, and any
# answer whose Content-Type the document does not declare.
#
#   bash .ci/schemathesis.sh            # a few examples per operation (what CI runs)
#   EXAMPLES=50 bash .ci/schemathesis.sh
#
# Maintenance mode is left alone (`POST /api/admin/maintenance` is not sent): once on, it
# answers every later change with 503, as it should, which would hide the rest of the run.
#
# Knobs: EXAMPLES (examples per operation, 5), SEED (1), PHASES (examples,coverage,fuzzing),
#        INCLUDE (a regular expression: only the operations whose path matches it),
#        KEEP=1 keeps the server's folder and log.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
EXAMPLES="${EXAMPLES:-5}"
SEED="${SEED:-1}"
PHASES="${PHASES:-examples,coverage,fuzzing}"
INCLUDE="${INCLUDE:-}"
VENV="target/schemathesis-$VERSION"

if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi
"$VENV/bin/schemathesis" --version

cargo build --quiet --bin switchyard
BIN="target/debug/switchyard"

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
TOKEN="*:*.$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

DATABASE_URL="sqlite://$WORK/schemathesis.db" HTTP_HOST=127.0.0.1 PORT="$PORT" \
  INIT_ADMIN_API_TOKENS="$TOKEN" LOG_LEVEL=warn \
  "$BIN" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 150); do
  curl -fsS -m 1 "$BASE/health" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { echo "the server exited:"; tail -20 "$WORK/server.log"; exit 1; }
  sleep 0.2
done

status=0
include=()
if [ -n "$INCLUDE" ]; then include=(--include-path-regex "$INCLUDE"); fi
"$VENV/bin/schemathesis" run "$BASE/docs/openapi.json" \
  --header "Authorization: $TOKEN" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --phases "$PHASES" \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --exclude-name "POST /api/admin/maintenance" \
  "${include[@]}" \
  --request-timeout 10 \
  --workers 2 \
  --suppress-health-check all \
  --no-color || status=$?

# The server must have lived through it, without a panic in its log.
if ! kill -0 "$PID" 2>/dev/null; then
  echo "the server died during the run:"; tail -40 "$WORK/server.log"; status=1
elif grep -q "panicked" "$WORK/server.log"; then
  echo "the server panicked during the run:"; grep -B2 -A10 "panicked" "$WORK/server.log" | head -60; status=1
fi
exit "$status"
