#!/usr/bin/env bash
# System components the test suite exercises for real: Docker (daemon + sandbox image), Coq, bubblewrap.
# Idempotent: installs only what is missing, starts dockerd only when it is not answering.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v coqtop >/dev/null || need+=(coq)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v bwrap >/dev/null || need+=(bubblewrap)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "system-deps: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  nohup dockerd >/tmp/mathgym-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/mathgym-dockerd.log" >&2; exit 1; }
fi

# The Docker sandbox image, built from a Debian root filesystem (no registry is reachable); a no-op when present.
if [ -x .venv/bin/python ]; then
  .venv/bin/mathgym sandbox build-image
fi
