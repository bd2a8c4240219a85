# shellcheck shell=bash
# docker/lib.sh - Docker steps shared by docker/up (what a newcomer runs)
# and docker/ci-stage.sh (what CI runs): a daemon, the base image, the
# compose command. Sourced, not run. Set RESPD_DOCKER_LOG to a directory for
# dockerd's log; RESPD_STARTED_DOCKERD holds the pid of a daemon started here.

RESPD_STARTED_DOCKERD=""
RESPD_DOCKER_LOG=${RESPD_DOCKER_LOG:-/tmp}

# Each compose service (= py_tests target) and the port docker/compose.yaml
# gives it, from targets.bzl, the one list (//:targets_test checks that
# compose.yaml and the READMEs agree with it).
declare -A RESPD_PORTS=()
RESPD_TARGET_NAMES=""
# shellcheck disable=SC2034  # RESPD_PORTS is read by the scripts that source this one
while read -r _name _port; do
  RESPD_PORTS[$_name]=$_port
  RESPD_TARGET_NAMES="$RESPD_TARGET_NAMES${RESPD_TARGET_NAMES:+ }$_name"
done < <(/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/../scripts/targets.py" ports)
unset _name _port
[ -n "$RESPD_TARGET_NAMES" ] || { echo "docker/lib.sh: could not read targets.bzl" >&2; return 1; }

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || { echo "no Docker daemon answers and this is not root: start dockerd"; return 1; }
  # No bridge: this machine has no iptables/NAT for containers, and host
  # networking is what the services use anyway.
  setsid dockerd --bridge=none --iptables=false --ip6tables=false >"$RESPD_DOCKER_LOG/dockerd.log" 2>&1 </dev/null &
  RESPD_STARTED_DOCKERD=$!
  echo "started dockerd (pid $RESPD_STARTED_DOCKERD), log $RESPD_DOCKER_LOG/dockerd.log"
  local _
  for _ in $(seq 1 150); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$RESPD_STARTED_DOCKERD" 2>/dev/null || { echo "dockerd exited:"; tail -n 20 "$RESPD_DOCKER_LOG/dockerd.log"; return 1; }
    sleep 0.2
  done
  echo "dockerd did not answer within 30s"
  return 1
}

# The Dockerfile starts FROM debian:bookworm. Online it is pulled; where no
# registry is reachable it is made from Debian's archive with debootstrap.
ensure_base_image() {
  if docker image inspect debian:bookworm >/dev/null 2>&1; then
    echo "debian:bookworm present"
    return 0
  fi
  if timeout 120 docker pull debian:bookworm; then
    return 0
  fi
  echo "no registry: making debian:bookworm with debootstrap"
  local dir
  dir=$(mktemp -d /tmp/respd-rootfs.XXXXXX) || return 1
  if debootstrap --variant=minbase bookworm "$dir" &&
     tar -C "$dir" -c . | docker import - debian:bookworm; then
    rm -rf "$dir"
    return 0
  fi
  rm -rf "$dir"
  return 1
}

# compose_command: "docker compose" (v2) where the plugin exists, else
# Debian 12's docker-compose (v1); RESPD_COMPOSE overrides both.
compose_command() {
  if [ -n "${RESPD_COMPOSE:-}" ]; then
    echo "$RESPD_COMPOSE"
  elif docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  else
    echo docker-compose
  fi
}

# build_respd_image TAG: the runtime image, with host networking (a daemon
# without a bridge has no other) and the classic builder where the CLI has
# no buildx plugin (Debian's docker.io).
build_respd_image() {
  if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
  fi
  docker build --network host -f docker/Dockerfile -t "$1" .
}
