#!/bin/sh
# Installs one language runtime into Nexus's dev image:  install-runtime.sh LANGUAGE VERSION
# VERSION may be partial (`22`, `1.23`): the newest release it names is taken. Prints what it installed.
set -eu
language=$1
version=${2:-}
arch=$(dpkg --print-architecture)
if [ -s /run/secrets/nexus_ca ]; then
  export CURL_CA_BUNDLE=/run/secrets/nexus_ca SSL_CERT_FILE=/run/secrets/nexus_ca
fi
apt_install() {
  apt-get update
  apt-get install -y --no-install-recommends "$@"
  rm -rf /var/lib/apt/lists/*
}
# The newest of the versions on stdin that is VERSION itself or starts with VERSION.
newest() {
  pattern=$(printf '%s' "$1" | sed 's/\./\\./g')
  grep -E "^$pattern(\.[0-9]+)*$" | sort -V | tail -1
}
fail() { echo "nexus: $*" >&2; exit 1; }

install_node() {
  case $arch in amd64) platform=linux-x64 ;; arm64) platform=linux-arm64 ;; *) fail "no Node for $arch" ;; esac
  full=$(curl -fsSL -H 'Accept: application/vnd.npm.install-v1+json' "https://registry.npmjs.org/node-$platform" |
    grep -oE '"[0-9]+\.[0-9]+\.[0-9]+":' | tr -d '":' | newest "$version")
  [ -n "$full" ] || fail "Node $version is not in the npm registry's node-$platform package"
  curl -fsSL "https://registry.npmjs.org/node-$platform/-/node-$platform-$full.tgz" |
    tar -xz -C /usr/local --strip-components=1 package/bin/node package/include package/share
  # The node package has no npm: npm's own package carries it with its dependencies.
  major=${full%%.*}
  if [ "$major" -ge 22 ]; then npm_line=11; elif [ "$major" -ge 18 ]; then npm_line=10; else npm_line=6; fi
  npm_full=$(curl -fsSL -H 'Accept: application/vnd.npm.install-v1+json' https://registry.npmjs.org/npm |
    grep -oE '"[0-9]+\.[0-9]+\.[0-9]+":' | tr -d '":' | newest "$npm_line")
  mkdir -p /usr/local/lib/node_modules/npm
  curl -fsSL "https://registry.npmjs.org/npm/-/npm-$npm_full.tgz" |
    tar -xz -C /usr/local/lib/node_modules/npm --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
  echo "nexus: installed Node $(node --version), npm $(npm --version)"
}

install_go() {
  list=$(curl -fsSL https://proxy.golang.org/golang.org/toolchain/@v/list | grep "\.linux-$arch\$" |
    sed "s/^v0\.0\.1-go//; s/\.linux-$arch\$//")
  full=$(printf '%s\n' "$list" | grep -E '^[0-9]+\.[0-9]+(\.[0-9]+)?$' | newest "$version")
  [ -n "$full" ] || full=$(printf '%s\n' "$list" | grep -xF "$version" || true)
  [ -n "$full" ] || fail "Go $version is not on the Go module proxy (golang.org/toolchain)"
  curl -fsSL -o /tmp/go.zip "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$full.linux-$arch.zip"
  unzip -q /tmp/go.zip -d /tmp/go
  mv "/tmp/go/golang.org/toolchain@v0.0.1-go$full.linux-$arch" /usr/local/go
  rm -rf /tmp/go /tmp/go.zip
  apt_install gcc libc6-dev
  echo "nexus: installed $(/usr/local/go/bin/go version)"
}

install_rust() {
  case $arch in amd64) triple=x86_64-unknown-linux-gnu ;; arm64) triple=aarch64-unknown-linux-gnu ;; *) fail "no Rust for $arch" ;; esac
  apt_install gcc libc6-dev
  curl -fsSL -o /tmp/rustup-init "https://static.rust-lang.org/rustup/dist/$triple/rustup-init"
  chmod 755 /tmp/rustup-init
  RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo /tmp/rustup-init -y --no-modify-path \
    --profile minimal --default-toolchain "${version:-stable}"
  rm /tmp/rustup-init
  # The workspace user (the host's uid) fetches crates into CARGO_HOME.
  chmod -R a+w /usr/local/cargo /usr/local/rustup
  echo "nexus: installed $(/usr/local/cargo/bin/rustc --version)"
}

case $language in
  node) install_node ;;
  go) install_go ;;
  rust) install_rust ;;
  python) apt_install python3 python3-pip python3-venv python3-dev python-is-python3 build-essential ;;
  ruby) apt_install ruby ruby-dev bundler build-essential ;;
  php) apt_install php-cli php-xml php-mbstring php-curl php-zip php-pgsql php-mysql php-sqlite3 composer ;;
  java) apt_install openjdk-17-jdk-headless maven ;;
  debian) ;;
  *) fail "unknown language $language" ;;
esac
