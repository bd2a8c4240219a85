"""openloop's schedule, tested from outside: against a server that stalls
on purpose the stall must reach the tail (it would not with a closed-loop
client, shown alongside), against the floor the achieved rate must match
the offered one, and bad options must be refused clearly.

Run by //cc/bench:openloop_test with OPENLOOP_BIN and FLOOR_BIN from runfiles.
"""
import json
import os
import socket
import subprocess
import threading
import time

import pytest

OPENLOOP = os.environ.get("OPENLOOP_BIN", "")
FLOOR = os.environ.get("FLOOR_BIN", "")
PING = b"*1\r\n$4\r\nPING\r\n"

pytestmark = pytest.mark.skipif(
    not (os.access(OPENLOOP, os.X_OK) and os.access(FLOOR, os.X_OK)),
    reason="set OPENLOOP_BIN and FLOOR_BIN to built //cc/bench:openloop and :floor "
           "(bazel test //cc/bench:openloop_test does)")


class StallServer:
    """Answers each PING with +PONG, except that for STALL seconds of every
    PERIOD it neither reads nor answers: a server that freezes on purpose."""

    PERIOD = 1.0
    STALL = 0.25

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.t0 = time.monotonic()
        self.stop = False
        threading.Thread(target=self.accept, daemon=True).start()

    def stalled_for(self):
        """Seconds left of the current stall, 0 outside one."""
        phase = (time.monotonic() - self.t0) % self.PERIOD
        start = self.PERIOD - self.STALL
        return self.PERIOD - phase if phase >= start else 0.0

    def accept(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        pending = b""
        with conn:
            while not self.stop:
                wait = self.stalled_for()
                if wait:
                    time.sleep(wait)
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                pending += data
                n = pending.count(PING)
                pending = pending[len(PING) * n:]
                conn.sendall(b"+PONG\r\n" * n)

    def close(self):
        self.stop = True
        self.sock.close()


def openloop(port, *args):
    r = subprocess.run([OPENLOOP, "--port", str(port), "--json", *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def closed_loop_latencies(port, seconds):
    """One connection, one request at a time, timed from its send: what a
    closed-loop benchmark measures."""
    lat = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.monotonic()
            s.sendall(PING)
            buf = b""
            while len(buf) < 7:
                buf += s.recv(64)
            lat.append(time.monotonic() - t)
    return sorted(lat)


def test_a_stalling_server_shows_in_the_open_loop_tail_not_the_closed_loop_one():
    srv = StallServer()
    try:
        res = openloop(srv.port, "--rate", "1000", "--connections", "2",
                       "--duration", "3", "--warmup", "0.1", "--mix", "ping")
        closed = closed_loop_latencies(srv.port, 2.0)
    finally:
        srv.close()
    # A quarter of the schedule falls inside a 250 ms stall, so the slowest
    # 1% waited most of one; the median request saw no stall.
    assert res["p99_us"] >= 150000, res
    assert res["max_us"] >= 200000, res
    assert res["p50_us"] < 50000, res
    assert res["unanswered"] == 0 and res["errors"] == 0, res
    # The closed-loop client sent nothing while it waited: only one request
    # per stall was slow, so its p99 stays far below the stall.
    p99 = closed[int(len(closed) * 0.99)]
    assert len(closed) > 300 and p99 < 0.05, (len(closed), p99)


@pytest.fixture
def floor():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([FLOOR, "--port", str(port), "--bind", "127.0.0.1"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    proc.terminate()
    assert proc.wait(10) == 0


@pytest.mark.parametrize("pipeline,threads,mix", [
    (1, 1, "get"), (16, 2, "get:6,set:2,mset:1,ping:1")])
def test_achieved_rate_matches_the_offered_one(floor, pipeline, threads, mix):
    res = openloop(floor, "--rate", "8000", "--duration", "1.5", "--warmup", "0.2",
                   "--pipeline", str(pipeline), "--threads", str(threads),
                   "--mix", mix, "--dist", "zipf", "--value-size", "100")
    assert res["scheduled"] == 12000, res
    assert res["completed"] == res["sent"] == res["scheduled"], res
    assert abs(res["achieved_rps"] - 8000) / 8000 < 0.05, res
    # Only the requests scheduled after the warm-up are in the histogram.
    assert 10000 <= res["recorded"] <= 10600, res
    assert res["min_us"] <= res["p50_us"] <= res["p99_us"] <= res["max_us"], res


def test_prefill_alone_sends_one_set_per_key_and_exits(floor):
    r = subprocess.run([OPENLOOP, "--port", str(floor), "--prefill", "--keys", "2500",
                        "--duration", "0"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout == "", r


@pytest.mark.parametrize("args,message", [
    (["--rate", "0"], "usage"),
    (["--rate", "100", "--mix", "flushall"], "--mix takes"),
    (["--rate", "100", "--connections", "x"], "--connections takes a number"),
    (["--rate", "100", "--threads", "4", "--connections", "2"], "--threads must not"),
    (["--rate", "100", "--pipeline", "8", "--max-inflight", "4"], "--max-inflight"),
])
def test_bad_options_are_refused_with_a_reason(args, message):
    r = subprocess.run([OPENLOOP, "--port", "1", *args], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and message in r.stderr, r


def test_a_refused_connection_is_an_error_not_a_hang():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = subprocess.run([OPENLOOP, "--port", str(port), "--rate", "100"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "connect" in r.stderr, r
