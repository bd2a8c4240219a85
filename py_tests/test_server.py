"""Server behaviour with its own flags and under concurrent clients:
maxclients, AUTH with --requirepass, idle --timeout, SIGTERM, one client at
a time for sync, exact totals and no torn writes under concurrency."""

import signal
import socket
import threading
import time

import pytest
import redis

import resp

OK = b"+OK\r\n"
PONG = b"+PONG\r\n"
NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


def run_threads(n, fn):
    """Runs fn(index) on n threads; re-raises the first failure."""
    errors = []

    def wrap(k):
        try:
            fn(k)
        except BaseException as e:  # reported below with its thread index
            errors.append((k, e))

    threads = [threading.Thread(target=wrap, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a client thread did not finish within 120 s"
    if errors:
        k, e = errors[0]
        raise AssertionError("client %d of %d failed: %r" % (k, n, e)) from e


# -- maxclients ------------------------------------------------------------

@pytest.mark.concurrent
def test_maxclients_refuses_with_redis_error(start_server, raw):
    srv = start_server(maxclients=2)

    def admitted():
        # The server notices earlier closes (the start-up probe's, a's)
        # asynchronously: retry while it still counts them.
        deadline = time.monotonic() + 10
        while True:
            conn = raw(srv)
            try:
                reply = conn.call_raw("PING")
            except (resp.Closed, ConnectionError):
                reply = b"(closed)"
            if reply == PONG:
                return conn
            assert reply in (b"-ERR max number of clients reached\r\n", b"(closed)"), reply
            assert time.monotonic() < deadline, "a free client slot was never reused"
            time.sleep(0.05)

    a = admitted()
    b = admitted()
    # Both slots are held now: every further connection is refused (several
    # tries, so each loop of a multi-loop engine gets some).
    for _ in range(6):
        c = raw(srv)
        assert c.read_until_close(timeout=10) == b"-ERR max number of clients reached\r\n"
    a.close()
    admitted()
    assert b.call_raw("PING") == PONG


# -- AUTH / --requirepass ---------------------------------------------------

def test_requirepass_auth_flow(start_server, raw):
    srv = start_server(requirepass="s3cret")
    c = raw(srv)
    assert c.call_raw("PING") == NOAUTH
    assert c.call_raw("GET", "k") == NOAUTH
    assert c.call_raw("AUTH", "bad") == WRONGPASS
    assert c.call_raw("AUTH", "default", "bad") == WRONGPASS
    assert c.call_raw("SET", "k", "v") == NOAUTH
    assert c.call_raw("AUTH", "s3cret") == OK
    assert c.call_raw("PING") == PONG
    assert c.call_raw("SET", "k", "v") == OK
    c.close()
    d = raw(srv)
    assert d.call_raw("AUTH", "default", "s3cret") == OK
    assert d.call_raw("GET", "k") == b"$1\r\nv\r\n"
    d.close()
    q = raw(srv)
    assert q.call_raw("QUIT") == OK
    assert q.wait_closed(5)


def test_requirepass_hello_auth(start_server, raw):
    srv = start_server(requirepass="s3cret")
    c = raw(srv)
    assert c.call_raw("HELLO", "3") == (
        b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        b"HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
        b"the RESP protocol version at the same time\r\n")
    assert c.call_raw("HELLO", "3", "AUTH", "default", "bad") == WRONGPASS
    v = c.call("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed")
    assert isinstance(v, dict) and v[b"proto"] == 3
    assert c.call("CLIENT", "GETNAME") == b"authed"
    assert c.call_raw("GET", "nothing") == b"_\r\n"


@pytest.mark.parametrize("data,reply", [
    (b"*11\r\n", b"-ERR Protocol error: unauthenticated multibulk length\r\n"),
    (b"*1\r\n$16385\r\n", b"-ERR Protocol error: unauthenticated bulk length\r\n"),
], ids=["multibulk", "bulk"])
def test_unauthenticated_limits(start_server, raw, data, reply):
    srv = start_server(requirepass="s3cret")
    c = raw(srv)
    c.send(data)
    assert c.read_until_close(timeout=10) == reply
    ok = raw(srv)
    assert ok.call_raw("AUTH", "s3cret") == OK
    ok.send(resp.encode("SET", "k", "x" * 20000) + resp.encode(*(["MGET"] + ["k"] * 11)))
    assert ok.read_raw() == OK
    assert ok.read_reply() == [b"x" * 20000] * 11


def test_requirepass_with_redis_py(start_server, rc):
    srv = start_server(requirepass="s3cret")
    # redis-py 4.3 maps NOAUTH to AuthenticationError and WRONGPASS to a
    # plain ResponseError.
    with pytest.raises(redis.AuthenticationError, match="Authentication required"):
        rc(srv).ping()
    with pytest.raises(redis.ResponseError, match="WRONGPASS"):
        rc(srv, password="wrong").ping()
    r = rc(srv, password="s3cret", db=3)
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"


# -- idle timeout ---------------------------------------------------------

def test_idle_timeout_closes_idle_clients(start_server, raw):
    srv = start_server(timeout=1)
    c = raw(srv)
    assert c.call_raw("PING") == PONG
    t0 = time.monotonic()
    assert c.wait_closed(timeout=6), "an idle client was not closed within 6 s of a 1 s timeout"
    assert time.monotonic() - t0 >= 0.9, "the idle client was closed before its timeout"


@pytest.mark.concurrent
def test_idle_timeout_spares_active_clients(start_server, raw):
    srv = start_server(timeout=1)
    # Several idle clients, so every loop of a multi-loop engine has one.
    idle = [raw(srv) for _ in range(6)]
    busy = raw(srv)
    for c in idle:
        assert c.call_raw("PING") == PONG
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.5:
        assert busy.call_raw("PING") == PONG
        time.sleep(0.2)
    for c in idle:
        assert c.wait_closed(timeout=4)
    assert busy.call_raw("PING") == PONG


@pytest.mark.concurrent
def test_client_list_and_info_count_every_connection(raw):
    conns = [raw() for _ in range(8)]
    ids = {c.call("CLIENT", "ID") for c in conns}
    assert len(ids) == 8
    listing = conns[0].call("CLIENT", "LIST").decode()
    listed = {int(ln.split()[0][3:]) for ln in listing.split("\n") if ln}
    assert ids <= listed, "CLIENT LIST misses connections (on another loop?)"
    info = conns[0].call("INFO", "clients").decode()
    assert int(info.split("connected_clients:")[1].split("\r\n")[0]) >= 8


# -- one client at a time (sync) and the opposite --------------------------

def test_second_client_waits_on_sync_and_is_served_elsewhere(target, raw):
    first = raw()
    assert first.call_raw("PING") == PONG
    second = raw()   # connects either way: the kernel's backlog holds it
    second.send(b"PING\r\n")
    if target.serial:
        # sync serves one client at a time: nothing for the second until
        # the first leaves.
        with pytest.raises(TimeoutError):
            second.read_reply(timeout=0.7)
        first.close()
        assert second.read_raw(timeout=10) == PONG
    else:
        assert second.read_raw(timeout=5) == PONG
        assert first.call_raw("PING") == PONG
        assert second.call_raw("PING") == PONG


# -- concurrency ------------------------------------------------------------

@pytest.mark.concurrency
def test_fifty_clients_incr_one_key(server):
    per_client, clients = 200, 50

    def work(k):
        with resp.RawClient(server.host, server.port, timeout=60) as c:
            for batch in range(per_client // 20):
                c.send(resp.encode("INCR", "shared") * 20)
                for v in c.read_replies(20, timeout=60):
                    assert isinstance(v, int)

    run_threads(clients, work)
    with resp.RawClient(server.host, server.port) as c:
        assert c.call("GET", "shared") == b"%d" % (per_client * clients)


@pytest.mark.concurrency
def test_sixty_four_clients_incr_shared_keys(server):
    clients, rounds, keys = 64, 100, 8

    def work(k):
        with resp.RawClient(server.host, server.port, timeout=60) as c:
            req = b"".join(resp.encode("INCRBY", "ctr:%d" % ((k + j) % keys), "3") for j in range(rounds))
            c.send(req)
            replies = c.read_replies(rounds, timeout=60)
            assert all(isinstance(v, int) and v > 0 for v in replies)

    run_threads(clients, work)
    with resp.RawClient(server.host, server.port) as c:
        got = c.call("MGET", *["ctr:%d" % n for n in range(keys)])
    assert got == [b"%d" % (3 * clients * rounds // keys)] * keys


@pytest.mark.concurrency
def test_mset_mget_never_torn(server):
    writers, readers, ops = 8, 8, 250
    keys = ["t:a", "t:b", "t:c", "t:d", "t:e"]
    with resp.RawClient(server.host, server.port) as c:
        c.call("MSET", *[x for k in keys for x in (k, "init")])

    def work(k):
        with resp.RawClient(server.host, server.port, timeout=60) as c:
            if k < writers:
                for n in range(ops):
                    v = "w%d-%d-%s" % (k, n, "x" * (n % 40))
                    assert c.call("MSET", *[x for key in keys for x in (key, v)]) == b"OK"
            else:
                for _ in range(ops):
                    vals = c.call("MGET", *keys)
                    assert len(set(vals)) == 1, "torn MSET seen by MGET: %r" % vals

    run_threads(writers + readers, work)


@pytest.mark.concurrency
def test_many_clients_with_frames_split_at_random_points(server):
    import random
    clients, commands = 16, 150

    def work(k):
        rng = random.Random(k)
        with resp.RawClient(server.host, server.port, timeout=60) as c:
            req, want = [], []
            for n in range(commands):
                v = bytes([65 + (k + n) % 26]) * rng.choice([0, 1, 10, 1000, 5000, 20000])
                key = "split:%d:%d" % (k, n % 10)
                req.append(resp.encode("SET", key, v) + resp.encode("GET", key))
                want.append(b"+OK\r\n" + b"$%d\r\n%s\r\n" % (len(v), v))
            data = b"".join(req)
            pos = 0
            while pos < len(data):
                step = rng.choice([1, 2, 3, 7, 100, 1500, 4096, 65536])
                c.send(data[pos:pos + step])
                pos += step
                if rng.random() < 0.01:
                    time.sleep(0.001)
            expected = b"".join(want)
            assert c.read_exact(len(expected), timeout=60) == expected

    run_threads(clients, work)


# -- SIGTERM -----------------------------------------------------------------

@pytest.mark.respd_only("sigterm-flush")
def test_sigterm_mid_pipeline_loses_no_produced_reply(target, start_server, raw):
    srv = start_server()
    big = b"z" * 32768
    setup = raw(srv)
    assert setup.call_raw("SET", "big", big) == OK
    setup.close()
    n_clients = 1 if target.serial else 4
    pairs = 100
    clients = [raw(srv, timeout=30) for _ in range(n_clients)]
    for k, c in enumerate(clients):
        c.send(b"".join(resp.encode("INCR", "ctr:%d" % k) + resp.encode("GET", "big") for _ in range(pairs)))
    observed = [0] * n_clients
    if target.serial:
        # The only client being served: its first reply proves it is mid-pipeline.
        first = clients[0].read_reply()
        assert first == 1
        observed[0] = 1
    else:
        # Another client sees how far each pipeline got; every INCR it sees
        # executed has a reply that must reach its client.
        with resp.RawClient(srv.host, srv.port) as obs:
            last, deadline = None, time.monotonic() + 10
            while time.monotonic() < deadline:
                vals = [int(v or 0) for v in obs.call("MGET", *["ctr:%d" % k for k in range(n_clients)])]
                if vals == last:
                    break
                last = vals
                time.sleep(0.1)
            observed = last
        assert sum(observed) > 0, "no pipeline made progress before SIGTERM"
    srv.send_signal(signal.SIGTERM)
    for k, c in enumerate(clients):
        data = c.read_until_close(timeout=30)
        replies, leftover = resp.decode_replies(data)
        if target.serial:
            replies = [first] + replies
        assert leftover == b"", "client %d: a reply was cut off: %r" % (k, leftover[:80])
        incrs = replies[0::2]
        gets = replies[1::2]
        assert incrs == list(range(1, len(incrs) + 1)), "client %d: INCR replies out of order" % k
        assert all(g == big for g in gets), "client %d: a GET reply is wrong" % k
        assert len(incrs) >= observed[k], (
            "client %d: %d INCRs executed before SIGTERM, only %d replies arrived"
            % (k, observed[k], len(incrs)))
    assert srv.stop(timeout=20) == 0


# -- SHUTDOWN ----------------------------------------------------------------

@pytest.mark.parametrize("args", [["SHUTDOWN"], ["shutdown", "nosave", "now"]])
def test_shutdown_closes_without_reply_and_exits_0(start_server, raw, args):
    srv = start_server()
    c = raw(srv)
    assert c.call_raw("SET", "k", "v") == b"+OK\r\n"
    c.send_command(*args)
    # Like redis-server: no reply, the connection closes, the process exits 0.
    assert c.read_until_close(timeout=20) == b""
    srv.proc.wait(timeout=20)
    assert srv.stop() == 0
    assert "User requested shutdown" in srv.log_since(0)


@pytest.mark.respd_only("shutdown-save")
def test_shutdown_save_is_refused_and_the_server_keeps_serving(start_server, raw):
    srv = start_server()
    c = raw(srv)
    assert c.call_raw("SHUTDOWN", "SAVE") == (
        b"-ERR respd keeps no data on disk, so SHUTDOWN SAVE has nowhere to save it; "
        b"use SHUTDOWN NOSAVE\r\n")
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert srv.proc.poll() is None
