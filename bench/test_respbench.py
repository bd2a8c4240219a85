"""Tests of the harness's parsing, statistics and verdicts, plus one live run
of redis-benchmark against redis-server. Run: /usr/bin/python3 -m pytest bench/
"""

import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from respbench import idle, loadgen, plan, procstat, report, servers  # noqa: E402

REPORT_70 = """PING_MBULK: rps=0.0 (overall: -nan) avg_msec=-nan (overall: -nan)
====== GET ======
  20000 requests completed in 0.56 seconds
  50 parallel clients
  3 bytes payload
  keep alive: 1

Summary:
  throughput summary: 35650.62 requests per second
  latency summary (msec):
          avg       min       p50       p95       p99       max
        1.356     0.064     1.279     2.175     3.191     8.063
"""


def test_parse_report_reads_throughput_and_percentiles():
    r = loadgen.parse_report(REPORT_70)
    assert r["rps"] == pytest.approx(35650.62)
    assert r["p50_ms"] == pytest.approx(1.279)
    assert r["p99_ms"] == pytest.approx(3.191)
    assert r["max_ms"] == pytest.approx(8.063)
    assert r["completed"] == 20000


def test_parse_report_rejects_output_without_summary():
    with pytest.raises(ValueError):
        loadgen.parse_report("Error: Connection reset by peer\n")
    with pytest.raises(ValueError):
        loadgen.parse_report("  throughput summary: 5.0 requests per second\n")


def test_split_records_keeps_unfinished_tail():
    recs, tail = loadgen.split_records("a\rb\nc", "")
    assert recs == ["a", "b"] and tail == "c"
    recs, tail = loadgen.split_records("d\r", tail)
    assert recs == ["cd"] and tail == ""


def test_parse_stat_cpu_handles_odd_command_names():
    line = "1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 111 222 0 0 20 0 1 0 5 6 7"
    assert procstat.parse_stat_cpu(line) == (111, 222)


def test_own_process_cpu_and_rss_are_plausible():
    user, system = procstat.cpu_seconds(os.getpid())
    assert user >= 0 and system >= 0
    assert procstat.rss_bytes(os.getpid()) > 1 << 20
    assert procstat.thread_count(os.getpid()) >= 1
    with pytest.raises(ProcessLookupError):
        procstat.rss_bytes(2 ** 22 + 7)


def sample(server, rnd, cpu, rps=1000.0, workload="c50", test="get", status="ok"):
    return {"server": server, "round": rnd, "workload": workload, "test": test,
            "status": status, "cpu_us": cpu, "rps": rps, "user_us": cpu and cpu / 2,
            "sys_us": cpu and cpu / 2, "p50_ms": 0.1, "p99_ms": 0.2}


def test_ratios_pair_each_round_with_that_rounds_baseline():
    samples = [sample("redis", 1, 10.0), sample("epoll", 1, 8.0),
               sample("redis", 2, 20.0), sample("epoll", 2, 17.0),
               sample("redis", 3, 10.0), sample("epoll", 3, 9.5)]
    cells = report.aggregate(samples)
    assert cells[("epoll", "c50", "get")]["cpu_ratio"] == pytest.approx(0.85)
    assert cells[("epoll", "c50", "get")]["cpu_us"] == pytest.approx(9.5)
    assert cells[("redis", "c50", "get")]["cpu_ratio"] == pytest.approx(1.0)


def test_failed_samples_are_not_averaged_in():
    samples = [sample("redis", 1, 10.0), sample("sync", 1, None, status="timeout")]
    cells = report.aggregate(samples)
    assert cells[("sync", "c50", "get")]["ok"] == 0
    assert cells[("sync", "c50", "get")]["cpu_ratio"] is None
    assert report.cell_status(cells[("sync", "c50", "get")]) == "timeout"


def test_targets_need_every_test_under_the_limit():
    p = plan.full_plan(1)
    samples = []
    for t in plan.TESTS:
        samples.append(sample("redis", 1, 10.0, test=t))
        samples.append(sample("epoll", 1, 8.0 if t != "set" else 9.0, test=t))
    verdicts = {(tg.server, tg.workload): v
                for tg, _, v in report.evaluate_targets(report.aggregate(samples), p,
                                                        ["redis", "epoll"])}
    assert verdicts[("epoll", "c50")] == "missed"       # SET at 0.90x > 0.88x
    assert verdicts[("epoll", "c1000")] == "not measured"
    samples = [s for s in samples if s["test"] != "set"]
    samples += [sample("redis", 1, 10.0, test="set"), sample("epoll", 1, 8.7, test="set")]
    verdicts = {(tg.server, tg.workload): v
                for tg, _, v in report.evaluate_targets(report.aggregate(samples), p,
                                                        ["redis", "epoll"])}
    assert verdicts[("epoll", "c50")] == "met"


def test_idle_target_uses_bytes_per_connection():
    p = plan.full_plan(1)
    samples = [{"server": s, "round": 1, "workload": "idle", "test": "idle", "status": "ok",
                "bytes_per_conn": b} for s, b in (("redis", 3000.0), ("uring", 300.0),
                                                 ("epoll", 200.0))]
    verdicts = {tg.server: v for tg, _, v in
                report.evaluate_targets(report.aggregate(samples), p,
                                        ["redis", "epoll", "uring"]) if tg.workload == "idle"}
    assert verdicts == {"uring": "missed", "epoll": "met"}


def test_wait_stable_rss_returns_once_flat():
    rss, waited, stable = idle.wait_stable_rss(os.getpid(), 0.0, 0.5, 5.0, 1 << 20)
    assert stable and waited < 2.0 and rss > 0


needs_redis = pytest.mark.skipif(
    not (shutil.which("redis-server") and shutil.which("redis-benchmark")),
    reason="redis-server and redis-benchmark (Debian redis-server, redis-tools) not installed")


@needs_redis
def test_live_redis_benchmark_and_idle_against_redis_server(tmp_path):
    srv = servers.Server(servers.SPECS["redis"], {}, str(tmp_path))
    srv.start()
    try:
        r = loadgen.run_test(srv, "get", 10, 20000, 1, 60)
        assert r["status"] == "ok", r
        assert r["rps"] > 0 and r["p99_ms"] >= r["p50_ms"] > 0
        assert r["cpu_us"] > 0
        r = idle.run_idle(srv, 200, 20, (0.2, 0.2, 2.0))
        assert r["status"] == "ok", r
        assert r["replied"] == 200 and r["bytes_per_conn"] > 0
    finally:
        srv.stop()


@needs_redis
def test_unreachable_server_is_an_error_not_a_hang(tmp_path):
    srv = servers.Server(servers.SPECS["redis"], {}, str(tmp_path))
    srv.start()
    srv.proc.kill()
    srv.proc.wait()
    r = loadgen.run_test(srv, "get", 10, 1000, 1, 10)
    assert r["status"] != "ok"
    with pytest.raises(servers.ServerError):
        srv.stop()


def test_run_rejects_unknown_engine():
    run = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run")
    p = subprocess.run([run, "--engines", "nosuch"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown server" in p.stderr


# The floor binary: from Bazel's runfiles (bench:respbench_test) or $FLOOR_BIN.
FLOOR_BIN = os.environ.get("FLOOR_BIN", "")
needs_floor = pytest.mark.skipif(
    not (os.access(FLOOR_BIN, os.X_OK) and shutil.which("redis-benchmark")),
    reason="set FLOOR_BIN to a built //cc/bench:floor (bazel test //bench:respbench_test "
           "does) and install redis-benchmark (Debian redis-tools)")


@needs_floor
@pytest.mark.parametrize("test,pipeline", [("ping_mbulk", 1), ("set", 16), ("get", 1)])
def test_floor_answers_every_request_and_exits_0(tmp_path, test, pipeline):
    srv = servers.Server(servers.SPECS["floor"], {"floor": FLOOR_BIN}, str(tmp_path))
    srv.start()
    try:
        # Values large enough that requests split across reads.
        r = loadgen.run_test(srv, test, 20, 20000, pipeline, 60)
        assert r["status"] == "ok", r
        assert r["completed"] == 20000 and r["rps"] > 0
    finally:
        srv.stop()


def test_floor_is_left_out_of_the_idle_test_and_targets():
    assert not servers.SPECS["floor"].idle
    assert all(t.server != "floor" for t in plan.TARGETS)
