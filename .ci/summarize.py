#!/usr/bin/python3
"""Counts every test case CI ran from the JUnit XML files it collected.

Usage: summarize.py DIR [DIR...] [--extra-failed N] [--extra-passed N]
Prints one line per suite that failed and ends with the plain summary line
`N passed, M failed` that CI reads, after a line
counting the skipped cases.
"""
import argparse
import os
import sys
import xml.etree.ElementTree as ET


def cases(path):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        # An unreadable report is a failure of whatever wrote it.
        yield path, "failed", f"unreadable report: {e}"
        return
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            yield path, "failed", name
        elif case.find("skipped") is not None:
            yield path, "skipped", name
        else:
            yield path, "passed", name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--extra-passed", type=int, default=0)
    ap.add_argument("--extra-failed", type=int, default=0)
    args = ap.parse_args()
    counts = {"passed": args.extra_passed, "failed": args.extra_failed, "skipped": 0}
    for d in args.dirs:
        for dirpath, _, files in os.walk(d):
            for f in files:
                if not f.endswith(".xml"):
                    continue
                for path, status, name in cases(os.path.join(dirpath, f)):
                    counts[status] += 1
                    if status == "failed":
                        print(f"FAILED {name} ({os.path.relpath(path, d)})")
    # Skips are not passes: say how many there were, then the one plain line
    # CI reads last.
    print(f"{counts['skipped']} skipped, each with its reason in the reports")
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
