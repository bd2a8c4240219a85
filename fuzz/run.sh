#!/usr/bin/env bash
# fuzz/run.sh - builds the libFuzzer targets with clang straight from the
# sources into a temporary directory and runs each for a bounded time.
# Exits non-zero if any target finds a crash, leak, UB or hang; the input
# that triggered it is kept and its path printed.
#
# usage: fuzz/run.sh [--seconds N] [--runs N] [--target parser|session] [--keep DIR]
#   --seconds N  run each target for N seconds (default 60 if no --runs)
#   --runs N     stop each target after N executions (with --seconds, both apply)
#   --target T   only this target (repeatable; default: all)
#   --keep DIR   build and grow the corpora in DIR instead of a temp dir
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=""
runs=""
targets=()
keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --seconds=*) seconds=${1#*=}; shift ;;
        --runs) runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --target) targets+=("$2"); shift 2 ;;
        --target=*) targets+=("${1#*=}"); shift ;;
        --keep) keep=$2; shift 2 ;;
        --keep=*) keep=${1#*=}; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$seconds$runs" ] || seconds=60
[ ${#targets[@]} -gt 0 ] || targets=(parser session)

cc=${CC_FUZZ:-clang}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (apt-get install clang)" >&2; exit 1; }

if [ -n "$keep" ]; then
    work=$keep
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/respd-fuzz.XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi

# shellcheck disable=SC2054  # the commas belong to -fsanitize=, not to the array
flags=(-std=c11 -g -O1 -fno-omit-frame-pointer -I"$root"
       -fsanitize=address,undefined -fno-sanitize-recover=all
       -Wall -Wextra -Werror)

# The code under test gets libFuzzer's coverage instrumentation; the harness
# only the sanitizers, so its own checks neither steer the fuzzer nor slow
# every execution down.
build() {
    local t=$1 srcs=()
    case "$t" in
        parser) srcs=("$root/cc/core/resp_parser.c") ;;
        # The whole core: every .c in cc/core (the core has no main).
        session) srcs=("$root"/cc/core/*.c) ;;
        *) echo "run.sh: unknown target: $t" >&2; exit 2 ;;
    esac
    "$cc" "${flags[@]}" -c -o "$work/${t}_harness.o" "$root/fuzz/${t}_fuzz.c"
    "$cc" "${flags[@]}" -fsanitize=fuzzer -o "$work/${t}_fuzz" \
        "$work/${t}_harness.o" "${srcs[@]}" -lpthread
}

status=0
for t in "${targets[@]}"; do
    echo "== building $t"
    build "$t"
    mkdir -p "$work/corpus-$t" "$work/artifacts-$t"
    # The parser target inflates inputs itself to reach the 64 KiB limits.
    max_len=8192
    if [ "$t" = parser ]; then max_len=4096; fi
    args=(-dict="$root/fuzz/resp.dict" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix="$work/artifacts-$t/")
    if [ -n "$seconds" ]; then args+=(-max_total_time="$seconds"); fi
    if [ -n "$runs" ]; then args+=(-runs="$runs"); fi
    echo "== running $t: ${args[*]}"
    # New inputs go to the work corpus; the committed seeds are read only.
    if ! nice "$work/${t}_fuzz" "${args[@]}" "$work/corpus-$t" "$root/fuzz/corpus/$t"; then
        status=1
        trap - EXIT
        echo "run.sh: $t found a problem; reproducer(s) in $work/artifacts-$t/:" >&2
        ls -l "$work/artifacts-$t/" >&2 || true
    fi
done
exit $status
