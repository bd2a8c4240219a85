#!/usr/bin/python3
"""The server targets of targets.bzl, for everything that is not Bazel.

Owns reading targets.bzl (a Starlark literal that is also a Python literal)
and checking the files that must repeat it: docker/compose.yaml, the
workflow matrix, the port tables in README.md and docker/README.md, and
bench/respbench/servers.py. It does not start or test anything.

As a module: `targets()` returns the list of dicts with every key filled in.
As a command:
  scripts/targets.py names            one name per line
  scripts/targets.py ports            "NAME PORT" per line
  scripts/targets.py flags NAME       the target's respd flags, one per line
  scripts/targets.py get NAME KEY     one field (true/false for flags)
  scripts/targets.py check            exit 1 with one line per drift
"""

import ast
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULTS = {"serial": False, "uring": False, "multishot": False, "loops": 1,
            "lean_idle": False, "tsan": False}


def targets(root=ROOT):
    """Every target of targets.bzl, in its order, with defaults filled in."""
    with open(os.path.join(root, "targets.bzl")) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "RESPD_TARGETS":
            out = []
            for t in ast.literal_eval(node.value):
                full = dict(DEFAULTS)
                full.update(t)
                out.append(full)
            return out
    raise ValueError("targets.bzl defines no RESPD_TARGETS")


def by_name(root=ROOT):
    return {t["name"]: t for t in targets(root)}


def _read(root, path):
    with open(os.path.join(root, path)) as f:
        return f.read()


def check(root=ROOT):
    """Lines naming each place that disagrees with targets.bzl; empty when
    every copy agrees."""
    ts = targets(root)
    problems = []

    compose = _read(root, "docker/compose.yaml")
    services = dict(re.findall(r"^  ([a-z0-9-]+):\n    <<: \*respd\n    command: (\[.*\])$",
                               compose, re.M))
    for t in ts:
        want = t["flags"] + ["--port", str(t["port"]), "--bind", "${RESPD_BIND:-127.0.0.1}"]
        got = services.pop(t["name"], None)
        if got is None:
            problems.append("docker/compose.yaml: no service %s" % t["name"])
        elif ast.literal_eval(got) != want:
            problems.append("docker/compose.yaml: service %s runs %s, targets.bzl says %s"
                            % (t["name"], got, want))
    for extra in services:
        problems.append("docker/compose.yaml: service %s is not in targets.bzl" % extra)

    wf = _read(root, ".github/workflows/conformance.yml")
    m = re.search(r"^        target:\n((?:          - .*\n)+)", wf, re.M)
    matrix = re.findall(r"- (\S+)", m.group(1)) if m else []
    if sorted(matrix) != sorted(t["name"] for t in ts):
        problems.append(".github/workflows/conformance.yml: matrix targets %s, targets.bzl has %s"
                        % (matrix, [t["name"] for t in ts]))

    readme = dict((int(p), f) for p, f in
                  re.findall(r"^\| (7\d\d\d) \| `([^`]+)`", _read(root, "README.md"), re.M))
    docker = dict((n, (f, int(p))) for n, f, p in
                  re.findall(r"^\| `([a-z0-9-]+)` +\| `([^`]+)`[^|]*\| (7\d\d\d) \|",
                             _read(root, "docker/README.md"), re.M))
    for t in ts:
        flags = " ".join(t["flags"])
        shown = readme.pop(t["port"], None)
        if shown is None or "--engine " + shown != flags:
            problems.append("README.md: port table row %d should show `%s`, has %r"
                            % (t["port"], flags[len("--engine "):], shown))
        row = docker.pop(t["name"], None)
        if row != (flags, t["port"]):
            problems.append("docker/README.md: service table row %s should be `%s` on %d, has %r"
                            % (t["name"], flags, t["port"], row))
    for p in readme:
        problems.append("README.md: port table row %d is not in targets.bzl" % p)
    for n in docker:
        problems.append("docker/README.md: service table row %s is not in targets.bzl" % n)

    bench = _read(root, "bench/respbench/servers.py")
    for t in ts:
        spec = re.search(r'"%s": ServerSpec\("%s", "respd",\s*(\([^)]*\))' % (t["name"], t["name"]), bench)
        if spec is None or list(ast.literal_eval(spec.group(1))) != t["flags"]:
            problems.append("bench/respbench/servers.py: %s should run %s" % (t["name"], t["flags"]))
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "names":
        for t in targets():
            print(t["name"])
    elif cmd == "ports":
        for t in targets():
            print(t["name"], t["port"])
    elif cmd == "flags" and len(argv) == 3:
        for f in by_name()[argv[2]]["flags"]:
            print(f)
    elif cmd == "get" and len(argv) == 4:
        v = by_name()[argv[2]][argv[3]]
        print(str(v).lower() if isinstance(v, bool) else v)
    elif cmd == "check":
        problems = check()
        for p in problems:
            print("targets: " + p)
        if problems:
            print("targets: targets.bzl is the one list; make the files above agree with it",
                  file=sys.stderr)
            return 1
        print("targets: %d targets, every copy agrees" % len(targets()))
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
