"""The markdown tables of counts.json: instructions per request, timer work
and system calls per request. Owns presentation only; bench/count measures.
"""

from .count import COUNT_TESTS, SYSCALLS, TEST_BY_KEY
from .servers import SPECS


def _servers(entries):
    return list(dict.fromkeys(e["server"] for e in entries))


def _cases(entries):
    seen = {(e["test"], e["pipeline"]) for e in entries}
    return [(t.key, p) for p in (1, 16) for t in COUNT_TESTS if (t.key, p) in seen]


def _case_label(case):
    return "%s%s" % (TEST_BY_KEY[case[0]].label, "" if case[1] == 1 else " -P %d" % case[1])


def instructions_table(entries, baseline="redis"):
    """Rows per server, columns per test: instructions per request and, in
    brackets, the ratio to the baseline's."""
    by = {(e["server"], e["test"], e["pipeline"]): e for e in entries}
    cases = _cases(entries)
    lines = ["| server | " + " | ".join(_case_label(c) for c in cases) + " |",
             "|---|" + "---|" * len(cases)]
    for server in _servers(entries):
        cells = []
        for test, pipeline in cases:
            e = by.get((server, test, pipeline))
            base = by.get((baseline, test, pipeline))
            if e is None or e.get("ir") is None:
                cells.append("failed" if e is not None and e.get("error") else "-")
                continue
            ratio = (" (%.2fx)" % (e["ir"] / base["ir"])
                     if base and base.get("ir") and server != baseline else "")
            cells.append("%.0f%s" % (e["ir"], ratio))
        note = " (1 client)" if SPECS[server].concurrent is False else ""
        lines.append("| %s%s | %s |" % (server, note, " | ".join(cells)))
    return "\n".join(lines)


def cron_table(entries):
    """Per server: instructions per timer call, and calls in the 2N runs."""
    lines = ["| server | instructions per timer call (median over runs) | timer calls per 2N run "
             "(min-max) |", "|---|---|---|"]
    for server in _servers(entries):
        mine = [e for e in entries if e["server"] == server]
        per_call = sorted(e["cron_ir_per_call"] for e in mine if e.get("cron_ir_per_call"))
        calls = [e["cron_calls"] for e in mine]
        if not per_call:
            lines.append("| %s | no timer function seen | - |" % server)
            continue
        lines.append("| %s | %.0f | %d-%d |" % (server, per_call[len(per_call) // 2],
                                                min(calls), max(calls)))
    return "\n".join(lines)


def syscall_table(entries, top=5):
    """Per server and test: the system calls made per request, by name."""
    cases = _cases(entries)
    lines = ["| server | test | system calls per request |", "|---|---|---|"]
    for server in _servers(entries):
        for test, pipeline in cases:
            e = next((x for x in entries if (x["server"], x["test"], x["pipeline"])
                      == (server, test, pipeline)), None)
            if e is None or e.get("syscalls") is None:
                continue
            calls = sorted(e["syscalls"].items(), key=lambda kv: -kv[1])
            shown = ", ".join("%s %.3f" % kv for kv in calls[:top] if kv[1] > 0)
            rest = sum(v for _, v in calls[top:] if v > 0)
            if rest >= 0.001:
                shown += ", others %.3f" % rest
            total = sum(v for _, v in calls if v > 0)
            lines.append("| %s | %s | %.2f: %s |" % (server, _case_label((test, pipeline)),
                                                     total, shown or "none"))
    return "\n".join(lines)


def markdown(counts, heading="##"):
    """The counts section of results.md (and the whole of counts.md)."""
    entries = counts["entries"]
    m = counts.get("machine", {})
    n = sorted({e["n"] for e in entries})
    out = [
        "%s Instructions per request (callgrind, exact)" % heading, "",
        "Measured with `%s` on %s, respd commit %s, %s; %d clients (sync: 1), "
        "keyspace %d keys prefilled before every GET test." % (
            counts.get("command", "bench/count"), m.get("date", "?"), m.get("commit", "?"),
            "redis-server " + m.get("redis", "?").split(" ")[0].replace("v=", ""),
            counts.get("clients", 50), counts.get("keyspace", 0)),
        "Each figure is user-space instructions (valgrind --tool=callgrind, Ir) of the "
        "server's process, all threads, for a redis-benchmark run of 2N requests minus "
        "one of N (N = %s), divided by N: start-up, connection set-up and the prefill "
        "cancel. Timer work (the inclusive cost of respd's `core_cron` and redis-server's "
        "`serverCron`) is left out here and shown below. Brackets: ratio to redis-server. "
        "These counts repeat to within a fraction of a percent on a busy machine (the "
        "rest: how many requests one event-loop wake-up finds, which varies a little); "
        "re-measure every one with `bench/count` and check epoll's and uring's with "
        "`bench/count --check` (a .ci/run stage)." % ", ".join(str(x) for x in n), "",
        instructions_table(entries), "",
    ] + ["`%s` failed %s." % (srv, why) for srv, why in sorted(
        {(e["server"], e["error"]) for e in entries if e.get("error")})] + [
        "",
        "%s Timer work (cron), separately" % heading, "",
        "The instructions one call of the timer function costs (inclusive of what it calls) "
        "and how many calls fell in the 2N run. Timer calls follow wall time (every 100 ms "
        "for both servers), which callgrind stretches ~50x, so they are no per-request "
        "cost and are not in the table above.", "",
        cron_table(entries), "",
    ]
    if any(e.get("syscalls") for e in entries):
        out += [
            "%s System calls per request (perf, by name)" % heading, "",
            "Counted by `perf stat -e syscalls:sys_enter_NAME,...` (the %d calls an event "
            "loop makes, listed in bench/respbench/count.py; `others` is what "
            "`raw_syscalls:sys_enter` counted beyond them) around the server, started "
            "natively (not under callgrind) for a run of N and one of 2N requests (N = %s); "
            "the difference divided by N. Unlike the instruction counts these depend on "
            "timing (how many ready connections one epoll_wait or io_uring_enter returns), "
            "so they move a little between runs on a shared machine; connection set-up calls "
            "(accept4 until EAGAIN) cancel only roughly and are left out when negative." % (
                len(SYSCALLS), ", ".join(str(x) for x in sorted(
                    {e.get("syscall_n", e["n"]) for e in entries}))), "",
            syscall_table(entries), "",
        ]
    return "\n".join(out)
