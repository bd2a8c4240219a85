"""Turns the raw samples of a run into medians, ratios to redis-server, target
verdicts, a markdown table, a PNG plot and a terminal summary.

Owns presentation and statistics only; it never runs a server. Ratios are
taken per round (each server against the redis-server measured in the same
round) and the median of those is reported, so slow drift of a shared machine
cancels out.
"""

import math
import statistics

from . import countreport, sweep
from .plan import TARGETS, TEST_LABEL
from .servers import SPECS

BASELINE = "redis"
FLOOR = "floor"


def idle_servers(servers):
    """The servers the idle-connections test covers (not the floor)."""
    return [s for s in servers if s not in SPECS or SPECS[s].idle]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def aggregate(samples):
    """{(server, workload, test): cell} where a cell holds medians of the ok
    samples, per-round ratios to the baseline and every status seen."""
    by_key = {}
    for s in samples:
        by_key.setdefault((s["server"], s["workload"], s["test"]), []).append(s)
    cells = {}
    for key, group in by_key.items():
        ok = [s for s in group if s["status"] == "ok"]
        cell = {"samples": len(group), "ok": len(ok),
                "statuses": sorted({s["status"] for s in group}),
                "expected_only": all(s.get("expected") for s in group if s["status"] != "ok"),
                "details": [s.get("detail") for s in group if s.get("detail")]}
        for field in ("rps", "p50_ms", "p99_ms", "user_us", "sys_us", "cpu_us",
                      "conn_cpu_us", "bytes_per_conn", "bytes_per_conn_initial",
                      "rss_before", "rss_after", "threads_after", "settle_s", "idle_cpu_pct"):
            cell[field] = median([s.get(field) for s in ok])
        cells[key] = cell
    for (server, workload, test), cell in cells.items():
        base = by_key.get((BASELINE, workload, test), [])
        mine = by_key[(server, workload, test)]
        for field, out in (("cpu_us", "cpu_ratio"), ("rps", "rps_ratio"),
                           ("bytes_per_conn", "bytes_ratio")):
            ratios = []
            for s in mine:
                if s["status"] != "ok" or s.get(field) is None:
                    continue
                for b in base:
                    if b["round"] == s["round"] and b["status"] == "ok" and b.get(field):
                        ratios.append(s[field] / b[field])
            cell[out] = median(ratios)
    return cells


def workload_ratio(cells, server, workload, field="cpu_ratio"):
    """Geometric mean over the workload's tests of one ratio field."""
    return geomean([c[field] for (s, w, t), c in cells.items()
                    if s == server and w == workload])


def evaluate_targets(cells, plan, servers):
    """[(target, {test: value}, verdict)] for targets whose server was run."""
    out = []
    idle_ran = any(w == "idle" for (_, w, _) in cells)
    for tgt in TARGETS:
        if tgt.server not in servers or (tgt.kind == "idle_bytes" and not idle_ran):
            continue
        if tgt.kind == "idle_bytes":
            cell = cells.get((tgt.server, "idle", "idle"))
            value = cell and cell["bytes_per_conn"]
            values = {"idle": value}
        else:
            wl = next((w for w in plan.workloads if w.key == tgt.workload), None)
            if wl is None:
                continue
            values = {t: (cells.get((tgt.server, tgt.workload, t)) or {}).get("cpu_ratio")
                      for t in wl.tests}
        if not values or any(v is None for v in values.values()):
            verdict = "not measured"
        elif all(v <= tgt.limit for v in values.values()):
            verdict = "met"
        else:
            verdict = "missed"
        out.append((tgt, values, verdict))
    return out


def fmt(v, digits=2, suffix=""):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "{:,.0f}{}".format(v, suffix)
    if abs(v) >= 100:
        return "{:.0f}{}".format(v, suffix)
    return "{:.{d}f}{}".format(v, suffix, d=digits)


def cell_status(cell):
    """'ok', 'breaks' for an expected failure (sync under concurrency), or
    the failure statuses seen."""
    if cell is None:
        return "-"
    bad = [s for s in cell["statuses"] if s != "ok"]
    if bad and cell.get("expected_only"):
        return "breaks"
    return ", ".join(bad) if bad else "ok"


def lookup(cells, server, workload, test):
    """The cell, or for a test skipped because the server already broke on
    this workload, a stand-in cell that says so."""
    c = cells.get((server, workload, test))
    if c is not None:
        return c
    for (s, w, t), other in cells.items():
        if s == server and w == workload and other["ok"] == 0 and other["expected_only"]:
            return {"ok": 0, "statuses": ["skipped"], "expected_only": True}
    return None


def markdown(run, cells, plan, counts=None):
    """results.md: the closed-loop tables, the open-loop sweep, and the
    counts of `counts` (counts.json, bench/count's) when given."""
    servers = run["servers"]
    wl_by_key = {w.key: w for w in plan.workloads}
    out = []
    m = run["machine"]
    out.append("# respd benchmark results\n")
    out.append("Produced by `%s` (exit status %s).\n" % (run["command"], run.get("exit_status", "-")))
    out.append("| | |\n|---|---|")
    for k, v in (("date (UTC)", m["date"]), ("respd commit", m["commit"]),
                 ("CPU", "%s, %d cores" % (m["cpu"], m["cores"])),
                 ("kernel", m["kernel"]), ("redis-server", m["redis"]),
                 ("load average at start", m["loadavg"]),
                 ("rounds", "%d; each test runs on every server in turn (%s; reversed "
                  "on even rounds)" % (run["rounds"], " ".join(servers))),
                 ("duration", "%.1f min" % (run["duration_s"] / 60))):
        out.append("| %s | %s |" % (k, v))
    out.append("")
    if run.get("quick"):
        out.append("**Quick mode**: a smoke test with few requests and one round; CPU "
                   "figures are a handful of 10 ms clock ticks and must not be compared.\n")
    out.append("Server CPU time per request is counted only while redis-benchmark's "
               "requests run (from its first progress line to its report); the connect "
               "ramp and teardown are charged per connection. Ratios compare each "
               "server with the redis-server run in the same round; the median over "
               "rounds is shown. Lower is better for CPU and latency, higher for "
               "requests/s.\n")

    out.append("## Targets (issue 7)\n")
    floor = FLOOR in servers
    if floor:
        out.append("The floor column is `floor` (cc/bench/floor.c) in the same rounds: a "
                   "server that frames each request and answers +PONG without running "
                   "it, so its CPU per request is the kernel's TCP work and one epoll "
                   "loop alone. Pipelined (-P 16) it is a bound no server that runs "
                   "the command goes below. Unpipelined, CPU per request depends as "
                   "much on how many requests each wake-up finds as on the work done, "
                   "and a faster server finds fewer, so there the floor shows how big "
                   "that effect is rather than a bound.\n")
    out.append("| server | workload | target | measured | %sverdict |"
               % ("floor, same run | " if floor else ""))
    out.append("|---|---|---|---|%s---|" % ("---|" if floor else ""))
    for tgt, values, verdict in evaluate_targets(cells, plan, servers):
        if tgt.kind == "idle_bytes":
            label = "idle connections"
            goal = "<= %d bytes/conn" % tgt.limit
            measured = fmt(values["idle"], 0, " B")
            floor_cell = "- | "
        else:
            label = wl_by_key[tgt.workload].label
            goal = "CPU/request <= %.2fx redis" % tgt.limit
            measured = ", ".join("%s %s" % (TEST_LABEL[t], fmt(v, 2, "x"))
                                 for t, v in values.items())
            floor_cell = ", ".join(
                "%s %s" % (TEST_LABEL[t], fmt((cells.get((FLOOR, tgt.workload, t)) or {})
                                              .get("cpu_ratio"), 2, "x"))
                for t in values) + " | "
        mark = {"met": "**met**", "missed": "**MISSED**"}.get(verdict, verdict)
        out.append("| %s | %s | %s | %s | %s%s |" % (tgt.server, label, goal, measured,
                                                    floor_cell if floor else "", mark))
    out.append("")

    def grid(title, field, ratio_field, digits, unit, explain):
        out.append("## %s\n" % title)
        out.append(explain + "\n")
        out.append("| workload | test | " + " | ".join(servers) + " |")
        out.append("|---|---|" + "---|" * len(servers))
        for w in plan.workloads:
            for t in w.tests:
                row = []
                for s in servers:
                    c = lookup(cells, s, w.key, t)
                    if c is None:
                        row.append("-")
                    elif c["ok"] == 0:
                        row.append(cell_status(c))
                    elif ratio_field and s != BASELINE:
                        row.append("%s (%s)" % (fmt(c[field], digits, unit),
                                                fmt(c[ratio_field], 2, "x")))
                    else:
                        row.append(fmt(c[field], digits, unit))
                out.append("| %s | %s | %s |" % (w.label, TEST_LABEL[t], " | ".join(row)))
        out.append("")

    grid("Server CPU time per request", "cpu_us", "cpu_ratio", 2, " us",
         "User + system microseconds per request, median; ratio to redis-server in parentheses.")
    grid("Requests per second", "rps", "rps_ratio", 0, "",
         "redis-benchmark's throughput, median; ratio to redis-server in parentheses. "
         "At -P 1 the single-threaded client, not the server, usually sets this.")
    grid("Latency p50", "p50_ms", None, 3, " ms", "Median over rounds of redis-benchmark's p50.")
    grid("Latency p99", "p99_ms", None, 3, " ms", "Median over rounds of redis-benchmark's p99.")

    out.append("## User and system CPU per request, and per connection\n")
    out.append("user / system microseconds per request; then server CPU microseconds "
               "per connection outside the request phase (accept, setup, close), "
               "meaningful at 1,000+ clients.\n")
    out.append("| workload | test | " + " | ".join(servers) + " |")
    out.append("|---|---|" + "---|" * len(servers))
    for w in plan.workloads:
        for t in w.tests:
            row = []
            for s in servers:
                c = lookup(cells, s, w.key, t)
                if c is None or c["ok"] == 0:
                    row.append(cell_status(c))
                    continue
                txt = "%s / %s" % (fmt(c["user_us"]), fmt(c["sys_us"]))
                if w.clients >= 1000:
                    txt += "; %s us/conn" % fmt(c["conn_cpu_us"], 0)
                row.append(txt)
            out.append("| %s | %s | %s |" % (w.label, TEST_LABEL[t], " | ".join(row)))
    out.append("")

    out.append("## Idle connections\n")
    out.append("%d connections each made one PING round trip, then sat idle (held by "
               "bench/idle_client.py). Bytes/conn = (VmRSS after settling - VmRSS before) "
               "/ N; \"initial\" is half a second after the last reply, before any "
               "server-side trimming. CPU while idle is the server's CPU time over the "
               "settling period divided by its length.\n" % plan.idle_count)
    out.append("| server | bytes/conn | ratio to redis | initial bytes/conn | RSS before | "
               "RSS after | settle | threads | CPU while idle | status |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for s in idle_servers(servers):
        c = cells.get((s, "idle", "idle"))
        if c is None:
            out.append("| %s | - | - | - | - | - | - | - | - | not run |" % s)
            continue
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            s, fmt(c["bytes_per_conn"], 0), fmt(c["bytes_ratio"], 2, "x") if s != BASELINE else "1x",
            fmt(c["bytes_per_conn_initial"], 0),
            fmt(c["rss_before"] and c["rss_before"] / 1048576, 1, " MiB"),
            fmt(c["rss_after"] and c["rss_after"] / 1048576, 1, " MiB"),
            fmt(c["settle_s"], 1, " s"), fmt(c["threads_after"], 0),
            fmt(c["idle_cpu_pct"], 1, "% of a core"), cell_status(c)))
    out.append("")

    latency = sweep.markdown(run)
    if latency:
        out.append(latency)
    if counts:
        out.append(countreport.markdown(counts))

    problems = [s for s in run["samples"] if s["status"] != "ok"]
    out.append("## Where servers broke, and errors\n")
    if not problems:
        out.append("None: every server completed every test.\n")
    else:
        out.append("| round | server | workload | test | status | expected | detail |")
        out.append("|---|---|---|---|---|---|---|")
        for s in problems:
            detail = (s.get("detail") or "").replace("|", "/").replace("\n", " ")
            out.append("| %d | %s | %s | %s | %s | %s | %s |" % (
                s["round"], s["server"], s["workload"], s["test"], s["status"],
                "yes" if s.get("expected") else "**no**", detail[:300]))
        out.append("")
    return "\n".join(out) + "\n"


def plot(path, run, cells, plan):
    """Four panels: CPU/request ratio to redis-server per workload, requests
    per second per workload, idle bytes per connection, and open-loop
    latency against offered load."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    servers = run["servers"]
    wls = plan.workloads
    others = [s for s in servers if s != BASELINE]
    fig, axes = plt.subplots(4, 1, figsize=(max(11, 1.6 * len(wls) + 5), 17))
    width = 0.8 / max(1, len(servers))
    cmap = plt.get_cmap("tab10")

    def color(server):
        return cmap(servers.index(server) % 10)

    ax = axes[0]
    for i, s in enumerate(others):
        vals = [workload_ratio(cells, s, w.key) for w in wls]
        xs = [j + (i - len(others) / 2 + 0.5) * width for j in range(len(wls))]
        ax.bar(xs, [v or 0 for v in vals], width, label=s, color=color(s))
        for x, v in zip(xs, vals):
            ax.text(x, v if v else 0.3, ("%.2f" % v) if v else "breaks", ha="center",
                    va="bottom", fontsize=6, rotation=90)
    ax.axhline(1.0, color="black", linewidth=1, label="redis-server = 1")
    for tgt in TARGETS:
        if tgt.kind != "cpu_ratio" or tgt.server not in others:
            continue
        j = next((k for k, w in enumerate(wls) if w.key == tgt.workload), None)
        if j is None:
            continue
        i = others.index(tgt.server)
        x = j + (i - len(others) / 2 + 0.5) * width
        ax.plot([x - width / 2, x + width / 2], [tgt.limit, tgt.limit], color="red", linewidth=2)
    ax.set_xticks(range(len(wls)))
    ax.set_xticklabels([w.label for w in wls])
    ax.set_yscale("log")
    top = max([workload_ratio(cells, s, w.key) or 1 for s in others for w in wls] + [1.2])
    ax.set_ylim(0.3, top * 2.5)
    ticks = [t for t in (0.3, 0.5, 0.7, 1, 2, 5, 10, 20, 50, 100) if t <= top * 2.5]
    ax.set_yticks(ticks)
    ax.set_yticklabels(["%g" % t for t in ticks])
    ax.set_ylabel("server CPU per request / redis-server's (log)")
    ax.set_title("CPU time per request relative to redis-server (red ticks: targets; "
                 "geometric mean over tests)")
    ax.legend(fontsize=8, ncol=1, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    ax = axes[1]
    for i, s in enumerate(servers):
        vals = [geomean([c["rps"] for (sv, w, t), c in cells.items()
                         if sv == s and w == wl.key]) for wl in wls]
        xs = [j + (i - len(servers) / 2 + 0.5) * width for j in range(len(wls))]
        ax.bar(xs, [(v or 0) / 1000 for v in vals], width, label=s, color=color(s))
    ax.set_xticks(range(len(wls)))
    ax.set_xticklabels([w.label for w in wls])
    ax.set_yscale("log")
    ax.set_ylabel("thousand requests/s (log)")
    ax.set_title("Throughput (redis-benchmark; geometric mean over tests; missing bar = broke)")
    ax.legend(fontsize=8, ncol=1, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    idle_panel(axes[2], cells, servers, plan, color)
    sweep.plot_panel(axes[3], run, color)
    return finish_plot(fig, path, run)


def idle_panel(ax, cells, servers, plan, color):
    if not any(w == "idle" for (_, w, _) in cells):
        ax.axis("off")
        ax.text(0.5, 0.5, "Memory per idle connection: not measured in this run",
                ha="center", va="center", transform=ax.transAxes)
        return
    idle = idle_servers(servers)
    vals = [(cells.get((s, "idle", "idle")) or {}).get("bytes_per_conn") for s in idle]
    ax.bar(range(len(idle)), [max(v or 0, 1) for v in vals], color=[color(s) for s in idle])
    for i, v in enumerate(vals):
        ax.text(i, max(v or 1, 1), "breaks" if v is None else "{:,.0f}".format(v),
                ha="center", va="bottom", fontsize=8)
    ax.axhline(256, color="red", linewidth=1, label="target for epoll/uring: 256 B")
    ax.set_xticks(range(len(idle)))
    ax.set_xticklabels(idle)
    ax.set_yscale("log")
    ax.set_ylabel("bytes of RSS per idle connection (log)")
    ax.set_title("Memory per idle connection (%d connections)" % plan.idle_count)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def finish_plot(fig, path, run):
    import matplotlib.pyplot as plt

    m = run["machine"]
    fig.suptitle("respd vs redis-server - %s, %d cores, kernel %s, %s, commit %s"
                 % (m["cpu"], m["cores"], m["kernel"], m["date"], m["commit"][:12]), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def summary(run, cells, plan):
    """A few lines for the terminal."""
    servers = run["servers"]
    lines = []
    header = "%-18s" % "CPU/req vs redis" + "".join("%11s" % s for s in servers if s != BASELINE)
    lines.append(header)
    for w in plan.workloads:
        row = "%-18s" % w.label
        for s in servers:
            if s == BASELINE:
                continue
            v = workload_ratio(cells, s, w.key)
            row += "%11s" % (fmt(v, 2, "x") if v else "-")
        lines.append(row)
    if any(w == "idle" for (_, w, _) in cells):
        row = "%-18s" % "idle bytes/conn"
        for s in servers:
            if s == BASELINE:
                continue
            c = cells.get((s, "idle", "idle"))
            row += "%11s" % (fmt(c and c["bytes_per_conn"], 0) if c else "-")
        base = cells.get((BASELINE, "idle", "idle"))
        lines.append(row + "   (redis %s)" % fmt(base and base["bytes_per_conn"], 0))
    points = run.get("sweep") or []
    for s in dict.fromkeys(p["server"] for p in points):
        b = sweep.best_under(points, s)
        lines.append("open loop, %-16s p99.9 < 1 ms up to %s" % (
            s, "%.0f req/s offered" % b["offered"] if b else "none of the rates tried"))
    verdicts = evaluate_targets(cells, plan, servers)
    if verdicts:
        met = sum(1 for _, _, v in verdicts if v == "met")
        lines.append("targets: %d of %d met" % (met, len(verdicts)))
        for tgt, values, verdict in verdicts:
            if verdict != "met":
                lines.append("  %-7s %-8s %-12s limit %s, measured %s" % (
                    verdict, tgt.server, tgt.workload, tgt.limit,
                    ", ".join("%s=%s" % (k, fmt(v, 2)) for k, v in values.items())))
    return "\n".join(lines)
