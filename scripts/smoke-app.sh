#!/usr/bin/env bash
# Starts the real app binary under Xvfb with isolated XDG dirs and checks that a window titled
# "Countersign" appears and the app created its demo workspace, without WebDriver in between.
# The screenshot is kept under tests/e2e/screenshots/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -p countersign-app --features custom-protocol
# $CARGO_TARGET_DIR is honoured, as by tests/e2e/run.sh.
export APP_BIN="$(realpath -m "${CARGO_TARGET_DIR:-target}")/debug/countersign-app"
tmp=$(mktemp -d)
# Best effort: a desktop service that outlives the app must not fail the check.
trap 'rm -rf "$tmp" 2>/dev/null || true' EXIT
mkdir -p tests/e2e/screenshots
# A private session bus that activates nothing: no document portal or other desktop services
# are started behind the test's back (they would mount into the temp dirs and outlive it).
sed '/<standard_session_servicedirs *\/>/d' /usr/share/dbus-1/session.conf > "$tmp/session.conf"
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
xvfb-run -a -s "-screen 0 1280x860x24" dbus-run-session --config-file="$tmp/session.conf" -- bash -c '
  "$APP_BIN" 2>/dev/null & app=$!
  for _ in $(seq 1 90); do
    if xwininfo -root -tree | grep -q "\"Countersign\""; then found=1; break; fi
    kill -0 $app 2>/dev/null || { echo "smoke: the app exited early" >&2; exit 1; }
    sleep 1
  done
  [ -n "${found:-}" ] || { echo "smoke: no window titled Countersign" >&2; kill $app; exit 1; }
  sleep 3  # let the web view render before the screenshot
  import -window root tests/e2e/screenshots/smoke-main.png
  kill $app
'
db="$XDG_DATA_HOME/app.countersign.desk/countersign.db"
[ -s "$db" ] || { echo "smoke: the app did not create its workspace at $db" >&2; exit 1; }
echo "smoke: window opened, demo workspace created"
