"""respd's command line: a bad flag or value is refused before anything
starts, with one line naming it, the usage, and exit code 2."""

import subprocess

import pytest

USAGE = "\n\nUsage: respd [OPTIONS]\n"

BAD = [
    (["--uring-mode", "bogus"], "invalid --uring-mode 'bogus' (auto, multishot, singleshot)"),
    (["--uring-mode", "MULTISHOT"], "invalid --uring-mode 'MULTISHOT' (auto, multishot, singleshot)"),
    (["--uring-mode="], "invalid --uring-mode '' (auto, multishot, singleshot)"),
    # Checked at parsing time whatever the engine, so a typo never waits
    # for the day the flag's engine is chosen.
    (["--engine", "epoll", "--uring-mode", "multi"],
     "invalid --uring-mode 'multi' (auto, multishot, singleshot)"),
    (["--uring-mode"], "option '--uring-mode' needs a value"),
    (["--port", "65536"], "invalid --port '65536' (0..65535)"),
    (["--threads", "-1"], "invalid --threads '-1' (0..1024; 0 = one per CPU)"),
]


@pytest.mark.respd_only("flags")
@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_flag_is_a_usage_error(pytestconfig, server, args, message):
    if server.external:
        pytest.skip("container mode: this test runs the respd binary itself")
    p = subprocess.run([pytestconfig.getoption("--respd-bin"), *args], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("respd: " + message + USAGE), p.stderr
    assert p.stdout == ""
