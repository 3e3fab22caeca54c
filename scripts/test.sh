#!/usr/bin/env bash
# The whole test suite, installing what it needs when it is missing: a Docker Engine with Compose v2,
# git, sqlite3 (SQL exports are loaded back in a test), Chromium (the HTML dashboard is rendered),
# and the npm dependencies. Docker tests fail, not skip, when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

bash scripts/docker-engine.sh
missing=""
for pkg in git:git sqlite3:sqlite3 chromium:chromium ssh:openssh-client openssl:openssl; do
  command -v "${pkg%%:*}" >/dev/null || missing="$missing ${pkg#*:}"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
[ -d node_modules/better-sqlite3/build ] || npm ci --no-audit --no-fund
npm run lint
npm test
