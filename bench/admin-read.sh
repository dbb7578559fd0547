#!/usr/bin/env bash
# Admin API reads with a personal access token, Switchyard beside the real Unleash: one command.
#
#   bash bench/admin-read.sh            # Switchyard on SQLite, and Unleash when it answers
#   PG=1 bash bench/admin-read.sh       # also Switchyard on a fresh PostgreSQL database
#   SCALE=1 bash bench/admin-read.sh    # Switchyard only, 10,000 flags and 10,000 tokens
#
# Builds the release binary (or takes SWITCHYARD_BIN), starts Switchyard on SQLite in a
# temporary folder on a free port (never 4242) and, with PG=1, a second node on a fresh
# PostgreSQL database (dropped at exit). Seeds through the Admin API (bench/admin_seed.py):
# PROJECTS projects (the first is `default`) with FLAGS flags each, every flag with a
# flexibleRollout strategy and three constraints (a second constrained strategy on every
# fourth), enabled in development; then an Editor user, who signs in and creates a personal
# access token. When the real Unleash answers on ANCHOR_URL (the shared anchor's start.sh;
# never started here), the same data, user and token are made there too (admin / unleash4all);
# start it with TOKEN_AUTHENTICATION_RATE_LIMIT_PER_MINUTE raised, or its per-address limit of
# 20,000 token requests a minute may answer 429 (counted in the non-2xx column). Unleash OSS
# cannot create projects (404), so it keeps its one project, `default`.
# Then for each route
#   GET /api/admin/projects
#   GET /api/admin/projects/default            (Unleash 8.2 has no such route: 404, skipped there)
#   GET /api/admin/projects/default/features   (the project's flag list, which Unleash has)
#   GET /api/admin/projects/default/features/bench-p000-f0001
# wrk runs a WARMUP (unmeasured) and then DURATION at CONNS connections against each server
# in turn, with the Editor's token, and the tables give req/s, p50, p99, the non-2xx count,
# the ratio Switchyard / Unleash and the server's resident memory.
#
# SCALE=1: Switchyard only; PROJECTS=100, FLAGS=100 (10,000 flags) and TOKENS=10,000 service-
# account tokens (100 accounts with 100 tokens each, PAT_LIMIT=100) besides the Editor's; the
# same three routes with the Editor's token, then the project list once more with the 10,000
# tokens used in turn (bench/admin-tokens.lua), and the resident memory after the runs.
#
# Knobs: DURATION (15s), WARMUP (3s), THREADS (2), CONNS (32), PROJECTS (11 | 100),
#        FLAGS (25 | 100), TOKENS (0 | 10000), SEED_THREADS (8), ANCHOR_URL
#        (http://127.0.0.1:4242), ANCHOR_USER (admin), ANCHOR_PASSWORD (unleash4all),
#        PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGMAINTDB (test), KEEP=1 keeps
#        the temporary folder (server logs, raw wrk output). Needs wrk, python3, curl (psql with PG=1).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SCALE="${SCALE:-0}"
PG="${PG:-0}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-32}"
if [ "$SCALE" = 1 ]; then
  PROJECTS="${PROJECTS:-100}"; FLAGS="${FLAGS:-100}"; TOKENS="${TOKENS:-10000}"
else
  PROJECTS="${PROJECTS:-11}"; FLAGS="${FLAGS:-25}"; TOKENS="${TOKENS:-0}"
fi
TOKENS_PER_ACCOUNT=100
ANCHOR_URL="${ANCHOR_URL:-http://127.0.0.1:4242}"
ANCHOR_USER="${ANCHOR_USER:-admin}"
ANCHOR_PASSWORD="${ANCHOR_PASSWORD:-unleash4all}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PGMAINTDB="${PGMAINTDB:-test}"

. "$HERE/lib.sh"
need_tools wrk python3 curl
if [ "$PG" = 1 ]; then command -v psql >/dev/null || { say "psql is needed with PG=1"; exit 1; }; fi

# ---- build
BIN="$(switchyard_bin)"
COMMIT="$(build_commit)"

WORK="$(mktemp -d)"
DB="switchyard_admin_read_$$_$(date +%s)"
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

BENCH_ADMIN_PASSWORD="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"

# start_node NAME DATABASE_URL: a Switchyard node on a free port; sets URL and NODE_PID
start_node() {
  local name="$1" db="$2" port pid
  port="$(free_port)"
  env DATABASE_URL="$db" HTTP_HOST=127.0.0.1 PORT="$port" PAT_LIMIT="$TOKENS_PER_ACCOUNT" \
    UNLEASH_DEFAULT_ADMIN_USERNAME=admin UNLEASH_DEFAULT_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
    LOG_LEVEL="warn" "$BIN" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_healthy "http://127.0.0.1:$port/health" "$pid" "$WORK/$name.log"
  URL="http://127.0.0.1:$port"
  NODE_PID="$pid"
}

jget() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(v[sys.argv[1]] if not isinstance(v[sys.argv[1]], list) else "; ".join(v[sys.argv[1]]))' "$1"; }

# SERVERS: "label|url|pid|seed json file"
SERVERS=()
start_node sqlite "sqlite://$WORK/bench.db"
SQ_URL="$URL"; SQ_PID="$NODE_PID"
say "Switchyard (SQLite) pid $SQ_PID on $SQ_URL"
if [ "$PG" = 1 ]; then
  psql_admin "CREATE DATABASE \"$DB\""
  DB_MADE=1
  start_node postgres "postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
  PG_URL="$URL"; PG_PID="$NODE_PID"
  say "Switchyard (PostgreSQL $(psql_admin 'SHOW server_version' | cut -d' ' -f1)) pid $PG_PID on $PG_URL"
fi

seed_switchyard() {
  local label="$1" url="$2" pid="$3" started
  started=$(date +%s)
  say "seeding $label: $PROJECTS projects x $FLAGS flags, the Editor and the Editor's token"
  BENCH_ADMIN_USER=admin BENCH_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
    python3 "$HERE/admin_seed.py" "$url" dataset "$PROJECTS" "$FLAGS" >"$WORK/seed-$label.json"
  if [ "$TOKENS" -gt 0 ]; then
    say "seeding $label: $TOKENS service-account tokens"
    BENCH_ADMIN_USER=admin BENCH_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
      python3 "$HERE/admin_seed.py" "$url" service-pats $((TOKENS / TOKENS_PER_ACCOUNT)) "$TOKENS_PER_ACCOUNT" "$WORK/tokens-$label.txt"
  fi
  say "  seeded in $(( $(date +%s) - started )) s; resident memory $(rss "$pid")"
  SERVERS+=("$label|$url|$pid|$WORK/seed-$label.json")
}
rss() { awk '/VmRSS/{printf "%.1f MiB", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

seed_switchyard "Switchyard (SQLite)" "$SQ_URL" "$SQ_PID"
if [ "$PG" = 1 ]; then seed_switchyard "Switchyard (PostgreSQL)" "$PG_URL" "$PG_PID"; fi

ANCHOR_NOTE=""
if [ "$SCALE" = 1 ]; then
  ANCHOR_NOTE="Scale run: Switchyard only."
elif curl -fsS -m 3 "$ANCHOR_URL/health" >/dev/null 2>&1; then
  say "Unleash answers on $ANCHOR_URL: seeding the same data there"
  started=$(date +%s)
  if BENCH_ADMIN_USER="$ANCHOR_USER" BENCH_ADMIN_PASSWORD="$ANCHOR_PASSWORD" SEED_THREADS=4 \
      python3 "$HERE/admin_seed.py" "$ANCHOR_URL" dataset "$PROJECTS" "$FLAGS" >"$WORK/seed-unleash.json"; then
    say "  seeded in $(( $(date +%s) - started )) s"
    SERVERS+=("Unleash 8.2.0|$ANCHOR_URL||$WORK/seed-unleash.json")
  else
    ANCHOR_NOTE="Unleash answered on $ANCHOR_URL but could not be seeded: Switchyard only."
    say "$ANCHOR_NOTE"
  fi
else
  ANCHOR_NOTE="No Unleash on $ANCHOR_URL: Switchyard only, no ratio."
  say "$ANCHOR_NOTE"
fi

# ---- check every route answers 200 on every server before loading it (a route the server
# does not have, 404, is left out for that server: Unleash 8.2 has no GET /api/admin/projects/{id})
ROUTES=("/api/admin/projects" "/api/admin/projects/default" "/api/admin/projects/default/features"
        "/api/admin/projects/default/features/bench-p000-f0001")
: >"$WORK/absent.tsv"
for s in "${SERVERS[@]}"; do
  IFS='|' read -r label url pid seed <<<"$s"
  pat="$(jget pat <"$seed")"
  for r in "${ROUTES[@]}"; do
    code="$(curl -sS -o "$WORK/check.json" -w '%{http_code}' -H "Authorization: $pat" "$url$r")"
    if [ "$code" = 404 ] && [[ "$label" == Unleash* ]]; then
      say "  $label: $r answers 404 (not available there): not measured on it"
      printf '%s\t%s\n' "$label" "$r" >>"$WORK/absent.tsv"
      continue
    fi
    [ "$code" = 200 ] || { say "$label: $r answered $code: $(head -c 300 "$WORK/check.json")"; exit 1; }
    printf '%s\t%s\t%s\n' "$label" "$r" "$(wc -c <"$WORK/check.json")" >>"$WORK/sizes.tsv"
  done
  python3 - "$WORK/check.json" "$label" <<'PY' >&2
import json, sys
v = json.load(open(sys.argv[1]))
print(f"  {sys.argv[2]}: flag {v.get('name')} in {v.get('project')}, "
      f"{sum(len(e.get('strategies', [])) for e in v.get('environments', []))} strategies")
PY
done

# ---- measure
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
measure() {  # LABEL ROUTE URL TOKEN [LUA]
  local label="$1" route="$2" url="$3" token="$4" lua="${5:-}" raw="$WORK/wrk-$RANDOM.txt" args=()
  if [ -n "$lua" ]; then args=(-s "$lua"); else args=(-H "Authorization: $token"); fi
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${args[@]}" "$url$route" >/dev/null 2>&1 || true
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${args[@]}" "$url$route" >"$raw" 2>&1 || true
  python3 - "$raw" "$label" "$route${lua:+ (10,000 tokens in turn)}" >>"$RESULTS" <<'PY'
import re, sys
raw, label, route = sys.argv[1:]
t = open(raw).read()
def ms(s):
    m = re.match(r'([\d.]+)(us|ms|s)', s or '')
    if not m: return float('nan')
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == 'us' else v * 1000 if u == 's' else v
rps = re.search(r'Requests/sec:\s+([\d.]+)', t)
lat = dict(re.findall(r'^\s+(50|90|99)%\s+(\S+)', t, re.M))
total = re.search(r'(\d+) requests in', t)
bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', t)
lua_bad = re.search(r'non-200 answers: (\d+)', t)
err = re.search(r'Socket errors:.*', t)
note = str(int(bad.group(1)) if bad else int(lua_bad.group(1)) if lua_bad else 0) + (f' ({err.group(0)})' if err else '')
print('\t'.join([label, route, rps.group(1) if rps else 'nan', f"{ms(lat.get('50')):.2f}", f"{ms(lat.get('90')):.2f}",
                 f"{ms(lat.get('99')):.2f}", total.group(1) if total else '?', note]))
PY
  tail -1 "$RESULTS" | awk -F'\t' '{printf "  %-24s %-58s %9s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s\n", $1, $2, $3, $4, $6, $8}' >&2
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
say "measuring: $CONNS connections, $THREADS wrk threads, $WARMUP warm-up + $DURATION per server and route (load average $LOAD_START)"
for r in "${ROUTES[@]}"; do
  for s in "${SERVERS[@]}"; do
    IFS='|' read -r label url pid seed <<<"$s"
    if grep -qxF "$(printf '%s\t%s' "$label" "$r")" "$WORK/absent.tsv"; then continue; fi
    measure "$label" "$r" "$url" "$(jget pat <"$seed")"
  done
done
if [ "$TOKENS" -gt 0 ]; then
  for s in "${SERVERS[@]}"; do
    IFS='|' read -r label url pid seed <<<"$s"
    [ -n "$pid" ] || continue
    TOKENS_FILE="$WORK/tokens-$label.txt" measure "$label" "/api/admin/projects" "$url" "" "$HERE/admin-tokens.lua"
  done
fi
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
MEM="$WORK/memory.tsv"
: >"$MEM"
for s in "${SERVERS[@]}"; do
  IFS='|' read -r label url pid seed <<<"$s"
  if [ -n "$pid" ]; then
    printf '%s\t%s\t%s\n' "$label" "$(rss "$pid")" "$(awk '/VmHWM/{printf "%.1f MiB", $2/1024}' "/proc/$pid/status")" >>"$MEM"
  fi
done

# ---- tables
python3 - "$RESULTS" "$MEM" "$WORK/sizes.tsv" "$COMMIT" "$LOAD_START" "$LOAD_END" "$SCALE" "$ANCHOR_NOTE" \
  "$CONNS" "$THREADS" "$DURATION" "$WARMUP" "$PROJECTS" "$FLAGS" "$TOKENS" "$(nproc)" "${SERVERS[@]}" <<'PY'
import json, sys
(results, mem, sizes, commit, load_start, load_end, scale, anchor_note, conns, threads, duration, warmup,
 projects, flags, tokens, cores), servers = sys.argv[1:17], sys.argv[17:]
rows = [l.rstrip('\n').split('\t') for l in open(results) if l.strip()]
size = {(a, b): int(c) for a, b, c in (l.rstrip('\n').split('\t') for l in open(sizes) if l.strip())}
seeds = {}
for s in servers:
    label, url, pid, seed = s.split('|')
    seeds[label] = json.load(open(seed))
print()
print(f"Commit {commit}; {cores} cores; load average {load_start} at the start, {load_end} at the end.")
print(f"wrk {threads} threads, {conns} connections, {warmup} warm-up (not measured) then {duration} per server and route, servers in turn.")
for label, sd in seeds.items():
    print(f"{label}: {sd['projects']} of {sd['projectsWanted']} projects, {flags} flags in the measured project, "
          f"token of {sd['patOwner']}" + (f"; {'; '.join(sd['notes'])}" if sd['notes'] else ""))
if int(tokens):
    print(f"Switchyard also holds {int(tokens):,} service-account tokens ({int(tokens) // 100} accounts x 100).")
if anchor_note:
    print(anchor_note)
print()
unleash = {r[1]: float(r[2]) for r in rows if r[0].startswith("Unleash")}
stand_in = {}
if unleash and "/api/admin/projects/default" not in unleash and "/api/admin/projects/default/features" in unleash:
    # Unleash 8.2 has no GET /api/admin/projects/{id}; its flag list of the project is the nearest read
    unleash["/api/admin/projects/default"] = unleash["/api/admin/projects/default/features"]
    stand_in["/api/admin/projects/default"] = True
print("| route | server | body bytes | req/s | p50 ms | p90 ms | p99 ms | requests | non-2xx | x Unleash |")
print("|---|---|---|---|---|---|---|---|---|---|")
for label, route, rps, p50, p90, p99, total, bad in rows:
    ratio = ""
    if not label.startswith("Unleash") and route in unleash and unleash[route] > 0:
        ratio = f"{float(rps) / unleash[route]:.1f}x" + (" (a)" if route in stand_in else "")
    b = size.get((label, route.split(' ')[0]))
    print(f"| `GET {route}` | {label} | {b if b is not None else ''} | {float(rps):,.0f} | {p50} | {p90} | {p99} | {int(total):,} | {bad} | {ratio} |")
print()
if stand_in:
    print("(a) Unleash 8.2 answers 404 to GET /api/admin/projects/{id}; the ratio is taken against its "
          "GET /api/admin/projects/default/features (the project's flag list), the nearest read it has.")
    print()
for l in open(mem):
    label, rss, hwm = l.rstrip('\n').split('\t')
    print(f"{label}: resident memory after the runs {rss} (peak {hwm}).")
print()
# the targets
if scale == "1":
    for label, route, rps, p50, p90, p99, total, bad in rows:
        if not label.startswith("Unleash"):
            print(f"- target p99 < 10 ms, {label}, {route}: {p99} ms: {'met' if float(p99) < 10 else 'missed'}")
    for l in open(mem):
        label, rss, hwm = l.rstrip('\n').split('\t')
        print(f"- target resident memory < 100 MiB, {label}: {rss}: {'met' if float(rss.split()[0]) < 100 else 'missed'}")
else:
    for label, route, rps, p50, p90, p99, total, bad in rows:
        if label.startswith("Unleash"):
            continue
        parts = [f"p99 {p99} ms < 5 ms: {'met' if float(p99) < 5 else 'missed'}"]
        if route in unleash:
            x = float(rps) / unleash[route]
            parts.append(f"{x:.1f}x Unleash{' (a)' if route in stand_in else ''} >= 100x: {'met' if x >= 100 else 'missed'}")
        print(f"- {label}, {route}: " + "; ".join(parts))
PY
