"""What users do, through a real client library (redis-py 4.3).

redis-py 4.3 speaks RESP2 only (RESP3 arrived in redis-py 5.0), so RESP3 is
covered byte for byte in test_commands.py and test_server.py instead.
"""

import os

import pytest
import redis


def test_basic_commands(rc):
    r = rc()
    assert r.ping() is True
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True, get=True) == b"v"
    assert r.incr("n") == 1
    assert r.incrby("n", 41) == 42
    assert r.decr("n") == 41
    assert r.append("k", "x") == 2
    assert r.strlen("k") == 2
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget(["a", "b", "zz"]) == [b"1", b"2", None]
    assert r.msetnx({"a": "x", "c": "3"}) is False
    assert r.exists("a", "b", "zz") == 2
    assert r.delete("a", "b") == 2
    assert r.type("k") == b"string"
    assert r.getset("k", "new") == b"wx"
    assert r.getdel("k") == b"new"
    assert r.get("k") is None
    assert r.echo("hi") == b"hi"
    assert r.dbsize() == 1
    assert r.unlink("n") == 1
    assert r.randomkey() is None


def test_decode_responses(rc):
    r = rc(decode_responses=True)
    r.set("greeting", "héllo wörld")
    assert r.get("greeting") == "héllo wörld"
    assert r.mget("greeting", "none") == ["héllo wörld", None]
    assert r.keys("*") == ["greeting"]
    assert r.client_setname("named") is True
    assert r.client_getname() == "named"


def test_expiry_helpers(rc):
    r = rc()
    r.set("k", "v", ex=100)
    assert 99 <= r.ttl("k") <= 100
    assert r.pexpire("k", 50000) is True
    assert 49000 <= r.pttl("k") <= 50000
    assert r.expire("k", 500, gt=True) is True
    assert r.expire("k", 1000, lt=True) is False
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    r.setex("s", 30, "v")
    r.psetex("p", 30000, "v")
    assert 29 <= r.ttl("s") <= 30 and 29 <= r.ttl("p") <= 30
    assert r.getex("s", persist=True) == b"v"
    assert r.ttl("s") == -1
    assert r.setnx("s", "other") is False


def test_pipeline_with_and_without_transaction_flag(rc):
    r = rc()
    p = r.pipeline(transaction=False)
    for n in range(1000):
        p.set("key:%d" % n, n)
        p.incr("counter")
    out = p.execute()
    assert out[0::2] == [True] * 1000
    assert out[1::2] == list(range(1, 1001))
    p = r.pipeline(transaction=False)
    p.get("key:999")
    p.incr("key:999")
    p.get("missing")
    p.set("k", "v", ex=0)
    res = p.execute(raise_on_error=False)
    assert res[:3] == [b"999", 1000, None]
    assert isinstance(res[3], redis.ResponseError)
    assert "invalid expire time" in str(res[3])


def test_select_via_db_argument(rc):
    # One client at a time, each closed after use: the sync engine serves
    # one connection at a time.
    def use(db, fn):
        r = rc(db=db)
        try:
            return fn(r)
        finally:
            r.connection_pool.disconnect()

    use(0, lambda r: r.set("k", "zero"))
    use(5, lambda r: r.set("k", "five"))
    assert use(0, lambda r: r.get("k")) == b"zero"
    assert use(5, lambda r: r.get("k")) == b"five"
    assert use(15, lambda r: r.get("k")) is None
    assert use(5, lambda r: r.dbsize()) == 1
    use(5, lambda r: r.flushdb())
    assert use(5, lambda r: r.dbsize()) == 0
    assert use(0, lambda r: r.dbsize()) == 1
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        use(16, lambda r: r.ping())


def test_scan_iter_and_keys(rc):
    r = rc()
    r.mset({"user:%d" % n: n for n in range(300)})
    r.mset({"other:%d" % n: n for n in range(50)})
    assert set(r.scan_iter(match="user:*", count=50)) == {b"user:%d" % n for n in range(300)}
    assert len(r.keys("other:*")) == 50


def test_large_value_through_client(rc):
    r = rc(socket_timeout=30)
    value = os.urandom(8 * 1024 * 1024)
    r.set("big", value)
    assert r.get("big") == value


def test_errors_surface_as_exceptions(rc):
    r = rc()
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.incr("s")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        r.execute_command("NOSUCHCOMMAND", "x")


def test_server_introspection(rc):
    r = rc()
    info = r.info()
    assert info["connected_clients"] >= 1
    assert "redis_version" in info
    assert r.config_get("maxclients") == {"maxclients": "10000"}
    cid = r.client_id()
    assert isinstance(cid, int)
    me = r.client_info()
    assert int(me["id"]) == cid
    assert any(int(c["id"]) == cid for c in r.client_list())
    t = r.time()
    assert len(t) == 2
    assert r.command_count() >= 45
    r.set("a", 1)
    assert r.info("keyspace")["db0"]["keys"] == 1


def test_hello_through_execute_command(rc):
    r = rc()
    reply = r.execute_command("HELLO", "2")
    d = dict(zip(reply[0::2], reply[1::2]))
    assert d[b"proto"] == 2
