#!/usr/bin/env bash
# The container stage of CI, the same steps on this machine (.ci/run) and on
# GitHub Actions (.github/workflows/conformance.yml, one target per job):
# checks the kernel, makes sure a Docker daemon and the Debian base image
# exist, builds the respd image, proves docker/seccomp.json refuses what respd
# does not need, brings the compose services up under it, runs the py_tests
# suite against each container, checks each exits 0 on SIGTERM, and tears
# everything down, also when a step fails. It does not run the host-side
# `bazel test` (.ci/run does); on hosts that are not Debian 12 (GitHub's
# Ubuntu runners) --in-image runs `bazel test` for each target and the suite
# itself inside the Dockerfile's Debian `deps` stage, on the host's kernel.
#
# Usage: docker/ci-stage.sh [--targets "T1 T2 ..."] [--junit-dir DIR]
#                           [--in-image] [--jobs N] [--keep-up]
#   targets: compose services = py_tests targets (default: all nine)
#   --jobs N: run the suite against N containers at a time (default 2: the
#   suites mostly wait on sockets; 2 cut the stage from ~6 to ~4 minutes
#   here with no test affected; --jobs 1 for a quiet, sequential run)
#   env: RESPD_COMPOSE overrides the compose command (default: `docker
#   compose` if present, else `docker-compose`); RESPD_KEEP_LOGS=DIR
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
T0=$(date +%s)

# shellcheck source=docker/lib.sh
. "$ROOT/docker/lib.sh"
# target = compose service name, and the port its command line uses.
declare -n PORT=RESPD_PORTS
ALL_TARGETS=$RESPD_TARGET_NAMES

TARGETS=$ALL_TARGETS
JUNIT_DIR=""
IN_IMAGE=0
KEEP_UP=0
JOBS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --targets) TARGETS=$2; shift 2 ;;
    --targets=*) TARGETS=${1#*=}; shift ;;
    --junit-dir) JUNIT_DIR=$2; shift 2 ;;
    --junit-dir=*) JUNIT_DIR=${1#*=}; shift ;;
    --in-image) IN_IMAGE=1; shift ;;
    --keep-up) KEEP_UP=1; shift ;;
    --jobs) JOBS=$2; shift 2 ;;
    --jobs=*) JOBS=${1#*=}; shift ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "ci-stage: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "ci-stage: --jobs wants a positive number, got '$JOBS'" >&2; exit 2; }
for t in $TARGETS; do
  [ -n "${PORT[$t]:-}" ] || { echo "ci-stage: unknown target '$t'; known: $ALL_TARGETS" >&2; exit 2; }
  grep -q "\"--port\", \"${PORT[$t]}\"" docker/compose.yaml ||
    { echo "ci-stage: docker/compose.yaml has no service on port ${PORT[$t]} for '$t'" >&2; exit 2; }
done

LOG=${RESPD_KEEP_LOGS:-$(mktemp -d /tmp/respd-containers.XXXXXX)}
mkdir -p "$LOG"
if [ -n "$JUNIT_DIR" ]; then
  mkdir -p "$JUNIT_DIR" && JUNIT_DIR=$(cd "$JUNIT_DIR" && pwd)
fi
PROJECT=respd-ci
IMAGE=respd:local
PROBE_IMAGE=respd-seccomp-probe:local
DEPS_IMAGE=respd-deps:local
RESPD_STARTED_DOCKERD=""
FAILED=0
CHECKS=()   # "name|status|message" rows for the stage's own JUnit report

elapsed() { echo $(( $(date +%s) - T0 )); }
say() { echo "[$(elapsed)s] $*"; }

# step NAME CMD...: runs CMD with output in $LOG/NAME.log; one line on
# success, the log's tail on failure. Returns CMD's status.
step() {
  local name=$1; shift
  local t rc=0
  t=$(date +%s)
  "$@" >"$LOG/$name.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    say "$name: ok ($(( $(date +%s) - t ))s)"
    return 0
  fi
  say "$name: FAILED (exit $rc, $(( $(date +%s) - t ))s); last lines of $LOG/$name.log:"
  tail -n 40 "$LOG/$name.log" | sed 's/^/  | /'
  return $rc
}

# check NAME CMD...: a step that is also one test case in the JUnit report.
check() {
  local name=$1
  if step "$@"; then
    CHECKS+=("$name|passed|")
  else
    CHECKS+=("$name|failed|see $LOG/$name.log")
    FAILED=1
    return 1
  fi
}

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }

write_checks_junit() {
  [ -n "$JUNIT_DIR" ] || return 0
  local f=$JUNIT_DIR/container-checks.xml n=${#CHECKS[@]} fails=0 row
  for row in "${CHECKS[@]}"; do [[ $row == *"|failed|"* ]] && fails=$((fails + 1)); done
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo "<testsuite name=\"container-checks\" tests=\"$n\" failures=\"$fails\">"
    for row in "${CHECKS[@]}"; do
      IFS='|' read -r name status msg <<<"$row"
      name=$(printf '%s' "$name" | xml_escape)
      if [ "$status" = passed ]; then
        echo "  <testcase classname=\"docker.ci-stage\" name=\"$name\"/>"
      else
        msg=$(printf '%s' "$msg" | xml_escape)
        echo "  <testcase classname=\"docker.ci-stage\" name=\"$name\"><failure message=\"$msg\"/></testcase>"
      fi
    done
    echo "</testsuite>"
  } >"$f"
}

# ---------------------------------------------------------------- docker --

RESPD_DOCKER_LOG=$LOG

compose() {
  (cd "$ROOT" && RESPD_IMAGE=$IMAGE $COMPOSE -p "$PROJECT" -f docker/compose.yaml "$@")
}

build_images() {
  build_respd_image "$IMAGE" &&
  docker build --network host -f docker/Dockerfile --target seccomp-probe -t "$PROBE_IMAGE" . &&
  { [ "$IN_IMAGE" = 0 ] || docker build --network host -f docker/Dockerfile --target deps -t "$DEPS_IMAGE" .; } &&
  docker run --rm --network none --security-opt "seccomp=$ROOT/docker/seccomp.json" "$IMAGE" --version
}

# Tight enough: under respd's profile the probe (static like respd, same
# startup calls) gets what respd needs and EPERM for calls respd never makes;
# under Docker's default profile those same calls succeed, so the refusal is
# the profile's doing.
seccomp_tight() {
  docker run --rm --network none --cap-drop ALL --security-opt no-new-privileges \
    --security-opt "seccomp=$ROOT/docker/seccomp.json" "$PROBE_IMAGE" confined &&
  docker run --rm --network none --cap-drop ALL --security-opt no-new-privileges \
    "$PROBE_IMAGE" open
}

ports_free() {
  local t busy=""
  for t in $TARGETS; do
    if (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$t]}") 2>/dev/null; then busy="$busy ${PORT[$t]}($t)"; fi
  done
  [ -z "$busy" ] || { echo "ports already in use on 127.0.0.1:$busy; stop whatever listens there"; return 1; }
}

# ping PORT: one PING over RESP; true if +PONG comes back.
ping() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf '*1\r\n$4\r\nPING\r\n' >&3
    IFS= read -r -t 3 line <&3 || exit 1
    [ "${line%$'\r'}" = "+PONG" ]
  )
}

wait_ready() {
  local t=$1 port=${PORT[$1]} _
  for _ in $(seq 1 150); do
    if ping "$port" 2>/dev/null; then
      echo "$t answers PING on 127.0.0.1:$port"
      return 0
    fi
    if [ "$(docker inspect -f '{{.State.Running}}' "${CID[$t]:-none}" 2>/dev/null)" != true ]; then
      echo "$t exited before answering on $port:"
      compose logs --no-color "$t"
      return 1
    fi
    sleep 0.2
  done
  echo "$t did not answer PING on 127.0.0.1:$port within 30s:"
  compose logs --no-color "$t"
  return 1
}

run_suite() {
  local t=$1 junit=() where=()
  if [ "$IN_IMAGE" = 1 ]; then
    # Debian's python3, pytest and redis-py, as on the CI machine; the
    # client side of the 10k-connection test needs the open-file room.
    where=(docker run --rm --network host --ulimit nofile=16384:16384
           -e PYTHONDONTWRITEBYTECODE=1 -v "$ROOT:/src:ro" -w /src)
    if [ -n "$JUNIT_DIR" ]; then
      where+=(-v "$JUNIT_DIR:/junit")
      junit=(--junitxml="/junit/container-$t.xml" -o junit_suite_name="container-$t")
    fi
    where+=("$DEPS_IMAGE")
  elif [ -n "$JUNIT_DIR" ]; then
    junit=(--junitxml="$JUNIT_DIR/container-$t.xml" -o junit_suite_name="container-$t")
  fi
  (cd "$ROOT" && "${where[@]}" /usr/bin/python3 -m pytest py_tests -q -rs -p no:cacheprovider \
      --target="$t" --external="127.0.0.1:${PORT[$t]}" "${junit[@]}")
}

bazel_in_image() {
  local t=$1
  # Debian 12 inside the container, the host's kernel underneath: that kernel
  # is what the matrix tests. unconfined: the runner's Docker may refuse
  # io_uring by default, and this is a build container, not respd's.
  docker run --rm --network host --security-opt seccomp=unconfined \
    --ulimit nofile=16384:16384 -v "$ROOT:/src:ro" -w /src "$DEPS_IMAGE" \
    bazel --output_user_root=/tmp/bazel test --symlink_prefix=/ \
      --test_output=errors "//py_tests:conformance_${t//-/_}"
}

# Each service gets SIGTERM from `stop`; respd must flush and exit 0.
stopped_cleanly() {
  local t=$1 code
  [ -n "${CID[$t]:-}" ] || { echo "no container for $t"; return 1; }
  code=$(docker inspect -f '{{.State.ExitCode}}' "${CID[$t]}") || return 1
  echo "$t exited with $code after SIGTERM"
  [ "$code" = 0 ]
}

UP=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$UP" = 1 ] && [ "$KEEP_UP" = 0 ]; then
    compose logs --no-color >"$LOG/compose-logs.log" 2>&1
    step compose-stop compose stop -t 10
    local t
    for t in $TARGETS; do
      check "sigterm-exit-0-$t" stopped_cleanly "$t"
    done
    step compose-down compose down --remove-orphans -t 10 || FAILED=1
    local left
    left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
    if [ -n "$left" ]; then
      say "containers left behind after down: $left"
      FAILED=1
    fi
  fi
  if [ -n "$RESPD_STARTED_DOCKERD" ]; then
    kill "$RESPD_STARTED_DOCKERD" 2>/dev/null && wait "$RESPD_STARTED_DOCKERD" 2>/dev/null
    say "stopped the dockerd this stage started"
  fi
  write_checks_junit
  [ "$FAILED" = 0 ] || rc=1
  say "container stage $([ "$rc" = 0 ] && echo passed || echo FAILED) in $(elapsed)s; logs in $LOG"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- stages --

say "container stage for: $TARGETS"
check kernel-check docker/kernel-check $TARGETS || exit 1
step dockerd ensure_dockerd || exit 1
COMPOSE=$(compose_command)
say "compose: $($COMPOSE version 2>/dev/null | head -n 1)"
step base-image ensure_base_image || exit 1
check image-build build_images || exit 1
say "image: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1/1e6}')"
check seccomp-tight seccomp_tight

if [ "$IN_IMAGE" = 1 ]; then
  for t in $TARGETS; do
    check "bazel-test-$t" bazel_in_image "$t"
  done
fi

step ports-free ports_free || exit 1
UP=1
services=$TARGETS
# shellcheck disable=SC2086
check compose-up compose up -d --no-build $services || exit 1
# Container ids by service, from the labels both compose versions set.
declare -A CID=()
while read -r svc id; do CID[$svc]=$id; done < <(docker ps -a \
  --filter "label=com.docker.compose.project=$PROJECT" \
  --format '{{.Label "com.docker.compose.service"}} {{.ID}}')
for t in $TARGETS; do
  check "ready-$t" wait_ready "$t" || exit 1
done

# suite_one T: the suite against T's container; its log, status and
# duration go to files so parallel runs report the same way.
suite_one() {
  local t=$1 ts rc=0
  ts=$(date +%s)
  run_suite "$t" >"$LOG/suite-$t.log" 2>&1 || rc=$?
  echo "$rc $(( $(date +%s) - ts ))" >"$LOG/suite-$t.status"
}

report_suite() {
  local t=$1 rc secs
  read -r rc secs <"$LOG/suite-$t.status" || { rc=1; secs=0; }
  if [ "$rc" = 0 ]; then
    say "suite vs container $t (:${PORT[$t]}): $(tail -n 1 "$LOG/suite-$t.log") (${secs}s)"
  else
    FAILED=1
    say "suite vs container $t (:${PORT[$t]}) FAILED (${secs}s); last lines of $LOG/suite-$t.log:"
    tail -n 40 "$LOG/suite-$t.log" | sed 's/^/  | /'
    [ -n "$JUNIT_DIR" ] && [ ! -s "$JUNIT_DIR/container-$t.xml" ] && CHECKS+=("suite-$t|failed|pytest wrote no report")
  fi
}

if [ "$JOBS" = 1 ]; then
  for t in $TARGETS; do
    suite_one "$t"
    report_suite "$t"
  done
else
  # In a subshell: its `jobs` and `wait` see only the suites. When this
  # stage started dockerd itself (a fresh machine), the daemon is a
  # background job of this shell, and a `wait` here would never return.
  (
    for t in $TARGETS; do
      while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
      suite_one "$t" &
    done
    wait
  )
  for t in $TARGETS; do report_suite "$t"; done
fi

if [ "$KEEP_UP" = 1 ]; then
  say "--keep-up: services left running; stop them with: $COMPOSE -p $PROJECT -f docker/compose.yaml down"
fi
exit "$FAILED"
