"""The open-loop latency sweep of bench/run: each server driven by
cc/bench/openloop at fixed offered rates, from a tenth of the closed-loop
peak bench/run just measured (redis-benchmark, 50 clients, GET) to past
it, every request timed from its scheduled start. Owns the sweep plan, its
runs, its table and its plot panel; servers and their lifecycle are
servers.py's.
"""

import json
import statistics
import subprocess
from dataclasses import dataclass

from . import count
from .servers import SPECS, Server, ServerError

CONNECTIONS = 50
KEYS = 10000
LIMIT_US = 1000.0        # the latency bound the report names a rate for
ACHIEVED_MIN = 0.95      # a point counts only if the server kept up with it


@dataclass(frozen=True)
class SweepPlan:
    fractions: tuple     # offered rate as a fraction of the closed-loop peak
    duration: float      # seconds of schedule per point
    warmup: float        # seconds at the start of each point not recorded


FULL = SweepPlan((0.1, 0.25, 0.5, 0.7, 0.85, 1.0, 1.2), 4.0, 1.0)
QUICK = SweepPlan((0.25, 1.0), 0.6, 0.1)


def sweep_servers(servers):
    """The servers that can take 50 connections at once (not sync)."""
    return [s for s in servers if SPECS[s].concurrent]


def closed_loop_peaks(samples, servers):
    """{server: median requests/s of its 50-client GET runs}, the rates the
    sweep scales from; servers without one are left out."""
    peaks = {}
    for s in servers:
        rps = [x["rps"] for x in samples
               if x["server"] == s and x["workload"] == "c50" and x["test"] == "get"
               and x["status"] == "ok"]
        if rps:
            peaks[s] = statistics.median(rps)
    return peaks


def run_point(openloop, port, rate, plan, timeout=60):
    """One openloop run at `rate` requests/s; its JSON report, or a dict with
    status 'error' and the reason."""
    argv = [openloop, "--port", str(port), "--rate", "%.0f" % rate,
            "--connections", str(CONNECTIONS), "--duration", str(plan.duration),
            "--warmup", str(plan.warmup), "--mix", "get", "--keys", str(KEYS), "--json"]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "error", "detail": "openloop timed out after %ds" % timeout}
    if r.returncode != 0:
        return {"status": "error", "detail": "openloop exit %d: %s"
                % (r.returncode, (r.stderr or r.stdout).strip()[-300:])}
    res = json.loads(r.stdout)
    res["status"] = "ok"
    return res


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_sweep(names, binaries, log_dir, peaks, plan, progress, order_of_round=None):
    """Every server in `names` with a peak stays up, prefilled with KEYS keys;
    the points interleave like bench/run's rounds (one rate on every server,
    then the next). Returns (points, errors); each point records the load
    average when it ended."""
    points, errors, live = [], [], {}
    order = [n for n in (order_of_round or names) if n in peaks]
    for name in order:
        server = Server(SPECS[name], binaries, log_dir)
        try:
            server.start()
            count.prefill(server, binaries["openloop"], 3, KEYS)
            live[name] = server
        except ServerError as e:
            errors.append("%s sweep: %s" % (name, e))
            server.kill()
    try:
        for frac in plan.fractions:
            for name in order:
                if name not in live:
                    continue
                rate = max(100.0, peaks[name] * frac)
                progress.status("sweep %-16s %3.0f%% of peak: %.0f req/s" % (
                    name, 100 * frac, rate))
                res = run_point(binaries["openloop"], live[name].port, rate, plan)
                res.update({"server": name, "fraction": frac, "peak_rps": peaks[name],
                            "offered": rate, "loadavg": loadavg()})
                points.append(res)
                if res["status"] != "ok":
                    errors.append("%s sweep at %.0f req/s: %s" % (name, rate, res["detail"]))
                    progress.log("sweep %-16s %7.0f req/s ERROR %s" % (
                        name, rate, res["detail"]))
                    continue
                progress.log("sweep %-16s %7.0f req/s offered, %7.0f achieved: p50 %.3f "
                             "p99.9 %.3f max %.3f ms" % (
                                 name, rate, res["achieved_rps"], res["p50_us"] / 1000,
                                 res["p99.9_us"] / 1000, res["max_us"] / 1000))
                try:
                    live[name].check_alive()
                except ServerError as e:
                    errors.append(str(e))
                    live.pop(name).kill()
    finally:
        for name, server in live.items():
            try:
                server.stop()
            except ServerError as e:
                errors.append("%s sweep: %s" % (name, e))
            finally:
                server.kill()
    return points, errors


def kept_up(p):
    return (p["status"] == "ok" and p["unanswered"] == 0 and p["errors"] == 0
            and p["achieved_rps"] >= ACHIEVED_MIN * p["offered"])


def best_under(points, server, limit_us=LIMIT_US):
    """The highest offered rate at which `server` kept up and its p99.9 stayed
    under limit_us, as that point; None if no point did."""
    ok = [p for p in points if p["server"] == server and kept_up(p)
          and p["p99.9_us"] < limit_us]
    return max(ok, key=lambda p: p["offered"]) if ok else None


def markdown(run):
    """The latency section of results.md."""
    points = run.get("sweep") or []
    if not points:
        return ""
    sp = run.get("sweep_plan", {})
    servers = list(dict.fromkeys(p["server"] for p in points))
    out = ["## Latency against offered load (open loop)\n",
           "cc/bench/openloop, %d connections on one epoll thread, GET of %d prefilled keys "
           "(uniform), sends requests on a fixed schedule at each offered rate, %s of the "
           "server's closed-loop peak (its median 50-client GET requests/s in this run's "
           "redis-benchmark tests); %.1f s per point, the first %.1f s not recorded. Each "
           "request's latency runs from its scheduled send time, so a stall delays every "
           "request scheduled during it (no coordinated omission). The points interleave "
           "across servers like the rounds. A point counts as kept up when every request "
           "was answered and the achieved rate was at least %.0f%% of the offered one. The "
           "client shares the 2 cores with the server and everyone else's work; its own lag "
           "behind the schedule is in the last column (scheduling delay on a busy machine "
           "shows there first).\n" % (
               CONNECTIONS, KEYS, ", ".join("%g%%" % (100 * f) for f in sp.get("fractions", ())),
               sp.get("duration", 0), sp.get("warmup", 0), 100 * ACHIEVED_MIN),
           "Load average (1, 5, 15 min) when the first point ended: %s; when the last "
           "ended: %s.\n" % (points[0].get("loadavg", "?"), points[-1].get("loadavg", "?")),
           "| server | closed-loop peak (req/s) | highest offered rate with p99.9 < 1 ms "
           "| p50 there | p99.9 there |", "|---|---|---|---|---|"]
    for s in servers:
        peak = next(p["peak_rps"] for p in points if p["server"] == s)
        b = best_under(points, s)
        if b is None:
            out.append("| %s | %.0f | none (no point kept up under 1 ms) | - | - |" % (s, peak))
        else:
            out.append("| %s | %.0f | %.0f (%.0f%% of peak) | %.3f ms | %.3f ms |" % (
                s, peak, b["offered"], 100 * b["fraction"], b["p50_us"] / 1000,
                b["p99.9_us"] / 1000))
    out += ["", "| server | offered | achieved | p50 | p90 | p99 | p99.9 | p99.99 | max | "
            "client lag p99 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in points:
        if p["status"] != "ok":
            out.append("| %s | %.0f | error: %s | | | | | | | |" % (
                p["server"], p["offered"], p["detail"].replace("|", "/")[:120]))
            continue
        ms = ["%.3f" % (p[k] / 1000) for k in ("p50_us", "p90_us", "p99_us", "p99.9_us",
                                                "p99.99_us", "max_us")]
        out.append("| %s | %.0f (%g%%) | %.0f%s | %s | %.3f |" % (
            p["server"], p["offered"], 100 * p["fraction"], p["achieved_rps"],
            "" if kept_up(p) else " (fell behind)", " | ".join(ms),
            p.get("send_lag_p99_us", 0) / 1000))
    out.append("\n(latencies in ms)\n")
    return "\n".join(out)


def plot_panel(ax, run, color):
    """p50 (dashed) and p99.9 (solid) against offered rate, one colour per
    server, both axes log."""
    points = [p for p in run.get("sweep") or [] if p["status"] == "ok"]
    if not points:
        ax.axis("off")
        ax.text(0.5, 0.5, "Latency against offered load: not measured in this run",
                ha="center", va="center", transform=ax.transAxes)
        return
    for s in dict.fromkeys(p["server"] for p in points):
        mine = sorted((p for p in points if p["server"] == s), key=lambda p: p["offered"])
        xs = [p["offered"] / 1000 for p in mine]
        ax.plot(xs, [p["p99.9_us"] / 1000 for p in mine], "-o", color=color(s),
                markersize=3, label="%s p99.9" % s)
        ax.plot(xs, [p["p50_us"] / 1000 for p in mine], "--", color=color(s),
                linewidth=1, label="%s p50" % s)
    ax.axhline(LIMIT_US / 1000, color="red", linewidth=1, label="1 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered load, thousand requests/s (log)")
    ax.set_ylabel("latency from scheduled start, ms (log)")
    ax.set_title("Open-loop latency against offered load (GET, 50 connections): "
                 "p99.9 solid, p50 dashed")
    ax.legend(fontsize=6, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
