#!/usr/bin/env bash
# targets.bzl and every file that repeats it agree, and the check notices
# when one of them drifts (a doctored copy must fail it).
set -euo pipefail
root="${TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}"
[ -n "${TEST_SRCDIR:-}" ] && root="$root/${TEST_WORKSPACE:-respd}"
cd "$root"
/usr/bin/python3 scripts/targets.py check

tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/targets.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for f in targets.bzl scripts/targets.py docker/compose.yaml docker/README.md README.md \
         .github/workflows/conformance.yml bench/respbench/servers.py; do
  mkdir -p "$tmp/$(dirname "$f")"
  cp -L "$f" "$tmp/$f"
done
expect_drift() {
  local what=$1
  if /usr/bin/python3 "$tmp/scripts/targets.py" check >"$tmp/out" 2>&1; then
    echo "FAIL: check passed although $what"; exit 1
  fi
  grep -q "targets: " "$tmp/out" || { echo "FAIL: no reason given for $what"; cat "$tmp/out"; exit 1; }
  echo "ok: check fails when $what: $(head -n 1 "$tmp/out")"
}
sed -i 's/"--port", "7383"/"--port", "7399"/' "$tmp/docker/compose.yaml"
expect_drift "compose runs epoll on another port"
cp -L docker/compose.yaml "$tmp/docker/compose.yaml"
sed -i '/^          - uring-t2$/d' "$tmp/.github/workflows/conformance.yml"
expect_drift "the workflow matrix lacks a target"
