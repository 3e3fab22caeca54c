#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine with Node.js >= 20, npm and git: installs what Nexus
# needs (Docker Engine + Compose v2 if missing, dependencies, build, `nexus` on PATH), then runs the
# main job: a demo repository with a node-postgres workspace, its ports, a command in it and over SSH.
# Idempotent: run it again and it reuses what is there. NEXUS_DEMO_DIR picks the demo's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "setup: Node.js >= 20 is needed (found $(node --version))." >&2; exit 1; }

step "Docker Engine, Compose v2 and the base image"
bash scripts/docker-engine.sh

step "Dependencies and build"
use_installed_node_headers
[ -d node_modules/better-sqlite3/build ] || npm ci --no-audit --no-fund
npm run build --silent

step "nexus on your PATH"
if ! npm link --silent >/dev/null 2>&1; then
  # No write access to npm's global prefix (a non-root user): link into ~/.local/bin instead.
  mkdir -p "$HOME/.local/bin"
  ln -sf "$PWD/bin/nexus.cjs" "$HOME/.local/bin/nexus"
  case ":$PATH:" in *":$HOME/.local/bin:"*) ;; *) echo "setup: add ~/.local/bin to your PATH" >&2 ;; esac
  export PATH="$HOME/.local/bin:$PATH"
fi
chmod +x bin/nexus.cjs dist/cli.js
nexus --version >/dev/null
nexus doctor || true

demo="${NEXUS_DEMO_DIR:-$HOME/nexus-demo}"
step "Demo repository in $demo"
if [ ! -d "$demo/.git" ]; then
  mkdir -p "$demo"
  git -C "$demo" init -q -b main
  printf '{ "name": "nexus-demo", "private": true, "scripts": { "test": "node -e \\"console.log(1+1)\\"" } }\n' > "$demo/package.json"
  git -C "$demo" add package.json
  git -C "$demo" -c user.name="Nexus Demo" -c user.email=demo@nexus.invalid commit -q -m "demo project"
fi
cd "$demo"
[ -d .nexus ] || nexus init

step "A node-postgres workspace (first run builds its images, about a minute)"
if nexus workspace status demo >/dev/null 2>&1; then nexus workspace up demo; else
  nexus workspace create demo --template node-postgres
fi

step "Its ports (127.0.0.1 only)"
nexus workspace ports demo

step "A command inside it"
nexus workspace exec demo -- node --version

alias=$(nexus workspace status demo --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sshAlias))')
step "The same over SSH: ssh $alias -- git status"
ssh -F "$HOME/.ssh/config" -o BatchMode=yes "$alias" -- git status

cat >&2 <<EOF

Nexus is set up. Try next, in $demo:
  nexus task create "Say hello" --check "npm test" -w demo
  nexus task list
  ssh $alias   # a shell in the dev container, in /workspace
  nexus workspace list
  nexus workspace destroy demo   # when you are done
EOF
