"""bench/count: the figures that repeat exactly on a busy machine.

User-space instructions per request (callgrind) and system calls per request
by name (perf's syscalls:sys_enter_* tracepoints), each the difference
between a run of N and one of 2N redis-benchmark requests, so start-up,
connection set-up and the prefill cancel. Timer work (the cron function and
everything it calls) is taken out of the per-request figure and reported on
its own: it follows wall time, which callgrind stretches. Owns the count
plan, the measuring and counts.json; its tables are drawn by countreport.
"""

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass

from .servers import SPECS, Server, ServerError

CLIENTS = 50
KEYSPACE = 10000
PIPELINES = (1, 16)
# Timer entry points: respd's core_cron, redis-server's serverCron (exported,
# redis links with -rdynamic). Their inclusive cost is the timer work.
CRON_FUNCTIONS = ("core_cron", "serverCron")
# The system calls counted by name. perf needs ~40 ms per tracepoint to set
# up, so all ~360 of syscalls:sys_enter_* would cost 14 s per run: these are
# the ones an event loop makes, and raw_syscalls:sys_enter counts every call,
# so anything else still shows, as "others".
SYSCALLS = ("read", "write", "readv", "writev", "sendto", "recvfrom", "sendmsg", "recvmsg",
            "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
            "select", "io_uring_enter", "futex", "accept", "accept4", "close", "nanosleep",
            "clock_nanosleep", "clock_gettime", "setsockopt", "getsockopt", "fcntl", "ioctl",
            "brk", "mmap", "munmap", "madvise", "mprotect", "sched_yield", "shutdown",
            "getpid", "openat", "rt_sigprocmask")
TOTAL = "raw_syscalls:sys_enter"
COUNTS_FILE = "counts.json"
# What the regression check reruns and how far it lets a count grow.
CHECK_SERVERS = ("epoll", "uring")
CHECK_TESTS = ("get", "set")
CHECK_TOLERANCE = 0.05
REMEASURE = "bench/count"


@dataclass(frozen=True)
class CountTest:
    key: str
    label: str
    bench_test: str        # redis-benchmark -t
    value_size: int        # redis-benchmark -d, and the prefill's values
    prefill: bool          # SET every key first, so GETs hit


COUNT_TESTS = (
    CountTest("ping_mbulk", "PING_MBULK", "ping_mbulk", 3, False),
    CountTest("set", "SET", "set", 3, False),
    CountTest("get", "GET 3 B", "get", 3, True),
    CountTest("get1k", "GET 1 KiB", "get", 1024, True),
    CountTest("mset", "MSET 10 keys", "mset", 3, False),
)
TEST_BY_KEY = {t.key: t for t in COUNT_TESTS}


def clients_for(server):
    """A one-client-at-a-time engine (sync) hangs with 50: it is counted
    with one client, and the tables say so."""
    return CLIENTS if SPECS[server].concurrent else 1


def parse_callgrind(path, functions=CRON_FUNCTIONS):
    """(total Ir, {function: [inclusive Ir, calls]}) of one callgrind dump.

    A function's inclusive cost is its own cost lines plus the cost lines
    that follow each calls= line inside it (callgrind writes a call's
    inclusive cost there). Handles compressed names ("(12) name", "(12)")."""
    names = {}

    def resolve(spec):
        m = re.match(r"\((\d+)\)(?: (.*))?$", spec)
        if not m:
            return spec
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), spec)

    total = None
    found = {f: [0, 0] for f in functions}
    fn = cfn = None
    in_call = False
    calls = 0
    with open(path) as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if in_call:
                    if fn in found:
                        found[fn][0] += cost
                    if cfn in found:
                        found[cfn][1] += calls
                    in_call = False
                elif fn in found:
                    found[fn][0] += cost
            elif line.startswith("fn="):
                fn = resolve(line[3:].rstrip("\n"))
            elif line.startswith("cfn="):
                cfn = resolve(line[4:].rstrip("\n"))
            elif line.startswith("calls="):
                in_call = True
                calls = int(line[6:].split()[0])
            elif line.startswith("totals:") or (total is None and line.startswith("summary:")):
                total = int(line.split()[1])
    if total is None:
        raise ValueError("%s: no totals line (an unfinished callgrind dump?)" % path)
    return total, found


def parse_perf_stat(text):
    """{syscall: count} from `perf stat -x,` output over syscalls:sys_enter_*
    events, plus "others": what raw_syscalls:sys_enter counted beyond them.
    Zero counts and events perf could not count are left out."""
    out = {}
    total = None
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) < 3:
            continue
        try:
            n = int(fields[0])
        except ValueError:
            continue
        if fields[2] == TOTAL:
            total = n
        elif fields[2].startswith("syscalls:sys_enter_") and n:
            out[fields[2][len("syscalls:sys_enter_"):]] = n
    if total is not None and total > sum(out.values()):
        out["others"] = total - sum(out.values())
    return out


def bench_argv(port, test, pipeline, requests, clients):
    return ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(clients),
            "-n", str(requests), "-P", str(pipeline), "-r", str(KEYSPACE),
            "-d", str(test.value_size), "-t", test.bench_test, "-q"]


def run_bench(server, test, pipeline, requests, timeout):
    argv = bench_argv(server.port, test, pipeline, requests, clients_for(server.spec.name))
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ServerError("%s: %s timed out after %ds" % (server.spec.name, " ".join(argv),
                                                          timeout))
    out = r.stdout + r.stderr
    if r.returncode != 0 or "requests per second" not in out or "rror" in out:
        raise ServerError("%s: redis-benchmark exit %d: %s" % (
            server.spec.name, r.returncode, out.strip()[-400:]))
    server.check_alive()


def prefill(server, openloop, value_size, keys=KEYSPACE):
    """SETs key:000000000000 .. key:<keys-1> (redis-benchmark's -r names) to
    value_size bytes each, with openloop --prefill."""
    r = subprocess.run([openloop, "--port", str(server.port), "--prefill", "--keys",
                        str(keys), "--value-size", str(value_size), "--duration", "0"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise ServerError("%s: prefill failed: %s" % (server.spec.name, r.stderr.strip()))


class Callgrind:
    """One server under callgrind for all of its tests; each phase ends with
    `callgrind_control --dump`, which writes the costs since the last dump."""

    def __init__(self, spec, binaries, log_dir, work):
        self.out = os.path.join(work, "callgrind.%s.out" % spec.name)
        self.parts = 0
        wrap = ("valgrind", "--tool=callgrind", "--callgrind-out-file=" + self.out)
        self.server = Server(spec, binaries, log_dir, wrap=wrap)

    def dump(self):
        """Dumps the costs since the last dump; returns (total, cron Ir, cron calls)."""
        subprocess.run(["callgrind_control", "--dump", str(self.server.pid)],
                       capture_output=True, timeout=120, check=True)
        self.parts += 1
        path = "%s.%d" % (self.out, self.parts)
        deadline = time.monotonic() + 120
        while True:
            try:
                total, found = parse_callgrind(path)
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    raise ServerError("callgrind wrote no dump %s" % path)
                time.sleep(0.1)
        os.unlink(path)
        cron = sum(v[0] for v in found.values())
        return total, cron, sum(v[1] for v in found.values())


def count_instructions(spec, binaries, openloop, log_dir, work, cases, n, timeout, log):
    """{(test key, pipeline): figures} for one server under callgrind. A
    failure stops this server's counting: the cases it did not reach get
    {"ir": None, "error": why}, and the run goes on with the next server."""
    cg = Callgrind(spec, binaries, log_dir, work)
    results = {}
    try:
        cg.server.start(ready_timeout=120)
        for test, pipeline in cases:
            if test.prefill:
                prefill(cg.server, openloop, test.value_size)
            cg.dump()
            run_bench(cg.server, test, pipeline, n, timeout)
            a = cg.dump()
            run_bench(cg.server, test, pipeline, 2 * n, timeout)
            b = cg.dump()
            fig = {"ir": ((b[0] - b[1]) - (a[0] - a[1])) / n,
                   "cron_ir_per_call": (b[1] / b[2]) if b[2] else None,
                   "cron_calls": b[2], "cron_ir_per_req_2n": b[1] / (2 * n), "n": n}
            results[(test.key, pipeline)] = fig
            log("count %-8s %-12s -P %-2d %8.0f instructions/request (cron: %s calls of "
                "%s Ir in the 2N run)" % (spec.name, test.label, pipeline, fig["ir"],
                                         b[2], "%.0f" % fig["cron_ir_per_call"]
                                         if b[2] else "-"))
        cg.server.stop(timeout=120)
    except (ServerError, subprocess.SubprocessError) as e:
        why = "under callgrind: %s" % str(e).splitlines()[0][:200]
        log("ERROR count %s %s" % (spec.name, why))
        for test, pipeline in cases:
            results.setdefault((test.key, pipeline), {"ir": None, "n": n, "error": why})
    finally:
        cg.server.kill()
        for name in os.listdir(work):
            if name.startswith(os.path.basename(cg.out)):
                os.unlink(os.path.join(work, name))
    return results


class PerfSyscalls:
    """One server under `perf stat -I 100` for all of its tests: perf prints
    each 100 ms interval's counts as it ends, so the running sum at any
    moment the server is idle is its system calls so far, by name."""

    def __init__(self, spec, binaries, log_dir, work):
        self.out = os.path.join(work, "perf.%s.txt" % spec.name)
        events = ",".join(["syscalls:sys_enter_" + n for n in SYSCALLS] + [TOTAL])
        wrap = ("perf", "stat", "-I", "100", "-x,", "-o", self.out, "-e", events, "--")
        self.server = Server(spec, binaries, log_dir, wrap=wrap)

    def snapshot(self):
        """{syscall: calls so far}, read once the interval in progress has
        ended (the server is idle between phases, so that interval holds
        only its timer's few calls)."""
        time.sleep(0.3)
        with open(self.out) as f:
            return parse_perf_intervals(f.read())


def parse_perf_intervals(text):
    """Sums `perf stat -I -x,` output (time,count,unit,event,...) per event
    into the same form as parse_perf_stat; "<not counted>" intervals (the
    task did not run) count 0."""
    lines = []
    for line in text.splitlines():
        fields = line.strip().split(",", 1)
        if len(fields) == 2 and fields[0][:1].isdigit():
            lines.append(fields[1])
    sums = {}
    for line in lines:
        f = line.split(",")
        if len(f) >= 3 and f[0].isdigit():
            sums[f[2]] = sums.get(f[2], 0) + int(f[0])
    return parse_perf_stat("\n".join("%d,,%s" % (v, k) for k, v in sums.items()))


def count_syscalls(spec, binaries, openloop, log_dir, work, cases, n, timeout, log):
    """{(test key, pipeline): {syscall: calls per request}} for one server,
    started natively under perf; (calls in a 2N run - calls in an N run) / N.
    A failure leaves the cases it did not reach out, logged."""
    perf = PerfSyscalls(spec, binaries, log_dir, work)
    results = {}
    try:
        perf.server.start()
        for test, pipeline in cases:
            if test.prefill:
                prefill(perf.server, openloop, test.value_size)
            c0 = perf.snapshot()
            run_bench(perf.server, test, pipeline, n, timeout)
            c1 = perf.snapshot()
            run_bench(perf.server, test, pipeline, 2 * n, timeout)
            c2 = perf.snapshot()
            names = set(c0) | set(c1) | set(c2)
            per = {k: ((c2.get(k, 0) - c1.get(k, 0)) - (c1.get(k, 0) - c0.get(k, 0))) / n
                   for k in names}
            per = {k: round(v, 4) for k, v in per.items() if abs(v) >= 0.0005}
            if not c2:
                raise ServerError("perf stat counted no system calls for %s (tracepoints "
                                  "missing? see /sys/kernel/tracing/events/syscalls)"
                                  % spec.name)
            results[(test.key, pipeline)] = per
            top = sorted(per.items(), key=lambda kv: -kv[1])[:4]
            log("syscalls %-8s %-12s -P %-2d %s" % (spec.name, test.label, pipeline,
                                                    ", ".join("%s %.3f" % kv for kv in top)))
        perf.server.stop()
    except (ServerError, subprocess.SubprocessError) as e:
        log("ERROR syscalls %s: %s" % (spec.name, str(e).splitlines()[0][:200]))
    finally:
        perf.server.kill()
        if os.path.exists(perf.out):
            os.unlink(perf.out)
    return results


def load_counts(path):
    with open(path) as f:
        return json.load(f)


def entry_key(e):
    return (e["server"], e["test"], e["pipeline"])


def check(committed, measured, tolerance=CHECK_TOLERANCE):
    """Compares measured instruction counts against the committed ones.
    Returns a list of failure messages (empty when every count is within
    tolerance of its committed figure)."""
    base = {entry_key(e): e for e in committed.get("entries", [])}
    failures = []
    for e in measured:
        ref = base.get(entry_key(e))
        what = "%s %s -P %d" % (e["server"], TEST_BY_KEY[e["test"]].label, e["pipeline"])
        if e.get("ir") is None:
            failures.append("%s: could not be counted (%s)" % (what, e.get("error")))
            continue
        if ref is None or ref.get("ir") is None:
            failures.append("%s: no committed figure to compare with" % what)
            continue
        growth = e["ir"] / ref["ir"] - 1
        if growth > tolerance:
            failures.append("%s: %.0f instructions/request, committed %.0f (%+.1f%%, more "
                            "than the %.0f%% allowed)" % (what, e["ir"], ref["ir"],
                                                         100 * growth, 100 * tolerance))
    return failures


def failure_message(failures, counts_path):
    return ("bench/count --check FAILED: user-space instructions per request grew\n"
            + "".join("  - %s\n" % f for f in failures)
            + "If the extra work is intended (or the committed figures are stale), re-measure "
              "every count with\n    %s\nand commit %s (and counts.md beside it), saying "
              "why the cost changed.\n" % (REMEASURE, counts_path))


def measure(servers, cases, n, binaries, openloop, log_dir, work, log, syscalls=True,
            syscall_n=None, timeout=300):
    """Every count for `servers` over `cases` [(CountTest, pipeline)]:
    a list of entries as counts.json stores them."""
    entries = []
    for name in servers:
        spec = SPECS[name]
        ir = count_instructions(spec, binaries, openloop, log_dir, work, cases, n, timeout,
                                log)
        sc = count_syscalls(spec, binaries, openloop, log_dir, work, cases,
                            syscall_n or n, timeout, log) if syscalls else {}
        for test, pipeline in cases:
            fig = ir[(test.key, pipeline)]
            entries.append({"server": name, "test": test.key, "pipeline": pipeline,
                            "clients": clients_for(name), **fig,
                            "syscalls": sc.get((test.key, pipeline))})
            if syscalls and (test.key, pipeline) not in sc:
                entries[-1]["error"] = (entries[-1].get("error", "") +
                                        " syscalls not counted").strip()
    return entries


def stop_on_signal():
    """SIGTERM ends a count like Ctrl-C, so its servers are still stopped."""
    def handler(signo, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def parse_args(argv):
    import argparse
    from .servers import DEFAULT_SERVERS
    ap = argparse.ArgumentParser(
        prog="bench/count",
        description="Exact instructions and system calls per request for every server "
                    "(callgrind, perf); writes counts.json and counts.md.")
    ap.add_argument("--check", action="store_true",
                    help="rerun a small subset (epoll and uring, SET and GET, -P 1 and 16) "
                         "and fail if any count grew over %d%% above the committed figures"
                    % int(100 * CHECK_TOLERANCE))
    ap.add_argument("--servers", default=",".join(DEFAULT_SERVERS))
    ap.add_argument("--tests", default=",".join(t.key for t in COUNT_TESTS),
                    help="known: %s" % ", ".join(TEST_BY_KEY))
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("-n", "--requests", type=int, default=None,
                    help="N: each figure is (run of 2N - run of N) / N (default 10000, "
                         "check 2000)")
    ap.add_argument("--syscall-requests", type=int, default=20000)
    ap.add_argument("--no-syscalls", action="store_true")
    ap.add_argument("--out", default=None, help="folder for counts.json and counts.md "
                    "(default bench/results; with --check nothing is written)")
    ap.add_argument("--against", default=None,
                    help="counts.json to check against (default bench/results/counts.json)")
    ap.add_argument("--respd", default=None, help="use this respd binary instead of building")
    ap.add_argument("--output-base", default=os.environ.get("BENCH_BAZEL_OUTPUT_BASE"))
    args = ap.parse_args(argv)
    if args.check:
        args.servers, args.tests, args.no_syscalls = ",".join(CHECK_SERVERS), \
            ",".join(CHECK_TESTS), True
    names = [s for s in args.servers.split(",") if s]
    tests = [t for t in args.tests.split(",") if t]
    bad = [s for s in names if s not in SPECS] + [t for t in tests if t not in TEST_BY_KEY]
    if bad:
        ap.error("unknown server or test: %s" % ", ".join(bad))
    args.names = names
    pipelines = [int(p) for p in args.pipelines.split(",")]
    args.cases = [(TEST_BY_KEY[t], p) for p in pipelines for t in tests]
    args.n = args.requests or (2000 if args.check else 10000)
    return args


def main(argv):
    import sys
    import shlex
    import shutil
    import tempfile
    from .main import BENCH_DIR, Progress, binaries_for, machine_info, report_only
    args = parse_args(argv)
    missing = [t for t in ("valgrind", "callgrind_control", "redis-benchmark")
               + (() if args.no_syscalls else ("perf",)) if shutil.which(t) is None]
    if missing:
        sys.stderr.write("bench/count: missing %s (Debian: valgrind, linux-perf, "
                         "redis-tools)\n" % ", ".join(missing))
        return 1
    results = os.path.join(BENCH_DIR, "results")
    against = args.against or os.path.join(results, COUNTS_FILE)
    if args.check and not os.path.exists(against):
        sys.stderr.write("bench/count --check: no committed figures at %s; make them with "
                         "%s\n" % (against, REMEASURE))
        return 1
    stop_on_signal()
    progress = Progress(1)
    work = tempfile.mkdtemp(prefix="respd-count-")
    log_dir = os.path.join(work, "logs")
    os.makedirs(log_dir)
    t0 = time.monotonic()
    try:
        binaries = binaries_for(args.names, args.respd, args.output_base, work, progress)
        entries = measure(args.names, args.cases, args.n, binaries, binaries["openloop"],
                          log_dir, work, progress.log, syscalls=not args.no_syscalls,
                          syscall_n=args.syscall_requests)
        for e in entries:
            e["syscall_n"] = args.syscall_requests
    except (ServerError, subprocess.CalledProcessError) as e:
        sys.stderr.write("bench/count: %s\n" % e)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("bench/count: interrupted\n")
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.check:
        failures = check(load_counts(against), entries)
        if failures:
            sys.stderr.write(failure_message(failures, os.path.relpath(against)))
            return 1
        sys.stderr.write("bench/count --check: %d counts within %d%% of %s (%.0f s)\n" % (
            len(entries), int(100 * CHECK_TOLERANCE), os.path.relpath(against),
            time.monotonic() - t0))
        return 0
    out_dir = args.out or results
    os.makedirs(out_dir, exist_ok=True)
    counts = {"command": "bench/count" + "".join(" " + shlex.quote(a) for a in argv),
              "machine": machine_info(), "clients": CLIENTS, "keyspace": KEYSPACE,
              "duration_s": round(time.monotonic() - t0, 1), "entries": entries}
    write_counts(out_dir, counts)
    if os.path.exists(os.path.join(out_dir, "results.json")):
        report_only(out_dir)  # results.md carries the counts section too
    sys.stderr.write("bench/count: %s and counts.md written (%.1f min)\n" % (
        os.path.relpath(os.path.join(out_dir, COUNTS_FILE)), counts["duration_s"] / 60))
    failed = sorted({"%s: %s" % (e["server"], e["error"]) for e in entries if e.get("error")})
    for f in failed:
        sys.stderr.write("bench/count: ERROR %s\n" % f)
    return 1 if failed else 0


def write_counts(out_dir, counts):
    from . import countreport
    with open(os.path.join(out_dir, COUNTS_FILE), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "counts.md"), "w") as f:
        f.write("# respd benchmark: exact counts per request\n\n")
        f.write(countreport.markdown(counts))
