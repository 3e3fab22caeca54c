# Shared by the install scripts (sourced, not run).

# $SUDO runs a command as root: nothing when we are root, sudo otherwise, and a clear refusal when
# there is no sudo to ask.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
  command -v sudo >/dev/null 2>&1 || SUDO="need_root"
fi
need_root() {
  echo "$(basename "$0"): '$*' needs root, and sudo is not installed." >&2
  echo "$(basename "$0"): run it as root once (or ask an administrator), then again as yourself." >&2
  exit 1
}

# better-sqlite3 compiles against Node's headers: use the installed ones when they match (node-gyp
# would otherwise download them, which fails where only the package registries are reachable).
use_installed_node_headers() {
  local headers=/usr/include/node/node_version.h
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$headers" ] &&
    [ "v$(awk '/define NODE_(MAJOR|MINOR|PATCH)_VERSION/ {printf "%s%s", sep, $3; sep="."}' "$headers")" = "$(node --version)" ]; then
    export npm_config_nodedir=/usr
  fi
}
