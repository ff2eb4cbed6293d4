#!/usr/bin/env bash
# Installs what Countersign needs on Debian 12: system packages, Rust components, npm packages.
# Idempotent, and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tauri v2 build packages, what the headless app tests use (Xvfb, X window tools, ImageMagick),
# and what the package test uses (desktop-file-validate).
APT_PACKAGES=(
  build-essential pkg-config curl file libssl-dev libxdo-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
  libdbus-1-dev xvfb xauth x11-utils imagemagick
  webkit2gtk-driver dbus dbus-x11 dbus-user-session gnome-keyring libsecret-tools python3-dbus python3-gi
  desktop-file-utils
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Real IMAP and SMTP servers for the countersign-mail tests (tests/mail/servers.sh runs them
# unprivileged on loopback). The install must not start the system dovecot on 143/993 on every
# interface: a policy-rc.d that denies service starts is in place only for this install.
MAIL_PACKAGES=(dovecot-imapd python3-aiosmtpd)
missing=()
for p in "${MAIL_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing the test mail servers: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  had_policy=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ "$had_policy" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ "$had_policy" -eq 0 ]; then
    $sudo rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi
# The mail servers' files belong to this system user: dovecot refuses mail access as root.
if ! id csmail >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo useradd --system --no-create-home --shell /usr/sbin/nologin csmail
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup" >&2; exit 1; }
if command -v rustup >/dev/null; then
  for c in clippy rustfmt; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
fi

# WebDriver bridge for the end-to-end tests.
if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version 2.1.0
fi

command -v node >/dev/null || { echo "setup: node not found; Node.js 20.19+ is required" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)' \
  || { echo "setup: Node.js $(node --version) is too old; 20.19+ is required" >&2; exit 1; }
# `npm ci` fails against this registry mirror (other platforms' optional packages are missing);
# `npm install` leaves the lockfile as it is.
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

# Real MCP servers for the countersign-mcp tests, installed into tests/mcp (started on loopback
# by the tests themselves): npm's @modelcontextprotocol/server-filesystem, pinned in
# tests/mcp/package.json, and PyPI's mcp SDK in a venv, for the tests' own servers
# (lying_server.py, billing_server.py).
if [ ! -f tests/mcp/node_modules/.package-lock.json ] \
   || [ tests/mcp/package.json -nt tests/mcp/node_modules/.package-lock.json ] \
   || [ tests/mcp/package-lock.json -nt tests/mcp/node_modules/.package-lock.json ]; then
  echo "setup: installing the MCP test servers (npm)"
  npm install --prefix tests/mcp --no-audit --no-fund
fi
MCP_PYPI_VERSION=2.3.0
if ! tests/mcp/.venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$MCP_PYPI_VERSION')" 2>/dev/null; then
  command -v python3 >/dev/null || { echo "setup: python3 not found; it runs the MCP test server" >&2; exit 1; }
  echo "setup: installing the MCP test server's SDK (PyPI mcp==$MCP_PYPI_VERSION)"
  python3 -m venv tests/mcp/.venv
  tests/mcp/.venv/bin/pip install --quiet --disable-pip-version-check "mcp==$MCP_PYPI_VERSION"
fi
