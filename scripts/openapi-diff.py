#!/usr/bin/env python3
"""Compare Unleash's OpenAPI document with Switchyard's, operation by operation.

Usage: scripts/openapi-diff.py UNLEASH SWITCHYARD [--absent docs/absent-routes.md]

Each argument is a file or an http(s) URL of an OpenAPI document (Unleash serves its own at
/docs/openapi.json, so does Switchyard). Path parameters are compared by position, not name
(`/projects/{projectId}` equals `/projects/{id}`). Prints the operations Unleash has and
Switchyard lacks. With --absent, every such operation must be listed in that Markdown file
(a line containing "METHOD /path"), where the reason it is absent is given; the script exits
non-zero for any that is neither served nor listed.
"""
import json
import re
import sys
import urllib.request

METHODS = ("get", "post", "put", "patch", "delete")


def load(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as r:
            return json.load(r)
    with open(source) as f:
        return json.load(f)


def normal(path):
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/") or "/")


def operations(doc):
    ops = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                ops[(method.upper(), normal(path))] = path
    return ops


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    absent_file = None
    if "--absent" in argv:
        absent_file = argv[argv.index("--absent") + 1]
        args.remove(absent_file)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    unleash, ours = operations(load(args[0])), operations(load(args[1]))
    missing = sorted(set(unleash) - set(ours), key=lambda k: (k[1], k[0]))
    listed = set()
    if absent_file:
        with open(absent_file) as f:
            for line in f:
                for m, p in re.findall(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s`|]*)", line):
                    listed.add((m, normal(p)))
    unexplained = [k for k in missing if k not in listed]
    print(f"Unleash operations: {len(unleash)}; Switchyard operations: {len(ours)}")
    print(f"served by both: {len(set(unleash) & set(ours))}; "
          f"Switchyard only: {len(set(ours) - set(unleash))}; absent: {len(missing)}")
    for k in missing:
        mark = "  (listed)" if k in listed else ""
        print(f"  {k[0]:6} {unleash[k]}{mark}")
    if absent_file and unexplained:
        print(f"{len(unexplained)} absent operation(s) not listed in {absent_file}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
