"""Drives the official Unleash Python SDK (UnleashClient) against a running server.

Two modes, chosen by the first argument:

  run.py spec URL SPEC_FILE OUT_FILE
      Polls URL (the server's `/api` base), evaluates every `tests` case with
      `is_enabled` and every `variantTests` case with `get_variant`, writes the results
      as JSON to OUT_FILE and shuts down (which flushes metrics).

  run.py spec-stream URL SPEC_FILE OUT_FILE
      The same, with the flags from the streaming endpoint.

  run.py watch URL FLAG
      Streams from URL, prints `ready <true|false>` once the flag is known, then one
      `changed <true|false>` line each time its value changes. Stops when stdin closes.

  run.py watch-polling URL FLAG
      The same, polling every second.

The backend token comes from the environment variable UNLEASH_TOKEN, never from argv.
Nothing is written to disk except OUT_FILE: the SDK's cache is kept in memory.
"""

import json
import logging
import os
import sys
import threading
import time

from UnleashClient import UnleashClient
from UnleashClient.cache import BaseCache

APP_NAME = "sdk-compat-python"
READY_TIMEOUT = 10.0


class MemoryCache(BaseCache):
    """The SDK's backup cache, in memory, so a run leaves no files behind."""

    def __init__(self):
        self._data = {}

    def set(self, key, value):
        self._data[key] = value

    def mset(self, data):
        self._data.update(data)

    def get(self, key, default=None):
        return self._data.get(key, default)

    def exists(self, key):
        return key in self._data

    def destroy(self):
        self._data = {}


def make_client(url, streaming):
    app_name = f"{APP_NAME}-streaming" if streaming else APP_NAME
    return UnleashClient(
        url=url,
        app_name=app_name,
        instance_id=f"{app_name}-{os.getpid()}",
        refresh_interval=1,
        metrics_interval=1,
        custom_headers={"Authorization": os.environ["UNLEASH_TOKEN"]},
        cache=MemoryCache(),
        experimental_mode={"type": "streaming"} if streaming else None,
    )


def wait_until(predicate, what):
    deadline = time.monotonic() + READY_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def run_spec(url, spec_file, out_file, streaming=False):
    with open(spec_file, encoding="utf-8") as f:
        spec = json.load(f)
    started = time.monotonic()
    client = make_client(url, streaming=streaming)
    client.initialize_client()
    wait_until(lambda: client.feature_definitions(), "the first flags")
    ready_ms = (time.monotonic() - started) * 1000
    tests = []
    for case in spec.get("tests", []):
        tests.append(
            {
                "description": case["description"],
                "toggleName": case["toggleName"],
                "result": client.is_enabled(case["toggleName"], case["context"]),
            }
        )
    variant_tests = []
    for case in spec.get("variantTests", []):
        v = client.get_variant(case["toggleName"], case["context"])
        variant_tests.append(
            {
                "description": case["description"],
                "toggleName": case["toggleName"],
                "result": {
                    "name": v.get("name"),
                    "enabled": v.get("enabled"),
                    "feature_enabled": v.get("feature_enabled"),
                    "payload": v.get("payload"),
                },
            }
        )
    # destroy() sends the last metrics bucket before it returns.
    client.destroy()
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(
            {
                "sdk": "python streaming" if streaming else "python",
                "readyMs": ready_ms,
                "tests": tests,
                "variantTests": variant_tests,
            },
            f,
        )


def run_watch(url, flag, streaming):
    client = make_client(url, streaming=streaming)
    client.initialize_client()
    wait_until(lambda: flag in client.feature_definitions(), f"flag {flag}")
    last = client.is_enabled(flag)
    print(f"ready {str(last).lower()}", flush=True)
    closed = threading.Event()

    def wait_stdin():
        sys.stdin.read()
        closed.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    deadline = time.monotonic() + 60
    while not closed.is_set() and time.monotonic() < deadline:
        now = client.is_enabled(flag)
        if now != last:
            last = now
            print(f"changed {str(now).lower()}", flush=True)
        time.sleep(0.005)
    client.destroy()


def main():
    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("SDK_COMPAT_DEBUG") else logging.ERROR,
        stream=sys.stderr,
    )
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "spec" and len(sys.argv) == 5:
        run_spec(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "spec-stream" and len(sys.argv) == 5:
        run_spec(sys.argv[2], sys.argv[3], sys.argv[4], streaming=True)
    elif mode == "watch" and len(sys.argv) == 4:
        run_watch(sys.argv[2], sys.argv[3], streaming=True)
    elif mode == "watch-polling" and len(sys.argv) == 4:
        run_watch(sys.argv[2], sys.argv[3], streaming=False)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
