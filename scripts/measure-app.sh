#!/usr/bin/env bash
# Measures the desktop app: cold start to interactive, idle memory (the app and its web
# processes) and the same UI's memory as a page in Debian's Chromium. Prints the figures the
# README quotes. Needs the app built with the embedded UI (scripts/test.sh does that).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" \
  || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq chromium >/dev/null; }
npm run ui:build >/dev/null
cargo build --locked -p countersign-app -p countersign-cli --features countersign-app/custom-protocol
command -v tauri-driver >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A fixture of the demo workspace's IPC answers, for the Chromium page.
ws="$tmp/fixture-ws"
target/debug/countersign --data-dir "$ws" demo --json >/dev/null
node -e '
const { execFileSync } = require("node:child_process");
const q = JSON.parse(execFileSync(process.argv[1], ["--data-dir", process.argv[2], "queue", "--json"], { encoding: "utf8" }));
const counts = { pending: q.filter(p => p.state === "pending").length, escalated: q.filter(p => p.state === "escalated").length };
console.log(JSON.stringify({
  workspace_summary: { open_proposals: q.length, escalated: counts.escalated, demo: true, shop_source: "generated demo shop", default_actor: "agent" },
  queue_list: { items: q, counts },
}));' target/debug/countersign "$ws" > "$tmp/fixture.json"
sed '/<standard_session_servicedirs *\/>/d' /usr/share/dbus-1/session.conf > "$tmp/session.conf"
cat > "$tmp/inner.sh" <<INNER
set -euo pipefail
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
tauri-driver --port 4444 >/dev/null 2>&1 &
trap 'kill \$(jobs -p) 2>/dev/null || true' EXIT
sleep 1
APP="$PWD/target/debug/countersign-app" FIXTURE="$tmp/fixture.json" PERF_TMP="$tmp" PERF_OUT="$tmp/perf.json" node tests/perf/measure-app.mjs
INNER
xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session --config-file="$tmp/session.conf" -- bash "$tmp/inner.sh"
