#!/usr/bin/env bash
# Runs bench/test_respbench.py and bench/test_count.py with Debian's pytest: under `bazel test
# //bench:respbench_test` (floor from runfiles, JUnit report where Bazel
# wants it) or by hand from the repository root.
set -u
if [ -n "${TEST_SRCDIR:-}" ]; then
  root="$TEST_SRCDIR/${TEST_WORKSPACE:-respd}"
  export FLOOR_BIN="${FLOOR_BIN:-$root/cc/bench/floor}"
else
  root=$(cd "$(dirname "$0")/.." && pwd)
fi
cd "$root" || exit 1
args=(-q -rs -p no:cacheprovider bench/test_respbench.py bench/test_count.py)
if [ -n "${TEST_TMPDIR:-}" ]; then
  args+=("--basetemp=$TEST_TMPDIR/pytest")
fi
if [ -n "${XML_OUTPUT_FILE:-}" ]; then
  args+=("--junitxml=$XML_OUTPUT_FILE" -o junit_suite_name=respbench)
fi
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 -m pytest "${args[@]}" "$@"
