"""Tests of bench/count's parsing, its regression check and the sweep's
verdicts, plus one live callgrind count of the floor. Run by
bench/run_tests.sh (//bench:respbench_test).
"""

import json
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from respbench import count, countreport, servers, sweep  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))

# A callgrind dump in the compressed form callgrind writes: main calls
# loop, loop calls core_cron twice (inclusive 700) and handle; core_cron
# calls store_expire (counted inside core_cron's call costs).
CALLGRIND = """# callgrind format
version: 1
positions: line
events: Ir
summary: 5000

ob=(1) /tmp/respd
fl=(1) core.c
fn=(1) main
10 100
cfn=(2) loop
calls=1 20
10 4900

fn=(2)
20 1200
cfn=(3) core_cron
calls=2 30
+1 700
cfn=(4) handle
calls=900 40
+2 3000

fn=(3)
30 500
cfn=(5) store_expire
calls=2 50
* 200

fn=(4)
40 3000
fn=(5)
50 200
totals: 5000
"""


def test_callgrind_inclusive_cost_and_calls_of_the_timer(tmp_path):
    p = tmp_path / "cg.out.1"
    p.write_text(CALLGRIND)
    total, found = count.parse_callgrind(str(p), ("core_cron", "handle"))
    assert total == 5000
    # core_cron: its own 500 plus the 200 of the store_expire it called.
    assert found["core_cron"] == [700, 2]
    assert found["handle"] == [3000, 900]


def test_callgrind_dump_without_totals_is_refused(tmp_path):
    p = tmp_path / "cg.out.2"
    p.write_text(CALLGRIND.replace("totals: 5000\n", "").replace("summary: 5000\n", ""))
    with pytest.raises(ValueError):
        count.parse_callgrind(str(p))


PERF = """# started on Wed Dec  2 07:47:57 2026

20010,,syscalls:sys_enter_read,1360372,100.00,,
20000,,syscalls:sys_enter_sendto,1360372,100.00,,
0,,syscalls:sys_enter_poll,1360372,100.00,,
<not counted>,,syscalls:sys_enter_futex,0,100.00,,
412,,syscalls:sys_enter_epoll_wait,1360372,100.00,,
40500,,raw_syscalls:sys_enter,1360372,100.00,,
"""


def test_perf_stat_counts_by_name_and_the_rest_as_others():
    assert count.parse_perf_stat(PERF) == {"read": 20010, "sendto": 20000,
                                           "epoll_wait": 412, "others": 78}


def entry(server, test, pipeline, ir):
    return {"server": server, "test": test, "pipeline": pipeline, "ir": ir, "n": 1000,
            "clients": 50, "cron_ir_per_call": 11000.0, "cron_calls": 3,
            "syscalls": {"read": 1.0, "sendto": 1.0, "epoll_wait": 0.02}}


COMMITTED = {"entries": [entry("epoll", "get", 1, 2000.0), entry("uring", "get", 1, 2500.0),
                         entry("redis", "get", 1, 4000.0)]}


def test_check_passes_within_five_percent_and_for_a_faster_build():
    measured = [entry("epoll", "get", 1, 2099.0), entry("uring", "get", 1, 2000.0)]
    assert count.check(COMMITTED, measured) == []


def test_check_fails_past_five_percent_and_says_how_to_remeasure():
    measured = [entry("epoll", "get", 1, 2101.0), entry("uring", "get", 1, 2500.0)]
    failures = count.check(COMMITTED, measured)
    assert len(failures) == 1 and "epoll GET 3 B -P 1" in failures[0]
    assert "2101" in failures[0] and "2000" in failures[0] and "+5.0%" in failures[0]
    msg = count.failure_message(failures, "bench/results/counts.json")
    assert "bench/count\n" in msg and "bench/results/counts.json" in msg


def test_check_fails_when_no_committed_figure_exists():
    failures = count.check(COMMITTED, [entry("epoll", "set", 16, 100.0)])
    assert failures and "no committed figure" in failures[0]


def test_committed_counts_cover_what_the_check_reruns():
    with open(os.path.join(BENCH, "results", count.COUNTS_FILE)) as f:
        committed = json.load(f)
    have = {count.entry_key(e) for e in committed["entries"] if e.get("ir")}
    for s in count.CHECK_SERVERS:
        for t in count.CHECK_TESTS:
            for p in count.PIPELINES:
                assert (s, t, p) in have


def test_count_tables_show_ratios_timer_work_and_syscalls():
    md = countreport.markdown({"command": "bench/count", "machine": {}, "clients": 50,
                               "keyspace": 10000, "entries": COMMITTED["entries"]})
    assert "| epoll | 2000 (0.50x) |" in md and "| redis | 4000 |" in md
    assert "| epoll | 11000 | 3-3 |" in md
    assert "| epoll | GET 3 B | 2.02: read 1.000, sendto 1.000, epoll_wait 0.020 |" in md


def point(server, frac, offered, p999, achieved=None, unanswered=0):
    return {"status": "ok", "server": server, "fraction": frac, "offered": offered,
            "peak_rps": 10000, "achieved_rps": offered if achieved is None else achieved,
            "unanswered": unanswered, "errors": 0, "p50_us": 50.0, "p90_us": 80.0,
            "p99_us": p999 / 2, "p99.9_us": p999, "p99.99_us": p999, "max_us": p999,
            "send_lag_p99_us": 10.0}


def test_best_rate_under_1ms_needs_the_server_to_keep_up():
    pts = [point("epoll", 0.1, 1000, 300), point("epoll", 0.5, 5000, 900),
           point("epoll", 0.7, 7000, 950, achieved=6000),   # fell behind
           point("epoll", 1.0, 10000, 5000), point("uring", 0.1, 1000, 1500)]
    assert sweep.best_under(pts, "epoll")["offered"] == 5000
    assert sweep.best_under(pts, "uring") is None
    md = sweep.markdown({"sweep": pts, "sweep_plan": sweep.FULL.__dict__})
    assert "| epoll | 10000 | 5000 (50% of peak) |" in md
    assert "| uring | 10000 | none" in md and "(fell behind)" in md


def test_peaks_come_from_the_50_client_get_runs():
    samples = [{"server": "epoll", "workload": "c50", "test": "get", "status": "ok", "rps": r}
               for r in (100.0, 300.0, 200.0)]
    samples.append({"server": "epoll", "workload": "c1", "test": "get", "status": "ok",
                    "rps": 9.0})
    assert sweep.closed_loop_peaks(samples, ["epoll", "uring"]) == {"epoll": 200.0}
    assert sweep.sweep_servers(["redis", "sync", "epoll"]) == ["redis", "epoll"]


FLOOR_BIN = os.environ.get("FLOOR_BIN", "")


def binary_is_sanitized(path):
    """ASan and TSan builds reserve shadow memory valgrind cannot run under."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"__tsan_init" in data


@pytest.mark.skipif(not (os.access(FLOOR_BIN, os.X_OK) and shutil.which("valgrind")
                         and shutil.which("redis-benchmark")),
                    reason="needs FLOOR_BIN (a built //cc/bench:floor), valgrind and "
                           "redis-benchmark")
@pytest.mark.skipif(binary_is_sanitized(FLOOR_BIN),
                    reason="the floor is built with ASan/TSan here, which valgrind cannot "
                           "run; the default and ubsan runs count it")
def test_callgrind_counts_of_the_floor_repeat(tmp_path):
    cases = [(count.TEST_BY_KEY["ping_mbulk"], 1)]
    runs = []
    for i in range(2):
        work = tmp_path / str(i)
        work.mkdir()
        res = count.count_instructions(servers.SPECS["floor"], {"floor": FLOOR_BIN}, None,
                                       str(work), str(work), cases, 2000, 120, lambda s: None)
        runs.append(res[("ping_mbulk", 1)]["ir"])
    # The floor frames a 14-byte PING in a few hundred instructions, and the
    # same count comes back (start-up and connections cancel) well within the
    # tolerance the regression check allows.
    assert 50 < runs[0] < 3000, runs
    assert abs(runs[0] - runs[1]) / runs[0] < count.CHECK_TOLERANCE / 2, runs


def test_perf_interval_output_is_summed_per_event():
    text = ("# started on x\n\n"
            "     0.100,3,,syscalls:sys_enter_read,1,100.00,,\n"
            "     0.100,10,,raw_syscalls:sys_enter,1,100.00,,\n"
            "     0.200,<not counted>,,syscalls:sys_enter_read,0,100.00,,\n"
            "     0.300,4,,syscalls:sys_enter_read,1,100.00,,\n"
            "     0.300,4,,raw_syscalls:sys_enter,1,100.00,,\n")
    assert count.parse_perf_intervals(text) == {"read": 7, "others": 7}


def test_check_fails_when_a_count_could_not_be_made():
    e = entry("epoll", "get", 1, None)
    e["error"] = "under callgrind: prefill failed"
    failures = count.check(COMMITTED, [e])
    assert failures and "could not be counted" in failures[0]
