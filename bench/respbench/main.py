"""bench/run: builds respd, runs every server through every workload in
interleaved rounds, and writes results.md, results.json and results.png.

Owns the command line, the build, the round-robin schedule, progress output
and the exit status (non-zero when any server errs, never because of speed).
Measuring is in loadgen/idle, presentation in report.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from . import count as countmod, idle, loadgen, plan as planmod, report, sweep
from .servers import DEFAULT_SERVERS, SPECS, Server, ServerError

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH_DIR)


class Progress:
    """One line per finished step; on a terminal also a live status line."""

    def __init__(self, total_weight):
        self.t0 = time.monotonic()
        self.total = total_weight
        self.done = 0.0
        self.tty = sys.stderr.isatty()
        self.live = False

    def elapsed(self):
        return time.monotonic() - self.t0

    @staticmethod
    def clock(sec):
        sec = int(sec)
        return "%d:%02d" % (sec // 60, sec % 60)

    def eta(self):
        if self.done <= 0:
            return "?"
        return self.clock(self.elapsed() / self.done * (self.total - self.done))

    def prefix(self):
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return "[%s %3.0f%% eta %s]" % (self.clock(self.elapsed()), pct, self.eta())

    def status(self, text):
        if not self.tty:
            return
        line = "%s %s" % (self.prefix(), text)
        cols = shutil.get_terminal_size((100, 20)).columns
        sys.stderr.write("\r\x1b[K" + line[:cols - 1])
        sys.stderr.flush()
        self.live = True

    def log(self, text):
        if self.live:
            sys.stderr.write("\r\x1b[K")
            self.live = False
        sys.stderr.write("%s %s\n" % (self.prefix(), text))
        sys.stderr.flush()

    def advance(self, weight):
        self.done += weight


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                                  cwd=REPO).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    commit = out(["git", "rev-parse", "HEAD"]) or "unknown"
    dirty = out(["git", "status", "--porcelain", "--", "cc", "BUILD", "WORKSPACE", "bazel"])
    with open("/proc/loadavg") as f:
        loadavg = " ".join(f.read().split()[:3])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (with uncommitted changes under cc/)" if dirty else ""),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "redis": out(["redis-server", "--version"]).replace("Redis server ", ""),
        "redis_benchmark": out(["redis-benchmark", "--version"]),
        "python": platform.python_version(),
        "loadavg": loadavg,
    }


def export_commit(rev, progress):
    """Exports the tree of git revision `rev` (git archive) into a fixed
    directory, so a build sees exactly that commit and none of the working
    tree's uncommitted edits. Returns (directory, full commit hash)."""
    r = subprocess.run(["git", "rev-parse", "--verify", rev + "^{commit}"], cwd=REPO,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ServerError("--commit %s: not a commit (%s)" % (rev, r.stderr.strip()))
    commit = r.stdout.strip()
    # A fixed path keeps bazel's default output base for it (derived from the
    # workspace path) warm between runs.
    src = os.path.join(tempfile.gettempdir(), "respd-bench-src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    progress.log("exporting commit %s to %s" % (commit[:12], src))
    archive = subprocess.Popen(["git", "archive", commit], cwd=REPO, stdout=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "-C", src], stdin=archive.stdout)
    archive.stdout.close()
    if archive.wait() != 0 or untar.returncode != 0:
        raise ServerError("git archive %s | tar failed" % commit)
    return src, commit


# The binaries a run may need, by ServerSpec.kind.
BINARY_TARGETS = {"respd": "//cc/servers:respd", "floor": "//cc/bench:floor",
                  "openloop": "//cc/bench:openloop"}


def build_binaries(kinds, output_base, dest_dir, progress, workspace=REPO):
    """Opt build of the targets for `kinds` ("respd", "floor") in `workspace`;
    copies each binary into dest_dir so a teammate's concurrent build cannot
    swap it mid-run. Returns {kind: path}."""
    if not kinds:
        return {}
    labels = [BINARY_TARGETS[k] for k in kinds]
    progress.log("building: bazel build -c opt %s%s" % (
        " ".join(labels), " (output base %s)" % output_base if output_base else ""))
    base = ["bazel"] + (["--output_base=" + output_base] if output_base else [])
    r = subprocess.run(base + ["build", "-c", "opt", "--symlink_prefix=/"] + labels,
                       cwd=workspace, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        raise ServerError("bazel build -c opt %s failed (exit %d)"
                          % (" ".join(labels), r.returncode))
    r = subprocess.run(base + ["info", "-c", "opt", "bazel-bin"], cwd=workspace,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ServerError("bazel info bazel-bin failed: %s" % r.stderr[-2000:])
    out = {}
    for kind, label in zip(kinds, labels):
        built = os.path.join(r.stdout.strip(), *label[2:].replace(":", "/").split("/"))
        out[kind] = os.path.join(dest_dir, kind)
        shutil.copy2(built, out[kind])
    return out


def binaries_for(names, respd, output_base, dest_dir, progress, workspace=REPO,
                 tools=("openloop",)):
    """{kind: path} for the servers `names` and the `tools` (BINARY_TARGETS
    kinds): a respd binary given as `respd` is copied, every other binary
    is built in `workspace`."""
    kinds = [k for k in BINARY_TARGETS
             if k in tools or any(SPECS[n].kind == k for n in names)]
    binaries = {}
    if respd and "respd" in kinds:
        kinds.remove("respd")
        binaries["respd"] = os.path.join(dest_dir, "respd")
        shutil.copy2(respd, binaries["respd"])
    binaries.update(build_binaries(kinds, output_base, dest_dir, progress, workspace))
    return binaries


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run",
        description="Benchmark respd's engines against redis-server 7.0 with redis-benchmark.")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: every engine, few requests, one round (< 2 min)")
    ap.add_argument("--engines", default=",".join(DEFAULT_SERVERS),
                    help="comma-separated servers to run (redis is always added as the "
                         "baseline); known: %s" % ", ".join(SPECS))
    ap.add_argument("--rounds", type=int, default=None,
                    help="interleaved rounds (default 3, quick 1)")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="start no further round that would end past this many minutes "
                         "(rounds are only ever whole)")
    ap.add_argument("--out", default=None,
                    help="results folder (default bench/results, quick: bench/results/tmp/quick)")
    ap.add_argument("--respd", default=None,
                    help="use this respd binary instead of building one")
    ap.add_argument("--commit", default=None, metavar="REV",
                    help="build respd from git revision REV (exported with git archive), "
                         "not from the working tree")
    ap.add_argument("--output-base", default=os.environ.get("BENCH_BAZEL_OUTPUT_BASE"),
                    help="bazel --output_base for the build (default: env "
                         "BENCH_BAZEL_OUTPUT_BASE, else bazel's own default)")
    ap.add_argument("--report-only", metavar="DIR", default=None,
                    help="rewrite results.md and results.png from DIR/results.json "
                         "without running anything")
    ap.add_argument("--no-sweep", action="store_true",
                    help="skip the open-loop latency sweep (cc/bench/openloop)")
    ap.add_argument("--workloads", default=None,
                    help="comma-separated workload keys to run (default all of the mode's: "
                         "c1,c50,c50p16,c1000,c10000) plus 'idle'")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        ap.error("unknown server(s): %s (known: %s)" % (", ".join(unknown), ", ".join(SPECS)))
    if "redis" not in names:
        names.insert(0, "redis")
    args.servers = list(dict.fromkeys(names))
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    if rounds < 1:
        ap.error("--rounds must be at least 1")
    args.plan = planmod.quick_plan(rounds) if args.quick else planmod.full_plan(rounds)
    args.sweep_plan = sweep.QUICK if args.quick else sweep.FULL
    args.run_idle = True
    if args.workloads:
        keys = [k.strip() for k in args.workloads.split(",") if k.strip()]
        known = {w.key for w in args.plan.workloads}
        bad = [k for k in keys if k not in known and k != "idle"]
        if bad:
            ap.error("unknown workload(s) %s; this mode has %s and idle"
                     % (", ".join(bad), ", ".join(sorted(known))))
        args.run_idle = "idle" in keys
        args.plan = planmod.Plan(
            workloads=tuple(w for w in args.plan.workloads if w.key in keys),
            idle_count=args.plan.idle_count, idle_connect_timeout=args.plan.idle_connect_timeout,
            idle_settle=args.plan.idle_settle, rounds=rounds,
            break_timeout=args.plan.break_timeout)
    if args.out is None:
        args.out = os.path.join(BENCH_DIR, "results", "tmp", "quick") if args.quick \
            else os.path.join(BENCH_DIR, "results")
    return args


def step_weight(w, test):
    """Rough seconds a step takes, for the ETA only."""
    ramp = (w.clients // 64) * 0.05
    rate = 400000.0 if w.pipeline > 1 else (15000.0 if w.clients == 1 else 60000.0)
    return ramp + w.requests / rate + 0.3


class Runner:
    def __init__(self, args, binaries, log_dir, progress):
        self.args = args
        self.plan = args.plan
        self.binaries = binaries
        self.log_dir = log_dir
        self.progress = progress
        self.samples = []
        self.errors = []
        # (server, workload) pairs a one-client-at-a-time server broke on.
        self.broken = {}
        self.rounds_done = 0

    def record(self, sample, expected_failure=False):
        self.samples.append(sample)
        if sample["status"] != "ok" and not expected_failure:
            self.errors.append("%s / %s / %s (round %d): %s" % (
                sample["server"], sample["workload"], sample["test"], sample["round"],
                sample.get("detail", sample["status"])))
        sample["expected"] = expected_failure and sample["status"] != "ok"

    def round_order(self, rnd):
        """Servers in the given order on odd rounds, reversed on even ones,
        so drift within a test group does not always favour the same one."""
        names = list(self.args.servers)
        return names if rnd % 2 else names[::-1]

    def run_round(self, rnd):
        """Every server stays up for the round's load tests, which interleave
        at the finest grain: one test on every server, then the next test,
        so each ratio compares runs made seconds apart. Idle tests follow,
        each on a freshly started server."""
        order = self.round_order(rnd)
        live = {}
        for name in order:
            server = Server(SPECS[name], self.binaries, self.log_dir)
            try:
                server.start()
                live[name] = server
            except ServerError as e:
                self.fail(name, rnd, e)
        try:
            for w in self.plan.workloads:
                for test in w.tests:
                    weight = step_weight(w, test)
                    for name in order:
                        spec = SPECS[name]
                        # A one-client-at-a-time server is expected to hang
                        # under concurrent clients: that hang is the finding,
                        # so it gets a short timeout and, once seen, is not
                        # repeated.
                        limited = not spec.concurrent and w.clients > 1
                        if name not in live or self.broken.get((name, w.key)):
                            self.progress.advance(weight)
                            continue
                        try:
                            live[name] = self.run_one(rnd, spec, live[name], w, test, limited)
                        except ServerError as e:
                            self.fail(name, rnd, e)
                            live.pop(name).kill()
                        self.progress.advance(weight)
        finally:
            for name, server in live.items():
                try:
                    server.stop()
                except ServerError as e:
                    self.fail(name, rnd, e)
                finally:
                    server.kill()
        if self.args.run_idle:
            for name in (n for n in order if SPECS[n].idle):
                try:
                    self.run_server_idle(rnd, SPECS[name])
                except ServerError as e:
                    self.fail(name + " idle", rnd, e)

    def fail(self, name, rnd, err):
        self.errors.append("%s (round %d): %s" % (name, rnd, err))
        self.progress.log("ERROR %s" % err)

    def run_one(self, rnd, spec, server, w, test, limited):
        """Runs one redis-benchmark test and records it. Returns the server
        to use next (a fresh one after a failed test)."""
        what = "round %d/%d  %-16s %-18s %-10s" % (
            rnd, self.plan.rounds, spec.name, w.label, planmod.TEST_LABEL[test])
        requests = w.requests_of(spec.name)

        def on_progress(rps, done, elapsed):
            phase = "connecting %d clients" % w.clients if rps is None and w.clients > 64 else ""
            if rps is not None:
                phase = "%.0f req/s" % rps
                if done is not None:
                    phase = "~%3.0f%% of %d requests, %s" % (100 * done, requests, phase)
            self.progress.status("%s %5.1fs  %s" % (what, elapsed, phase))

        self.progress.status(what)
        timeout = self.plan.break_timeout if limited else w.timeout
        res = loadgen.run_test(server, test, w.clients, requests, w.pipeline,
                               timeout, on_progress=on_progress)
        sample = {"round": rnd, "server": spec.name, "workload": w.key, "test": test,
                  "clients": w.clients, "pipeline": w.pipeline}
        sample.update(res)
        expected = limited and res["status"] == "timeout"
        if expected:
            sample["detail"] = ("serves one client at a time: with %d clients the others "
                                "never get a reply (redis-benchmark killed after %.0fs)"
                                % (w.clients, timeout))
            self.broken[(spec.name, w.key)] = True
        self.record(sample, expected_failure=expected)
        if res["status"] == "ok":
            self.progress.log("%s %9.0f req/s  p50 %.3f p99 %.3f ms  cpu %.2f us/req "
                              "(%.2f usr %.2f sys)" % (
                                  what, res["rps"], res["p50_ms"], res["p99_ms"],
                                  res["cpu_us"], res["user_us"], res["sys_us"]))
            return server
        self.progress.log("%s %s: %s" % (what, "BREAKS" if expected else "ERROR",
                                         sample.get("detail", res["status"])))
        if res["status"] == "server-died":
            server.check_alive()
        # A killed client may leave the server mid-request: restart it so the
        # next test starts clean (stop() also checks it exits 0 on SIGTERM).
        server.stop()
        server = Server(spec, self.binaries, self.log_dir)
        server.start()
        return server

    def run_server_idle(self, rnd, spec):
        weight = 4.0
        limited = not spec.concurrent
        if self.broken.get((spec.name, "idle")):
            self.progress.advance(weight)
            return
        server = Server(spec, self.binaries, self.log_dir)
        server.start()
        what = "round %d/%d  %-16s %-18s" % (rnd, self.plan.rounds, spec.name,
                                           "%d idle conns" % self.plan.idle_count)

        def on_progress(p, elapsed):
            self.progress.status("%s %5.1fs %d replied" % (what, elapsed, p["replied"]))

        try:
            self.progress.status(what)
            timeout = self.plan.break_timeout if limited else self.plan.idle_connect_timeout
            res = idle.run_idle(server, self.plan.idle_count, timeout, self.plan.idle_settle,
                                on_progress=on_progress)
            sample = {"round": rnd, "server": spec.name, "workload": "idle", "test": "idle"}
            sample.update(res)
            expected = limited and res["status"] == "incomplete"
            if expected:
                self.broken[(spec.name, "idle")] = True
            self.record(sample, expected_failure=expected)
            self.progress.advance(weight)
            if res["status"] == "ok":
                self.progress.log("%s %6.0f bytes/conn (%.0f right after connecting; "
                                  "settled in %.1fs%s)" % (
                                      what, res["bytes_per_conn"], res["bytes_per_conn_initial"],
                                      res["settle_s"], "" if res["stable"] else ", NOT stable"))
            else:
                self.progress.log("%s %s: %s" % (what, "BREAKS" if expected else "ERROR",
                                                 res.get("detail", res["status"])))
            if res["status"] == "server-died":
                server.check_alive()
        finally:
            try:
                server.stop()
            finally:
                server.kill()


def preflight(args):
    """Names every missing tool at once, before anything starts."""
    # bazel: the floor and openloop are always built.
    need = ["redis-server", "redis-benchmark", "stdbuf", "bazel"]
    if args.quick:
        need += ["valgrind", "callgrind_control", "perf"]
    missing = [t for t in need if shutil.which(t) is None]
    if args.respd and not os.access(args.respd, os.X_OK):
        missing.append("%s (not an executable)" % args.respd)
    return missing


def write_outputs(out_dir, run, plan):
    """results.md and results.png from a run's samples, the sweep and the
    counts.json beside them (bench/count's); returns the cells."""
    cells = report.aggregate(run["samples"])
    counts_path = os.path.join(out_dir, countmod.COUNTS_FILE)
    counts = countmod.load_counts(counts_path) if os.path.exists(counts_path) else None
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(report.markdown(run, cells, plan, counts))
    report.plot(os.path.join(out_dir, "results.png"), run, cells, plan)
    return cells


def report_only(out_dir):
    with open(os.path.join(out_dir, "results.json")) as f:
        run = json.load(f)
    p = run["plan"]
    workloads = tuple(planmod.Workload(**{k: (tuple(tuple(x) if isinstance(x, list) else x
                                                     for x in v) if isinstance(v, list) else v)
                                          for k, v in w.items()})
                      for w in p["workloads"])
    plan = planmod.Plan(workloads, p["idle_count"], 0, (0, 0, 0), run["rounds"], 0)
    cells = write_outputs(out_dir, run, plan)
    sys.stderr.write(report.summary(run, cells, plan) + "\n")
    return 0


def quick_count(args, binaries, log_dir, progress):
    """--quick runs every counting path once, tiny: epoll, GET, -P 1, under
    callgrind and under perf; writes counts.json into the quick folder."""
    work = tempfile.mkdtemp(prefix="respd-count-")
    try:
        t0 = time.monotonic()
        entries = countmod.measure(["epoll"], [(countmod.TEST_BY_KEY["get"], 1)], 500,
                                   binaries, binaries["openloop"], log_dir, work,
                                   progress.log, syscall_n=2000)
        countmod.write_counts(args.out, {
            "command": "bench/run --quick (bench/count -n 500, epoll GET only)",
            "machine": machine_info(), "clients": countmod.CLIENTS,
            "keyspace": countmod.KEYSPACE, "duration_s": round(time.monotonic() - t0, 1),
            "entries": [dict(e, syscall_n=2000) for e in entries]})
        return []
    except (ServerError, subprocess.CalledProcessError) as e:
        progress.log("ERROR count: %s" % e)
        return ["count (quick): %s" % e]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--count"]:
        return countmod.main(argv[1:])
    args = parse_args(argv)
    if args.report_only:
        return report_only(args.report_only)
    missing = preflight(args)
    if missing:
        sys.stderr.write("bench/run: missing %s (Debian: redis-server, redis-tools, coreutils, "
                         "bazel-bootstrap, valgrind, linux-perf)\n" % ", ".join(missing))
        return 1
    plan = args.plan
    command = "bench/run" + ("" if not argv else " " + " ".join(shlex.quote(a) for a in argv))
    total = 0.0
    for rnd in range(1, plan.rounds + 1):
        for name in args.servers:
            total += sum(step_weight(w, t) for w in plan.workloads for t in w.tests)
            total += 4.0 if args.run_idle and SPECS[name].idle else 0.0
    progress = Progress(total)
    tmp = tempfile.mkdtemp(prefix="respd-bench-")
    os.makedirs(args.out, exist_ok=True)
    log_dir = os.path.join(args.out, "logs") if args.quick else os.path.join(
        BENCH_DIR, "results", "tmp", "logs")
    shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir, exist_ok=True)
    started = time.monotonic()
    machine = machine_info()
    progress.log("respd benchmark: servers %s; %d round(s); %s mode; results -> %s" % (
        ", ".join(args.servers), plan.rounds, "quick" if args.quick else "full",
        os.path.relpath(args.out)))
    runner = None
    sweep_points = []
    exit_status = 0
    try:
        if args.respd:
            machine["commit"] = "unknown: binary given as --respd %s" % args.respd
        if args.commit:
            src, commit = export_commit(args.commit, progress)
            machine["commit"] = commit
            # The export is another workspace: bazel's default output base
            # for it, never the one configured for this checkout.
            binaries = binaries_for(args.servers, args.respd, None, tmp, progress, workspace=src)
        else:
            binaries = binaries_for(args.servers, args.respd, args.output_base, tmp, progress)
        runner = Runner(args, binaries, log_dir, progress)
        for rnd in range(1, plan.rounds + 1):
            t_round = time.monotonic()
            runner.run_round(rnd)
            runner.rounds_done = rnd
            spent = time.monotonic() - started
            if (args.max_minutes and rnd < plan.rounds
                    and spent + (time.monotonic() - t_round) > args.max_minutes * 60):
                progress.log("stopping after %d of %d rounds: another would pass "
                             "--max-minutes %g" % (rnd, plan.rounds, args.max_minutes))
                break
        if not args.no_sweep:
            names = sweep.sweep_servers(args.servers)
            peaks = sweep.closed_loop_peaks(runner.samples, names)
            if len(peaks) < len(names):
                progress.log("sweep: no 50-client GET figure for %s, left out" % ", ".join(
                    n for n in names if n not in peaks))
            sweep_points, sweep_errors = sweep.run_sweep(names, binaries, log_dir, peaks,
                                                         args.sweep_plan, progress)
            runner.errors.extend(sweep_errors)
        if args.quick:
            runner.errors.extend(quick_count(args, binaries, log_dir, progress))
    except ServerError as e:
        progress.log("ERROR %s" % e)
        exit_status = 1
    except KeyboardInterrupt:
        progress.log("interrupted")
        exit_status = 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if runner is None:
        return exit_status or 1
    if runner.errors and exit_status == 0:
        exit_status = 1
    run = {"command": command, "machine": machine, "servers": args.servers,
           "quick": args.quick, "rounds": runner.rounds_done,
           "duration_s": time.monotonic() - started, "samples": runner.samples,
           "errors": runner.errors, "exit_status": exit_status,
           "sweep": sweep_points, "sweep_plan": args.sweep_plan.__dict__,
           "plan": {"workloads": [w.__dict__ for w in plan.workloads],
                    "idle_count": plan.idle_count if args.run_idle else 0}}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(run, f, indent=1, default=str)
    png = os.path.join(args.out, "results.png")
    try:
        cells = write_outputs(args.out, run, plan)
    except Exception as e:  # a report problem must not hide the raw samples
        progress.log("writing results.md/results.png failed: %s" % e)
        return exit_status or 1
    sys.stderr.write("\n" + report.summary(run, cells, plan) + "\n")
    sys.stderr.write("\nresults: %s, %s (%.1f min)\n" % (
        os.path.relpath(os.path.join(args.out, "results.md")), os.path.relpath(png),
        run["duration_s"] / 60))
    if runner.errors:
        sys.stderr.write("\n%d error(s):\n" % len(runner.errors))
        for e in runner.errors:
            sys.stderr.write("  - %s\n" % e)
    return exit_status
