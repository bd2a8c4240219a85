"""Drives one redis-benchmark test against a running server and measures the
server's CPU time for exactly the request phase.

redis-benchmark opens its connections first (64 at a time, 50 ms apart: 10,000
clients take ~8 s) and only then starts its event loop, whose first action is
a progress line ("GET: rps=0.0 ..."). Its report begins with "====== GET".
Under `stdbuf -oL` both arrive as they are printed, so the reader thread
samples the server's /proc/PID/stat at those two moments: CPU between them is
the request phase; the rest (connect ramp, CONFIG probe, teardown) is charged
to connections. Owns no server lifecycle: it only reads the server's pid.
"""

import math
import queue
import re
import subprocess
import threading
import time

from . import procstat

RB_PROGRESS = re.compile(r"rps=(\S+) \(overall: (\S+)\)")
RB_THROUGHPUT = re.compile(r"throughput summary:\s*([0-9.]+) requests per second")
RB_COMPLETED = re.compile(r"(\d+) requests completed in ([0-9.]+) seconds")


def parse_report(text):
    """Figures from redis-benchmark 7.0's default (non --csv) report:
    {'rps', 'avg_ms', 'min_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms',
    'completed'}. Raises ValueError if the report is missing or malformed."""
    m = RB_THROUGHPUT.search(text)
    if not m:
        raise ValueError("no throughput summary in redis-benchmark output")
    out = {"rps": float(m.group(1))}
    lines = [l.strip() for l in text.splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("latency summary"):
            names = lines[i + 1].split()
            values = lines[i + 2].split()
            if len(names) != len(values):
                raise ValueError("malformed latency summary: %r / %r"
                                 % (lines[i + 1], lines[i + 2]))
            for n, v in zip(names, values):
                out["%s_ms" % n] = float(v)
            break
    else:
        raise ValueError("no latency summary in redis-benchmark output")
    m = RB_COMPLETED.search(text)
    out["completed"] = int(m.group(1)) if m else None
    return out


def split_records(chunk, carry):
    """redis-benchmark separates progress updates with '\\r' and report lines
    with '\\n'; returns (complete records, unfinished tail)."""
    data = carry + chunk
    parts = re.split(r"[\r\n]", data)
    return parts[:-1], parts[-1]


class Sampler:
    """Reads redis-benchmark's stdout on a thread and samples the server's
    CPU time when the request phase starts and ends."""

    def __init__(self, stream, server_pid):
        self.stream = stream
        self.server_pid = server_pid
        self.lines = []
        self.cpu_start = None      # (user, sys) at the first progress line
        self.cpu_end = None        # (user, sys) at the report banner
        self.t_start = None
        self.t_end = None
        self.overall_rps = 0.0
        self.events = queue.Queue()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self):
        try:
            return procstat.cpu_seconds(self.server_pid)
        except ProcessLookupError:
            return None

    def run(self):
        carry = ""
        while True:
            chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") \
                else self.stream.read(65536)
            if not chunk:
                break
            records, carry = split_records(chunk.decode("utf-8", "replace"), carry)
            for rec in records:
                self.handle(rec)
        if carry:
            self.handle(carry)

    def handle(self, rec):
        rec = rec.replace("\x1b[K", "")
        if self.cpu_start is None and RB_PROGRESS.search(rec):
            self.cpu_start = self.sample()
            self.t_start = time.monotonic()
        if self.cpu_end is None and rec.lstrip().startswith("====== "):
            self.cpu_end = self.sample()
            self.t_end = time.monotonic()
        m = RB_PROGRESS.search(rec)
        if m:
            try:
                rps = float(m.group(2))
            except ValueError:
                rps = math.nan
            # The first update can say "nan" or "inf" (no time has passed yet).
            if math.isfinite(rps):
                self.overall_rps = rps
                self.events.put(("progress", rps))
        if rec.strip():
            self.lines.append(rec)


def settle_cpu(pid, quiet=0.1, limit=3.0):
    """Waits until the server stops using CPU (it may still be closing the
    connections of a client that just exited) and returns its CPU seconds."""
    deadline = time.monotonic() + limit
    last = procstat.cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = procstat.cpu_seconds(pid)
        if now == last:
            break
        last = now
    return last


def run_test(server, test, clients, requests, pipeline, timeout, keyspace=100000,
             on_progress=None):
    """Runs `redis-benchmark -t test` once against `server` (a servers.Server).

    on_progress(rps or None, fraction done or None, seconds) is called
    about every 0.2 s. Returns a dict with 'status' ('ok', 'timeout', 'error', 'server-died')
    and, when ok, the figures: rps, latency percentiles, server user/sys
    microseconds per request in the request phase, and server CPU
    microseconds per connection for the rest. Never raises for a failing
    benchmark: the caller decides whether a status is an error."""
    argv = ["stdbuf", "-oL", "redis-benchmark", "-h", "127.0.0.1",
            "-p", str(server.port), "-c", str(clients), "-n", str(requests),
            "-P", str(pipeline), "-r", str(keyspace), "-t", test]
    pid = server.pid
    try:
        cpu0 = procstat.cpu_seconds(pid)
    except ProcessLookupError:
        return {"status": "server-died", "detail": "server was gone before the test"}
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sampler = Sampler(proc.stdout, pid)
    result = {"status": "ok", "argv": " ".join(argv[2:])}
    deadline = t0 + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            result["status"] = "timeout"
            break
        if not server.alive():
            result["status"] = "server-died"
            break
        try:
            kind, value = sampler.events.get(timeout=0.2)
        except queue.Empty:
            # Between updates, repeat the last rate once requests are flowing.
            kind, value = "tick", (sampler.overall_rps or None) if sampler.t_start else None
        if on_progress:
            now = time.monotonic()
            # redis-benchmark prints its overall rate, not a count: estimate.
            done = None
            if value is not None and sampler.t_start is not None:
                done = min(1.0, value * (now - sampler.t_start) / requests)
            on_progress(value, done, now - t0)
    if proc.poll() is None:
        proc.kill()
    rc = proc.wait()
    sampler.thread.join(5)
    wall = time.monotonic() - t0
    output = "\n".join(sampler.lines)
    result["wall_s"] = round(wall, 3)
    result["exit"] = rc
    tail = "\n".join(sampler.lines[-6:])
    if result["status"] == "ok" and not server.alive():
        result["status"] = "server-died"
    if result["status"] != "ok":
        result["detail"] = "%s after %.1fs; last output: %s" % (
            result["status"], wall, tail.strip() or "(none)")
        result["overall_rps_seen"] = sampler.overall_rps
        return result
    if rc != 0 or "Error" in output:
        result["status"] = "error"
        result["detail"] = "redis-benchmark exit %d: %s" % (rc, tail.strip())
        return result
    try:
        figures = parse_report(output)
    except ValueError as e:
        result["status"] = "error"
        result["detail"] = "%s: %s" % (e, tail.strip())
        return result
    if figures["completed"] is not None and figures["completed"] != requests:
        result["status"] = "error"
        result["detail"] = "only %d of %d requests completed" % (figures["completed"], requests)
        return result
    if sampler.cpu_start is None or sampler.cpu_end is None:
        result["status"] = "error"
        result["detail"] = ("could not see the request phase in redis-benchmark's output: %r"
                            % sampler.lines[:3])
        return result
    try:
        cpu_total = settle_cpu(pid)
    except ProcessLookupError:
        result["status"] = "server-died"
        result["detail"] = "server died after the benchmark"
        return result
    user = sampler.cpu_end[0] - sampler.cpu_start[0]
    system = sampler.cpu_end[1] - sampler.cpu_start[1]
    rest = (cpu_total[0] + cpu_total[1]) - (cpu0[0] + cpu0[1]) - (user + system)
    result.update(figures)
    result.update({
        "requests": requests,
        "phase_s": round(sampler.t_end - sampler.t_start, 3),
        "user_us": user * 1e6 / requests,
        "sys_us": system * 1e6 / requests,
        "cpu_us": (user + system) * 1e6 / requests,
        "conn_cpu_us": max(rest, 0.0) * 1e6 / clients,
    })
    return result
