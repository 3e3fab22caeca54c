#!/usr/bin/env bash
# Issue 19, acceptance 2: the test suites of two real open-source projects whose own compose file holds
# only their databases run inside a workspace made with nothing but `nexus init` and
# `nexus workspace create` (no config written by hand). See docs/dev/real-projects.md.
#
#   scripts/real-projects.sh [node|python|all]      (default: all)
#
# Environment: NEXUS (the CLI to test; default: node dist/cli.js of this checkout), NEXUS_MIRROR (where
# the snapshots are; default /work/.mirror), KEEP=1 (keep the workspace and the temp copy).
# Nothing of the projects is committed here: each is cloned at a pinned commit into a temp directory.
# The ONE change made to the copy (committed there, since a workspace is a git worktree of HEAD): the
# registry image names in its compose file become the local stand-ins of test/fixtures/real/images,
# because no image registry is reachable here.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NEXUS="${NEXUS:-node $ROOT/dist/cli.js}"
MIRROR="${NEXUS_MIRROR:-/work/.mirror}"
WHICH="${1:-all}"
WORK="$(mktemp -d /tmp/nexus-real-XXXXXX)"
SUFFIX="$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')"
SUMMARY=()
FAILED=0

say() { printf '\n== %s\n' "$*"; }
nexus() { # shellcheck disable=SC2086
  NO_COLOR=1 timeout 1800 $NEXUS "$@"; }

# source: the snapshot's git dir when present, else GitHub.
source_of() { # owner/name
  local mirror="$MIRROR/${1/\//+}/repo"
  if [ -d "$mirror" ]; then echo "$mirror"; else echo "https://github.com/$1.git"; fi
}

# Sums "N passed / N failed / N skipped" over every vitest "Tests" line and pytest summary line.
counts() { # logfile
  sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '(^|: )\s*Tests\s+[0-9]|^(=+ )?[0-9]+ (passed|failed|skipped|errors?|deselected|xfailed|xpassed|warnings?)\b.* in [0-9.]+s' |
    awk '{ for (i = 2; i <= NF; i++) { w = $i; gsub(/[,|=()]/, "", w);
             if (w ~ /^passed/) p += $(i-1); else if (w ~ /^failed/) f += $(i-1);
             else if (w ~ /^skipped/) s += $(i-1); else if (w ~ /^errors?$/) e += $(i-1) } }
         END { printf "%d passed, %d failed, %d skipped, %d errors", p, f, s, e }'
}

# project NAME OWNER/REPO COMMIT COMPOSE_FILE SED_SCRIPT TEST_COMMAND
project() {
  local name="$1" repo="$2" commit="$3" compose="$4" rewrite="$5" test="$6"
  local dir="$WORK/$name" ws="$name-$SUFFIX" log="$WORK/$name-test.log" started
  say "$name: $repo @ $commit"
  git clone -q --no-checkout "$(source_of "$repo")" "$dir" && git -C "$dir" checkout -q -b nexus-real "$commit" || {
    FAILED=1; SUMMARY+=("$name: could not check out $repo @ $commit"); return; }
  git -C "$dir" config user.name "Nexus real-project check"
  git -C "$dir" config user.email nexus-real@example.test
  sed -i -E "$rewrite" "$dir/$compose"
  if [ -n "${DROP:-}" ]; then echo "DROP=$DROP: removing it from the copy"; git -C "$dir" rm -rq -- "$DROP"; fi
  echo "registry images -> local stand-ins in $compose:"; git -C "$dir" diff -U0 -- "$compose" | grep '^[-+] ' || true
  git -C "$dir" commit -qam "nexus-real: registry images -> local stand-ins (no registry is reachable)"

  say "$name: nexus init --yes"
  (cd "$dir" && nexus init --yes) 2>&1 | tee "$WORK/$name-init.log"
  if grep -q "unknown option" "$WORK/$name-init.log"; then
    echo "(this Nexus has no --yes: plain init)"; (cd "$dir" && nexus init) 2>&1 | tee "$WORK/$name-init.log"
  fi
  [ -f "$dir/.nexus/config.yaml" ] && { echo "--- .nexus/config.yaml as init wrote it:"; cat "$dir/.nexus/config.yaml"; }

  say "$name: nexus workspace create $ws"
  started=$(date +%s)
  if ! (cd "$dir" && nexus workspace create "$ws") 2>&1 | tee "$WORK/$name-create.log" || ! (cd "$dir" && nexus workspace ports "$ws" >/dev/null 2>&1); then
    FAILED=1
    SUMMARY+=("$name: workspace create FAILED after $(($(date +%s) - started)) s: $(tail -n 3 "$WORK/$name-create.log" | tr '\n' ' ')")
    return
  fi
  echo "created in $(($(date +%s) - started)) s"
  (cd "$dir" && nexus workspace ports "$ws") 2>&1

  say "$name: tests inside the workspace: $test"
  started=$(date +%s)
  (cd "$dir" && nexus workspace exec "$ws" -- env NO_COLOR=1 FORCE_COLOR=0 CI=1 sh -c "$test") >"$log" 2>&1
  local code=$?
  tail -n 40 "$log"
  [ "$code" = 0 ] || FAILED=1
  SUMMARY+=("$name: exit $code in $(($(date +%s) - started)) s: $(counts "$log")  (log: $log)")
  [ "${KEEP:-0}" = 1 ] || (cd "$dir" && nexus workspace destroy "$ws" --force >/dev/null 2>&1)
}

# A virtualenv with pip, also where the image has no ensurepip (Debian's python3 without python3-venv):
# pip's wheel from PyPI then installs pip itself.
PY_VENV='rm -rf /tmp/venv; python3 -m venv /tmp/venv 2>/dev/null || { python3 -m venv --without-pip /tmp/venv && /tmp/venv/bin/python -c "import json, urllib.parse as p, urllib.request as u; j = \"https://pypi.org/pypi/pip/json\"; d = json.load(u.urlopen(j)); f = [f for f in d[\"urls\"] if f[\"filename\"].endswith(\".whl\")][0]; open(\"/tmp/\" + f[\"filename\"], \"wb\").write(u.urlopen(p.urljoin(j, f[\"url\"])).read())" && w="$(ls /tmp/pip-*.whl | head -n 1)" && /tmp/venv/bin/python "$w/pip" install -q "$w"; }'

sh "$ROOT/test/fixtures/real/images/build.sh" >/dev/null 2>&1 || echo "warning: building the stand-in images failed"

if [ "$WHICH" = node ] || [ "$WHICH" = all ]; then
  # node-postgres: docker-compose.yml holds one PostgreSQL (tests read PG* variables). The commit is the
  # one that added that file (an ESM/vitest/pnpm migration in the repository's fork network).
  # Its .devcontainer/ (a dev service `web` built FROM node:22, plus postgres:14) is what init picks first;
  # NODE_PG_DEVCONTAINER=drop removes it from the copy to exercise the database-only file alone.
  [ "${NODE_PG_DEVCONTAINER:-keep}" = drop ] && DROP=.devcontainer
  DROP="${DROP:-}" project node-postgres brianc/node-postgres 0d7653e3ebc711926189f5bf41ea269c33c77d84 docker-compose.yml \
    's#ghcr.io/railwayapp-templates/postgres-ssl:latest#nexus-fixture/postgres:local#' \
    'npx --yes pnpm@10.33.2 install --frozen-lockfile && npx --yes pnpm@10.33.2 -r --filter "./packages/**" run build; npx --yes pnpm@10.33.2 -r --no-bail --filter "./packages/**" run test'
fi
if [ "$WHICH" = python ] || [ "$WHICH" = all ]; then
  # ormar: scripts/docker-compose.yml holds PostgreSQL and MySQL (tests read DATABASE_URL, default sqlite).
  project ormar collerek/ormar caeb4a17df34fa60fadd9143a1d0aaecadec9472 scripts/docker-compose.yml \
    's#image: postgres:10.8#image: nexus-fixture/postgres:local#; s#image: mysql:5.7#image: nexus-fixture/mysql:local#' \
    "$PY_VENV"' && /tmp/venv/bin/pip install -q -e ".[postgresql,mysql,sqlite,orjson,crypto]" "pytest>=8.2,<10" "pytest-asyncio>=1.1,<2" fastapi httpx nest-asyncio asgi-lifespan pydantic-extra-types faker email-validator "psycopg[binary]" && /tmp/venv/bin/python -m pytest tests -q -p no:cacheprovider'
fi

say "summary (temp copies in $WORK)"
printf '%s\n' "${SUMMARY[@]}"
[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
exit "$FAILED"
