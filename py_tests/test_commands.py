"""Every command respd implements, byte for byte as redis-server 7.0 answers.

Each case is a script of (command, exact reply bytes) run on one fresh
connection after FLUSHALL; replies that vary (ids, clocks, TTLs) are checked
by the tests further down with ranges instead of bytes.
"""

import time

import pytest

import resp

WRONG_ARGS = b"-ERR wrong number of arguments for '%s' command\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"
OK = b"+OK\r\n"
NIL = b"$-1\r\n"


def bulk(s):
    if isinstance(s, str):
        s = s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def arr(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def i(n):
    return b":%d\r\n" % n


CASES = {
    "ping": [
        (["PING"], b"+PONG\r\n"),
        (["ping"], b"+PONG\r\n"),
        (["PING", "hello world"], bulk("hello world")),
        (["PING", ""], bulk("")),
        (["PING", "a", "b"], WRONG_ARGS % b"ping"),
    ],
    "echo": [
        (["ECHO", "x"], bulk("x")),
        (["ECHO", b"\x00\r\n\xff"], bulk(b"\x00\r\n\xff")),
        (["ECHO"], WRONG_ARGS % b"echo"),
        (["ECHO", "a", "b"], WRONG_ARGS % b"echo"),
    ],
    "unknown-command": [
        (["FOO", "a", "b"], b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"),
        (["foo"], b"-ERR unknown command 'foo', with args beginning with: \r\n"),
        # The preview stops at 128 bytes of arguments; the name is cut at 128.
        (["FOO", "a" * 200, "b"],
         b"-ERR unknown command 'FOO', with args beginning with: '" + b"a" * 128 + b"' \r\n"),
        (["FOO", "a" * 100, "b" * 100, "c"],
         b"-ERR unknown command 'FOO', with args beginning with: '" + b"a" * 100 + b"' '"
         + b"b" * 25 + b"' \r\n"),
        (["X" * 200], b"-ERR unknown command '" + b"X" * 128 + b"', with args beginning with: \r\n"),
        # An error line cannot carry CR or LF: they become spaces.
        (["FOO", "a\r\nb"], b"-ERR unknown command 'FOO', with args beginning with: 'a  b' \r\n"),
        (["GET"], WRONG_ARGS % b"get"),
        (["get", "a", "b"], WRONG_ARGS % b"get"),
    ],
    "select": [
        (["SET", "k", "db0"], OK),
        (["SELECT", "15"], OK),
        (["GET", "k"], NIL),
        (["SET", "k", "db15"], OK),
        (["SELECT", "0"], OK),
        (["GET", "k"], bulk("db0")),
        (["SELECT", "16"], b"-ERR DB index is out of range\r\n"),
        (["SELECT", "-1"], b"-ERR DB index is out of range\r\n"),
        (["SELECT", "x"], NOT_INT),
        (["SELECT"], WRONG_ARGS % b"select"),
    ],
    "get-set": [
        (["GET", "k"], NIL),
        (["SET", "k", "v"], OK),
        (["GET", "k"], bulk("v")),
        (["SET", "k", ""], OK),
        (["GET", "k"], bulk("")),
        (["SET", b"bin\x00key", b"\x00\xff\r\n"], OK),
        (["GET", b"bin\x00key"], bulk(b"\x00\xff\r\n")),
        (["SET", "k"], WRONG_ARGS % b"set"),
    ],
    "set-nx-xx-get": [
        (["SET", "k", "v", "XX"], NIL),
        (["SET", "k", "v", "NX"], OK),
        (["SET", "k", "w", "NX"], NIL),
        (["SET", "k", "w", "XX"], OK),
        (["GET", "k"], bulk("w")),
        (["SET", "k", "x", "GET"], bulk("w")),
        (["SET", "new", "x", "GET"], NIL),
        (["GET", "new"], bulk("x")),
        (["SET", "k", "y", "NX", "GET"], bulk("x")),
        (["GET", "k"], bulk("x")),
        (["SET", "k", "v", "NX", "XX"], SYNTAX),
        (["SET", "k", "v", "FOO"], SYNTAX),
        (["SET", "k", "v", "nx"], NIL),
    ],
    "set-expiry-options": [
        (["SET", "k", "v", "EX", "0"], b"-ERR invalid expire time in 'set' command\r\n"),
        (["SET", "k", "v", "PX", "-5"], b"-ERR invalid expire time in 'set' command\r\n"),
        (["SET", "k", "v", "EXAT", "0"], b"-ERR invalid expire time in 'set' command\r\n"),
        (["SET", "k", "v", "EX", "abc"], NOT_INT),
        (["SET", "k", "v", "EX", "10", "PX", "10"], SYNTAX),
        (["SET", "k", "v", "KEEPTTL", "EX", "10"], SYNTAX),
        (["SET", "k", "v", "EX"], SYNTAX),
        (["SET", "k", "v", "EX", "9223372036854775807"], b"-ERR invalid expire time in 'set' command\r\n"),
        (["SET", "k", "v", "PXAT", "1"], OK),
        (["GET", "k"], NIL),
        (["EXISTS", "k"], i(0)),
        (["SET", "k", "v", "EX", "100"], OK),
        (["SET", "k", "w", "KEEPTTL"], OK),
        (["PERSIST", "k"], i(1)),
        (["SET", "k", "v", "EX", "100"], OK),
        (["SET", "k", "w"], OK),
        (["TTL", "k"], i(-1)),
    ],
    "setnx-setex-psetex": [
        (["SETNX", "k", "v"], i(1)),
        (["SETNX", "k", "w"], i(0)),
        (["GET", "k"], bulk("v")),
        (["SETNX", "k"], WRONG_ARGS % b"setnx"),
        (["SETEX", "k", "100", "x"], OK),
        (["GET", "k"], bulk("x")),
        (["SETEX", "k", "0", "v"], b"-ERR invalid expire time in 'setex' command\r\n"),
        (["SETEX", "k", "-1", "v"], b"-ERR invalid expire time in 'setex' command\r\n"),
        (["SETEX", "k", "x", "v"], NOT_INT),
        (["SETEX", "k", "1"], WRONG_ARGS % b"setex"),
        (["PSETEX", "k", "100000", "y"], OK),
        (["GET", "k"], bulk("y")),
        (["PSETEX", "k", "0", "v"], b"-ERR invalid expire time in 'psetex' command\r\n"),
    ],
    "getset-getdel": [
        (["GETSET", "k", "a"], NIL),
        (["GETSET", "k", "b"], bulk("a")),
        (["GET", "k"], bulk("b")),
        (["GETDEL", "k"], bulk("b")),
        (["GETDEL", "k"], NIL),
        (["EXISTS", "k"], i(0)),
        (["GETSET", "k"], WRONG_ARGS % b"getset"),
        (["GETDEL"], WRONG_ARGS % b"getdel"),
    ],
    "getex": [
        (["GETEX", "k"], NIL),
        (["SET", "k", "v"], OK),
        (["GETEX", "k"], bulk("v")),
        (["TTL", "k"], i(-1)),
        (["GETEX", "k", "EX", "100"], bulk("v")),
        (["GETEX", "k", "PERSIST"], bulk("v")),
        (["TTL", "k"], i(-1)),
        (["GETEX", "k", "EX", "10", "PX", "10"], SYNTAX),
        (["GETEX", "k", "PERSIST", "EX", "1"], SYNTAX),
        (["GETEX", "k", "EX", "0"], b"-ERR invalid expire time in 'getex' command\r\n"),
        (["GETEX", "k", "EX", "x"], NOT_INT),
        (["GETEX", "k", "PXAT", "1"], bulk("v")),
        (["GET", "k"], NIL),
    ],
    "append-strlen": [
        (["APPEND", "k", "abc"], i(3)),
        (["APPEND", "k", "de"], i(5)),
        (["GET", "k"], bulk("abcde")),
        (["STRLEN", "k"], i(5)),
        (["STRLEN", "missing"], i(0)),
        (["APPEND", "k"], WRONG_ARGS % b"append"),
    ],
    "mget-mset-msetnx": [
        (["MSET", "a", "1", "b", "2"], OK),
        (["MGET", "a", "b", "c"], arr(bulk("1"), bulk("2"), NIL)),
        (["MSET", "a"], WRONG_ARGS % b"mset"),
        (["MSET", "a", "1", "b"], WRONG_ARGS % b"mset"),
        (["MSETNX", "a", "9", "c", "3"], i(0)),
        (["GET", "c"], NIL),
        (["MSETNX", "c", "3", "d", "4"], i(1)),
        (["MGET", "c", "d"], arr(bulk("3"), bulk("4"))),
        (["MSETNX", "x", "1", "y"], WRONG_ARGS % b"msetnx"),
        (["MGET"], WRONG_ARGS % b"mget"),
    ],
    "incr-decr": [
        (["INCR", "n"], i(1)),
        (["INCRBY", "n", "10"], i(11)),
        (["DECR", "n"], i(10)),
        (["DECRBY", "n", "20"], i(-10)),
        (["INCRBY", "n", "-5"], i(-15)),
        (["GET", "n"], bulk("-15")),
        (["SET", "s", "abc"], OK),
        (["INCR", "s"], NOT_INT),
        (["SET", "s", " 1"], OK),
        (["INCR", "s"], NOT_INT),
        (["SET", "s", "1.5"], OK),
        (["INCR", "s"], NOT_INT),
        (["INCRBY", "n", "x"], NOT_INT),
        (["SET", "big", "9223372036854775807"], OK),
        (["INCR", "big"], b"-ERR increment or decrement would overflow\r\n"),
        (["GET", "big"], bulk("9223372036854775807")),
        (["SET", "small", "-9223372036854775808"], OK),
        (["DECR", "small"], b"-ERR increment or decrement would overflow\r\n"),
        (["DECRBY", "n", "-9223372036854775808"], b"-ERR decrement would overflow\r\n"),
        (["INCRBY", "n", "9223372036854775808"], NOT_INT),
        (["INCR"], WRONG_ARGS % b"incr"),
    ],
    "del-unlink-exists": [
        (["MSET", "a", "1", "b", "2", "c", "3"], OK),
        (["EXISTS", "a", "a", "zz"], i(2)),
        (["DEL", "a", "zz"], i(1)),
        (["UNLINK", "b", "c", "c"], i(2)),
        (["EXISTS", "a", "b", "c"], i(0)),
        (["DEL"], WRONG_ARGS % b"del"),
        (["EXISTS"], WRONG_ARGS % b"exists"),
    ],
    "type": [
        (["SET", "k", "v"], OK),
        (["TYPE", "k"], b"+string\r\n"),
        (["TYPE", "missing"], b"+none\r\n"),
    ],
    "dbsize-flush-randomkey": [
        (["DBSIZE"], i(0)),
        (["RANDOMKEY"], NIL),
        (["SET", "only", "1"], OK),
        (["RANDOMKEY"], bulk("only")),
        (["SELECT", "1"], OK),
        (["SET", "x", "1"], OK),
        (["DBSIZE"], i(1)),
        (["FLUSHDB"], OK),
        (["DBSIZE"], i(0)),
        (["SELECT", "0"], OK),
        (["DBSIZE"], i(1)),
        (["FLUSHALL"], OK),
        (["DBSIZE"], i(0)),
        (["FLUSHALL", "SYNC"], OK),
        (["FLUSHDB", "ASYNC"], OK),
        (["FLUSHALL", "FOO"], SYNTAX),
        (["DBSIZE", "x"], WRONG_ARGS % b"dbsize"),
    ],
    "expire-ttl-persist": [
        (["EXPIRE", "k", "100"], i(0)),
        (["TTL", "k"], i(-2)),
        (["PTTL", "k"], i(-2)),
        (["SET", "k", "v"], OK),
        (["TTL", "k"], i(-1)),
        (["PTTL", "k"], i(-1)),
        (["PERSIST", "k"], i(0)),
        (["EXPIRE", "k", "100"], i(1)),
        (["PERSIST", "k"], i(1)),
        (["TTL", "k"], i(-1)),
        (["EXPIRE", "k", "x"], NOT_INT),
        (["EXPIRE", "k", "9223372036854775807"], b"-ERR invalid expire time in 'expire' command\r\n"),
        (["PEXPIRE", "k", "9223372036854775807"], b"-ERR invalid expire time in 'pexpire' command\r\n"),
        (["EXPIREAT", "k", "9223372036854775807"], b"-ERR invalid expire time in 'expireat' command\r\n"),
        (["EXPIRE", "k", "100", "FOO"], b"-ERR Unsupported option FOO\r\n"),
        (["EXPIRE", "k"], WRONG_ARGS % b"expire"),
        (["EXPIRE", "k", "-1"], i(1)),
        (["EXISTS", "k"], i(0)),
        (["SET", "k", "v"], OK),
        (["PEXPIRE", "k", "0"], i(1)),
        (["GET", "k"], NIL),
        (["SET", "k", "v"], OK),
        (["EXPIREAT", "k", "1"], i(1)),
        (["EXISTS", "k"], i(0)),
        (["SET", "k", "v"], OK),
        (["PEXPIREAT", "k", "1000"], i(1)),
        (["EXISTS", "k"], i(0)),
    ],
    "expire-nx-xx-gt-lt": [
        (["SET", "k", "v"], OK),
        (["EXPIRE", "k", "100", "XX"], i(0)),
        (["EXPIRE", "k", "100", "GT"], i(0)),
        (["EXPIRE", "k", "100", "LT"], i(1)),
        (["EXPIRE", "k", "200", "NX"], i(0)),
        (["EXPIRE", "k", "200", "XX"], i(1)),
        (["EXPIRE", "k", "100", "GT"], i(0)),
        (["EXPIRE", "k", "300", "GT"], i(1)),
        (["EXPIRE", "k", "400", "LT"], i(0)),
        (["PEXPIRE", "k", "50000", "LT"], i(1)),
        # Strictly less than the remaining ~50 s however slow the server is.
        (["PEXPIRE", "k", "40000", "xx", "gt"], i(0)),
        (["PERSIST", "k"], i(1)),
        (["EXPIRE", "k", "100", "NX"], i(1)),
        (["EXPIRE", "k", "100", "NX", "XX"],
         b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
        (["EXPIRE", "k", "100", "NX", "GT"],
         b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
        (["EXPIRE", "k", "100", "GT", "LT"],
         b"-ERR GT and LT options at the same time are not compatible\r\n"),
        (["EXPIRE", "missing", "100", "NX"], i(0)),
    ],
    "scan-errors": [
        (["SCAN", "x"], b"-ERR invalid cursor\r\n"),
        (["SCAN", "0", "COUNT", "0"], SYNTAX),
        (["SCAN", "0", "COUNT", "x"], NOT_INT),
        (["SCAN", "0", "FOO"], SYNTAX),
        (["SCAN", "0", "MATCH"], SYNTAX),
        (["SCAN", "0"], arr(bulk("0"), arr())),
        (["SCAN"], WRONG_ARGS % b"scan"),
    ],
    "keys-empty": [
        (["KEYS", "*"], arr()),
        (["KEYS"], WRONG_ARGS % b"keys"),
    ],
    "config-get": [
        (["CONFIG", "GET", "nonexistent-parameter"], arr()),
        (["CONFIG", "GET", "maxclients"], arr(bulk("maxclients"), bulk("10000"))),
        (["CONFIG", "GET", "timeout"], arr(bulk("timeout"), bulk("0"))),
        (["CONFIG", "GET", "requirepass"], arr(bulk("requirepass"), bulk(""))),
        # What redis-benchmark asks before it starts.
        (["CONFIG", "GET", "save"], arr(bulk("save"), bulk(""))),
        (["CONFIG", "GET", "appendonly"], arr(bulk("appendonly"), bulk("no"))),
        (["CONFIG", "GET"], WRONG_ARGS % b"config|get"),
    ],
    "client-names": [
        (["CLIENT", "GETNAME"], NIL),
        (["CLIENT", "SETNAME", "worker-1"], OK),
        (["CLIENT", "GETNAME"], bulk("worker-1")),
        (["CLIENT", "SETNAME", "a b"],
         b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"),
        (["CLIENT", "SETNAME", "a\nb"],
         b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"),
        (["CLIENT", "GETNAME"], bulk("worker-1")),
        (["CLIENT", "SETNAME", ""], OK),
        (["CLIENT", "GETNAME"], NIL),
        (["CLIENT", "FOO"], b"-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"),
        (["CLIENT", "SETNAME"], WRONG_ARGS % b"client|setname"),
    ],
    "hello-auth-errors": [
        (["HELLO", "4"], b"-NOPROTO unsupported protocol version\r\n"),
        (["HELLO", "1"], b"-NOPROTO unsupported protocol version\r\n"),
        (["HELLO", "x"], b"-ERR Protocol version is not an integer or out of range\r\n"),
        (["AUTH", "x"], b"-ERR AUTH <password> called without any password configured "
                        b"for the default user. Are you sure your configuration is correct?\r\n"),
        # Without a password the default user accepts any password.
        (["AUTH", "default", "x"], OK),
        (["AUTH", "nobody", "x"], b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
        (["AUTH"], WRONG_ARGS % b"auth"),
    ],
    # Only the refusals: a SHUTDOWN that works ends the server (test_server.py).
    "shutdown-refusals": [
        (["SHUTDOWN", "later"], SYNTAX),
        (["SHUTDOWN", "NOSAVE", "SAVE"], SYNTAX),
        (["SHUTDOWN", "ABORT", "NOW"], SYNTAX),
        (["shutdown", "abort"], b"-ERR No shutdown in progress.\r\n"),
        (["PING"], b"+PONG\r\n"),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_script(raw, name):
    c = raw()
    for args, expected in CASES[name]:
        got = c.call_raw(*args)
        assert got == expected, "%r" % (args,)


def test_binary_safe_keys_and_values(raw):
    c = raw()
    every_byte = bytes(range(256))
    assert c.call_raw("SET", every_byte, every_byte * 3) == OK
    assert c.call_raw("GET", every_byte) == bulk(every_byte * 3)
    assert c.call("KEYS", "*") == [every_byte]


def test_ttl_and_pttl_ranges(raw):
    c = raw()
    assert c.call_raw("SET", "k", "v", "EX", "100") == OK
    assert 99 <= c.call("TTL", "k") <= 100
    assert 98000 <= c.call("PTTL", "k") <= 100000
    assert c.call_raw("SET", "p", "v", "PX", "5000") == OK
    assert 4000 <= c.call("PTTL", "p") <= 5000
    assert 4 <= c.call("TTL", "p") <= 5
    at = int(time.time()) + 1000
    assert c.call_raw("SET", "a", "v", "EXAT", str(at)) == OK
    assert 990 <= c.call("TTL", "a") <= 1000
    assert c.call("EXPIREAT", "a", str(at + 1000)) == 1
    assert 1990 <= c.call("TTL", "a") <= 2000
    assert c.call("PEXPIREAT", "a", str((at + 500) * 1000)) == 1
    assert 1490 <= c.call("TTL", "a") <= 1500
    assert c.call_raw("SET", "b", "v", "PXAT", str((at + 10) * 1000)) == OK
    assert 1000 <= c.call("TTL", "b") <= 1010
    assert c.call("SETEX", "c", "50", "v") == b"OK"
    assert 49 <= c.call("TTL", "c") <= 50
    assert c.call("PSETEX", "d", "7000", "v") == b"OK"
    assert 6000 <= c.call("PTTL", "d") <= 7000
    assert c.call("GETEX", "d", "EX", "30") == b"v"
    assert 29 <= c.call("TTL", "d") <= 30
    assert c.call("GETEX", "d", "PX", "20000") == b"v"
    assert 19000 <= c.call("PTTL", "d") <= 20000
    assert c.call("GETEX", "d", "EXAT", str(at)) == b"v"
    assert 990 <= c.call("TTL", "d") <= 1000


def test_keys_expire_for_real(raw):
    c = raw()
    assert c.call_raw("SET", "k", "v", "PX", "100") == OK
    assert c.call_raw("PSETEX", "j", "100", "v") == OK
    assert c.call("GET", "k") == b"v"
    deadline = time.monotonic() + 5
    while c.call("EXISTS", "k", "j") != 0:
        assert time.monotonic() < deadline, "keys with a 100 ms TTL still exist after 5 s"
        time.sleep(0.02)
    assert c.call_raw("GET", "k") == NIL
    assert c.call("TTL", "k") == -2


def test_active_expiry_removes_keys_nobody_reads(raw):
    c = raw()
    c.send(b"".join(resp.encode("SET", "e%d" % n, "v", "PX", "50") for n in range(200)))
    assert c.read_replies(200) == [b"OK"] * 200
    assert c.call("SET", "keeper", "v") == b"OK"
    deadline = time.monotonic() + 10
    # DBSIZE counts keys without touching them: only active expiry shrinks it.
    while c.call("DBSIZE") != 1:
        assert time.monotonic() < deadline, "active expiry left %d keys after 10 s" % c.call("DBSIZE")
        time.sleep(0.05)


def test_keys_patterns(raw):
    c = raw()
    names = ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "a*b", "a?b", "x[y", "ab\\c"]
    for n in names:
        c.call("SET", n, "1")
    def keys(p):
        return sorted(k.decode() for k in c.call("KEYS", p))
    assert keys("*") == sorted(names)
    assert keys("h?llo") == ["hallo", "hbllo", "hello", "hxllo"]
    assert keys("h*llo") == ["hallo", "hbllo", "heeeello", "hello", "hllo", "hxllo"]
    assert keys("h[ae]llo") == ["hallo", "hello"]
    assert keys("h[^e]llo") == ["hallo", "hbllo", "hxllo"]
    assert keys("h[a-b]llo") == ["hallo", "hbllo"]
    assert keys("a\\*b") == ["a*b"]
    assert keys("nothing*") == []
    assert keys("hello") == ["hello"]


def test_keys_pathological_pattern_is_fast(raw):
    c = raw()
    c.call("SET", "a" * 60, "1")
    t0 = time.monotonic()
    assert c.call("KEYS", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b") == []
    assert time.monotonic() - t0 < 2.0, "glob matching is exponential"


def test_scan_visits_every_key(raw):
    c = raw()
    n = 1000
    for lo in range(0, n, 250):
        c.send(resp.encode("MSET", *[x for k in range(lo, lo + 250) for x in ("key:%d" % k, "v")]))
        assert c.read_reply() == b"OK"
    seen = set()
    cursor = b"0"
    for _ in range(10000):
        cursor, batch = c.call("SCAN", cursor, "COUNT", "100")
        seen.update(batch)
        if cursor == b"0":
            break
    else:
        pytest.fail("SCAN never returned cursor 0")
    assert seen == {b"key:%d" % k for k in range(n)}


def test_scan_match(raw):
    c = raw()
    for k in range(100):
        c.call("SET", "user:%d" % k, "x")
        c.call("SET", "item:%d" % k, "x")
    seen = set()
    cursor = b"0"
    for _ in range(10000):
        cursor, batch = c.call("SCAN", cursor, "MATCH", "user:*", "COUNT", "20")
        seen.update(batch)
        if cursor == b"0":
            break
    assert seen == {b"user:%d" % k for k in range(100)}


def test_randomkey_returns_existing_keys(raw):
    c = raw()
    for k in "abc":
        c.call("SET", k, "1")
    got = {c.call("RANDOMKEY") for _ in range(50)}
    assert got <= {b"a", b"b", b"c"} and got


def test_time(raw):
    c = raw()
    v = c.call("TIME")
    assert isinstance(v, list) and len(v) == 2
    secs, usecs = int(v[0]), int(v[1])
    assert abs(secs - time.time()) < 5
    assert 0 <= usecs < 1000000
    assert c.call_raw("TIME", "x") == WRONG_ARGS % b"time"


def test_command_count_info_docs(raw):
    c = raw()
    n = c.call("COMMAND", "COUNT")
    assert isinstance(n, int) and n >= 45
    info = c.call("COMMAND", "INFO", "get", "set", "nosuchcommand")
    assert len(info) == 3
    assert info[0][0] == b"get" and info[0][1] == 2
    assert info[1][0] == b"set" and info[1][1] == -3
    assert info[2] is None
    docs = c.call("COMMAND", "DOCS", "get")
    assert isinstance(docs, list) and docs[0] == b"get"
    every = c.call("COMMAND")
    names = {entry[0] for entry in every}
    for name in [b"get", b"set", b"incr", b"mset", b"ping", b"scan", b"client", b"config", b"hello"]:
        assert name in names


def test_client_id_list_info(raw):
    a = raw()
    ida = a.call("CLIENT", "ID")
    assert isinstance(ida, int) and ida > 0
    assert a.call("CLIENT", "SETNAME", "alpha") == b"OK"
    info = a.call("CLIENT", "INFO").decode()
    assert info.endswith("\n")
    fields = dict(f.split("=", 1) for f in info.split())
    assert fields["id"] == str(ida)
    assert fields["name"] == "alpha"
    assert fields["db"] == "0"
    assert "addr" in fields and fields["addr"].startswith("127.0.0.1:")
    listing = a.call("CLIENT", "LIST").decode()
    lines = [ln for ln in listing.split("\n") if ln]
    mine = [ln for ln in lines if ln.startswith("id=%d " % ida)]
    assert len(mine) == 1 and " name=alpha " in mine[0]


@pytest.mark.concurrent
def test_client_ids_are_unique_and_list_shows_everyone(raw):
    a, b = raw(), raw()
    ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
    assert ida != idb
    listing = a.call("CLIENT", "LIST").decode()
    ids = {int(ln.split()[0][3:]) for ln in listing.split("\n") if ln}
    assert {ida, idb} <= ids


def test_info_sections(raw):
    c = raw()
    c.call("SET", "a", "1")
    c.call("SET", "b", "1", "EX", "100")
    text = c.call("INFO").decode()
    for section in ["# Server", "# Clients", "# Memory", "# Stats", "# CPU", "# Keyspace"]:
        assert section in text
    fields = dict(ln.split(":", 1) for ln in text.split("\r\n") if ":" in ln and not ln.startswith("#"))
    for f in ["redis_version", "process_id", "tcp_port", "uptime_in_seconds", "connected_clients",
              "used_memory", "total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "keyspace_hits", "keyspace_misses",
              # what `redis-cli --stat` and INFO parsers read
              "blocked_clients", "used_memory_human", "maxclients", "used_cpu_sys", "used_cpu_user",
              "expired_keys", "rejected_connections", "redis_mode", "os", "arch_bits"]:
        assert f in fields, f
    assert int(fields["connected_clients"]) >= 1
    assert fields["db0"].startswith("keys=2,expires=1,")
    ks = c.call("INFO", "keyspace").decode()
    assert "# Keyspace" in ks and "# Server" not in ks
    cs = c.call("INFO", "commandstats").decode()
    assert "cmdstat_set:calls=" in cs


def test_info_stats_count_commands_and_connections(raw):
    c = raw()

    def stat(name):
        text = c.call("INFO", "stats").decode()
        return int(text.split(name + ":")[1].split("\r\n")[0])

    before = stat("total_commands_processed")
    for _ in range(10):
        c.call("PING")
    assert stat("total_commands_processed") - before >= 10
    conns = stat("total_connections_received")
    c.close()
    c = raw()
    assert stat("total_connections_received") == conns + 1


def test_config_get_port(raw, server):
    assert raw().call("CONFIG", "GET", "port") == [b"port", b"%d" % server.port]


@pytest.mark.respd_only("engine-field")
def test_info_names_the_engine(raw, target):
    text = raw().call("INFO", "server").decode()
    engine = target.respd_args[1]
    assert ("engine:%s\r\n" % engine) in text


def test_hello_2_and_3(raw):
    c = raw()
    v2 = c.call("HELLO", "2")
    assert isinstance(v2, list) and len(v2) == 14
    d2 = dict(zip(v2[0::2], v2[1::2]))
    assert d2[b"proto"] == 2 and d2[b"server"] and d2[b"version"]
    assert set(d2) == {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}
    c.send_command("HELLO", "3")
    v3, raw3 = c.read_reply_raw()
    assert raw3.startswith(b"%7\r\n")
    assert isinstance(v3, dict) and v3[b"proto"] == 3 and v3[b"id"] == d2[b"id"]
    assert v3[b"mode"] == b"standalone" and v3[b"role"] == b"master" and v3[b"modules"] == []
    # RESP3 encodings: null, and back to RESP2.
    assert c.call_raw("GET", "missing") == b"_\r\n"
    assert c.call_raw("MGET", "missing") == b"*1\r\n_\r\n"
    assert c.call_raw("SET", "k", "v") == OK
    assert c.call_raw("GET", "k") == bulk("v")
    assert c.call("HELLO", "2")[5] == 2
    assert c.call_raw("GET", "missing") == NIL


def test_hello_setname(raw):
    c = raw()
    v = c.call("HELLO", "3", "SETNAME", "conn-a")
    assert v[b"proto"] == 3
    assert c.call("CLIENT", "GETNAME") == b"conn-a"
    assert c.call_raw("HELLO", "3", "SETNAME", "bad name") == \
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"


def test_hello_without_version_keeps_protocol(raw):
    c = raw()
    v = c.call("HELLO")
    assert dict(zip(v[0::2], v[1::2]))[b"proto"] == 2


def test_quit_replies_ok_and_closes(raw):
    c = raw()
    assert c.call_raw("QUIT") == OK
    assert c.wait_closed(5)
