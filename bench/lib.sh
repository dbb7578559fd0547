# Steps the benchmark scripts share. Sourced by them (`. "$HERE/lib.sh"`), never run alone.
# Expects ROOT (the repository) to be set by the sourcing script.

say() { printf '%s\n' "$*" >&2; }

# need_tools TOOL...: stops with a message when one of them is missing.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { say "$tool is needed"; exit 1; }
  done
}

# install_missing PACKAGE...: installs from Debian each package whose command is missing
# (the command and the package share their name: wrk, valgrind).
install_missing() {
  local pkg
  for pkg in "$@"; do
    command -v "$pkg" >/dev/null 2>&1 && continue
    say "$pkg not found: installing it from Debian"
    if [ "$(id -u)" = 0 ]; then
      apt-get install -y "$pkg" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$pkg" >/dev/null; }
    else
      sudo apt-get install -y "$pkg" >/dev/null
    fi
  done
}

# target_dir: cargo's build folder for this repository (CARGO_TARGET_DIR is honoured).
target_dir() {
  (cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null) \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

# switchyard_bin: the path of the release binary, built first unless SWITCHYARD_BIN names one.
switchyard_bin() {
  local bin
  if [ -n "${SWITCHYARD_BIN:-}" ]; then
    bin="$SWITCHYARD_BIN"
  else
    say "building Switchyard's release binary"
    (cd "$ROOT" && cargo build --release --bin switchyard --quiet) >&2
    bin="$(target_dir)/release/switchyard"
  fi
  [ -x "$bin" ] || { say "no binary at $bin"; exit 1; }
  printf '%s\n' "$bin"
}

# free_port [TAKEN...]: a free TCP port on 127.0.0.1, never 4242 (where the reference Unleash
# listens) nor one of TAKEN.
free_port() {
  local p t ok
  while :; do
    p="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    ok=1
    for t in 4242 "$@"; do [ "$p" = "$t" ] && ok=0; done
    [ "$ok" = 1 ] && { printf '%s\n' "$p"; return; }
  done
}

# wait_healthy URL PID LOG [TRIES]: waits until URL answers 2xx; stops with the log's tail
# when the process PID exits first, or after TRIES tenths of a second (300).
wait_healthy() {
  local url="$1" pid="$2" log="$3" tries="${4:-300}"
  for _ in $(seq 1 "$tries"); do
    curl -fsS -m 1 -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { say "the server exited:"; tail -20 "$log" >&2; exit 1; }
    sleep 0.1
  done
  say "no answer on $url"; exit 1
}

# stop_pid PID...: ends each process still running (SIGTERM) and waits for it.
stop_pid() {
  local p
  for p in "$@"; do
    [ -n "$p" ] || continue
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
}

# build_commit: the short commit of the working tree, marked when the code has uncommitted changes.
build_commit() {
  local c
  c="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(cd "$ROOT" && git status --porcelain -- src Cargo.toml Cargo.lock migrations 2>/dev/null)" ]; then
    c="$c (with uncommitted changes)"
  fi
  printf '%s\n' "$c"
}
