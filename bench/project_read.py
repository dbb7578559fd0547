#!/usr/bin/env python3
"""Times GET /api/admin/projects/default on one or more nodes sharing one database.

    project_read.py FLAGS TOKEN LABEL=URL [LABEL=URL ...]

Sends WARMUP (3) unmeasured requests to each node, then REQUESTS (50) measured rounds; each
round sends one request to each node in turn, on one keep-alive connection per node, so that
the nodes share whatever else the machine is doing. Checks that every answer is 200 and lists
FLAGS flags. Prints one Markdown table row per node: flags, label, requests, median, p90, p99,
min, max (ms) and the answer's size. Standard library only.
"""
import http.client
import json
import os
import sys
import time
import urllib.parse


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def main():
    flags, token = int(sys.argv[1]), sys.argv[2]
    nodes = []
    for arg in sys.argv[3:]:
        label, url = arg.split("=", 1)
        u = urllib.parse.urlparse(url)
        nodes.append({"label": label, "conn": http.client.HTTPConnection(u.hostname, u.port, timeout=120),
                      "ms": [], "bytes": 0})
    warmup = int(os.environ.get("WARMUP", "3"))
    requests = int(os.environ.get("REQUESTS", "50"))
    headers = {"Authorization": token, "Accept": "application/json"}

    def once(node):
        start = time.perf_counter()
        node["conn"].request("GET", "/api/admin/projects/default", headers=headers)
        res = node["conn"].getresponse()
        raw = res.read()
        ms = (time.perf_counter() - start) * 1000
        if res.status != 200:
            raise SystemExit(f"{node['label']}: {res.status} {raw[:200]!r}")
        got = len(json.loads(raw).get("features", []))
        if got != flags:
            raise SystemExit(f"{node['label']}: {got} flags in the answer, {flags} expected")
        node["bytes"] = len(raw)
        return ms

    for node in nodes:
        for _ in range(warmup):
            once(node)
    for _ in range(requests):
        for node in nodes:
            node["ms"].append(once(node))
    for node in nodes:
        ms = node["ms"]
        print(f"| {flags:,} | {node['label']} | {len(ms)} | {pct(ms, 50):.1f} | {pct(ms, 90):.1f} | "
              f"{pct(ms, 99):.1f} | {min(ms):.1f} | {max(ms):.1f} | {node['bytes'] / 1024:,.0f} KiB |", flush=True)


if __name__ == "__main__":
    main()
