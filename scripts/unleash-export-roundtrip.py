#!/usr/bin/env python3
"""Export/import round trip between a running Unleash and Switchyard.

1. Creates, in Unleash, flags named `exp1-*` (in Unleash's `default` project: the open-source
   Unleash cannot create projects) that use everything the export format carries: strategies
   with constraints, parameters, titles and strategy variants, a disabled strategy, segments,
   a context field with legal values, tags of a custom tag type, dependencies, environment
   variants, and different enabled states in `development` and `production`.
2. Exports them from Unleash (`POST /api/admin/features-batch/export`), per environment.
3. Imports each export into Switchyard (project `exp1`), exports from Switchyard and compares.
4. Renames the flags of Switchyard's export to `exp2-*`, validates and imports it into Unleash,
   exports `exp2-*` from Unleash and compares it with the original export.

Usage:
  UNLEASH_URL=http://127.0.0.1:4242 UNLEASH_USER=admin UNLEASH_PASSWORD=unleash4all \
  SWITCHYARD_URL=http://127.0.0.1:4350 SWITCHYARD_USER=admin SWITCHYARD_PASSWORD=... \
  python3 scripts/unleash-export-roundtrip.py [--fixture tests/data/unleash-8.2-export.json]

When SWITCHYARD_URL is not set, the script starts `target/debug/switchyard` (or
$SWITCHYARD_BIN) on a temporary SQLite database and stops it at the end.
Exits non-zero when a comparison fails.
"""
import copy
import http.cookiejar
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

UNLEASH = os.environ.get("UNLEASH_URL", "http://127.0.0.1:4242").rstrip("/")
U_USER = os.environ.get("UNLEASH_USER", "admin")
U_PASS = os.environ.get("UNLEASH_PASSWORD", "unleash4all")
PREFIX = "exp1-"
ENVS = ["development", "production"]


class Client:
    def __init__(self, base, user, password):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        st, body = self.call("POST", "/auth/simple/login", {"username": user, "password": password})
        if st != 200:
            sys.exit(f"login to {base} failed: {st} {body}")

    def call(self, method, path, body=None, ok=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(req) as r:
                st, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            st, raw = e.code, e.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        if ok is not None and st not in ok:
            sys.exit(f"{method} {self.base}{path} -> {st}: {parsed}")
        return st, parsed


def ensure(c, path, body, exists_path):
    st, _ = c.call("GET", exists_path)
    if st == 200:
        return
    c.call("POST", path, body, ok=(200, 201))


def remove_flags(c, prefix):
    """Archives, then deletes every flag of `default` whose name starts with `prefix`."""
    st, feats = c.call("GET", "/api/admin/projects/default/features", ok=(200,))
    live = [f["name"] for f in feats["features"] if f["name"].startswith(prefix)]
    if live:
        c.call("POST", "/api/admin/projects/default/archive", {"features": live}, ok=(200, 202))
    st, found = c.call("GET", f"/api/admin/search/features?query={prefix}&archived=IS:true&limit=1000", ok=(200,))
    gone = [f["name"] for f in found["features"] if f["name"].startswith(prefix)]
    if gone:
        c.call("POST", "/api/admin/projects/default/delete", {"features": gone}, ok=(200, 202))


def segment_id(c, name):
    st, segs = c.call("GET", "/api/admin/segments", ok=(200,))
    for s in segs["segments"]:
        if s["name"] == name:
            return s["id"]
    return None


def setup_unleash(c):
    """Creates the `exp1-*` flags in Unleash from scratch."""
    remove_flags(c, "exp1-")
    remove_flags(c, "exp2-")
    ensure(c, "/api/admin/context", {
        "name": "exp1Region", "description": "Region of the caller", "stickiness": True,
        "legalValues": [{"value": "eu", "description": "Europe"}, {"value": "us"}, {"value": "apac", "description": "Asia Pacific"}],
    }, "/api/admin/context/exp1Region")
    ensure(c, "/api/admin/tag-types", {"name": "exp1-team", "description": "Owning team", "icon": None},
           "/api/admin/tag-types/exp1-team")
    if segment_id(c, "exp1-beta") is None:
        c.call("POST", "/api/admin/segments", {
            "name": "exp1-beta", "description": "Beta testers",
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["u1", "u2"], "inverted": False, "caseInsensitive": False}],
        }, ok=(201,))
    if segment_id(c, "exp1-internal") is None:
        c.call("POST", "/api/admin/segments", {
            "name": "exp1-internal", "description": "Staff",
            "constraints": [{"contextName": "exp1Region", "operator": "IN", "values": ["eu"]}],
        }, ok=(201,))
    beta, internal = segment_id(c, "exp1-beta"), segment_id(c, "exp1-internal")
    P = "/api/admin/projects/default/features"
    flags = [
        {"name": "exp1-checkout", "type": "release", "description": "New checkout", "impressionData": True},
        {"name": "exp1-banner", "type": "experiment", "description": "Banner test"},
        {"name": "exp1-kill", "type": "kill-switch"},
        {"name": "exp1-child", "type": "release", "description": "Needs checkout"},
        {"name": "exp1-child-off", "type": "operational"},
    ]
    for f in flags:
        c.call("POST", P, f, ok=(201,))
    c.call("PATCH", f"{P}/exp1-kill", [{"op": "replace", "path": "/stale", "value": True}], ok=(200,))
    # Strategies in development.
    dev = "environments/development/strategies"
    c.call("POST", f"{P}/exp1-checkout/{dev}", {
        "name": "flexibleRollout", "title": "Half of Europe",
        "parameters": {"rollout": "50", "stickiness": "exp1Region", "groupId": "exp1-checkout"},
        "constraints": [
            {"contextName": "exp1Region", "operator": "IN", "values": ["eu", "us"], "inverted": False, "caseInsensitive": False},
            {"contextName": "userId", "operator": "STR_CONTAINS", "values": ["@example.com"], "inverted": True, "caseInsensitive": True},
            {"contextName": "currentTime", "operator": "DATE_AFTER", "value": "2024-01-01T00:00:00.000Z"},
        ],
        "variants": [
            {"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "default", "payload": {"type": "json", "value": "{\"color\":\"blue\"}"}},
            {"name": "green", "weight": 500, "weightType": "variable", "stickiness": "default"},
        ],
        "segments": [beta, internal],
    }, ok=(200,))
    c.call("POST", f"{P}/exp1-checkout/{dev}", {
        "name": "default", "title": "Everyone (paused)", "disabled": True,
    }, ok=(200,))
    c.call("POST", f"{P}/exp1-banner/{dev}", {
        "name": "default", "constraints": [{"contextName": "appName", "operator": "IN", "values": ["web"]}],
    }, ok=(200,))
    c.call("POST", f"{P}/exp1-kill/{dev}", {
        "name": "remoteAddress", "parameters": {"IPs": "10.0.0.1,10.0.0.2"},
    }, ok=(200,))
    c.call("POST", f"{P}/exp1-child/{dev}", {"name": "default"}, ok=(200,))
    # Strategies in production.
    prod = "environments/production/strategies"
    c.call("POST", f"{P}/exp1-checkout/{prod}", {
        "name": "flexibleRollout", "parameters": {"rollout": "10", "stickiness": "default", "groupId": "exp1-checkout"},
        "constraints": [{"contextName": "exp1Region", "operator": "NOT_IN", "values": ["apac"]}],
    }, ok=(200,))
    c.call("POST", f"{P}/exp1-banner/{prod}", {"name": "applicationHostname", "parameters": {"hostNames": "a.example,b.example"}}, ok=(200,))
    # Enabled states.
    for flag, env in [("exp1-checkout", "development"), ("exp1-banner", "development"),
                      ("exp1-kill", "development"), ("exp1-child", "development"),
                      ("exp1-banner", "production")]:
        c.call("POST", f"{P}/{flag}/environments/{env}/on", ok=(200,))
    # Tags.
    for flag, t, v in [("exp1-checkout", "simple", "exp1-web"), ("exp1-checkout", "exp1-team", "payments"),
                       ("exp1-banner", "exp1-team", "growth")]:
        c.call("POST", f"/api/admin/features/{flag}/tags", {"type": t, "value": v}, ok=(200, 201))
    # Dependencies.
    c.call("POST", f"{P}/exp1-child/dependencies", {"feature": "exp1-checkout", "enabled": True, "variants": ["blue"]}, ok=(200,))
    c.call("POST", f"{P}/exp1-child-off/dependencies", {"feature": "exp1-banner", "enabled": False}, ok=(200,))
    # Environment variants: Unleash 8 refuses new ones through the variants routes (it
    # prefers strategy variants) but still imports them, so they are set with its own import.
    variants = {
        "development": [
            {"name": "red", "weight": 700, "weightType": "fix", "stickiness": "exp1Region",
             "payload": {"type": "string", "value": "red"},
             "overrides": [{"contextName": "userId", "values": ["alice"]}]},
            {"name": "plain", "weight": 300, "weightType": "variable", "stickiness": "exp1Region"},
        ],
        "production": [{"name": "only", "weight": 1000, "weightType": "variable", "stickiness": "default"}],
    }
    for env, vs in variants.items():
        doc = export_names(c, ["exp1-banner"], env)
        doc["featureEnvironments"][0]["variants"] = vs
        c.call("POST", "/api/admin/features-batch/import",
               {"project": "default", "environment": env, "data": doc}, ok=(200,))



def export_names(c, names, env):
    st, doc = c.call("POST", "/api/admin/features-batch/export", {"features": names, "environment": env}, ok=(200,))
    return doc


def unleash_flag_names(c, prefix):
    st, feats = c.call("GET", "/api/admin/projects/default/features", ok=(200,))
    return sorted(f["name"] for f in feats["features"] if f["name"].startswith(prefix))


SEGMENTS = [
    ("exp1-beta", "Beta testers", [{"contextName": "userId", "operator": "IN", "values": ["u1", "u2"], "inverted": False, "caseInsensitive": False}]),
    ("exp1-internal", "Staff", [{"contextName": "exp1Region", "operator": "IN", "values": ["eu"]}]),
]


def start_switchyard():
    """Starts a Switchyard on a temporary SQLite database; returns (url, process, password)."""
    binary = os.environ.get("SWITCHYARD_BIN", "target/debug/switchyard")
    port = os.environ.get("SWITCHYARD_PORT", "4351")
    tmp = tempfile.mkdtemp(prefix="switchyard-roundtrip-")
    password = "roundtrip-Passw0rd!"
    env = dict(os.environ, DATABASE_URL=f"sqlite://{tmp}/switchyard.db", PORT=port,
               HTTP_HOST="127.0.0.1", UNLEASH_DEFAULT_ADMIN_USERNAME="admin",
               UNLEASH_DEFAULT_ADMIN_PASSWORD=password, LOG_LEVEL="warn")
    proc = subprocess.Popen([binary], env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return url, proc, password
        except Exception:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("Switchyard did not start")


def setup_switchyard(s):
    """Project `exp1` and the segments the export refers to (an import never creates segments)."""
    st, _ = s.call("GET", "/api/admin/projects/exp1")
    if st != 200:
        s.call("POST", "/api/admin/projects", {"id": "exp1", "name": "exp1"}, ok=(200, 201))
    for name, description, constraints in SEGMENTS:
        if segment_id(s, name) is None:
            s.call("POST", "/api/admin/segments", {"name": name, "description": description, "constraints": constraints}, ok=(201,))


def norm_constraint(c):
    out = {"values": [], "inverted": False, "caseInsensitive": False}
    out.update({k: v for k, v in c.items() if v is not None})
    return out


def normalise(doc, strategy_order=True):
    """What must be equal between two exports: ids of strategies and segments differ
    between servers (segments compare by name), the project a flag lives in is chosen at
    import, constraints compare with Unleash's defaults filled in, and lists whose order
    carries no meaning are sorted."""
    d = copy.deepcopy(doc)
    seg_names = {s["id"]: s["name"] for s in d.get("segments", [])}
    for f in d["features"]:
        f.pop("project", None)
    for s in d["featureStrategies"]:
        s.pop("id", None)
        s["segments"] = sorted(seg_names.get(i, f"?{i}") for i in s.get("segments", []))
        s["constraints"] = [norm_constraint(c) for c in s.get("constraints", [])]
    d["segments"] = sorted(s["name"] for s in d.get("segments", []))
    if not strategy_order:
        # Unleash's own import creates a flag's strategies concurrently and its export has no
        # sortOrder, so the order of strategies within a flag does not survive an import into
        # Unleash (importing Unleash's own export into Unleash shuffles them the same way).
        d["featureStrategies"] = sorted(d["featureStrategies"], key=lambda s: (s["featureName"], json.dumps(s, sort_keys=True)))
    d["contextFields"] = sorted(d.get("contextFields", []), key=lambda c: c["name"])
    d["tagTypes"] = sorted(d.get("tagTypes", []), key=lambda t: t["name"])
    d["featureTags"] = sorted(d.get("featureTags", []), key=lambda t: (t["featureName"], t["tagType"], t["tagValue"]))
    return d


# Known, documented differences (see docs/migration.md): Switchyard's built-in tag type
# `simple` has no colour (Unleash 8 gives it #FFFFFF).
def drop_known_differences(d):
    for t in d["tagTypes"]:
        if t["name"] == "simple":
            t.pop("color", None)
    return d


def diff(a, b, path=""):
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: {'missing on the left' if k not in a else 'missing on the right'}")
            else:
                out += diff(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}/{i}")
    elif a != b:
        out.append(f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}")
    return out


def compare(label, left, right, strategy_order=True):
    l = drop_known_differences(normalise(left, strategy_order))
    r = drop_known_differences(normalise(right, strategy_order))
    problems = diff(l, r)
    print(f"[{'ok' if not problems else 'DIFFERENT'}] {label}")
    for p in problems:
        print("    " + p)
    return not problems


def rename(doc, old, new):
    """Renames every flag of a document from `old…` to `new…` (flag names only)."""
    d = copy.deepcopy(doc)
    r = lambda n: new + n[len(old):] if isinstance(n, str) and n.startswith(old) else n
    for f in d["features"]:
        f["name"] = r(f["name"])
    for s in d["featureStrategies"]:
        s["featureName"] = r(s["featureName"])
    for e in d.get("featureEnvironments", []):
        e["featureName"], e["name"] = r(e["featureName"]), r(e["name"])
    for t in d.get("featureTags", []):
        t["featureName"] = r(t["featureName"])
    for dep in d.get("dependencies", []):
        dep["feature"] = r(dep["feature"])
        for p in dep["dependencies"]:
            p["feature"] = r(p["feature"])
    for link in d.get("links", []):
        link["feature"] = r(link["feature"])
    return d


def main():
    fixture = None
    if "--fixture" in sys.argv:
        fixture = sys.argv[sys.argv.index("--fixture") + 1]
    u = Client(UNLEASH, U_USER, U_PASS)
    setup_unleash(u)
    names = unleash_flag_names(u, PREFIX)
    originals = {env: export_names(u, names, env) for env in ENVS}
    if fixture:
        with open(fixture, "w") as fh:
            json.dump(originals["development"], fh, indent=2)
            fh.write("\n")
        print(f"wrote {fixture}")

    proc = None
    if os.environ.get("SWITCHYARD_URL"):
        s_url, s_user, s_pass = os.environ["SWITCHYARD_URL"].rstrip("/"), os.environ.get("SWITCHYARD_USER", "admin"), os.environ["SWITCHYARD_PASSWORD"]
    else:
        s_url, proc, s_pass = start_switchyard()
        s_user = "admin"
    ok = True
    try:
        s = Client(s_url, s_user, s_pass)
        setup_switchyard(s)
        exported = {}
        for env in ENVS:
            req = {"project": "exp1", "environment": env, "data": originals[env]}
            st, v = s.call("POST", "/api/admin/features-batch/validate", req, ok=(200,))
            if v["errors"]:
                print(f"[DIFFERENT] Switchyard validate {env}: {v['errors']}")
                ok = False
            s.call("POST", "/api/admin/features-batch/import", req, ok=(200,))
        for env in ENVS:
            # Exported after both imports, so each environment's view is final.
            exported[env] = export_names(s, names, env)
            ok &= compare(f"Unleash export == Switchyard export after import ({env})", originals[env], exported[env])

        # Back into Unleash, as `exp2-*` flags of the default project.
        for env in ENVS:
            doc = rename(exported[env], "exp1-", "exp2-")
            req = {"project": "default", "environment": env, "data": doc}
            st, v = u.call("POST", "/api/admin/features-batch/validate", req, ok=(200,))
            print(f"[{'ok' if not v['errors'] else 'DIFFERENT'}] Unleash validates Switchyard's export ({env}): errors={v['errors']} warnings={[w['message'][:60] for w in v['warnings']]}")
            ok &= not v["errors"]
            st, body = u.call("POST", "/api/admin/features-batch/import", req)
            print(f"[{'ok' if st == 200 else 'DIFFERENT'}] Unleash imports Switchyard's export ({env}): {st} {body or ''}")
            ok &= st == 200
        exp2 = unleash_flag_names(u, "exp2-")
        for env in ENVS:
            again = rename(export_names(u, exp2, env), "exp2-", "exp1-")
            ok &= compare(f"Unleash export of exp2 == original Unleash export ({env})", originals[env], again, strategy_order=False)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
    print("ROUND TRIP OK" if ok else "ROUND TRIP FOUND DIFFERENCES")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    if "--setup-only" in sys.argv:
        u = Client(UNLEASH, U_USER, U_PASS)
        setup_unleash(u)
        print(json.dumps(export_names(u, unleash_flag_names(u, PREFIX), "development"), indent=2))
    else:
        main()
