#!/usr/bin/env bash
# The whole test suite, installing what it needs when it is missing: a Docker Engine with Compose v2,
# git, sqlite3 (SQL exports are loaded back in a test), Chromium (the HTML dashboard is rendered),
# sshd and iproute2 (a "remote" Docker host in a network namespace), and the npm dependencies. Docker tests fail, not skip, when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

bash scripts/docker-engine.sh
missing=""
for pkg in git:git sqlite3:sqlite3 chromium:chromium ssh:openssh-client openssl:openssl; do
  command -v "${pkg%%:*}" >/dev/null || missing="$missing ${pkg#*:}"
done
# The remote-host tests run a second dockerd and an sshd in a network namespace (test/helpers/remote-host.ts).
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing="$missing iproute2"
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
use_installed_node_headers
[ -d node_modules/better-sqlite3/build ] || npm ci --no-audit --no-fund
npm run lint
# The documentation site: Zensical (PyPI, requirements-docs.txt) needs Python >= 3.11 with venv.
# npm test builds it (test/docs-site.test.ts) and runs its examples; the last line builds it again,
# strictly (any warning, broken link or anchor fails), as the Pages workflow does.
python3 -c 'import ensurepip, venv' 2>/dev/null || {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
}
# The OTLP tests decode every request body with the official protobuf definitions (PyPI, pinned in
# test/otlp/requirements.txt).
[ -x node_modules/.otlp-venv/bin/python ] || { python3 -m venv node_modules/.otlp-venv && node_modules/.otlp-venv/bin/pip install -q -r test/otlp/requirements.txt; }
npm test
npm run docs
