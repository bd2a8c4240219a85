"""The servers under test: how each is started, probed and stopped.

Owns the command line of every benchmarked server (respd engines and the
redis-server baseline) and the lifecycle checks that turn a crash, a failed
start or a bad exit on SIGTERM into an error. It measures nothing itself.
"""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

# Every server gets room for C10K plus redis-benchmark's CONFIG probe and ours.
MAXCLIENTS = 10050

RESPD_ENGINES = ("sync", "threads", "poll", "epoll", "uring")


@dataclass(frozen=True)
class ServerSpec:
    name: str
    kind: str                    # "respd", "redis" or "floor"
    args: tuple = ()             # respd flags besides port/bind/maxclients
    concurrent: bool = True      # False: serves one client at a time (sync)
    note: str = ""
    idle: bool = True            # False: left out of the idle-connections test


SPECS = {
    "redis": ServerSpec("redis", "redis", note="redis-server 7.0 (Debian), the baseline"),
    "sync": ServerSpec("sync", "respd", ("--engine", "sync"), concurrent=False,
                       note="blocking, one client at a time"),
    "threads": ServerSpec("threads", "respd", ("--engine", "threads"),
                          note="blocking, one thread per connection"),
    "poll": ServerSpec("poll", "respd", ("--engine", "poll"), note="poll(2) loop"),
    "epoll": ServerSpec("epoll", "respd", ("--engine", "epoll"), note="epoll(7) loop"),
    "uring": ServerSpec("uring", "respd", ("--engine", "uring"),
                        note="io_uring loop (auto mode)"),
    "uring-singleshot": ServerSpec("uring-singleshot", "respd",
                                   ("--engine", "uring", "--uring-mode", "singleshot"),
                                   note="io_uring, single-shot accept/recv"),
    "uring-multishot": ServerSpec("uring-multishot", "respd",
                                  ("--engine", "uring", "--uring-mode", "multishot"),
                                  note="io_uring, multishot accept/recv + buffer ring"),
    "epoll-t2": ServerSpec("epoll-t2", "respd", ("--engine", "epoll", "--threads", "2"),
                           note="two epoll loops, SO_REUSEPORT"),
    "uring-t2": ServerSpec("uring-t2", "respd", ("--engine", "uring", "--threads", "2"),
                           note="two io_uring loops, SO_REUSEPORT"),

    # Not a server anyone runs: cc/bench/floor.c frames requests and answers
    # +PONG without running them, so its CPU per request is the kernel's TCP
    # work and one epoll loop alone, measured in the same run as the others.
    "floor": ServerSpec("floor", "floor", idle=False,
                        note="answers +PONG to every request without running it: "
                             "the floor under every server"),
}

DEFAULT_SERVERS = ("redis", "sync", "threads", "poll", "epoll", "uring",
                   "epoll-t2", "uring-t2", "floor")


class ServerError(Exception):
    """A server failed to start, died, or did not exit cleanly."""


def free_port():
    """A loopback TCP port nobody listens on right now (the caller races
    other programs for it, so start() retries on EADDRINUSE)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_argv(spec, binaries, port):
    """binaries: {"respd": path, "floor": path}, the ones this run built."""
    if spec.kind == "redis":
        return ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no",
                "--maxclients", str(MAXCLIENTS), "--daemonize", "no",
                "--loglevel", "notice"]
    path = binaries.get(spec.kind)
    if path is None:
        raise ServerError("%s needs the %s binary" % (spec.name, spec.kind))
    if spec.kind == "floor":
        return [path, "--port", str(port), "--bind", "127.0.0.1"]
    return [path, *spec.args, "--port", str(port), "--bind", "127.0.0.1",
            "--maxclients", str(MAXCLIENTS)]


def ping(port, timeout=1.0):
    """One RESP PING round trip on a fresh connection; True on +PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            buf = b""
            while len(buf) < 7:
                chunk = s.recv(64)
                if not chunk:
                    break
                buf += chunk
            return buf == b"+PONG\r\n"
    except OSError:
        return False


@dataclass
class Server:
    spec: ServerSpec
    binaries: dict
    log_dir: str
    port: int = 0
    proc: subprocess.Popen = None
    log_path: str = ""
    # argv run in front of the server's own: callgrind or perf stat. The
    # server must stay the process itself (valgrind) or its only child (perf).
    wrap: tuple = ()
    starts = 0   # class-wide, so every server's log file has its own name

    def start(self, ready_timeout=30.0):
        """Starts the server on a free loopback port and waits until it
        answers PING. Raises ServerError (with the log tail) otherwise."""
        last = ""
        for _ in range(3):
            self.port = free_port()
            Server.starts += 1
            self.log_path = os.path.join(
                self.log_dir, "%03d-%s.log" % (Server.starts, self.spec.name))
            log = open(self.log_path, "wb")
            argv = list(self.wrap) + server_argv(self.spec, self.binaries, self.port)
            # Own session: a Ctrl-C on the harness must not reach the server
            # before the harness has stopped it and checked its exit status.
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if ping(self.port):
                    return
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.kill()
                raise ServerError("%s did not answer PING within %.0fs on port %d; log %s:\n%s"
                                  % (self.spec.name, ready_timeout, self.port,
                                     self.log_path, self.log_tail()))
            last = self.log_tail()
            if "in use" not in last:
                break
        raise ServerError("%s exited with status %s at startup; log %s:\n%s"
                          % (self.spec.name, self.proc.returncode, self.log_path, last))

    @property
    def pid(self):
        return self.proc.pid

    def server_pid(self):
        """The server's own pid: the child of a perf wrapper, else pid."""
        if not self.wrap or self.wrap[0] != "perf":
            return self.proc.pid
        path = "/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)
        with open(path) as f:
            kids = f.read().split()
        if len(kids) != 1:
            raise ServerError("%s: perf has %d children, not 1" % (self.spec.name, len(kids)))
        return int(kids[0])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise ServerError("%s died (exit status %s); log %s:\n%s"
                              % (self.spec.name, self.proc.returncode, self.log_path,
                                 self.log_tail()))

    def stop(self, timeout=20.0):
        """SIGTERM, then waits. Raises ServerError if the server had already
        died, needed SIGKILL, or exited non-zero."""
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            proc, self.proc = self.proc, None
            raise ServerError("%s had died before SIGTERM (exit status %s); log %s:\n%s"
                              % (self.spec.name, proc.returncode, self.log_path,
                                 self.log_tail()))
        # Under perf the signal goes to the server; perf exits after it.
        target = self.server_pid()
        proc, self.proc = self.proc, None
        os.kill(target, signal.SIGTERM)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise ServerError("%s did not exit within %.0fs of SIGTERM (killed); log %s:\n%s"
                              % (self.spec.name, timeout, self.log_path, self.log_tail()))
        if rc != 0:
            raise ServerError("%s exited with status %d on SIGTERM; log %s:\n%s"
                              % (self.spec.name, rc, self.log_path, self.log_tail()))

    def kill(self):
        """Best-effort cleanup on the error path; never raises."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log_tail(self, lines=12):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()[-8192:].decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join("    " + l for l in data.splitlines()[-lines:])
