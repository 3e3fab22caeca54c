#!/usr/bin/env bash
# Runs the official MCP inspector (CLI mode, no browser) against `nexus mcp` in a fresh project:
# tools/list, a successful tools/call and a failing one. Needs the npm registry (npx) unless the
# inspector is installed; not run by the test suite. Inspector 2.x needs Node >= 22.19 (point
# INSPECTOR_NODE at one; the server still runs on this node); on Node 20 npx picks 0.15.x.
#   bash scripts/mcp-inspect.sh            # after npm run build
#   INSPECTOR="npx -y @modelcontextprotocol/inspector@2.12.0" INSPECTOR_NODE=/path/to/node24 bash scripts/mcp-inspect.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inspector=${INSPECTOR:-npx -y @modelcontextprotocol/inspector}
node=$(command -v node)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" NEXUS_HOME="$work/home/.nexus"
mkdir -p "$HOME" "$work/repo" && cd "$work/repo"
git init -q -b main && git -c user.email=i@nexus.dev -c user.name=inspect commit -q --allow-empty -m init
"$node" "$root/dist/cli.js" init >/dev/null 2>&1
run() { PATH="$(dirname "${INSPECTOR_NODE:-$node}"):$PATH" timeout 120 $inspector --cli "$node" "$root/dist/cli.js" mcp "$@"; }

run --method tools/list >"$work/list.json"
jq -e '.tools | length > 0 and all(.outputSchema.type == "object" and (.annotations.readOnlyHint | type) == "boolean")' \
  "$work/list.json" >/dev/null
echo "tools/list: $(jq '.tools | length' "$work/list.json") tools, each with outputSchema and annotations"
run --method tools/call --tool-name task_create --tool-arg title=inspected >"$work/ok.json"
jq -e '.structuredContent.status == "open"' "$work/ok.json" >/dev/null
echo "tools/call task_create: structuredContent $(jq -c '.structuredContent | {id, status}' "$work/ok.json")"
# A tool error: the result carries structuredContent.error (2.x also prints a tool_is_error line).
run --method tools/call --tool-name task_show --tool-arg id=nx-none >"$work/error.json" 2>&1 || true
echo "tools/call task_show nx-none: $(tr -d '\n' <"$work/error.json" | cut -c1-200)"
