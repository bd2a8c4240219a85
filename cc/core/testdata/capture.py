#!/usr/bin/python3
"""Re-captures the golden replies in this directory from a redis-server
7.0.15 on PORT (default 6379), byte for byte: each request is sent on one
connection in order, as commands_test.cc sends them.

  redis-server --port 6390 --save '' & cc/core/testdata/capture.py 6390
"""
import socket
import sys

REQUESTS = [
    (None, ["command", "info", "set", "getex", "del", "mget", "mset", "ttl", "keys",
            "ping", "echo", "quit", "hello", "auth", "info"], "command_info_resp2.resp"),
    (None, ["command", "info", "client|list", "config|get"], "command_info_subcommands_resp2.resp"),
    (["hello", "3"], ["command", "info", "set", "getex", "msetnx", "time"], "command_info_resp3.resp"),
]


def encode(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def reply(sock, req):
    sock.sendall(encode(req))
    sock.settimeout(0.5)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    here = sys.argv[2] if len(sys.argv) > 2 else __file__.rsplit("/", 1)[0]
    s = socket.create_connection(("127.0.0.1", port))
    for before, req, name in REQUESTS:
        if before:
            reply(s, before)
        with open("%s/%s" % (here, name), "wb") as f:
            f.write(reply(s, req))


if __name__ == "__main__":
    main()
