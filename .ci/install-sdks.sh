#!/usr/bin/env bash
# Installs the official Unleash SDKs that tests/sdk_compat.rs drives: the Python SDK into a
# virtualenv under target/, the Node and browser SDKs with `npm ci` in sdk-compat/node.
# Idempotent and quiet: does nothing when what is installed already matches the pins.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/sdk-venv
REQS=sdk-compat/python/requirements.txt
STAMP="$VENV/.installed-requirements"

if ! command -v python3 >/dev/null 2>&1; then
  echo "install-sdks: python3 is missing" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s "$REQS" "$STAMP" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
  cp "$REQS" "$STAMP"
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-sdks: node/npm is missing" >&2
  exit 1
fi
NODE_DIR=sdk-compat/node
# npm writes node_modules/.package-lock.json on install: reinstall when it is missing or
# older than the lockfile.
HIDDEN="$NODE_DIR/node_modules/.package-lock.json"
if [ ! -f "$HIDDEN" ] || [ "$NODE_DIR/package-lock.json" -nt "$HIDDEN" ]; then
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
