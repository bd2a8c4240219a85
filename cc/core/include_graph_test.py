#!/usr/bin/python3
"""include_graph_test.py - fails when the #include graph of cc/core has a
cycle, between files or between units.

A unit is a .c file with its headers: foo.c, foo.h and foo_internal.h are
unit "foo". Unit cycles are what made commands.c, core.c and session.c one
knot (each needed the others); file cycles are header loops. The script
first checks itself on a small tree with a known unit cycle, so a checker
that stopped seeing cycles fails too.

usage: include_graph_test.py [DIR]   (default: the directory of this file)
"""

import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"cc/core/([^"]+)"', re.M)


def unit_of(name):
    base = os.path.splitext(name)[0]
    return base[:-len("_internal")] if base.endswith("_internal") else base


def graphs(directory):
    files, units = {}, {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".c", ".h")):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            targets = INCLUDE.findall(f.read())
        files[name] = set(targets)
        u = units.setdefault(unit_of(name), set())
        u.update(unit_of(t) for t in targets if unit_of(t) != unit_of(name))
    return files, units


def find_cycle(graph):
    """A list of nodes forming a cycle, or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def check(directory):
    files, units = graphs(directory)
    problems = []
    for kind, g in (("file", files), ("unit", units)):
        cycle = find_cycle(g)
        if cycle:
            problems.append("%s cycle: %s" % (kind, " -> ".join(cycle)))
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as d:
        tree = {
            "a.c": '#include "cc/core/a.h"\n#include "cc/core/b.h"\n',
            "a.h": "",
            "b.c": '#include "cc/core/b_internal.h"\n',
            "b_internal.h": '#include "cc/core/a.h"\n',
            "b.h": "",
            "c.h": '#include "cc/core/c.h"\n',
        }
        for name, text in tree.items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        got = check(d)
        # a.c -> b.h (unit b) and b_internal.h -> a.h (unit a): a unit cycle;
        # c.h includes itself: a file cycle.
        want = ["file cycle: c.h -> c.h", "unit cycle: a -> b -> a"]
        if got != want:
            print("self-test failed: got %r, want %r" % (got, want))
            return False
    return True


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    if not self_test():
        return 1
    problems = check(directory)
    for p in problems:
        print(p)
    files, units = graphs(directory)
    if not files:
        print("no sources found in %s" % directory)
        return 1
    print("%d files, %d units, %s" % (len(files), len(units), "no cycle" if not problems else "CYCLES"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
