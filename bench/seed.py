#!/usr/bin/env python3
"""Seeds a running Switchyard (or Unleash) through its Admin API, for the benchmark.

    seed.py BASE_URL flags COUNT        -> ensures flags bench-0001..COUNT exist (with
                                           strategies and constraints), on in development
    seed.py BASE_URL tokens             -> prints {"client": ..., "frontend": ...}
    seed.py BASE_URL admin-pat          -> prints a new personal access token of the admin

Signs in as the admin named by BENCH_ADMIN_USER / BENCH_ADMIN_PASSWORD (once per call;
the login endpoint is rate-limited). Standard library only; one keep-alive connection.
"""
import datetime
import http.client
import json
import os
import sys
import urllib.parse


class Api:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.cookie = None

    def call(self, method, path, body=None, ok=(200, 201, 202, 204)):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=data, headers=headers)
        res = self.conn.getresponse()
        raw = res.read()
        if res.status not in ok:
            raise SystemExit(f"{method} {path} -> {res.status}: {raw[:300]!r}")
        for k, v in res.getheaders():
            if k.lower() == "set-cookie" and not self.cookie:
                self.cookie = v.split(";", 1)[0]
        return res.status, (json.loads(raw) if raw.strip().startswith((b"{", b"[")) else None)

    def login(self):
        self.call("POST", "/auth/simple/login", {
            "username": os.environ.get("BENCH_ADMIN_USER", "admin"),
            "password": os.environ["BENCH_ADMIN_PASSWORD"],
        })


def strategy(i):
    """A realistic strategy: a gradual rollout limited by three constraints."""
    return {
        "name": "flexibleRollout",
        "parameters": {"rollout": str(10 + (i * 7) % 90), "stickiness": "default", "groupId": f"bench-{i:04d}"},
        "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["eu", "us", "apac"]},
            {"contextName": "userId", "operator": "NOT_IN", "values": [str(n) for n in range(i % 5, 40, 5)]},
            {"contextName": "appVersion", "operator": "SEMVER_GTE", "value": "1.2.0"},
        ],
        "variants": [],
    }


def seed_flags(api, count):
    api.login()
    status, existing = api.call("GET", "/api/admin/projects/default/features", ok=(200, 404))
    have = {f["name"] for f in (existing or {}).get("features", [])} if status == 200 else set()
    made = 0
    for i in range(1, count + 1):
        name = f"bench-{i:04d}"
        if name in have:
            continue
        base = f"/api/admin/projects/default/features/{name}"
        status, _ = api.call("POST", "/api/admin/projects/default/features",
                             {"name": name, "description": f"benchmark flag {i}", "type": "release"},
                             ok=(200, 201, 409))
        if status == 409:
            continue
        api.call("POST", f"{base}/environments/development/strategies", strategy(i))
        if i % 4 == 0:
            # a second strategy for every fourth flag: a plain list of users
            api.call("POST", f"{base}/environments/development/strategies",
                     {"name": "default", "parameters": {},
                      "constraints": [{"contextName": "userId", "operator": "IN", "values": ["1", "2", "3", "42"]}]})
        api.call("POST", f"{base}/environments/development/on", {})
        made += 1
    print(f"created {made} flags ({count} wanted)", file=sys.stderr)


def make_tokens(api):
    api.login()
    out = {}
    for kind in ("client", "frontend"):
        _, t = api.call("POST", "/api/admin/api-tokens", {
            "tokenName": f"bench-{kind}-{os.getpid()}", "type": kind,
            "environment": "development", "projects": ["*"],
        })
        out[kind] = t["secret"]
    print(json.dumps(out))


def make_admin_pat(api):
    api.login()
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    _, t = api.call("POST", "/api/admin/user/tokens", {
        "description": f"bench-{os.getpid()}", "expiresAt": expires.isoformat().replace("+00:00", "Z"),
    })
    print(t["secret"])


def main():
    base, what = sys.argv[1], sys.argv[2]
    api = Api(base)
    if what == "flags":
        seed_flags(api, int(sys.argv[3]))
    elif what == "tokens":
        make_tokens(api)
    elif what == "admin-pat":
        make_admin_pat(api)
    else:
        raise SystemExit(f"unknown command {what}")


if __name__ == "__main__":
    main()
