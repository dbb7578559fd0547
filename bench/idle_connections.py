#!/usr/bin/env python3
"""Idle-connection probe: many idle TCP connections to one node while /health is polled.

    idle_connections.py HOST PORT SERVER_PID

Environment: COUNT (20000 connections), HALF (0.5: the share that sends a request head
without its final empty line; the rest send nothing), HOLDERS (4 processes holding the
connections, so that each stays within the open-file hard limit), SOURCES (4 source
addresses 127.0.0.2.., so that ephemeral ports never run short), HOLD (40 s: how long the
connections are watched after they are all open), PROBE_INTERVAL (0.1 s),
HEADERS_TIMEOUT_MS (10000: the server's SERVER_HEADERS_TIMEOUT, to tell connections closed
at that timeout from those closed earlier to make room for newer ones).

Every PROBE_INTERVAL two /health probes run: one on a fresh connection (as a load
balancer's health check), one on a connection kept alive from before the idle connections
arrived (reopened when it fails). Prints a timeline (per 2 s: connections the client holds,
descriptors the server holds, probe failures and latency) and a summary (how many idle
connections the server closed and after how long, /health latency and failures).
Standard library only.
"""
import http.client
import json
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time

IP_BIND_ADDRESS_NO_PORT = 24


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def holder(host, port, count, half, sources, hold, index):
    """Opens `count` connections, sends half of them a partial request head, and watches
    them until the server closes them or `hold` seconds after the last one opened."""
    limits = raise_nofile()
    head = f"GET /api/client/features HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: idle-probe\r\n".encode()
    ep = select.epoll()
    socks = {}
    info = {}  # fd -> [kind, t_connect_start, t_connected, t_closed, first_bytes]
    connect_failed = {}
    t_start = time.monotonic()
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        s.setblocking(False)
        try:
            s.bind((sources[i % len(sources)], 0))
            err = s.connect_ex((host, port))
        except OSError as e:
            connect_failed[type(e).__name__] = connect_failed.get(type(e).__name__, 0) + 1
            s.close()
            continue
        if err not in (0, 115):  # EINPROGRESS
            connect_failed[os.strerror(err)] = connect_failed.get(os.strerror(err), 0) + 1
            s.close()
            continue
        kind = "half" if int((i + 1) * half) > int(i * half) else "idle"  # interleaved, `half` of them
        socks[s.fileno()] = s
        info[s.fileno()] = [kind, time.monotonic(), None, None, b""]
        ep.register(s.fileno(), select.EPOLLOUT)
        # let the kernel and the server keep up: drain completions now and then
        if i % 500 == 499:
            _poll(ep, socks, info, head, connect_failed, 0)
    deadline_open = time.monotonic() + 30
    while any(v[2] is None and v[3] is None for v in info.values()) and time.monotonic() < deadline_open:
        _poll(ep, socks, info, head, connect_failed, 0.2)
    t_open = time.monotonic()
    opened = sum(1 for v in info.values() if v[2] is not None)
    print(json.dumps({"event": "opened", "index": index, "opened": opened, "t": t_open, "t_start": t_start,
                      "seconds": t_open - t_start, "connect_failed": connect_failed, "nofile": limits}), flush=True)
    end = t_open + hold
    last_report = 0
    while time.monotonic() < end:
        _poll(ep, socks, info, head, connect_failed, 0.2)
        if time.monotonic() - last_report >= 1.0:
            last_report = time.monotonic()
            still = sum(1 for v in info.values() if v[2] is not None and v[3] is None)
            print(json.dumps({"event": "tick", "index": index, "t": last_report, "open": still}), flush=True)
        if not any(v[3] is None for v in info.values()):
            break
    still = sum(1 for v in info.values() if v[2] is not None and v[3] is None)
    print(json.dumps({"event": "tick", "index": index, "t": time.monotonic(), "open": still}), flush=True)
    closes = []
    for fd, v in info.items():
        kind, t0, t1, t2, first = v
        closes.append({"kind": kind, "connected": t1 is not None, "t_connected": t1,
                       "closed_after": (t2 - t1) if (t1 is not None and t2 is not None) else None,
                       "t_closed": t2, "first": first[:40].decode("latin-1")})
    for s in socks.values():
        s.close()
    print(json.dumps({"event": "done", "index": index, "connections": closes, "connect_failed": connect_failed}), flush=True)


def _poll(ep, socks, info, head, connect_failed, timeout):
    for fd, ev in ep.poll(timeout):
        v = info.get(fd)
        s = socks.get(fd)
        if v is None or s is None:
            continue
        now = time.monotonic()
        if v[2] is None:  # connecting
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                name = os.strerror(err)
                connect_failed[name] = connect_failed.get(name, 0) + 1
                ep.unregister(fd)
                v[3] = now
                continue
            v[2] = now
            if v[0] == "half":
                try:
                    s.send(head)
                except OSError:
                    pass
            ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
            continue
        # readable: the server sent something or closed
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if data:
            v[4] += data
            if ev & (select.EPOLLRDHUP | select.EPOLLHUP) == 0:
                continue
        v[3] = now
        ep.unregister(fd)


# ------------------------------------------------------------------ the coordinator


class Prober(threading.Thread):
    def __init__(self, host, port, interval, t0):
        super().__init__(daemon=True)
        self.host, self.port, self.interval, self.t0 = host, port, interval, t0
        self.stop = threading.Event()
        self.results = []  # (t, kind, ok, ms, what)
        self.kept = None

    def fresh(self):
        start = time.monotonic()
        try:
            c = http.client.HTTPConnection(self.host, self.port, timeout=2)
            c.request("GET", "/health")
            r = c.getresponse()
            r.read()
            c.close()
            return r.status == 200, (time.monotonic() - start) * 1000, str(r.status)
        except Exception as e:
            return False, (time.monotonic() - start) * 1000, type(e).__name__

    def keepalive(self):
        start = time.monotonic()
        try:
            if self.kept is None:
                self.kept = http.client.HTTPConnection(self.host, self.port, timeout=2)
            self.kept.request("GET", "/health")
            r = self.kept.getresponse()
            r.read()
            return r.status == 200, (time.monotonic() - start) * 1000, str(r.status)
        except Exception as e:
            try:
                self.kept.close()
            except Exception:
                pass
            self.kept = None
            return False, (time.monotonic() - start) * 1000, type(e).__name__

    def run(self):
        nxt = time.monotonic()
        while not self.stop.is_set():
            t = time.monotonic()
            ok, ms, what = self.fresh()
            self.results.append((t, "fresh", ok, ms, what))
            t = time.monotonic()
            ok, ms, what = self.keepalive()
            self.results.append((t, "kept", ok, ms, what))
            nxt += self.interval
            self.stop.wait(max(0.0, nxt - time.monotonic()))


def listen_overflows():
    """The kernel's counters of connections dropped because a listen queue was full
    (system-wide: TcpExt ListenOverflows and ListenDrops)."""
    try:
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            if names.startswith("TcpExt:"):
                d = dict(zip(names.split()[1:], map(int, values.split()[1:])))
                return d.get("ListenOverflows", 0), d.get("ListenDrops", 0)
    except OSError:
        pass
    return None


def server_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def coordinator(host, port, pid):
    count = int(os.environ.get("COUNT", "20000"))
    half = float(os.environ.get("HALF", "0.5"))
    holders = int(os.environ.get("HOLDERS", "4"))
    nsrc = int(os.environ.get("SOURCES", "4"))
    hold = float(os.environ.get("HOLD", "40"))
    interval = float(os.environ.get("PROBE_INTERVAL", "0.1"))
    headers_timeout_ms = float(os.environ.get("HEADERS_TIMEOUT_MS", "10000"))
    sources = [f"127.0.0.{2 + i}" for i in range(nsrc)]
    soft, hard = raise_nofile()
    print(f"client open-file limit {soft}/{hard}: {count} connections over {holders} processes "
          f"and source addresses {', '.join(sources)}", file=sys.stderr, flush=True)
    overflow_before = listen_overflows()
    t0 = time.monotonic()
    prober = Prober(host, port, interval, t0)
    prober.start()
    samples = []  # (t, server fds, client open)
    client_open = {}
    time.sleep(2.0)
    procs = []
    per = [count // holders + (1 if i < count % holders else 0) for i in range(holders)]
    for i in range(holders):
        # each holder gets its own source addresses (all of them when there are fewer than holders)
        mine = sources[i::holders] or sources
        procs.append(subprocess.Popen([sys.executable, __file__, "holder", host, str(port), str(per[i]), str(half),
                                       ",".join(mine), str(hold), str(i)], stdout=subprocess.PIPE, text=True))
    t_launch = time.monotonic()
    opened_events, done = {}, {}
    lock = threading.Lock()

    def reader(i, p):
        for line in p.stdout:
            ev = json.loads(line)
            with lock:
                if ev["event"] == "opened":
                    opened_events[i] = ev
                    client_open[i] = ev["opened"]
                elif ev["event"] == "tick":
                    client_open[i] = ev["open"]
                elif ev["event"] == "done":
                    done[i] = ev

    readers = [threading.Thread(target=reader, args=(i, p), daemon=True) for i, p in enumerate(procs)]
    for r in readers:
        r.start()
    while any(p.poll() is None for p in procs):
        with lock:
            samples.append((time.monotonic(), server_fds(pid), sum(client_open.values())))
        time.sleep(0.5)
    for r in readers:
        r.join(timeout=10)
    time.sleep(3.0)  # the probes after the connections are gone
    prober.stop.set()
    prober.join(timeout=5)
    t_end = time.monotonic()

    overflow_after = listen_overflows()

    # ---- report
    conns = [c for d in done.values() for c in d["connections"]]
    failed = {}
    for d in done.values():
        for k, v in d["connect_failed"].items():
            failed[k] = failed.get(k, 0) + v
    opened = [c for c in conns if c["connected"]]
    t_all_open = max(e["t"] for e in opened_events.values()) if opened_events else t_launch
    print()
    print(f"Opened {len(opened):,} of {count:,} connections in {t_all_open - t_launch:.1f} s "
          f"(connect failures: {failed if failed else 'none'}); server pid {pid}, resident memory now {rss(pid) or float('nan'):.1f} MiB")
    print()
    # closed within 1 s: refused at the limit (none of the open connections had waited 1 s
    # for a request, so none could be closed for the new one); closed between 1 s and just
    # before the head timeout: closed to make room for newer ones, or refused after waiting
    # in the listen queue (the client cannot tell these apart); closed at the head timeout.
    timeout_s = headers_timeout_ms / 1000.0
    cut = timeout_s - 0.5
    print(f"| connections | opened | closed by the server within 1 s (refused at the limit) | closed 1 s – {cut:g} s after connect (made room for newer ones, or refused after waiting in the listen queue): count, median s "
          f"| closed at the head timeout ({timeout_s:g} s) or later: count, min / median / max s | still open at the end | first bytes the server sent |")
    print("|---|---|---|---|---|---|---|")
    for kind, label in (("idle", "idle after connect"), ("half", "half-sent request head")):
        cs = [c for c in opened if c["kind"] == kind]
        quick = [c for c in cs if c["closed_after"] is not None and c["closed_after"] < 1.0]
        room = sorted(c["closed_after"] for c in cs if c["closed_after"] is not None and 1.0 <= c["closed_after"] < cut)
        later = sorted(c["closed_after"] for c in cs if c["closed_after"] is not None and c["closed_after"] >= cut)
        still = [c for c in cs if c["closed_after"] is None]
        firsts = {}
        for c in cs:
            if c["first"]:
                k = c["first"].split("\r\n")[0][:30]
                firsts[k] = firsts.get(k, 0) + 1
        lat = f"{later[0]:.1f} / {later[len(later) // 2]:.1f} / {later[-1]:.1f}" if later else "–"
        made = f"{len(room):,}, {room[len(room) // 2]:.1f}" if room else "0"
        print(f"| {label} | {len(cs):,} | {len(quick):,} | {made} | {len(later):,}, {lat} | {len(still):,} | "
              f"{', '.join(f'{k!r}: {v}' for k, v in firsts.items()) or 'none'} |")
    if overflow_before and overflow_after:
        print()
        print(f"Kernel counters during the run (system-wide): ListenOverflows +{overflow_after[0] - overflow_before[0]:,}, "
              f"ListenDrops +{overflow_after[1] - overflow_before[1]:,}: handshakes the listen queue (backlog) had no room for. "
              "A client whose handshake was dropped there believes the connection open although the server never accepted "
              "it; a silent one stays so, one that sends data is reset.")
    print()
    res = prober.results
    for kind, label in (("fresh", "a new connection per probe"), ("kept", "one kept-alive connection")):
        rs = [r for r in res if r[1] == kind]
        oks = [r[3] for r in rs if r[2]]
        bad = [r for r in rs if not r[2]]
        whats = {}
        for r in bad:
            whats[r[4]] = whats.get(r[4], 0) + 1
        span = f"{bad[0][0] - t_launch:+.1f} s to {bad[-1][0] - t_launch:+.1f} s after the idle connections started" if bad else ""
        print(f"/health on {label}: {len(rs)} probes, {len(bad)} failed{(' (' + ', '.join(f'{k}: {v}' for k, v in whats.items()) + '; ' + span + ')') if bad else ''}; "
              f"latency of the answered ones p50 {pct(oks, 50):.2f} ms, p99 {pct(oks, 99):.2f} ms, max {max(oks) if oks else float('nan'):.1f} ms")
    print()
    print("Timeline (seconds after the idle connections started; per 2 s):")
    print()
    print("| t s | client connections open | server file descriptors | /health fresh ok/failed | fresh max ms | /health kept ok/failed | kept max ms |")
    print("|---|---|---|---|---|---|---|")
    step = 2.0
    t = t0
    while t < t_end:
        w = [r for r in res if t <= r[0] < t + step]
        s = [x for x in samples if t <= x[0] < t + step]
        fr = [r for r in w if r[1] == "fresh"]
        kp = [r for r in w if r[1] == "kept"]
        fo = sum(1 for r in fr if r[2])
        ko = sum(1 for r in kp if r[2])
        cl = f"{s[-1][2]:,}" if s else ""
        sf = f"{s[-1][1]:,}" if s and s[-1][1] is not None else ""
        print(f"| {t - t_launch:+.0f} | {cl} | {sf} | "
              f"{fo}/{len(fr) - fo} | {max((r[3] for r in fr), default=float('nan')):.1f} | {ko}/{len(kp) - ko} | "
              f"{max((r[3] for r in kp), default=float('nan')):.1f} |")
        t += step
    fails = sum(1 for r in res if not r[2])
    return 0 if fails == 0 else 2


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "holder":
        _, _, host, port, count, half, srcs, hold, index = sys.argv
        holder(host, int(port), int(count), float(half), srcs.split(","), float(hold), int(index))
    else:
        sys.exit(coordinator(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
