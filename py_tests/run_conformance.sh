#!/usr/bin/env bash
# Runs the conformance suite against one target: under `bazel test` (respd
# from runfiles, JUnit report where Bazel wants it) or by hand from the
# repository root (`py_tests/run_conformance.sh epoll`, RESPD_BIN set).
# Extra arguments go to pytest (e.g. -k, --external=HOST:PORT).
set -u
if [ $# -lt 1 ]; then
  echo "usage: $0 TARGET [pytest args...]" >&2
  exit 2
fi
target=$1
shift

if [ -n "${TEST_SRCDIR:-}" ]; then
  root="$TEST_SRCDIR/${TEST_WORKSPACE:-respd}"
  if [ -z "${RESPD_BIN:-}" ] && [ -x "$root/cc/servers/respd" ]; then
    export RESPD_BIN="$root/cc/servers/respd"
  fi
else
  root=$(cd "$(dirname "$0")/.." && pwd)
fi
cd "$root" || exit 1

args=(-q -rs -p no:cacheprovider py_tests "--target=$target")
if [ -n "${TEST_TMPDIR:-}" ]; then
  tmp=$TEST_TMPDIR
else
  tmp=$(mktemp -d /tmp/respd-pytest.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
fi
args+=("--basetemp=$tmp/pytest")
if [ -n "${XML_OUTPUT_FILE:-}" ]; then
  args+=("--junitxml=$XML_OUTPUT_FILE" -o "junit_suite_name=conformance_$target")
fi
export PYTHONDONTWRITEBYTECODE=1
export HYPOTHESIS_STORAGE_DIRECTORY="$tmp/hypothesis"

/usr/bin/python3 -m pytest "${args[@]}" "$@"
rc=$?
if [ $rc -eq 5 ]; then
  # pytest's "no tests collected" must not pass as an empty success.
  echo "conformance_$target: no tests were collected; failing" >&2
  exit 1
fi
exit $rc
