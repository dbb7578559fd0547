#!/usr/bin/env python3
"""Soak driver: mixed traffic against two Switchyard nodes sharing one database.

    soak.py            (configured by the environment; bench/soak.sh sets it)

Environment:
    SOAK_A, SOAK_B            base URLs of node A and node B (http://127.0.0.1:PORT)
    SOAK_A_PID, SOAK_B_PID    their process ids (node A's memory is read from /proc)
    SOAK_B_PIDFILE            where the pid of node B is kept (rewritten after the restart)
    SOAK_BIN, SOAK_B_LOG      the binary and node B's log, to start node B again
    SOAK_NODE_ENV             JSON object: the environment node B is started with
    DURATION                  seconds of traffic (600)
    RESTART_AT                seconds into the run at which node B restarts (DURATION / 2;
                              0 or less: no restart)
    RATE_SDK, RATE_ADMIN, RATE_UI, RATE_FLOOD
                              target requests per second per class (160, 30, 4, 40)
    BENCH_ADMIN_USER, BENCH_ADMIN_PASSWORD   the first admin's credentials

Traffic classes: sdk (client features with and without If-None-Match, frontend with a
query-string context, metrics, register), admin (an Editor's personal access token:
projects, a project, a flag, toggles and new flags), ui (a session from the login form),
and flood (random well-formed tokens from their own X-Forwarded-For address; 401 and 429
are its expected answers). Valid traffic comes from X-Forwarded-For 10.0.0.1, the flood
from 10.66.0.1; a load balancer in this process spreads requests over the nodes in
rotation. Standard library only: threads and http.client, one keep-alive connection per
thread and node.

Prints a report and exits 1 when valid traffic had an error (connection error, timeout or
an unexpected status) or an acknowledged write is missing on a node at the end.
"""
import datetime
import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

VALID_XFF = "10.0.0.1"
FLOOD_XFF = "10.66.0.1"
WINDOW = 30.0
TIMEOUT = 10.0
SEED_FLAGS = 24


def env_float(name, default):
    v = os.environ.get(name)
    return float(v) if v not in (None, "") else default


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def iso(t=None):
    return datetime.datetime.fromtimestamp(t or time.time(), datetime.timezone.utc).isoformat().replace("+00:00", "Z")


class Node:
    def __init__(self, name, base, pid):
        u = urllib.parse.urlparse(base)
        self.name, self.base, self.host, self.port, self.pid = name, base, u.hostname, u.port, pid
        self.in_rotation = True
        self.inflight = 0
        self.generation = 0  # bumped when the node is taken out: pooled connections are dropped


class Balancer:
    """Round-robin over the nodes in rotation; counts requests in flight per node."""

    def __init__(self, nodes):
        self.nodes = nodes
        self.lock = threading.Lock()
        self.next = 0

    def acquire(self):
        with self.lock:
            live = [n for n in self.nodes if n.in_rotation]
            n = live[self.next % len(live)]
            self.next += 1
            n.inflight += 1
            return n, n.generation

    def release(self, node):
        with self.lock:
            node.inflight -= 1

    def take_out(self, node):
        with self.lock:
            node.in_rotation = False
            node.generation += 1

    def put_back(self, node):
        with self.lock:
            node.in_rotation = True

    def inflight(self, node):
        with self.lock:
            return node.inflight


class Stats:
    """Per class: counts, errors (with samples), statuses; per 30 s window: latencies."""

    def __init__(self, t0):
        self.t0 = t0
        self.lock = threading.Lock()
        self.classes = {}
        self.ops = {}  # (class, operation) -> [ms]
        self.windows = {}  # index -> {"valid": [ms], "sdk": [ms], "admin": [ms], "ui": [ms], "flood": n, "errors": n}

    def record(self, cls, ok, ms, status, what, node):
        t = time.monotonic() - self.t0
        w = int(t // WINDOW)
        with self.lock:
            c = self.classes.setdefault(cls, {"requests": 0, "errors": 0, "statuses": {}, "samples": [], "by_node": {}})
            self.ops.setdefault((cls, what), []).append(ms)
            c["requests"] += 1
            c["statuses"][status] = c["statuses"].get(status, 0) + 1
            c["by_node"][node] = c["by_node"].get(node, 0) + 1
            win = self.windows.setdefault(w, {"valid": [], "sdk": [], "admin": [], "ui": [], "flood": 0, "errors": 0})
            if cls == "flood":
                win["flood"] += 1
            else:
                win["valid"].append(ms)
                win[cls].append(ms)
            if not ok:
                c["errors"] += 1
                if cls != "flood":
                    win["errors"] += 1
                if len(c["samples"]) < 20:
                    c["samples"].append(f"t={t:.1f}s node {node} {what} -> {status}")


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


class Client:
    """One thread's keep-alive connections, one per node, through the balancer."""

    def __init__(self, lb, stats, cls, xff, auth=None, cookie=None):
        self.lb, self.stats, self.cls, self.xff = lb, stats, cls, xff
        self.auth, self.cookie = auth, cookie
        self.conns = {}

    def _conn(self, node, gen):
        c = self.conns.get(node.name)
        if c is not None and c[1] != gen:
            c[0].close()
            c = None
        if c is None:
            c = (http.client.HTTPConnection(node.host, node.port, timeout=TIMEOUT), gen)
            self.conns[node.name] = c
        return c[0]

    def request(self, method, path, body=None, expect=(200,), headers=None, auth=None, node=None, what=None):
        """Sends one request; returns (ok, status, headers, body). status is a number or an
        error name. Records it in the stats under this client's class."""
        h = {"X-Forwarded-For": self.xff, "Accept": "application/json"}
        a = auth if auth is not None else self.auth
        if a:
            h["Authorization"] = a
        if self.cookie:
            h["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        if node is None:
            node, gen = self.lb.acquire()
        else:
            with self.lb.lock:
                node.inflight += 1
                gen = node.generation
        start = time.monotonic()
        status, rh, raw = None, {}, b""
        try:
            conn = self._conn(node, gen)
            conn.request(method, path, body=data, headers=h)
            res = conn.getresponse()
            raw = res.read()
            status = res.status
            rh = {k.lower(): v for k, v in res.getheaders()}
            if rh.get("connection", "").lower() == "close":
                conn.close()
        except Exception as e:  # connection error or timeout
            status = type(e).__name__
            try:
                self.conns.pop(node.name)[0].close()
            except Exception:
                pass
        finally:
            self.lb.release(node)
        ms = (time.monotonic() - start) * 1000.0
        ok = status in expect
        self.stats.record(self.cls, ok, ms, status, what or f"{method} {path.split('?')[0]}", node.name)
        return ok, status, rh, raw, node

    def close(self):
        for c, _ in self.conns.values():
            c.close()


def paced(stop, rate, body):
    """Calls body() about `rate` times a second until stop is set."""
    interval = 1.0 / rate if rate > 0 else None
    if interval is None:
        return
    nxt = time.monotonic() + random.random() * interval
    while not stop.is_set():
        now = time.monotonic()
        if now < nxt:
            stop.wait(nxt - now)
            continue
        body()
        nxt += interval
        if nxt < time.monotonic() - 1.0:  # fell behind by a second: do not burst to catch up
            nxt = time.monotonic()


# ---------------------------------------------------------------- set-up


def direct(node, method, path, body=None, headers=None, form=None):
    c = http.client.HTTPConnection(node.host, node.port, timeout=30)
    h = {"X-Forwarded-For": VALID_XFF}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    cookies = [v.split(";", 1)[0] for k, v in r.getheaders() if k.lower() == "set-cookie"]
    c.close()
    return r.status, raw, cookies


def must(res, what, ok=(200, 201, 202, 204)):
    status, raw, cookies = res
    if status not in ok:
        raise SystemExit(f"set-up failed: {what} -> {status}: {raw[:300]!r}")
    return (json.loads(raw) if raw.strip().startswith((b"{", b"[")) else None), cookies


def session_cookie(cookies):
    for c in cookies:
        if c.startswith("unleash-session="):
            return c
    raise SystemExit(f"no session cookie in {cookies}")


def strategy(i):
    return {
        "name": "flexibleRollout",
        "parameters": {"rollout": str(10 + (i * 7) % 90), "stickiness": "default", "groupId": f"soak-{i:03d}"},
        "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["eu", "us", "apac"]},
            {"contextName": "appVersion", "operator": "SEMVER_GTE", "value": "1.2.0"},
        ],
    }


def set_up(a):
    user = os.environ.get("BENCH_ADMIN_USER", "admin")
    pw = os.environ["BENCH_ADMIN_PASSWORD"]
    _, ck = must(direct(a, "POST", "/auth/simple/login", {"username": user, "password": pw}), "admin login")
    admin = {"Cookie": session_cookie(ck)}
    editor_pw = "Soak-" + secrets.token_urlsafe(18)
    must(direct(a, "POST", "/api/admin/user-admin", {"username": "soak-editor", "email": "soak-editor@example.com",
                                                     "name": "Soak Editor", "password": editor_pw,
                                                     "rootRole": "Editor"}, admin), "create the Editor")
    _, ck = must(direct(a, "POST", "/auth/simple/login", {"username": "soak-editor", "password": editor_pw}), "Editor login")
    editor = {"Cookie": session_cookie(ck)}
    expires = iso(time.time() + 7 * 86400)
    pat, _ = must(direct(a, "POST", "/api/admin/user/tokens", {"description": "soak", "expiresAt": expires}, editor),
                  "the Editor's personal access token")
    tokens = {}
    for kind in ("client", "frontend"):
        t, _ = must(direct(a, "POST", "/api/admin/api-tokens", {"tokenName": f"soak-{kind}", "type": kind,
                                                                "environment": "development", "projects": ["*"]}, admin),
                    f"{kind} token")
        tokens[kind] = t["secret"]
    flags = []
    for i in range(1, SEED_FLAGS + 1):
        name = f"soak-{i:03d}"
        base = f"/api/admin/projects/default/features/{name}"
        must(direct(a, "POST", "/api/admin/projects/default/features", {"name": name, "type": "release"}, admin), f"create {name}")
        must(direct(a, "POST", f"{base}/environments/development/strategies", strategy(i), admin), f"strategy on {name}")
        must(direct(a, "POST", f"{base}/environments/development/on", {}, admin), f"enable {name}")
        flags.append(name)
    # The UI: through the login form, as a browser does (the CSRF value from the page and its cookie)
    status, raw, ck = direct(a, "GET", "/login")
    m = re.search(rb'name="_csrf"\s+value="([^"]+)"', raw)
    if status != 200 or not m:
        raise SystemExit(f"set-up failed: GET /login -> {status}, no csrf field")
    login_cookie = "; ".join(ck)
    status, raw, ck = direct(a, "POST", "/login", headers={"Cookie": login_cookie},
                             form={"username": user, "password": pw, "_csrf": m.group(1).decode(), "redirect": ""})
    if status not in (302, 303):
        raise SystemExit(f"set-up failed: POST /login -> {status}: {raw[:300]!r}")
    ui_cookie = session_cookie(ck)
    return {"pat": pat["secret"], "client": tokens["client"], "frontend": tokens["frontend"], "flags": flags,
            "ui_cookie": ui_cookie}


# ---------------------------------------------------------------- traffic


def sdk_worker(lb, stats, stop, rate, creds, wid):
    cl = Client(lb, stats, "sdk", VALID_XFF, auth=creds["client"])
    etags = {}
    inst = f"soak-{wid}"

    def one():
        r = random.random()
        if r < 0.45:
            ok, st, rh, _, node = cl.request("GET", "/api/client/features", what="GET /api/client/features")
            if ok and rh.get("etag"):
                etags["last"] = rh["etag"]
        elif r < 0.70:
            et = etags.get("last")
            hdr = {"If-None-Match": et} if et else None
            ok, st, rh, _, node = cl.request("GET", "/api/client/features", headers=hdr, expect=(200, 304),
                                             what="GET /api/client/features (If-None-Match)")
            if ok and rh.get("etag"):
                etags["last"] = rh["etag"]
        elif r < 0.95:
            uid = random.randint(1, 100000)
            region = random.choice(["eu", "us", "apac", "sa"])
            q = urllib.parse.urlencode({"appName": "soak", "userId": uid, "properties[region]": region,
                                        "properties[appVersion]": "1.4.0"})
            cl.request("GET", f"/api/frontend?{q}", auth=creds["frontend"], what="GET /api/frontend")
        elif r < 0.98:
            now = time.time()
            toggles = {f: {"yes": random.randint(0, 50), "no": random.randint(0, 50)}
                       for f in random.sample(creds["flags"], 5)}
            cl.request("POST", "/api/client/metrics", {"appName": "soak", "instanceId": inst,
                                                        "bucket": {"start": iso(now - 15), "stop": iso(now), "toggles": toggles}},
                       expect=(200, 202), what="POST /api/client/metrics")
        else:
            cl.request("POST", "/api/client/register", {"appName": "soak", "instanceId": inst,
                                                         "sdkVersion": "unleash-client-python:5.0.0",
                                                         "strategies": ["default", "flexibleRollout"],
                                                         "started": iso(), "interval": 15000},
                       expect=(200, 202), what="POST /api/client/register")

    paced(stop, rate, one)
    cl.close()


class Ledger:
    """Acknowledged writes: the last acknowledged state of each toggled flag, created flags."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = {}       # flag -> bool (last acknowledged toggle)
        self.uncertain = set()  # a toggle without an answer: its outcome is unknown
        self.toggles = 0
        self.created = []

    def toggled(self, flag, on):
        with self.lock:
            self.state[flag] = on
            self.toggles += 1
            self.uncertain.discard(flag)


def admin_worker(lb, stats, stop, rate, creds, ledger, wid, nworkers):
    cl = Client(lb, stats, "admin", VALID_XFF, auth=creds["pat"])
    own = [f for i, f in enumerate(creds["flags"]) if i % nworkers == wid]  # each flag has one writer
    state = {f: True for f in own}
    made = 0

    def one():
        nonlocal made
        r = random.random()
        if r < 0.25:
            cl.request("GET", "/api/admin/projects", what="GET /api/admin/projects")
        elif r < 0.50:
            cl.request("GET", "/api/admin/projects/default", what="GET /api/admin/projects/default")
        elif r < 0.78:
            f = random.choice(creds["flags"])
            cl.request("GET", f"/api/admin/projects/default/features/{f}", what="GET a flag")
        elif r < 0.996:
            f = random.choice(own)
            on = not state[f]
            ok, st, _, _, _ = cl.request("POST", f"/api/admin/projects/default/features/{f}/environments/development/{'on' if on else 'off'}",
                                         {}, what="POST toggle")
            if ok:
                state[f] = on
                ledger.toggled(f, on)
            elif not isinstance(st, int) or st >= 500:
                with ledger.lock:
                    ledger.uncertain.add(f)
        else:
            made += 1
            name = f"soak-new-{wid}-{made:04d}"
            ok, st, _, _, _ = cl.request("POST", "/api/admin/projects/default/features",
                                         {"name": name, "type": "release", "description": "created during the soak"},
                                         expect=(200, 201), what="POST create a flag")
            if ok:
                with ledger.lock:
                    ledger.created.append(name)

    paced(stop, rate, one)
    cl.close()


UI_PAGES = ["/", "/projects", "/projects/default", "/projects/default/features/soak-001", "/history", "/profile",
            "/admin/api"]


def ui_worker(lb, stats, stop, rate, creds):
    cl = Client(lb, stats, "ui", VALID_XFF, cookie=creds["ui_cookie"])

    def one():
        p = random.choice(UI_PAGES)
        cl.request("GET", p, headers={"Accept": "text/html"}, what=f"GET {p}")

    paced(stop, rate, one)
    cl.close()


def flood_worker(lb, stats, stop, rate):
    cl = Client(lb, stats, "flood", FLOOD_XFF)

    def one():
        if random.random() < 0.6:
            cl.request("GET", "/api/client/features", auth="default:development." + secrets.token_hex(32),
                       expect=(401, 403, 429), what="GET /api/client/features (random token)")
        else:
            cl.request("GET", "/api/admin/projects", auth="user:" + secrets.token_hex(32),
                       expect=(401, 403, 429), what="GET /api/admin/projects (random token)")

    paced(stop, rate, one)
    cl.close()


# ---------------------------------------------------------------- node B's restart


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return not line.split()[1].startswith(("Z", "X"))
    except OSError:
        return False
    return False


def healthy(node):
    try:
        c = http.client.HTTPConnection(node.host, node.port, timeout=1)
        c.request("GET", "/health")
        r = c.getresponse()
        r.read()
        c.close()
        return r.status == 200
    except Exception:
        return False


def restart_b(lb, b, t0, events):
    def mark(what):
        events.append((time.monotonic() - t0, what))
        log(what)

    t_out = time.monotonic()
    lb.take_out(b)
    mark("node B out of rotation (new requests go to node A)")
    while lb.inflight(b) > 0:
        time.sleep(0.005)
    t_drained = time.monotonic()
    mark(f"node B drained in {(t_drained - t_out) * 1000:.0f} ms; SIGTERM to pid {b.pid}")
    os.kill(b.pid, signal.SIGTERM)
    while alive(b.pid):
        if time.monotonic() - t_drained > 60:
            raise SystemExit("node B did not exit within 60 s of SIGTERM")
        time.sleep(0.01)
    t_exit = time.monotonic()
    mark(f"node B exited {(t_exit - t_drained) * 1000:.0f} ms after SIGTERM; starting it again on port {b.port}")
    env = json.loads(os.environ["SOAK_NODE_ENV"])
    env["PORT"] = str(b.port)
    full = dict(os.environ)
    full.update(env)
    logf = open(os.environ["SOAK_B_LOG"], "ab")
    p = subprocess.Popen([os.environ["SOAK_BIN"]], env=full, stdout=logf, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    with open(os.environ["SOAK_B_PIDFILE"], "w") as f:
        f.write(str(p.pid))
    b.pid = p.pid
    while not healthy(b):
        if p.poll() is not None:
            raise SystemExit(f"node B exited again with {p.returncode}; see its log")
        if time.monotonic() - t_exit > 60:
            raise SystemExit("node B did not answer /health within 60 s")
        time.sleep(0.05)
    t_healthy = time.monotonic()
    lb.put_back(b)
    t_back = time.monotonic()
    mark(f"node B (pid {p.pid}) healthy {(t_healthy - t_exit) * 1000:.0f} ms after the start; back in rotation")
    return {"drain_ms": (t_drained - t_out) * 1000, "exit_ms": (t_exit - t_drained) * 1000,
            "start_ms": (t_healthy - t_exit) * 1000, "out_s": t_back - t_out,
            "out_at": t_out - t0, "back_at": t_back - t0}


# ---------------------------------------------------------------- the end checks


def verify(nodes, creds, ledger):
    problems = []
    checked = 0
    for node in nodes:
        c = http.client.HTTPConnection(node.host, node.port, timeout=30)

        def get(path, auth):
            c.request("GET", path, headers={"Authorization": auth, "X-Forwarded-For": VALID_XFF})
            r = c.getresponse()
            raw = r.read()
            return r.status, (json.loads(raw) if r.status == 200 else raw[:200])

        # the Admin API (the database) and the client API (the node's cache)
        st, body = get("/api/client/features", creds["client"])
        client_view = {f["name"]: f["enabled"] for f in body["features"]} if st == 200 else {}
        if st != 200:
            problems.append(f"node {node.name}: GET /api/client/features -> {st}")
        for flag, on in sorted(ledger.state.items()):
            if flag in ledger.uncertain:
                continue
            st, body = get(f"/api/admin/projects/default/features/{flag}", creds["pat"])
            checked += 1
            if st != 200:
                problems.append(f"node {node.name}: GET {flag} -> {st}")
                continue
            env = next((e for e in body.get("environments", []) if e.get("name") == "development"), None)
            got = env and env.get("enabled")
            if got != on:
                problems.append(f"node {node.name}: {flag} is {'on' if got else 'off'} in the Admin API, the last acknowledged toggle set it {'on' if on else 'off'}")
            if client_view.get(flag) != on:
                problems.append(f"node {node.name}: {flag} is {client_view.get(flag)} in the client API, the last acknowledged toggle set it {'on' if on else 'off'}")
        for flag in ledger.created:
            st, _ = get(f"/api/admin/projects/default/features/{flag}", creds["pat"])
            checked += 1
            if st != 200:
                problems.append(f"node {node.name}: created flag {flag} -> {st}")
            if flag not in client_view:
                problems.append(f"node {node.name}: created flag {flag} missing from the client API")
        c.close()
    return checked, problems


# ---------------------------------------------------------------- main


def main():
    duration = env_float("DURATION", 600)
    restart_at = env_float("RESTART_AT", duration / 2)
    rates = {k: env_float(f"RATE_{k.upper()}", d) for k, d in (("sdk", 160), ("admin", 30), ("ui", 4), ("flood", 40))}
    a = Node("A", os.environ["SOAK_A"], int(os.environ["SOAK_A_PID"]))
    b = Node("B", os.environ["SOAK_B"], int(os.environ["SOAK_B_PID"]))
    lb = Balancer([a, b])
    log("set-up on node A: an Editor and its personal access token, client and frontend tokens, "
        f"{SEED_FLAGS} flags, a UI session from the login form")
    creds = set_up(a)
    time.sleep(1.0)  # node B's cache sees the new revision
    ledger = Ledger()
    stop = threading.Event()
    t0 = time.monotonic()
    stats = Stats(t0)
    threads = []
    n_sdk, n_admin = 4, 4
    for i in range(n_sdk):
        threads.append(threading.Thread(target=sdk_worker, args=(lb, stats, stop, rates["sdk"] / n_sdk, creds, i)))
    for i in range(n_admin):
        threads.append(threading.Thread(target=admin_worker, args=(lb, stats, stop, rates["admin"] / n_admin, creds, ledger, i, n_admin)))
    threads.append(threading.Thread(target=ui_worker, args=(lb, stats, stop, rates["ui"], creds)))
    threads.append(threading.Thread(target=flood_worker, args=(lb, stats, stop, rates["flood"])))
    log(f"traffic for {duration:.0f} s: sdk {rates['sdk']:.0f}/s, admin {rates['admin']:.0f}/s, ui {rates['ui']:.0f}/s, "
        f"flood {rates['flood']:.0f}/s over nodes A ({a.base}) and B ({b.base}); node B restarts at {restart_at:.0f} s")
    for t in threads:
        t.daemon = True
        t.start()
    rss = {}          # window index -> node A's VmRSS (KiB) at its end
    rss_warm = None
    events = []
    restart = None
    load = []
    while True:
        el = time.monotonic() - t0
        if el >= duration:
            break
        if restart is None and 0 < restart_at <= el:
            restart = restart_b(lb, b, t0, events)
            continue
        if rss_warm is None and el >= 60:
            rss_warm = rss_kib(a.pid)
            log(f"node A resident memory after the 60 s warm-up: {rss_warm / 1024:.1f} MiB")
        w = int(el // WINDOW)
        if w not in rss and el >= (w + 1) * WINDOW - 1.0:
            rss[w] = rss_kib(a.pid)
            load.append(os.getloadavg()[0])
            with stats.lock:
                win = stats.windows.get(w, {})
                v = sorted(win.get("valid", []))
            log(f"t={el:5.0f}s  valid {len(v)} requests, p50 {pct(v, 50):.2f} ms, p99 {pct(v, 99):.2f} ms, "
                f"errors so far {sum(c['errors'] for k, c in stats.classes.items() if k != 'flood')}, "
                f"node A {rss[w] / 1024:.1f} MiB")
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=TIMEOUT + 5)
    elapsed = time.monotonic() - t0
    rss_end = rss_kib(a.pid)
    b_rss_end = rss_kib(b.pid)
    log("traffic stopped; checking every acknowledged write on both nodes")
    time.sleep(2.0)
    checked, problems = verify([a, b], creds, ledger)

    # ---- report
    out = []
    p = out.append
    p("")
    p(f"Duration {elapsed:.0f} s; node B restarted at {restart['out_at']:.0f} s" if restart else f"Duration {elapsed:.0f} s; no restart")
    p("")
    p("| traffic class | requests | req/s | errors | answers | node A / node B |")
    p("|---|---|---|---|---|---|")
    total = 0
    for cls in ("sdk", "admin", "ui", "flood"):
        c = stats.classes.get(cls, {"requests": 0, "errors": 0, "statuses": {}, "by_node": {}})
        total += c["requests"]
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(c["statuses"].items(), key=lambda kv: str(kv[0])))
        label = cls + (" (expected 401/403/429)" if cls == "flood" else "")
        p(f"| {label} | {c['requests']:,} | {c['requests'] / elapsed:.1f} | {c['errors']} | {answers} | "
          f"{c['by_node'].get('A', 0):,} / {c['by_node'].get('B', 0):,} |")
    p(f"| all | {total:,} | {total / elapsed:.1f} | | | |")
    p("")
    p("Latency of valid traffic (sdk + admin + ui) per 30-second window, node A's resident memory at the window's end:")
    p("")
    p("| window | valid requests | valid req/s | p50 ms | p99 ms | max ms | sdk p99 | admin p99 | ui p99 | errors | flood | node A RSS MiB | load | note |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w in sorted(stats.windows):
        win = stats.windows[w]
        v = win["valid"]
        start, end = w * WINDOW, min((w + 1) * WINDOW, elapsed)
        span = max(end - start, 1e-9)
        note = ""
        if restart and restart["out_at"] < (w + 1) * WINDOW and restart["back_at"] > w * WINDOW:
            note = f"node B out {restart['out_at']:.1f}–{restart['back_at']:.1f} s"
        r = rss.get(w)
        ld = load[sorted(rss).index(w)] if w in rss and sorted(rss).index(w) < len(load) else None
        p(f"| {start:.0f}–{end:.0f} s | {len(v):,} | {len(v) / span:.1f} | {pct(v, 50):.2f} | {pct(v, 99):.2f} | "
          f"{max(v) if v else float('nan'):.1f} | {pct(win['sdk'], 99):.2f} | {pct(win['admin'], 99):.2f} | "
          f"{pct(win['ui'], 99):.2f} | {win['errors']} | {win['flood']} | {r / 1024 if r else float('nan'):.1f} | "
          f"{ld if ld is not None else float('nan'):.2f} | {note} |")
    p("")
    p("Latency per operation over the whole run:")
    p("")
    p("| class | operation | requests | p50 ms | p99 ms | max ms |")
    p("|---|---|---|---|---|---|")
    for (cls, what), v in sorted(stats.ops.items()):
        p(f"| {cls} | {what} | {len(v):,} | {pct(v, 50):.2f} | {pct(v, 99):.2f} | {max(v):.1f} |")
    p("")
    allv = [x for w in stats.windows.values() for x in w["valid"]]
    p(f"Valid traffic over the whole run: p50 {pct(allv, 50):.2f} ms, p99 {pct(allv, 99):.2f} ms, max {max(allv):.1f} ms")
    if restart:
        p(f"Node B out of rotation for {restart['out_s']:.2f} s (drain {restart['drain_ms']:.0f} ms, exit after SIGTERM "
          f"{restart['exit_ms']:.0f} ms, start to healthy {restart['start_ms']:.0f} ms)")
    growth = None
    if rss_warm and rss_end:
        growth = (rss_end - rss_warm) / rss_warm * 100
        p(f"Node A resident memory: {rss_warm / 1024:.1f} MiB after the 60 s warm-up, {rss_end / 1024:.1f} MiB at the end "
          f"({growth:+.1f}%; target at most +10%)")
    if b_rss_end:
        p(f"Node B resident memory at the end (since its restart): {b_rss_end / 1024:.1f} MiB")
    p(f"Writes: {ledger.toggles} acknowledged toggles over {len(ledger.state)} flags, {len(ledger.created)} flags created; "
      f"{checked} checks on the two nodes (Admin API and client API), {len(problems)} problems"
      + (f"; {len(ledger.uncertain)} flags with an unanswered toggle not checked" if ledger.uncertain else ""))
    valid_errors = sum(c["errors"] for k, c in stats.classes.items() if k != "flood")
    for cls, c in stats.classes.items():
        for s in c["samples"]:
            p(f"  {cls} error: {s}")
    for pr in problems[:40]:
        p(f"  lost write: {pr}")
    print("\n".join(out), flush=True)
    if valid_errors or problems:
        log(f"FAILED: {valid_errors} errors in valid traffic, {len(problems)} write problems")
        return 1
    log("passed: no errors in valid traffic, every acknowledged write visible on both nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
