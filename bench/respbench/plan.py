"""What a run measures: workloads, request counts, timeouts and the targets
from issue 7. Owns no execution; bench/run's orchestration reads these tables.
"""

from dataclasses import dataclass

TESTS = ("ping_mbulk", "set", "get")
TEST_LABEL = {"ping_mbulk": "PING_MBULK", "set": "SET", "get": "GET"}


@dataclass(frozen=True)
class Workload:
    key: str
    label: str
    clients: int
    pipeline: int
    tests: tuple
    requests: int          # per test
    timeout: float         # seconds per redis-benchmark invocation
    # Fewer requests for servers that are an order of magnitude slower here,
    # so one of them does not take most of the run: ((server, requests), ...).
    requests_for: tuple = ()

    def requests_of(self, server):
        return dict(self.requests_for).get(server, self.requests)


@dataclass(frozen=True)
class Plan:
    workloads: tuple
    idle_count: int
    idle_connect_timeout: float
    idle_settle: tuple     # (min_wait, window, max_wait) seconds
    rounds: int
    # A server that serves one client at a time is tried once per
    # concurrent workload with this timeout: the hang is the finding.
    break_timeout: float


def full_plan(rounds):
    # Request counts give each test ~1.5-4 s of request phase on this 2-core
    # machine, so the server's CPU (10 ms ticks) is sampled to about 1%.
    return Plan(
        workloads=(
            # One client is what the sync engine can serve; the server idles
            # between round trips, so it needs many requests for a CPU figure.
            Workload("c1", "1 client", 1, 1, ("get",), 30000, 120),
            Workload("c50", "50 clients", 50, 1, TESTS, 120000, 120),
            Workload("c50p16", "50 clients -P 16", 50, 16, TESTS, 1000000, 120),
            Workload("c1000", "1,000 clients", 1000, 1, TESTS, 120000, 120),
            # The 8 s connect ramp dominates at 10,000 clients: one test only.
            # One thread per connection: ~30x redis-server's CPU per request
            # at 10,000 clients, so a tenth of the requests still gives ~10 s
            # of CPU to measure.
            Workload("c10000", "10,000 clients", 10000, 1, ("get",), 150000, 180,
                     requests_for=(("threads", 20000),)),
        ),
        idle_count=10000,
        idle_connect_timeout=60,
        idle_settle=(3.0, 2.0, 25.0),
        rounds=rounds,
        break_timeout=8.0,
    )


def quick_plan(rounds):
    """Exercises every engine in under two minutes: a smoke test of starting,
    serving, holding connections and stopping, not a measurement."""
    return Plan(
        workloads=(
            Workload("c1", "1 client", 1, 1, ("ping_mbulk",), 2000, 30),
            Workload("c50", "50 clients", 50, 1, TESTS, 10000, 30),
            Workload("c50p16", "50 clients -P 16", 50, 16, ("get",), 50000, 30),
            Workload("c1000", "1,000 clients", 1000, 1, ("get",), 10000, 30),
        ),
        idle_count=2000,
        idle_connect_timeout=20,
        idle_settle=(0.5, 0.5, 2.0),
        rounds=rounds,
        break_timeout=2.0,
    )


@dataclass(frozen=True)
class Target:
    server: str
    workload: str          # a Workload.key or "idle"
    limit: float           # CPU/request ratio to redis-server, or bytes per idle connection
    kind: str              # "cpu_ratio" or "idle_bytes"


TARGETS = (
    Target("uring", "c50", 0.86, "cpu_ratio"),
    Target("epoll", "c50", 0.88, "cpu_ratio"),
    Target("uring", "c50p16", 0.65, "cpu_ratio"),
    Target("epoll", "c50p16", 0.70, "cpu_ratio"),
    Target("uring", "c1000", 0.85, "cpu_ratio"),
    Target("epoll", "c1000", 0.85, "cpu_ratio"),
    Target("uring", "c10000", 0.85, "cpu_ratio"),
    Target("epoll", "c10000", 0.85, "cpu_ratio"),
    Target("uring", "idle", 256, "idle_bytes"),
    Target("epoll", "idle", 256, "idle_bytes"),
)
