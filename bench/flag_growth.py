#!/usr/bin/env python3
"""Resident memory of a node while flags are created (or toggled) and the project is read.

    flag_growth.py BASE_URL PID MODE ROUNDS READS STEP

Signs in as BENCH_ADMIN_USER / BENCH_ADMIN_PASSWORD (the session serves both the Admin API
and the UI), then for ROUNDS rounds: creates one flag (MODE create; the project grows by a
flag a round) or toggles one seeded flag (MODE toggle; the project keeps its size), reads
GET /api/admin/projects/default READS times and the UI's project page once. Prints one
Markdown row per STEP rounds: the project's flag count and the process's VmRSS and RssAnon
(from /proc/PID/status). Standard library only; one keep-alive connection.
"""
import http.client
import json
import os
import sys
import urllib.parse


def status_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                out[key] = int(rest.split()[0])
    return out


def main():
    base, pid, mode, rounds, reads, step = sys.argv[1:7]
    pid, rounds, reads, step = int(pid), int(rounds), int(reads), int(step)
    if mode not in ("create", "toggle"):
        raise SystemExit("MODE is create or toggle")
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    cookie = None

    def call(method, path, body=None, accept="application/json", ok=(200, 201, 202)):
        nonlocal cookie
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if cookie:
            headers["Cookie"] = cookie
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        raw = res.read()
        if res.status not in ok:
            raise SystemExit(f"{method} {path} -> {res.status}: {raw[:300]!r}")
        for k, v in res.getheaders():
            if k.lower() == "set-cookie" and v.startswith("unleash-session="):
                cookie = v.split(";", 1)[0]
        return raw

    call("POST", "/auth/simple/login", {"username": os.environ.get("BENCH_ADMIN_USER", "admin"),
                                        "password": os.environ["BENCH_ADMIN_PASSWORD"]})

    def project_flags():
        return len(json.loads(call("GET", "/api/admin/projects/default"))["features"])

    def row(label, flags):
        m = status_kib(pid)
        print(f"| {label} | {flags} | {m['VmRSS'] / 1024:.1f} | {m['RssAnon'] / 1024:.1f} |", flush=True)

    seeded = sorted(f["name"] for f in json.loads(call("GET", "/api/admin/projects/default"))["features"])
    if not seeded:
        raise SystemExit("seed the project first")
    # warm-up: the same requests as a round, without changes
    for _ in range(3 * reads):
        call("GET", "/api/admin/projects/default")
    call("GET", "/projects/default", accept="text/html")
    print("| rounds | flags | VmRSS MiB | RssAnon MiB |")
    print("|---|---|---|---|")
    row(0, project_flags())
    on = True
    for r in range(1, rounds + 1):
        if mode == "create":
            call("POST", "/api/admin/projects/default/features", {"name": f"growth-{os.getpid()}-{r:05d}"})
        else:
            on = not on
            call("POST", f"/api/admin/projects/default/features/{seeded[0]}/environments/development/"
                         f"{'on' if on else 'off'}", {})
        for _ in range(reads):
            call("GET", "/api/admin/projects/default")
        call("GET", "/projects/default", accept="text/html")
        if r % step == 0:
            row(r, project_flags())
    conn.close()


if __name__ == "__main__":
    main()
