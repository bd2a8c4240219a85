#!/usr/bin/env bash
# Runs cc/bench/openloop_test.py with Debian's pytest, the generator and the
# floor taken from Bazel's runfiles (or from the environment by hand).
set -u
root="${TEST_SRCDIR:-}/${TEST_WORKSPACE:-respd}"
export OPENLOOP_BIN="${OPENLOOP_BIN:-$root/cc/bench/openloop}"
export FLOOR_BIN="${FLOOR_BIN:-$root/cc/bench/floor}"
cd "$(dirname "$0")" || exit 1
args=(-q -rs -p no:cacheprovider openloop_test.py)
[ -n "${TEST_TMPDIR:-}" ] && args+=("--basetemp=$TEST_TMPDIR/pytest")
[ -n "${XML_OUTPUT_FILE:-}" ] && args+=("--junitxml=$XML_OUTPUT_FILE" -o junit_suite_name=openloop)
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 -m pytest "${args[@]}" "$@"
