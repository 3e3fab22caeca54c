#!/usr/bin/env bash
# Idempotently install and start a local Docker Engine and the debian:bookworm-slim base image.
# No registry is reachable here, so the base image is made with debootstrap and imported.
set -euo pipefail

# dockerd and debootstrap live in sbin, which a normal user's PATH often lacks.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
. "$(dirname "$0")/common.sh"

need_install=0
command -v dockerd >/dev/null 2>&1 || need_install=1
command -v debootstrap >/dev/null 2>&1 || need_install=1
command -v ssh >/dev/null 2>&1 || need_install=1
if [ "$need_install" -eq 1 ]; then
  echo "docker-engine: installing docker.io, debootstrap, openssh-client" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io debootstrap openssh-client >/dev/null
fi

# Compose v2 (`docker compose`) realises workspaces; bookworm has none, Debian trixie's package (2.26,
# needs only libc6) runs on bookworm. Pinned low so nothing else comes from trixie.
if ! docker compose version >/dev/null 2>&1; then
  echo "docker-engine: installing Docker Compose v2" >&2
  if grep -qs '^ID=ubuntu' /etc/os-release; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-compose-v2 >/dev/null
  elif ! grep -rqs trixie /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian trixie main' | $SUDO tee /etc/apt/sources.list.d/nexus-trixie.list >/dev/null
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/nexus-trixie >/dev/null
  fi
  if ! docker compose version >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-compose/trixie >/dev/null
  fi
fi

if ! docker info >/dev/null 2>&1; then
  echo "docker-engine: starting dockerd" >&2
  $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "docker-engine: dockerd did not start; see /var/log/dockerd.log" >&2; exit 1; }
fi

if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  echo "docker-engine: building debian:bookworm-slim with debootstrap" >&2
  root=$(mktemp -d)
  $SUDO debootstrap --variant=minbase bookworm "$root" >/dev/null
  $SUDO tar -C "$root" -c . | docker import - debian:bookworm-slim >/dev/null
  $SUDO rm -rf "$root"
fi
echo "docker-engine: ready ($(docker version --format '{{.Server.Version}}'))" >&2
