"""Differential testing: random command sequences run on the target and on a
real redis-server 7.0 side by side must get byte-identical replies.

Only commands whose replies do not depend on the clock, ids or hash order
are generated (no TTL/PTTL/TIME/RANDOMKEY/SCAN/CLIENT/INFO, no GT/LT between
close expiry times); KEYS replies are compared as sorted lists.
"""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import conftest
import resp

KEYS = ["a", "b", "c", "n"]
VALUES = ["", "v", "hello", "0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808",
          "9223372036854775808", "1.5", " 1", "abc", "x" * 40]
INTS = ["0", "1", "-1", "5", "100", "-100", "9223372036854775807", "-9223372036854775808", "x", ""]
EXPIRES = ["100", "1000", "0", "-1", "abc", "9223372036854775807"]

key = st.sampled_from(KEYS)
value = st.sampled_from(VALUES)


@st.composite
def set_command(draw):
    args = ["SET", draw(key), draw(value)]
    opts = draw(st.lists(st.sampled_from(["NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT", "nx"]),
                         max_size=3))
    for o in opts:
        args.append(o)
        if o in ("EX", "PX"):
            args.append(draw(st.sampled_from(EXPIRES)))
        elif o in ("EXAT", "PXAT"):
            args.append(draw(st.sampled_from(["1", "99999999999", "0", "x"])))
    return args


@st.composite
def getex_command(draw):
    args = ["GETEX", draw(key)]
    o = draw(st.sampled_from([None, "EX", "PX", "PERSIST", "EXAT", "BAD"]))
    if o is not None:
        args.append(o)
        if o in ("EX", "PX"):
            args.append(draw(st.sampled_from(EXPIRES)))
        elif o == "EXAT":
            args.append(draw(st.sampled_from(["1", "99999999999"])))
    return args


@st.composite
def expire_command(draw):
    name = draw(st.sampled_from(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]))
    args = [name, draw(key), draw(st.sampled_from(EXPIRES + ["99999999999"]))]
    args += draw(st.lists(st.sampled_from(["NX", "XX", "FOO"]), max_size=2))
    return args


simple = st.one_of(
    st.tuples(st.sampled_from(["GET", "STRLEN", "INCR", "DECR", "TYPE", "GETDEL", "PERSIST"]), key).map(list),
    st.tuples(st.sampled_from(["SETNX", "GETSET", "APPEND"]), key, value).map(list),
    st.tuples(st.sampled_from(["INCRBY", "DECRBY"]), key, st.sampled_from(INTS)).map(list),
    st.lists(key, min_size=1, max_size=4).map(lambda ks: ["MGET"] + ks),
    st.lists(key, min_size=1, max_size=4).map(lambda ks: ["DEL"] + ks),
    st.lists(key, min_size=1, max_size=4).map(lambda ks: ["UNLINK"] + ks),
    st.lists(key, min_size=1, max_size=4).map(lambda ks: ["EXISTS"] + ks),
    st.lists(st.tuples(key, value), min_size=1, max_size=3).map(
        lambda kv: ["MSET"] + [x for p in kv for x in p]),
    st.lists(st.tuples(key, value), min_size=1, max_size=3).map(
        lambda kv: ["MSETNX"] + [x for p in kv for x in p]),
    st.sampled_from([["DBSIZE"], ["PING"], ["ECHO", "hi"], ["FLUSHDB"], ["KEYS", "*"], ["KEYS", "?"],
                     ["SELECT", "0"], ["SELECT", "1"], ["SELECT", "16"], ["SELECT", "x"],
                     ["GET"], ["SET", "a"], ["MSET", "a"], ["INCRBY", "a"], ["NOSUCH", "a"]]),
    set_command(), getex_command(), expire_command(),
)


@pytest.fixture(scope="session")
def reference(pytestconfig, target, logdir):
    """A redis-server 7.0 beside the target, for byte-for-byte comparison
    (for the redis target too: a second one, which keeps the test honest)."""
    srv = conftest.LocalServer(conftest.TARGETS["redis"], pytestconfig, logdir)
    srv.start()
    yield srv
    srv.stop()


def normalise(args, reply):
    if args[0] == "KEYS" and reply.startswith(b"*"):
        values, _ = resp.decode_replies(reply)
        return sorted(values[0])
    return reply


def send(client, args, inline):
    """Sends args as a multibulk, or as an inline command when asked and
    every argument is a plain word (empty ones are quoted)."""
    if inline and all(a.replace("-", "").replace(".", "").replace("*", "").replace("?", "").isalnum()
                      or a == "" for a in args):
        client.send(" ".join(a if a else '""' for a in args).encode() + b"\r\n")
    else:
        client.send_command(*args)
    return client.read_raw()


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(script=st.lists(simple, min_size=5, max_size=30), proto=st.sampled_from([2, 3]),
       inline=st.booleans())
def test_same_replies_as_redis_server(server, reference, script, proto, inline):
    with resp.RawClient(server.host, server.port) as mine, \
            resp.RawClient(reference.host, reference.port) as ref:
        for c in (mine, ref):
            assert c.call_raw("FLUSHALL") == b"+OK\r\n"
            # HELLO's reply carries each server's own id and name: not compared.
            assert isinstance(c.call("HELLO", str(proto)), (dict, list))
        for n, args in enumerate(script):
            want = normalise(args, send(ref, args, inline))
            got = normalise(args, send(mine, args, inline))
            assert got == want, "RESP%d, %s, after %r\n%r: redis-server said %r, target said %r" % (
                proto, "inline" if inline else "multibulk", script[:n], args, want, got)
