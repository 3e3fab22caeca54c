#!/usr/bin/env bash
# Idempotently install and start a local Docker Engine and the debian:bookworm-slim base image.
# No registry is reachable here, so the base image is made with debootstrap and imported.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_install=0
command -v dockerd >/dev/null 2>&1 || need_install=1
command -v debootstrap >/dev/null 2>&1 || need_install=1
command -v ssh >/dev/null 2>&1 || need_install=1
if [ "$need_install" -eq 1 ]; then
  echo "docker-engine: installing docker.io, debootstrap, openssh-client" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io debootstrap openssh-client >/dev/null
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
