# targets.bzl - every way respd is tested and deployed: one entry per server
# target, read by Bazel (py_tests/BUILD) and, as a plain literal, by
# scripts/targets.py (conftest.py, docker/, bench/, .github/). Nothing else
# lists them; scripts/targets check fails a test when a file that must
# repeat them (compose.yaml, the workflow matrix, the READMEs) drifts.
#
# name      the target's name: conformance_<name with _>, compose service
# flags     respd's engine flags (--port and --bind are added per use)
# port      the compose service's port (README's port table)
# serial    serves one client at a time
# uring     needs io_uring; multishot: needs Linux 6.0 (multishot recv)
# loops     event loops (--threads)
# lean_idle idle connections hold no buffers
# tsan      the concurrency tests run on it under ThreadSanitizer
RESPD_TARGETS = [
    {"name": "sync", "flags": ["--engine", "sync"], "port": 7380, "serial": True},
    {"name": "threads", "flags": ["--engine", "threads"], "port": 7381, "tsan": True},
    {"name": "poll", "flags": ["--engine", "poll"], "port": 7382},
    {"name": "epoll", "flags": ["--engine", "epoll"], "port": 7383, "lean_idle": True},
    {"name": "uring", "flags": ["--engine", "uring"], "port": 7384, "uring": True, "lean_idle": True},
    {"name": "epoll-t2", "flags": ["--engine", "epoll", "--threads", "2"], "port": 7385, "loops": 2,
     "lean_idle": True, "tsan": True},
    {"name": "uring-t2", "flags": ["--engine", "uring", "--threads", "2"], "port": 7386, "uring": True,
     "loops": 2, "lean_idle": True, "tsan": True},
    {"name": "uring-singleshot", "flags": ["--engine", "uring", "--uring-mode", "singleshot"],
     "port": 7387, "uring": True, "lean_idle": True},
    {"name": "uring-multishot", "flags": ["--engine", "uring", "--uring-mode", "multishot"],
     "port": 7388, "uring": True, "multishot": True, "lean_idle": True},
]
