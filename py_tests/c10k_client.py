"""Holds N concurrent connections to a server, in its own process.

Run by test_hostile.py in a separate process so the test process stays far
below the machine's 20000-fd limit. Protocol with the parent on stdio:
opens N connections (at most BATCH connecting at once, so the listen backlog
never overflows into SYN retries), each doing a PING round trip; prints
"READY N"; waits for one line on stdin; then every connection sends
"ECHO <i>" at once and must read back its own number; prints "DONE N" and
closes everything. Any failure prints "ERROR why" and exits 1.
"""

import resource
import selectors
import socket
import sys
import time

BATCH = 256
DEADLINE = 90.0


def fail(why):
    print("ERROR " + why, flush=True)
    sys.exit(1)


def echo_frame(i):
    s = b"%d" % i
    return b"*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n" % (len(s), s)


def round_trip(sel, conns, requests, expected, deadline):
    """Sends requests[i] on conns[i] and waits for expected[i] on each."""
    pending = {}
    for i, s in enumerate(conns):
        pending[s.fileno()] = [i, requests[i], bytearray()]
        sel.modify(s, selectors.EVENT_WRITE)
    while pending:
        if time.monotonic() > deadline:
            fail("%d connections still waiting for a reply" % len(pending))
        for key, ev in sel.select(timeout=1.0):
            s = key.fileobj
            st = pending.get(s.fileno())
            if st is None:
                continue
            i, out, inbuf = st
            if ev & selectors.EVENT_WRITE and out:
                try:
                    n = s.send(out)
                except BlockingIOError:
                    continue
                except OSError as e:
                    fail("send on connection %d: %s" % (i, e))
                st[1] = out = out[n:]
                if not out:
                    sel.modify(s, selectors.EVENT_READ)
                continue
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as e:
                    fail("recv on connection %d: %s" % (i, e))
                if not chunk:
                    fail("connection %d closed by the server; got %r" % (i, bytes(inbuf)))
                inbuf += chunk
                want = expected[i]
                if len(inbuf) >= len(want):
                    if bytes(inbuf) != want:
                        fail("connection %d: expected %r, got %r" % (i, want, bytes(inbuf)))
                    del pending[s.fileno()]


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
    deadline = time.monotonic() + DEADLINE
    sel = selectors.DefaultSelector()
    conns = []
    # Phase 1: connect in batches, each connection doing one PING round trip.
    while len(conns) < n:
        batch = []
        for _ in range(min(BATCH, n - len(conns))):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((host, port))
            except BlockingIOError:
                pass
            except OSError as e:
                fail("connect #%d: %s" % (len(conns) + len(batch), e))
            sel.register(s, selectors.EVENT_WRITE)
            batch.append(s)
        round_trip(sel, batch, [b"PING\r\n"] * len(batch), [b"+PONG\r\n"] * len(batch), deadline)
        for s in batch:
            sel.modify(s, selectors.EVENT_READ)
        conns += batch
    print("READY %d" % len(conns), flush=True)
    sys.stdin.readline()
    # Phase 2: all connections open, every one does a round trip at once.
    round_trip(sel, conns, [echo_frame(i) for i in range(n)],
               [b"$%d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n)], time.monotonic() + DEADLINE)
    print("DONE %d" % n, flush=True)
    for s in conns:
        sel.unregister(s)
        s.close()


if __name__ == "__main__":
    main()
