#!/usr/bin/env python3
"""Seeds the Admin API read benchmark into a running Switchyard or Unleash, through its Admin API.

    admin_seed.py BASE_URL dataset PROJECTS FLAGS_PER_PROJECT
        Creates the projects bench-p001.. (PROJECTS - 1 of them; the first project is
        `default`), FLAGS_PER_PROJECT flags in each (bench-pNNN-fNNNN; `default` gets
        bench-p000-fNNNN), every flag with bench/seed.py's flexibleRollout strategy (three
        constraints), a second constrained strategy on every fourth, and enabled in development.
        Then an Editor user and a personal access token of that user (signed in as the Editor).
        Prints one JSON line: {"pat", "patOwner", "projects" (made), "projectsWanted",
        "flags" (in the measured project), "project", "flag", "notes"}.
        Existing projects, flags and the Editor are kept, so that a second run only tops up.

    admin_seed.py BASE_URL service-pats ACCOUNTS PER_ACCOUNT OUTFILE
        Creates ACCOUNTS service accounts (Viewer) with PER_ACCOUNT tokens each (needs
        PAT_LIMIT >= PER_ACCOUNT) and writes the secrets to OUTFILE, one a line.

Signs in as BENCH_ADMIN_USER / BENCH_ADMIN_PASSWORD (once; the login endpoint is rate-limited).
Requests run on SEED_THREADS (8) keep-alive connections. Standard library only.
"""
import concurrent.futures
import datetime
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed import Api, strategy  # noqa: E402

EDITOR = {"username": "bench-editor", "email": "bench-editor@example.com", "name": "Bench Editor",
          "password": "Bench-Editor-Passw0rd!2026"}
THREADS = int(os.environ.get("SEED_THREADS", "8"))


class Pool:
    """One keep-alive connection per worker thread, all carrying the admin's session cookie."""

    def __init__(self, base, cookie):
        self.base, self.cookie, self.local = base, cookie, threading.local()

    def api(self):
        a = getattr(self.local, "api", None)
        if a is None:
            a = Api(self.base)
            a.cookie = self.cookie
            self.local.api = a
        return a

    def run(self, fn, items):
        with concurrent.futures.ThreadPoolExecutor(THREADS) as ex:
            return list(ex.map(lambda it: fn(self.api(), it), items))


def expires():
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    return t.isoformat().replace("+00:00", "Z")


def make_flag(api, item):
    project, name, i = item
    base = f"/api/admin/projects/{project}/features/{name}"
    status, _ = api.call("POST", f"/api/admin/projects/{project}/features",
                         {"name": name, "description": f"benchmark flag {i}", "type": "release"},
                         ok=(200, 201, 409))
    if status == 409:
        return 0
    api.call("POST", f"{base}/environments/development/strategies", strategy(i))
    if i % 4 == 0:
        api.call("POST", f"{base}/environments/development/strategies",
                 {"name": "default", "parameters": {},
                  "constraints": [{"contextName": "userId", "operator": "IN", "values": ["1", "2", "3", "42"]}]})
    api.call("POST", f"{base}/environments/development/on", {})
    return 1


def dataset(base, projects, per_project):
    admin = Api(base)
    admin.login()
    notes = []
    _, listing = admin.call("GET", "/api/admin/projects")
    have = {p["id"] for p in listing.get("projects", [])}
    wanted = ["default"] + [f"bench-p{n:03d}" for n in range(1, projects)]
    made = []
    for pid in wanted:
        if pid in have:
            made.append(pid)
            continue
        status, body = admin.call("POST", "/api/admin/projects",
                                  {"id": pid, "name": f"Benchmark project {pid}", "description": "admin read benchmark"},
                                  ok=(200, 201, 400, 403, 404, 405, 409))
        if status in (200, 201, 409):
            made.append(pid)
        else:
            notes.append(f"POST /api/admin/projects answered {status}: only {len(made)} project(s) exist")
            break
    items = []
    for pn, pid in enumerate(wanted):
        if pid not in made:
            continue
        status, existing = admin.call("GET", f"/api/admin/projects/{pid}/features", ok=(200,))
        names = {f["name"] for f in (existing or {}).get("features", [])}
        for i in range(1, per_project + 1):
            name = f"bench-p{pn:03d}-f{i:04d}"
            if name not in names:
                items.append((pid, name, pn * per_project + i))
    created = sum(Pool(base, admin.cookie).run(make_flag, items))
    print(f"{base}: {len(made)} projects, {created} flags created ({len(made) * per_project} wanted)", file=sys.stderr)

    # the Editor and the Editor's own token, on a new connection (the first one sat idle while
    # the flags were made, and the server may have closed it)
    cookie, admin = admin.cookie, Api(base)
    admin.cookie = cookie
    status, _ = admin.call("POST", "/api/admin/user-admin",
                           {"username": EDITOR["username"], "email": EDITOR["email"], "name": EDITOR["name"],
                            "password": EDITOR["password"], "rootRole": "Editor", "sendEmail": False},
                           ok=(200, 201, 400, 409))
    editor = Api(base)
    try:
        editor.call("POST", "/auth/simple/login", {"username": EDITOR["username"], "password": EDITOR["password"]})
    except SystemExit as e:
        editor = None
        notes.append(f"could not sign in as the Editor ({e}); the admin's token is used")
    who = editor or admin
    _, t = who.call("POST", "/api/admin/user/tokens",
                    {"description": f"admin-read-bench-{os.getpid()}", "expiresAt": expires()})
    _, me = who.call("GET", "/api/admin/user")
    uid = me.get("user", {}).get("id")
    _, users = admin.call("GET", "/api/admin/user-admin")
    roles = {r["id"]: r["name"] for r in users.get("rootRoles", [])}
    role = next((u.get("rootRole") for u in users.get("users", []) if u.get("id") == uid), None)
    owner = f"{me.get('user', {}).get('username') or me.get('user', {}).get('email')} (root role {roles.get(role, role)})"
    print(json.dumps({"pat": t["secret"], "patOwner": owner, "projects": len(made), "projectsWanted": len(wanted),
                      "flags": per_project, "project": "default", "flag": "bench-p000-f0001", "notes": notes}))


def service_pats(base, accounts, per_account, outfile):
    admin = Api(base)
    admin.login()
    _, listing = admin.call("GET", "/api/admin/service-account")
    by_name = {a["username"]: a["id"] for a in listing.get("serviceAccounts", [])}
    ids = []
    for n in range(accounts):
        uname = f"bench-sa-{n:04d}"
        if uname not in by_name:
            _, a = admin.call("POST", "/api/admin/service-account",
                              {"username": uname, "name": f"Bench service account {n}", "rootRole": "Viewer"})
            by_name[uname] = a["id"]
        ids.append(by_name[uname])
    items = [(sid, k) for sid in ids for k in range(per_account)]

    def make(api, item):
        sid, k = item
        _, t = api.call("POST", f"/api/admin/service-account/{sid}/token",
                        {"description": f"bench-{os.getpid()}-{k}", "expiresAt": expires()})
        return t["secret"]

    secrets = Pool(base, admin.cookie).run(make, items)
    with open(outfile, "w") as f:
        f.write("\n".join(secrets) + "\n")
    print(f"{base}: {len(secrets)} service-account tokens on {accounts} accounts", file=sys.stderr)


def main():
    base, what = sys.argv[1], sys.argv[2]
    if what == "dataset":
        dataset(base, int(sys.argv[3]), int(sys.argv[4]))
    elif what == "service-pats":
        service_pats(base, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(f"unknown command {what}")


if __name__ == "__main__":
    main()
