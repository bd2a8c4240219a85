"""A small raw-socket RESP client for byte-exact tests.

Owns: encoding requests, sending exact bytes, reading and parsing RESP2 and
RESP3 replies (keeping the exact bytes of each), and detecting a close. It
does not hide anything a server does: no retries, no reconnects, no command
helpers beyond `call`. Every read has a deadline so a silent server fails a
test instead of hanging it.
"""

import errno
import select
import socket
import time

DEFAULT_TIMEOUT = 10.0


class Simple(bytes):
    """A RESP simple string (+OK)."""


class Error(bytes):
    """A RESP error reply (-ERR ...); compared by its full text."""


class Verbatim(bytes):
    """A RESP3 verbatim string; the 3-byte format is in .fmt."""

    fmt = b""


class Push(list):
    """A RESP3 push message (>)."""


class RespSet(list):
    """A RESP3 set (~), kept as a list so members may be unhashable."""


class ProtocolViolation(Exception):
    """The server sent bytes that are not a RESP reply."""


class Closed(Exception):
    """The server closed the connection before a complete reply arrived."""


def encode(*args):
    """Encodes one command as a RESP multibulk; str args are UTF-8."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class NeedMore(Exception):
    pass


def parse(buf, pos=0):
    """Parses one reply from buf at pos. Returns (value, end) or raises
    NeedMore when buf holds only part of a reply."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        raise NeedMore()
    kind = buf[pos:pos + 1]
    line = bytes(buf[pos + 1:nl])
    after = nl + 2
    if kind == b"+":
        return Simple(line), after
    if kind == b"-":
        return Error(line), after
    if kind == b":":
        return int(line), after
    if kind == b"(":
        return int(line), after
    if kind == b",":
        return float(line), after
    if kind == b"_":
        if line:
            raise ProtocolViolation("null with payload %r" % line)
        return None, after
    if kind == b"#":
        if line not in (b"t", b"f"):
            raise ProtocolViolation("bad boolean %r" % line)
        return line == b"t", after
    if kind in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return None, after
        if len(buf) < after + n + 2:
            raise NeedMore()
        data = bytes(buf[after:after + n])
        if buf[after + n:after + n + 2] != b"\r\n":
            raise ProtocolViolation("bulk not terminated by CRLF")
        end = after + n + 2
        if kind == b"=":
            v = Verbatim(data[4:])
            v.fmt = data[:3]
            return v, end
        if kind == b"!":
            return Error(data), end
        return data, end
    if kind in (b"*", b"~", b">", b"%", b"|"):
        n = int(line)
        if n < 0:
            return None, after
        count = n * 2 if kind in (b"%", b"|") else n
        items = []
        p = after
        for _ in range(count):
            v, p = parse(buf, p)
            items.append(v)
        if kind == b"%":
            return dict(zip(items[0::2], items[1::2])), p
        if kind == b"|":
            # An attribute precedes the real reply; return the reply.
            return parse(buf, p)
        if kind == b"~":
            return RespSet(items), p
        if kind == b">":
            return Push(items), p
        return items, p
    raise ProtocolViolation("unknown reply type %r in %r" % (kind, bytes(buf[pos:pos + 40])))


class RawClient:
    """One TCP connection speaking raw RESP. Not thread-safe."""

    def __init__(self, host, port, timeout=DEFAULT_TIMEOUT, connect=True):
        self.host, self.port, self.timeout = host, port, timeout
        self.buf = bytearray()
        self.sock = None
        if connect:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- lifecycle -------------------------------------------------------
    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sending ---------------------------------------------------------
    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode(*args))

    def send_bytewise(self, data):
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])

    # -- receiving -------------------------------------------------------
    def _fill(self, deadline):
        """Reads more bytes into buf; raises Closed on EOF/reset and
        TimeoutError at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no reply within %.1fs; buffered %r" % (self.timeout, bytes(self.buf[:200])))
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutError("no reply within %.1fs; buffered %r" % (self.timeout, bytes(self.buf[:200])))
        except ConnectionResetError:
            raise Closed("connection reset; buffered %r" % bytes(self.buf[:200]))
        if not chunk:
            raise Closed("connection closed; buffered %r" % bytes(self.buf[:200]))
        self.buf += chunk

    def read_reply_raw(self, timeout=None):
        """Returns (value, exact bytes) of the next reply."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                value, end = parse(self.buf, 0)
            except NeedMore:
                self._fill(deadline)
                continue
            raw = bytes(self.buf[:end])
            del self.buf[:end]
            return value, raw

    def read_reply(self, timeout=None):
        return self.read_reply_raw(timeout)[0]

    def read_raw(self, timeout=None):
        return self.read_reply_raw(timeout)[1]

    def read_exact(self, n, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_replies(self, n, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        out = []
        while len(out) < n:
            out.append(self.read_reply(max(0.001, deadline - time.monotonic())))
        return out

    def call(self, *args):
        """Sends one command and returns its parsed reply."""
        self.send_command(*args)
        return self.read_reply()

    def call_raw(self, *args):
        """Sends one command and returns the exact bytes of its reply."""
        self.send_command(*args)
        return self.read_raw()

    def read_until_close(self, timeout=None):
        """Reads everything until the server closes; returns the bytes.
        Raises TimeoutError if the connection stays open past the deadline."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                self._fill(deadline)
            except Closed:
                out = bytes(self.buf)
                self.buf.clear()
                return out

    def wait_closed(self, timeout=None):
        """True if the server closes the connection (after any pending
        bytes) within timeout, False if it is still open then."""
        try:
            self.read_until_close(timeout)
            return True
        except TimeoutError:
            return False

    def is_open_now(self):
        """Non-blocking check: False if EOF/reset is already visible."""
        r, _, _ = select.select([self.sock], [], [], 0)
        if not r:
            return True
        try:
            chunk = self.sock.recv(1 << 16, socket.MSG_PEEK)
        except (ConnectionResetError, BrokenPipeError):
            return False
        except OSError as e:
            if e.errno == errno.EAGAIN:
                return True
            raise
        return bool(chunk)


def decode_replies(data):
    """Parses every complete reply in data; returns (values, leftover bytes)."""
    out = []
    pos = 0
    while pos < len(data):
        try:
            v, pos2 = parse(data, pos)
        except NeedMore:
            break
        out.append(v)
        pos = pos2
    return out, bytes(data[pos:])
