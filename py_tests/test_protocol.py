"""RESP framing over real sockets: pipelining, split frames, inline requests,
large values, protocol errors (answered, then closed) and QUIT."""

import os
import socket

import pytest

import resp

OK = b"+OK\r\n"
PONG = b"+PONG\r\n"


def perr(text):
    return b"-ERR Protocol error: " + text + b"\r\n"


def test_ten_thousand_pipelined_commands_in_one_write(raw):
    c = raw(timeout=30)
    n = 10000
    c.send(resp.encode("INCR", "counter") * n)
    expected = b"".join(b":%d\r\n" % k for k in range(1, n + 1))
    assert c.read_exact(len(expected), timeout=30) == expected
    assert c.call("GET", "counter") == b"%d" % n


def test_mixed_pipeline_keeps_order(raw):
    c = raw(timeout=30)
    req, expected = [], []
    for k in range(3000):
        req.append(resp.encode("SET", "k%d" % (k % 50), "v%d" % k))
        expected.append(OK)
        req.append(resp.encode("GET", "k%d" % (k % 50)))
        expected.append(b"$%d\r\nv%d\r\n" % (len(b"v%d" % k), k))
        req.append(b"PING\r\n")
        expected.append(PONG)
    c.send(b"".join(req))
    want = b"".join(expected)
    assert c.read_exact(len(want), timeout=30) == want


def test_frames_written_one_byte_at_a_time(raw):
    c = raw()
    data = (resp.encode("SET", "key", "a value\r\nwith CRLF") + resp.encode("GET", "key")
            + b"PING\r\n" + b"ECHO \"x y\"\r\n" + resp.encode("DEL", "key"))
    c.send_bytewise(data)
    assert c.read_exact(len(OK)) == OK
    assert c.read_raw() == b"$18\r\na value\r\nwith CRLF\r\n"
    assert c.read_raw() == PONG
    assert c.read_raw() == b"$3\r\nx y\r\n"
    assert c.read_raw() == b":1\r\n"


def test_frame_split_at_every_position(raw):
    c = raw()
    frame = resp.encode("SET", "split", "0123456789")
    for cut in range(1, len(frame)):
        c.send(frame[:cut])
        c.send(frame[cut:])
        assert c.read_raw() == OK
    assert c.call("GET", "split") == b"0123456789"


def test_eight_megabyte_value_round_trip(raw):
    c = raw(timeout=30)
    value = os.urandom(1024) * (8 * 1024)
    assert len(value) == 8 * 1024 * 1024
    c.send_command("SET", "big", value)
    assert c.read_raw() == OK
    c.send_command("GET", "big")
    assert c.read_reply(timeout=30) == value
    assert c.call("STRLEN", "big") == len(value)
    c.send_command("APPEND", "big", "tail")
    assert c.read_reply() == len(value) + 4


def test_inline_commands(raw):
    c = raw()
    c.send(b"SET k \"hello world\"\r\nGET k\r\n")
    assert c.read_raw() == OK
    assert c.read_raw() == b"$11\r\nhello world\r\n"
    c.send(b"SET e \"a\\x41\\n\\t\"\r\nGET e\r\n")
    assert c.read_raw() == OK
    assert c.read_raw() == b"$4\r\naA\n\t\r\n"
    c.send(b"  PING   \r\n")
    assert c.read_raw() == PONG
    c.send(b"PING\n")
    assert c.read_raw() == PONG
    c.send(b"SET s 'single \"quoted\"'\r\nGET s\r\n")
    assert c.read_raw() == OK
    assert c.read_raw() == b"$15\r\nsingle \"quoted\"\r\n"


def test_empty_lines_and_empty_multibulk_are_ignored(raw):
    c = raw()
    c.send(b"\r\n\r\n*0\r\n*-1\r\n\n   \r\nPING\r\n")
    assert c.read_raw() == PONG
    c.send(b"PING\r\n")
    assert c.read_exact(len(PONG)) == PONG


PROTOCOL_ERRORS = {
    "invalid-mbulk-length": (b"*abc\r\n", perr(b"invalid multibulk length")),
    "mbulk-over-int-max": (b"*2147483648\r\n", perr(b"invalid multibulk length")),
    "expected-dollar": (b"*1\r\n+foo\r\n", perr(b"expected '$', got '+'")),
    "invalid-bulk-length": (b"*1\r\n$abc\r\n", perr(b"invalid bulk length")),
    "negative-bulk-length": (b"*1\r\n$-1\r\n", perr(b"invalid bulk length")),
    "bulk-over-512mb": (b"*1\r\n$536870913\r\n", perr(b"invalid bulk length")),
    "unbalanced-quotes": (b"SET k \"abc\r\n", perr(b"unbalanced quotes in request")),
    "quote-then-no-space": (b"SET q 'it''s'\r\n", perr(b"unbalanced quotes in request")),
}

# Lines longer than 64 KiB with no newline in sight: the server must give up
# without waiting for the rest (so nothing follows them here).
UNTERMINATED_ERRORS = {
    "too-big-inline": (b"x" * (64 * 1024 + 10), perr(b"too big inline request")),
    "too-big-mbulk-count": (b"*" + b"1" * (64 * 1024 + 10), perr(b"too big mbulk count string")),
    "too-big-bulk-count": (b"*1\r\n$" + b"1" * (64 * 1024 + 10), perr(b"too big bulk count string")),
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_ERRORS))
def test_protocol_error_is_answered_then_closed(raw, name):
    data, reply = PROTOCOL_ERRORS[name]
    c = raw()
    # A valid command first: it must be answered; nothing after the error is.
    c.send(b"PING\r\n" + data + b"\r\nPING\r\n")
    rest = c.read_until_close(timeout=10)
    assert rest == PONG + reply


@pytest.mark.parametrize("name", sorted(UNTERMINATED_ERRORS))
def test_overlong_line_is_answered_then_closed(raw, name):
    data, reply = UNTERMINATED_ERRORS[name]
    c = raw()
    c.send(b"PING\r\n" + data)
    assert c.read_until_close(timeout=10) == PONG + reply


def test_protocol_error_then_server_still_serves(raw):
    with raw() as bad:
        bad.send(b"*1\r\n$x\r\n")
        assert bad.read_until_close() == perr(b"invalid bulk length")
    assert raw().call_raw("PING") == PONG


def test_large_output_is_flushed_before_a_protocol_error_closes(raw):
    c = raw(timeout=30)
    value = b"p" * 10000
    assert c.call_raw("SET", "v", value) == OK
    c.send(resp.encode("GET", "v") * 1000 + b"*1\r\n$x\r\n" + b"PING\r\n")
    want = b"$10000\r\n" + value + b"\r\n"
    assert c.read_until_close(timeout=30) == want * 1000 + perr(b"invalid bulk length")


def test_large_output_is_flushed_before_quit_closes(raw):
    c = raw(timeout=30)
    value = b"q" * 100000
    assert c.call_raw("SET", "v", value) == OK
    c.send(resp.encode("GET", "v") * 100 + b"QUIT\r\nPING\r\n")
    want = b"$100000\r\n" + value + b"\r\n"
    assert c.read_until_close(timeout=30) == want * 100 + OK


def test_quit_with_commands_pipelined_after_it(raw):
    c = raw()
    c.send(b"PING\r\n" + resp.encode("SET", "a", "1") + b"QUIT\r\n" + resp.encode("SET", "b", "2") + b"PING\r\n")
    assert c.read_until_close(timeout=10) == PONG + OK + OK
    check = raw()
    assert check.call("EXISTS", "a") == 1
    assert check.call("EXISTS", "b") == 0


def test_client_half_close_still_gets_replies(raw):
    # Replies race the EOF inside the server: repeat so a server that closes
    # on EOF before flushing is caught reliably.
    for attempt in range(50):
        c = raw()
        c.send(b"PING\r\n" + resp.encode("ECHO", "bye"))
        c.sock.shutdown(socket.SHUT_WR)
        got = c.read_until_close(timeout=10)
        assert got == PONG + b"$3\r\nbye\r\n", "attempt %d" % attempt
        c.close()


def test_large_multibulk_argument_count(raw):
    c = raw(timeout=30)
    keys = ["k%d" % n for n in range(20000)]
    c.send(resp.encode("MSET", *[x for k in keys for x in (k, "v")]))
    assert c.read_raw(timeout=30) == OK
    c.send(resp.encode("EXISTS", *keys))
    assert c.read_reply(timeout=30) == len(keys)
    c.send(resp.encode("MGET", *keys))
    assert c.read_reply(timeout=30) == [b"v"] * len(keys)
