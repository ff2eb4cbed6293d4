#!/usr/bin/env bash
# Measures the desktop app: cold start to interactive, idle memory (the app and its web
# processes) and the same UI's memory as a page in Debian's Chromium. Prints the figures the
# README quotes: PSS per process and summed, summed RSS, and both ratios to Chromium.
#
#   ./scripts/measure-app.sh             # debug build of the app (embedded UI)
#   ./scripts/measure-app.sh --release   # release build (what ships), same measurements
#
# Binaries go to $CARGO_TARGET_DIR (default target/).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug
cargo_profile=()
case "${1:-}" in
  --release) profile=release; cargo_profile=(--release) ;;
  "") ;;
  *) echo "usage: $0 [--release]" >&2; exit 2 ;;
esac
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
./scripts/setup.sh
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" \
  || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq chromium >/dev/null; }
npm run ui:build >/dev/null
cargo build --locked "${cargo_profile[@]}" -p countersign-app --features countersign-app/custom-protocol
cargo build --locked -p countersign-cli
echo "measure: $profile build of the app, $target_dir/$profile/countersign-app"
command -v tauri-driver >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A fixture of the demo workspace's IPC answers, for the Chromium page.
ws="$tmp/fixture-ws"
"$target_dir/debug/countersign" --data-dir "$ws" demo --json >/dev/null
node -e '
const { execFileSync } = require("node:child_process");
const q = JSON.parse(execFileSync(process.argv[1], ["--data-dir", process.argv[2], "queue", "--json"], { encoding: "utf8" }));
const counts = { pending: q.filter(p => p.state === "pending").length, escalated: q.filter(p => p.state === "escalated").length };
console.log(JSON.stringify({
  workspace_summary: { open_proposals: q.length, escalated: counts.escalated, demo: true, shop_source: "generated demo shop", default_actor: "agent" },
  queue_list: { items: q, counts },
}));' "$target_dir/debug/countersign" "$ws" > "$tmp/fixture.json"
sed '/<standard_session_servicedirs *\/>/d' /usr/share/dbus-1/session.conf > "$tmp/session.conf"
cat > "$tmp/inner.sh" <<INNER
set -euo pipefail
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
tauri-driver --port 4444 >/dev/null 2>&1 &
trap 'kill \$(jobs -p) 2>/dev/null || true' EXIT
sleep 1
APP="$target_dir/$profile/countersign-app" PROFILE=$profile FIXTURE="$tmp/fixture.json" PERF_TMP="$tmp" PERF_OUT="$tmp/perf.json" node tests/perf/measure-app.mjs
INNER
xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session --config-file="$tmp/session.conf" -- bash "$tmp/inner.sh"
