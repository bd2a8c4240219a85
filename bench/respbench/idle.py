"""The idle-connections test: server RSS per connection that made one round
trip and then sits idle, held open by bench/idle_client.py in its own process.

Owns the measurement protocol (baseline, settle, stability check); the caller
owns the server's lifecycle and decides whether a status is an error.
"""

import json
import os
import subprocess
import threading
import queue
import time

from . import procstat

IDLE_CLIENT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "idle_client.py")


def wait_stable_rss(pid, min_wait, window, max_wait, tolerance):
    """Samples RSS every 0.25 s until it has moved less than `tolerance`
    bytes over the last `window` seconds (and at least `min_wait` seconds
    passed), or `max_wait` passed. Returns (rss, seconds waited, stable)."""
    t0 = time.monotonic()
    samples = []
    while True:
        now = time.monotonic() - t0
        samples.append((now, procstat.rss_bytes(pid)))
        recent = [r for t, r in samples if t >= now - window]
        if now >= min_wait and now >= window and max(recent) - min(recent) <= tolerance:
            return samples[-1][1], now, True
        if now >= max_wait:
            return samples[-1][1], now, False
        time.sleep(0.25)


def run_idle(server, count, connect_timeout, settle, on_progress=None):
    """Measures server RSS per idle connection on a freshly started server.

    `settle` is (min_wait, window, max_wait) in seconds. Returns a dict with
    'status' ('ok', 'incomplete', 'error', 'server-died') and the figures:
    rss_before, rss_after, bytes_per_conn (after settling),
    bytes_per_conn_initial (half a second after the last reply) and
    idle_cpu_pct (server CPU, % of one core, while the connections sit idle)."""
    pid = server.pid
    # The readiness probe already made one round trip; let lazy allocations
    # from it land before the baseline.
    time.sleep(0.5)
    rss_before = procstat.rss_bytes(pid)
    threads_before = procstat.thread_count(pid)
    argv = ["/usr/bin/python3", IDLE_CLIENT, "--port", str(server.port),
            "--count", str(count), "--timeout", str(connect_timeout)]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    t0 = time.monotonic()
    result = {"status": "ok", "count": count, "rss_before": rss_before}
    stats = None
    try:
        while stats is None:
            if not server.alive():
                result["status"] = "server-died"
                return result
            if time.monotonic() - t0 > connect_timeout + 15:
                result["status"] = "error"
                result["detail"] = "idle client gave no result"
                return result
            try:
                line = lines.get(timeout=0.25)
            except queue.Empty:
                continue
            if line is None:
                result["status"] = "error"
                result["detail"] = "idle client exited: %s" % proc.stderr.read().strip()[-500:]
                return result
            msg = json.loads(line)
            if "progress" in msg and on_progress:
                on_progress(msg["progress"], time.monotonic() - t0)
            stats = msg.get("result")
        result.update({"connect_s": stats["seconds"], "replied": stats["replied"],
                       "failed": stats["failed"], "unanswered": stats["unanswered"]})
        if stats["replied"] != count:
            result["status"] = "incomplete"
            result["detail"] = "%d of %d connections got +PONG (%d failed, %d unanswered; %s)" % (
                stats["replied"], count, stats["failed"], stats["unanswered"],
                stats["first_error"] or "no error, timed out")
            return result
        cpu0, t_cpu0 = procstat.cpu_seconds(pid), time.monotonic()
        time.sleep(0.5)
        result["bytes_per_conn_initial"] = (procstat.rss_bytes(pid) - rss_before) / count
        tolerance = max(64 * 1024, count * 4)
        rss_after, waited, stable = wait_stable_rss(pid, *settle, tolerance=tolerance)
        cpu1, t_cpu1 = procstat.cpu_seconds(pid), time.monotonic()
        # What holding idle connections costs by itself: timers, per-thread
        # ticks, the server's own cron walking its clients.
        result["idle_cpu_pct"] = 100.0 * (sum(cpu1) - sum(cpu0)) / (t_cpu1 - t_cpu0)
        result.update({"rss_after": rss_after, "settle_s": round(waited + 0.5, 2),
                       "stable": stable,
                       "bytes_per_conn": (rss_after - rss_before) / count,
                       "threads_before": threads_before,
                       "threads_after": procstat.thread_count(pid)})
        if not server.alive():
            result["status"] = "server-died"
        return result
    except ProcessLookupError:
        result["status"] = "server-died"
        return result
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
