#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the cluster images and tests.
#   infra/cluster/engine.sh          start one if none answers (needs root), then print its socket
#   infra/cluster/engine.sh stop     stop the engine this script started (never another)
# No registry is reachable from the enclave's machines: the engine only ever runs images built here
# (infra/cluster/images.sh). It is Debian's docker.io, started without iptables, bridge or overlay:
#   dockerd --iptables=false --bridge=none --storage-driver=vfs
# so every container uses the host's network and binds to loopback, as every enclave server does.
# Its images live in $ENCLAVE_DOCKER_ROOT (default /var/lib/enclave-docker), which outlives a clean
# clone: a second run on the same machine finds the images it built before.
set -euo pipefail

ROOT_DIR="${ENCLAVE_DOCKER_ROOT:-/var/lib/enclave-docker}"
SOCK="${ENCLAVE_DOCKER_SOCK:-/var/run/docker.sock}"
PIDFILE="/var/run/enclave-dockerd.pid"
LOG="/var/log/enclave-dockerd.log"

say() { echo "engine.sh: $*" >&2; }

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

answers() { DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if [ "${1:-}" = "stop" ]; then
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    say "stopping the engine this script started (pid $(cat "$PIDFILE"))"
    sudo_ kill "$(cat "$PIDFILE")"
    for _ in $(seq 1 30); do kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 1; done
    sudo_ rm -f "$PIDFILE"
  fi
  exit 0
fi

if answers; then
  echo "unix://$SOCK"
  exit 0
fi

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian's packages ..."
  sudo_ apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq "${need[@]}" >/dev/null
fi

say "starting dockerd (data in $ROOT_DIR, log in $LOG) ..."
sudo_ mkdir -p "$ROOT_DIR"
# setsid: the engine is not a child of the shell that asked for it (a CI step's end must not kill it mid-run)
sudo_ setsid dockerd --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs --data-root "$ROOT_DIR" \
  --host "unix://$SOCK" --pidfile "$PIDFILE" >>"$LOG" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if answers; then
    say "engine up: $(DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}')"
    echo "unix://$SOCK"
    exit 0
  fi
  sleep 1
done
say "dockerd did not answer within 60 s; its log:"
tail -n 30 "$LOG" >&2 || true
exit 1
