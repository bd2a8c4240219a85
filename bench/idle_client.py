#!/usr/bin/python3
"""Idle-connection load for the benchmark: opens N connections, makes one
PING round trip on each, then holds them all open and silent.

Runs as its own process so the server under test and this client each stay
under the 20000 open-files limit. It owns no measurement: bench/run reads the
server's RSS while this process holds the connections.

Protocol with the parent (one JSON object per stdout line):
  {"progress": {...}}   every ~0.25 s while connecting
  {"result": {...}}     once every connection replied, failed, or the deadline passed
then it waits until stdin is closed (or a line arrives), closes every socket
and exits 0. Exit 2 on bad arguments.
"""

import argparse
import errno
import json
import resource
import selectors
import socket
import sys
import time

PING = b"*1\r\n$4\r\nPING\r\n"
PONG = b"+PONG\r\n"


def raise_nofile(needed):
    """Lift the soft RLIMIT_NOFILE towards the hard limit; returns the soft
    limit now in force (the caller checks it covers `needed`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, needed + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return soft


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Conn:
    __slots__ = ("sock", "state", "buf")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connecting"
        self.buf = b""


def open_idle(host, port, count, window, deadline):
    """Drives `count` connections through connect -> PING -> +PONG with at
    most `window` handshakes in flight (a burst larger than the server's
    listen backlog would only measure SYN retransmits). Returns (held
    sockets, stats dict)."""
    sel = selectors.DefaultSelector()
    held = []
    stats = {"requested": count, "connected": 0, "replied": 0, "failed": 0,
             "first_error": None}
    started = 0
    in_flight = 0
    last_progress = 0.0

    def fail(conn, why):
        nonlocal in_flight
        stats["failed"] += 1
        if stats["first_error"] is None:
            stats["first_error"] = why
        try:
            sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        in_flight -= 1

    while stats["replied"] + stats["failed"] < count:
        now = time.monotonic()
        if now >= deadline:
            break
        while started < count and in_flight < window:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((host, port))
            started += 1
            in_flight += 1
            c = Conn(s)
            sel.register(s, selectors.EVENT_WRITE, c)
            if rc not in (0, errno.EINPROGRESS):
                fail(c, "connect: " + errno.errorcode.get(rc, str(rc)))
        for key, _ in sel.select(timeout=min(0.1, max(0.0, deadline - now))):
            c = key.data
            if c.state == "connecting":
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(c, "connect: " + errno.errorcode.get(err, str(err)))
                    continue
                stats["connected"] += 1
                try:
                    c.sock.send(PING)
                except OSError as e:
                    fail(c, "send: " + (e.strerror or str(e)))
                    continue
                c.state = "waiting"
                sel.modify(c.sock, selectors.EVENT_READ, c)
            else:
                try:
                    data = c.sock.recv(64)
                except BlockingIOError:
                    continue
                except OSError as e:
                    fail(c, "recv: " + (e.strerror or str(e)))
                    continue
                if not data:
                    fail(c, "server closed the connection")
                    continue
                c.buf += data
                if len(c.buf) < len(PONG):
                    continue
                if c.buf != PONG:
                    fail(c, "unexpected reply %r" % c.buf[:40])
                    continue
                sel.unregister(c.sock)
                held.append(c.sock)
                stats["replied"] += 1
                in_flight -= 1
        if now - last_progress >= 0.25:
            last_progress = now
            emit({"progress": {"started": started, "replied": stats["replied"],
                               "failed": stats["failed"]}})
    stats["unanswered"] = count - stats["replied"] - stats["failed"]
    return held, stats, sel


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--window", type=int, default=256,
                    help="connection handshakes in flight at once")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds to get every connection through its PING")
    args = ap.parse_args()
    if args.count < 1 or args.window < 1:
        ap.error("--count and --window must be positive")
    soft = raise_nofile(args.count)
    if soft < args.count + 16:
        emit({"result": {"requested": args.count, "connected": 0, "replied": 0,
                         "failed": args.count, "unanswered": 0,
                         "first_error": "RLIMIT_NOFILE %d is too low for %d connections"
                                        % (soft, args.count), "seconds": 0.0}})
        return 0
    t0 = time.monotonic()
    held, stats, sel = open_idle(args.host, args.port, args.count, args.window,
                                 t0 + args.timeout)
    stats["seconds"] = round(time.monotonic() - t0, 3)
    emit({"result": stats})
    # Hold every connection, silent, until the parent has read the server's RSS.
    sys.stdin.readline()
    for s in held:
        s.close()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
