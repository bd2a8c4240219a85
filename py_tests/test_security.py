"""Security defaults (issue 8): protected mode refuses clients from other
hosts when the server listens beyond loopback without a password, like
Redis; a password or --protected-mode no lets them in."""

import re
import subprocess

import pytest

import resp

PONG = b"+PONG\r\n"
NOAUTH = b"-NOAUTH Authentication required.\r\n"
# Redis 7.0's first sentences; the advice after them names each server's own flags.
DENIED = (b"-DENIED Redis is running in protected mode because protected mode is enabled and "
          b"no password is set for the default user. In this mode connections are only "
          b"accepted from the loopback interface.")


def non_loopback_address():
    """An IPv4 address of this host outside 127/8: connecting to it from here
    makes a client that is not on loopback."""
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    for addr in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out):
        if not addr.startswith("127."):
            return addr
    pytest.skip("this host has no non-loopback IPv4 address (`ip -4 addr`): protected mode "
                "cannot be exercised without a client outside loopback")


def test_protected_mode_refuses_other_hosts(start_server, raw):
    addr = non_loopback_address()
    srv = start_server(bind="0.0.0.0")
    c = resp.RawClient(addr, srv.port)
    try:
        c.send(b"PING\r\n")
        data = c.read_until_close(timeout=10)
    finally:
        c.close()
    assert data.startswith(DENIED) and data.endswith(b"\r\n") and data.count(b"\r\n") == 1, data[:300]
    local = raw(srv)
    assert local.call_raw("PING") == PONG


def test_password_lets_other_hosts_in(start_server):
    addr = non_loopback_address()
    srv = start_server(bind="0.0.0.0", requirepass="s3cret")
    with resp.RawClient(addr, srv.port) as c:
        assert c.call_raw("PING") == NOAUTH
        assert c.call_raw("AUTH", "s3cret") == b"+OK\r\n"
        assert c.call_raw("PING") == PONG


def test_protected_mode_no_lets_other_hosts_in(start_server):
    addr = non_loopback_address()
    srv = start_server(bind="0.0.0.0", protected_mode="no")
    with resp.RawClient(addr, srv.port) as c:
        assert c.call_raw("PING") == PONG


@pytest.mark.respd_only("protected-mode-warning")
def test_listening_beyond_loopback_without_password_warns(start_server):
    srv = start_server(bind="0.0.0.0")
    log = srv.log_since(0)
    assert re.search(r"WARNING.*0\.0\.0\.0.*no password", log), log[-2000:]
    quiet = start_server(bind="0.0.0.0", requirepass="s3cret")
    assert "no password" not in quiet.log_since(0)
