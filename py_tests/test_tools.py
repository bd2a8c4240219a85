"""Redis's own command-line tools against the target: redis-cli (one-shot)
and redis-benchmark, both built on hiredis, a second real client library."""

import os
import re
import subprocess

import pytest

REDIS_CLI = "/usr/bin/redis-cli"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"


def need(tool):
    if not os.access(tool, os.X_OK):
        pytest.skip("%s is not installed (Debian package redis-tools)" % tool)


def cli(server, *args):
    p = subprocess.run([REDIS_CLI, "-h", server.host, "-p", str(server.port), *args],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_redis_cli_one_shot(server):
    need(REDIS_CLI)
    assert cli(server, "PING") == "PONG\n"
    assert cli(server, "SET", "greeting", "hello world") == "OK\n"
    assert cli(server, "GET", "greeting") == "hello world\n"
    assert cli(server, "--no-raw", "MGET", "greeting", "missing") == '1) "hello world"\n2) (nil)\n'
    assert cli(server, "INCRBY", "n", "5") == "5\n"
    assert cli(server, "--no-raw", "INCR", "greeting") == \
        "(error) ERR value is not an integer or out of range\n"
    assert cli(server, "DBSIZE") == "2\n"
    info = cli(server, "INFO", "server")
    assert "redis_version:" in info


def test_redis_cli_reads_commands_from_stdin(server):
    need(REDIS_CLI)
    p = subprocess.run([REDIS_CLI, "-h", server.host, "-p", str(server.port)],
                       input="SET a 1\nINCR a\nGET a\n", capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["OK", "2", "2"]


def test_redis_benchmark_runs_clean(server, target):
    need(REDIS_BENCHMARK)
    clients = "1" if target.serial else "20"   # sync serves one client at a time
    p = subprocess.run([REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port), "-q",
                        "-t", "ping,set,get,incr,mset", "-n", "2000", "-c", clients],
                       capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "rror" not in out, out
    lines = [ln for ln in re.split(r"[\r\n]+", out) if "requests per second" in ln]
    names = {ln.split(":")[0] for ln in lines}
    assert {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"} <= names, out
    assert any(n.startswith("MSET") for n in names), out
