"""Target selection and server lifecycle for the conformance suite.

Owns: the table of targets (respd engines and the redis-server reference),
starting a server on a free loopback port and stopping it, the container
mode (`--external HOST:PORT`: connect to a running service, start nothing),
the per-test FLUSHALL, the deliberate differences from Redis (one list), and
showing a server's log when a test fails. It does not own what the tests
check; tests say what they need through fixtures and markers.
"""

import os
import re
import resource
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import pytest
from hypothesis import settings as hypothesis_settings

import resp

# Reproducible fuzzing that writes nothing into the source tree.
hypothesis_settings.register_profile("respd", database=None, derandomize=True, deadline=None)
hypothesis_settings.load_profile("respd")

# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    respd_args: tuple = ()    # engine flags; empty for the redis reference
    redis: bool = False       # the real redis-server 7.0
    serial: bool = False      # serves one client at a time (sync)
    uring: bool = False
    loops: int = 1
    lean_idle: bool = False   # idle connections hold no buffers (issues 3, 4)


TARGETS = {t.name: t for t in [
    Target("sync", ("--engine", "sync"), serial=True),
    Target("threads", ("--engine", "threads")),
    Target("poll", ("--engine", "poll")),
    Target("epoll", ("--engine", "epoll"), lean_idle=True),
    Target("uring", ("--engine", "uring"), uring=True, lean_idle=True),
    Target("uring-singleshot", ("--engine", "uring", "--uring-mode", "singleshot"), uring=True,
           lean_idle=True),
    Target("uring-multishot", ("--engine", "uring", "--uring-mode", "multishot"), uring=True,
           lean_idle=True),
    Target("epoll-t2", ("--engine", "epoll", "--threads", "2"), loops=2, lean_idle=True),
    Target("uring-t2", ("--engine", "uring", "--threads", "2"), uring=True, loops=2,
           lean_idle=True),
    Target("redis", redis=True),
]}

# Deliberate differences between respd and redis-server 7.0. A test marked
# @pytest.mark.respd_only("key") is skipped on the redis target with the
# reason below; nothing else may skip there.
DIFFERENCES = {
    "engine-field": "INFO's server section names respd's I/O engine "
                    "(engine:NAME); redis-server has no such field.",
    "protected-mode-warning": "respd logs a warning at startup when it listens beyond "
                              "loopback without a password (issue 8); redis-server 7.0 "
                              "only refuses such clients.",
    "shutdown-save": "respd keeps no data on disk, so it refuses SHUTDOWN SAVE "
                     "instead of pretending to save; redis-server writes an RDB "
                     "file and exits.",
    "oversized-reply": "A reply larger than the client output limit is replaced by an "
                       "error naming the limit, after the replies before it, and the "
                       "connection closes; redis-server 7.0 with the same hard limit "
                       "closes the client and sends nothing more (both log the reason).",
    "flow-control": "respd produces a client's replies only as fast as it reads them "
                    "(requests wait once 64 KiB of replies are unsent); redis-server 7.0 "
                    "runs every request it read and buffers all the replies (400 MB for "
                    "400 pipelined GETs of 1 MB that are never read).",
    "stall-timeout": "After the whole server stalled (SIGSTOP, a slow command) for longer "
                     "than --timeout, respd reads the input that waited before it checks "
                     "idle timeouts, so active clients survive; redis-server 7.0.15 was "
                     "measured resetting all of them.",
    "sigterm-flush": "respd flushes every reply it produced before exiting on "
                     "SIGTERM; redis-server 7.0 closes normal clients at shutdown "
                     "without flushing their pending output.",
}

# A server started by the suite must answer PING within this time.
START_TIMEOUT = 20.0
URING_REFUSALS = ("EPERM", "ENOSYS", "ENOMEM")


def pytest_addoption(parser):
    g = parser.getgroup("respd")
    g.addoption("--target", default=os.environ.get("RESPD_TARGET"),
                help="one of: " + ", ".join(TARGETS) + " (env RESPD_TARGET)")
    g.addoption("--respd-bin", default=os.environ.get("RESPD_BIN"),
                help="path of the respd binary (env RESPD_BIN)")
    g.addoption("--redis-server", default=os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server"),
                help="path of redis-server for the redis target")
    g.addoption("--external", default=os.environ.get("RESPD_EXTERNAL"),
                help="HOST:PORT of an already running server for --target "
                     "(container mode): nothing is started (env RESPD_EXTERNAL)")


def pytest_configure(config):
    config.addinivalue_line("markers", "respd_only(key): deliberate difference from "
                            "redis-server, see DIFFERENCES in conftest.py")
    config.addinivalue_line("markers", "concurrent: needs several clients served at "
                            "the same time (not applicable to the sync engine)")
    config.addinivalue_line("markers", "concurrency: shared-state correctness under "
                            "concurrent clients (also run under tsan)")
    config.addinivalue_line("markers", "heavy: thousands of connections or large data")
    name = config.getoption("--target")
    if name is None:
        raise pytest.UsageError("choose a target: --target=NAME (one of %s)" % ", ".join(TARGETS))
    name = name.replace("_", "-")
    if name not in TARGETS:
        raise pytest.UsageError("unknown target %r; known: %s" % (name, ", ".join(TARGETS)))
    config.respd_target = TARGETS[name]


def pytest_report_header(config):
    t = config.respd_target
    ext = config.getoption("--external")
    where = "external %s" % ext if ext else (
        config.getoption("--redis-server") if t.redis else config.getoption("--respd-bin"))
    return "respd target: %s (%s)" % (t.name, where)


def pytest_collection_modifyitems(config, items):
    t = config.respd_target
    for item in items:
        m = item.get_closest_marker("respd_only")
        if m is not None and t.redis:
            key = m.args[0]
            item.add_marker(pytest.mark.skip(
                reason="deliberate difference from redis-server (%s): %s" % (key, DIFFERENCES[key])))
        if item.get_closest_marker("concurrent") is not None and t.serial:
            item.add_marker(pytest.mark.skip(
                reason="the sync engine serves one client at a time by design "
                       "(issue 3); this test needs clients served concurrently"))


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary_is_sanitized(path):
    """True when the binary was built with ASan or TSan: RSS numbers and
    timings from such a build are not comparable with a normal one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"__tsan_init" in data


class Server:
    """A server the tests talk to: host, port, and (when the suite started
    it) the process, its log and /proc access."""

    host = "127.0.0.1"
    port = 0
    proc = None
    password = None
    external = False
    sanitized = False

    def alive(self):
        return self.proc is None or self.proc.poll() is None

    def log_since(self, offset):
        return ""

    def log_size(self):
        return 0


class ExternalServer(Server):
    external = True

    def __init__(self, hostport):
        host, _, port = hostport.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port)

    def describe(self):
        return "external %s:%d" % (self.host, self.port)


class LocalServer(Server):
    """A respd or redis-server process started by the suite."""

    def __init__(self, target, config, logdir, **opts):
        self.target = target
        self.opts = opts
        self.password = opts.get("requirepass")
        self.logdir = logdir
        self.respd_bin = config.getoption("--respd-bin")
        self.redis_bin = config.getoption("--redis-server")
        self.sanitized = (not target.redis) and binary_is_sanitized(self.respd_bin)
        self.log_path = None
        self.returncode = None

    def argv(self):
        o = self.opts
        if self.target.redis:
            a = [self.redis_bin, "--port", str(self.port), "--bind", o.get("bind", "127.0.0.1"),
                 "--save", "", "--appendonly", "no", "--dir", self.logdir,
                 "--daemonize", "no"]
            if "protected_mode" in o:
                a += ["--protected-mode", o["protected_mode"]]
            if "maxclients" in o:
                a += ["--maxclients", str(o["maxclients"])]
            if "requirepass" in o:
                a += ["--requirepass", o["requirepass"]]
            if "timeout" in o:
                a += ["--timeout", str(o["timeout"])]
            if "output_limit" in o:
                n = str(o["output_limit"])
                a += ["--client-output-buffer-limit", "normal %s %s 0" % (n, n)]
            return a
        a = [self.respd_bin, *self.target.respd_args, "--port", str(self.port),
             "--bind", o.get("bind", "127.0.0.1")]
        if "protected_mode" in o:
            a += ["--protected-mode", o["protected_mode"]]
        if "maxclients" in o:
            a += ["--maxclients", str(o["maxclients"])]
        if "requirepass" in o:
            a += ["--requirepass", o["requirepass"]]
        if "timeout" in o:
            a += ["--timeout", str(o["timeout"])]
        if "output_limit" in o:
            a += ["--client-output-limit", str(o["output_limit"])]
        return a

    def describe(self):
        return " ".join(repr(x) if (" " in x or not x) else x for x in self.argv())

    def start(self):
        if self.target.redis and not os.access(self.redis_bin, os.X_OK):
            pytest.skip("redis target: %s is not installed (Debian package "
                        "redis-server); the reference run needs it" % self.redis_bin)
        if self.target.redis:
            ver = subprocess.run([self.redis_bin, "--version"], capture_output=True, text=True).stdout
            m = re.search(r"v=(\d+\.\d+)\.", ver)
            if not m or m.group(1) != "7.0":
                pytest.skip("redis target: the reference is redis-server 7.0 (its replies are the "
                            "expected bytes); %s is %r" % (self.redis_bin, ver.strip()))
        if not self.target.redis and not (self.respd_bin and os.access(self.respd_bin, os.X_OK)):
            pytest.fail("respd binary not found: pass --respd-bin or set RESPD_BIN (got %r)" % self.respd_bin)
        for attempt in range(3):
            self.port = free_port()
            fd, self.log_path = tempfile.mkstemp(prefix="%s-%d-" % (self.target.name, self.port),
                                                 suffix=".log", dir=self.logdir)
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                         stdout=fd, stderr=fd, preexec_fn=self._limits)
            os.close(fd)
            err = self._wait_ready()
            if err is None:
                return self
            if "in use" in err and attempt < 2:
                continue
            self._fail_start(err)

    def _limits(self):
        # `ulimit -n N` for the server alone (start_server(nofile=N)).
        if "nofile" in self.opts:
            n = self.opts["nofile"]
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return "exited with code %d" % self.proc.returncode
            try:
                with resp.RawClient(self.host, self.port, timeout=2) as c:
                    c.send_command("PING")
                    c.read_reply()
                    return None
            except (OSError, resp.Closed, TimeoutError):
                time.sleep(0.02)
        self.kill()
        return "did not answer PING within %.0fs" % START_TIMEOUT

    def _fail_start(self, why):
        log = self.log_since(0)
        if self.target.uring and self.proc.returncode not in (None, 0):
            for name in URING_REFUSALS:
                # Only io_uring_setup itself being refused may skip; any other
                # failure of the uring engine fails the test.
                if re.search(r"io_uring_setup[^\n]*\b%s\b" % name, log):
                    pytest.skip("io_uring_setup refused with %s on this machine; the uring "
                                "engine cannot run here. Server said: %s" % (name, log.strip()[-400:]))
        pytest.fail("could not start %s: %s\n--- log ---\n%s" % (self.describe(), why, log[-4000:]))

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except (OSError, TypeError):
            return 0

    def log_since(self, offset):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    @property
    def pid(self):
        return self.proc.pid

    def proc_status(self, field_name):
        """A field of /proc/PID/status in kB (e.g. VmRSS)."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        raise KeyError(field_name)

    def rss_kb(self):
        return self.proc_status("VmRSS")

    def cpu_seconds(self):
        """User plus system CPU time the server has used so far."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    signalled = False

    def send_signal(self, sig):
        """Signals the server from a test; its exit is then expected."""
        self.signalled = True
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signals the server and waits; returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("%s did not exit within %ds of %s" % (
                    self.target.name, timeout, signal.Signals(sig).name))
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# Servers that have been touched by the current test, with their log offset
# at the test's start, so a failure can show what the server said.
_watched = []


def _watch(srv):
    _watched.append((srv, srv.log_size()))


@pytest.fixture(scope="session")
def target(pytestconfig):
    return pytestconfig.respd_target


@pytest.fixture(scope="session")
def logdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="session")
def server(pytestconfig, target, logdir):
    """The session's shared server (or the external one)."""
    ext = pytestconfig.getoption("--external")
    if ext:
        srv = ExternalServer(ext)
        yield srv
        return
    srv = LocalServer(target, pytestconfig, logdir).start()
    yield srv
    rc = srv.stop()
    if rc != 0:
        raise AssertionError("shared %s server exited with %d at the end of the session:\n%s"
                             % (target.name, rc, srv.log_since(0)[-4000:]))


@pytest.fixture
def start_server(pytestconfig, target, logdir, server):
    """Factory: start_server(maxclients=.., requirepass=.., timeout=..,
    output_limit=.., bind=.., protected_mode="yes"|"no", nofile=N) starts a
    fresh server of the target with those flags (nofile: its open-files
    limit, as `ulimit -n N`).
    Stopped with SIGTERM (and its exit code checked) after the test unless
    the test stopped it itself."""
    if server.external:
        pytest.skip("container mode: this test starts its own server with special flags")
    started = []

    def start(**opts):
        srv = LocalServer(target, pytestconfig, logdir, **opts)
        started.append(srv)
        _watch(srv)
        return srv.start()

    yield start
    problems = []
    for srv in started:
        if srv.proc is None:
            continue
        was_running = srv.proc.poll() is None
        if srv.returncode is not None:
            continue
        rc = srv.stop()
        if not was_running and not srv.signalled:
            problems.append("%s died during the test with %d:\n%s" % (srv.describe(), rc, srv.log_since(0)[-3000:]))
        elif rc != 0:
            problems.append("%s exited with %d on SIGTERM:\n%s" % (srv.describe(), rc, srv.log_since(0)[-3000:]))
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def local_server(server):
    """The shared server when the suite started it (for /proc checks)."""
    if server.external:
        pytest.skip("container mode: this test reads /proc/PID of the server process")
    return server


def _connect_quick(srv):
    c = resp.RawClient(srv.host, srv.port, timeout=15)
    if srv.password:
        c.call("AUTH", srv.password)
    return c


@pytest.fixture(autouse=True)
def _clean_server(server):
    """FLUSHALL before each test on a connection that is closed before the
    test starts (the sync engine serves one connection at a time), and
    after it, check the shared server is still alive."""
    _watched.clear()
    _watch(server)
    with _connect_quick(server) as c:
        assert c.call("FLUSHALL") == b"OK"
    yield
    if not server.alive():
        rc = server.proc.returncode
        pytest.fail("the shared server died during this test (exit %s):\n%s" % (rc, server.log_since(0)[-4000:]))


@pytest.fixture
def raw(server):
    """Factory: raw(srv=None, timeout=..) -> RawClient; all closed after the test."""
    clients = []

    def connect(srv=None, timeout=resp.DEFAULT_TIMEOUT):
        srv = srv or server
        c = resp.RawClient(srv.host, srv.port, timeout=timeout)
        clients.append(c)
        return c

    yield connect
    for c in clients:
        c.close()


@pytest.fixture
def rc(server):
    """Factory for redis-py clients: rc(srv=None, **kwargs); closed after the test."""
    import redis
    clients = []

    def make(srv=None, **kw):
        srv = srv or server
        kw.setdefault("socket_timeout", 10)
        c = redis.Redis(host=srv.host, port=srv.port, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
        c.connection_pool.disconnect()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for srv, offset in _watched:
            text = srv.log_since(offset)
            if text:
                report.sections.append(("server log: %s" % srv.describe(), text[-6000:]))
