#!/usr/bin/env bash
# The package test (part of ./scripts/test.sh; needs root or sudo for apt-get):
#  1. makes a throwaway update-signing key in a temp dir (`tauri signer generate`),
#  2. builds the .deb with ./scripts/package.sh --debug (sharing the test build's cache), the
#     key's public half and a loopback update endpoint merged into its config, signed,
#  3. serves a "next release" latest.json and the signed bundle from a local HTTP server and
#     runs the app's update check on it: the correctly signed bundle is accepted, an altered
#     signature or altered bytes are refused (update_signature_invalid),
#  4. installs the .deb with `apt-get install ./…deb`, finds the menu entry (validated), its
#     icons and both binaries on the PATH,
#  5. starts the installed app from its menu entry's Exec under Xvfb until its window appears,
#     and sees that it found the new version at start; then, through its window (WebDriver),
#     that installing an update with altered bytes or an altered signature is refused,
#  6. removes the package (also on failure) and checks nothing of it is left.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
PKG=countersign
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
tmp=$(mktemp -d)
server=""
cleanup() {
  status=$?
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed"; then
    echo "package-test: removing $PKG"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get remove --purge -y -qq "$PKG" >/dev/null || status=1
  fi
  rm -rf "$tmp" 2>/dev/null || true
  exit $status
}
trap cleanup EXIT
fail() { echo "package-test: $*" >&2; exit 1; }

# 1. A key made now, never stored in the repository.
npx tauri signer generate --ci -p "" -w "$tmp/test.key" >/dev/null
pubkey=$(cat "$tmp/test.key.pub")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
cat > "$tmp/test.conf.json" <<JSON
{"plugins": {"updater": {"pubkey": "$pubkey", "endpoints": ["$base/latest.json"],
  "dangerousInsecureTransportProtocol": true}}}
JSON

# 2. Build and sign.
t0=$SECONDS
TAURI_SIGNING_PRIVATE_KEY_PATH="$tmp/test.key" TAURI_SIGNING_PRIVATE_KEY_PASSWORD="" \
  RELEASE_BASE_URL="$base" RELEASE_NOTES="Test release notes" \
  ./scripts/package.sh --debug --bundles deb --config "$tmp/test.conf.json"
build_s=$((SECONDS - t0))
version=$(node -p 'require("./src-tauri/tauri.conf.json").version')
bundle_dir="$target_dir/debug/bundle"
deb=$(ls "$bundle_dir"/deb/*_"${version}"_*.deb | head -1)
[ -f "$deb.sig" ] || fail "no signature beside $deb"
dpkg-deb -f "$deb" Package | grep -qx "$PKG" || fail "package name is not $PKG"
depends=$(dpkg-deb -f "$deb" Depends)
for d in libwebkit2gtk-4.1-0 libayatana-appindicator3-1 libdbus-1-3; do
  grep -q "$d" <<<"$depends" || fail "Depends lacks $d: $depends"
done

# 3. The update check against a local server: the next release is this signed bundle.
www="$tmp/www"
mkdir -p "$www"
cp "$deb" "$www/"
name=$(basename "$deb")
python3 - "$bundle_dir/latest.json" "$www" "$name" "$version" <<'PY'
import base64, json, sys
src, www, name, current = sys.argv[1:]
m = json.load(open(src))
json.dump(dict(m, version=current), open(f"{www}/current.json", "w"))
m["version"] = "9.9.9"
m["notes"] = "Faster queue.\nSigned updates."
json.dump(m, open(f"{www}/good.json", "w"))
entry = m["platforms"]["linux-x86_64-deb"]
# An altered signature: one character of the signature line changed, still valid base64.
text = base64.b64decode(entry["signature"]).decode().split("\n")
line = text[1]
text[1] = line[:20] + ("A" if line[20] != "A" else "B") + line[21:]
bad = dict(m, platforms={"linux-x86_64-deb": dict(entry, signature=base64.b64encode("\n".join(text).encode()).decode())})
json.dump(bad, open(f"{www}/bad-signature.json", "w"))
# Altered bytes: the same signature over a bundle with one byte flipped.
data = bytearray(open(f"{www}/{name}", "rb").read())
data[len(data) // 2] ^= 1
open(f"{www}/tampered.deb", "wb").write(bytes(data))
url = entry["url"].rsplit("/", 1)[0] + "/tampered.deb"
json.dump(dict(m, platforms={"linux-x86_64-deb": dict(entry, url=url)}), open(f"{www}/bad-bytes.json", "w"))
PY
# What the installed app will be offered at start (the UI test swaps it; see step 5).
cp "$www/bad-bytes.json" "$www/latest.json"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >"$tmp/http.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "$base/latest.json" >/dev/null && break; sleep 0.1; done
check() {
  cargo run --locked -q -p countersign-update --example check -- --endpoint "$base/$1" \
    --pubkey "$pubkey" --current "$version" --target linux-x86_64-deb --download
}
out=$(check good.json) || fail "the correctly signed bundle was refused: $out"
grep -q "^accepted 9.9.9" <<<"$out" || fail "unexpected answer: $out"
echo "package-test: correctly signed bundle: $out"
for bad in bad-signature bad-bytes; do
  if out=$(check "$bad.json"); then fail "$bad was accepted: $out"; fi
  grep -q "^refused update_signature_invalid" <<<"$out" || fail "$bad: unexpected answer: $out"
  echo "package-test: $bad: $out"
done

# 4. Install it as support staff would.
t1=$SECONDS
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$deb" >/dev/null
dpkg-query -W -f='${Status}' "$PKG" | grep -q "ok installed" || fail "$PKG is not installed"
desktop=$(dpkg -L "$PKG" | grep '^/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$desktop" ] || fail "no menu entry installed"
desktop-file-validate "$desktop" || fail "$desktop does not validate"
grep -qx 'Categories=Office;X-Support;' "$desktop" || fail "menu entry is not in Office/Support"
grep -qx 'Name=Countersign' "$desktop" || fail "menu entry is not named Countersign"
icon=$(sed -n 's/^Icon=//p' "$desktop")
for size in 16x16 24x24 32x32 48x48 64x64 128x128 256x256 512x512; do
  [ -f "/usr/share/icons/hicolor/$size/apps/$icon.png" ] || fail "no $size icon for $icon"
done
exec_cmd=$(sed -n 's/^Exec=//p' "$desktop")
app=$(command -v "${exec_cmd%% *}") || fail "the menu entry's Exec ($exec_cmd) is not on the PATH"
cli=$(command -v countersign) || fail "the countersign CLI is not on the PATH"
[ "$(dirname "$app")" = "$(dirname "$cli")" ] || fail "the CLI is not beside the app ($app, $cli)"
"$cli" --help >/dev/null || fail "the installed CLI does not run"
echo "package-test: installed $PKG: $app, $cli, $desktop, icons $icon"

# 5. Start the installed app from its menu entry under Xvfb; its start-up update check finds 9.9.9.
run="$tmp/run"
mkdir -p "$run"
sed '/<standard_session_servicedirs *\/>/d' /usr/share/dbus-1/session.conf > "$tmp/session.conf"
export XDG_DATA_HOME="$run/data" XDG_CONFIG_HOME="$run/config" XDG_CACHE_HOME="$run/cache" XDG_RUNTIME_DIR="$run/xdg"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
mkdir -p tests/e2e/screenshots
APP_CMD="$exec_cmd" LOG="$tmp/app.log" COUNTERSIGN_LOG=info \
xvfb-run -a -s "-screen 0 1280x860x24" dbus-run-session --config-file="$tmp/session.conf" -- bash -c '
  $APP_CMD >"$LOG" 2>&1 & app=$!
  for _ in $(seq 1 90); do
    if xwininfo -root -tree | grep -q "\"Countersign\""; then found=1; break; fi
    kill -0 $app 2>/dev/null || { echo "package-test: the installed app exited early" >&2; exit 1; }
    sleep 1
  done
  [ -n "${found:-}" ] || { echo "package-test: no window titled Countersign" >&2; kill $app; exit 1; }
  for _ in $(seq 1 30); do grep -q "update available" "$LOG" && break; sleep 1; done
  sleep 2
  import -window root tests/e2e/screenshots/installed-app.png
  kill $app
'
sed 's/\x1b\[[0-9;]*m//g' "$tmp/app.log" | grep -q 'update available version=9.9.9 target=linux-x86_64-deb' \
  || { cat "$tmp/app.log" >&2; fail "the installed app did not find the new version at start"; }
grep -q 'GET /latest.json' "$tmp/http.log" || fail "the app never asked the local server"
echo "package-test: installed app opened its window and found 9.9.9 at start"
# Where a user's data lives (the README's uninstall section names these).
[ -s "$XDG_DATA_HOME/app.countersign.desk/countersign.db" ] || fail "no workspace in \$XDG_DATA_HOME/app.countersign.desk"
echo "package-test: the app's data dirs: $(cd "$run" && find data config cache -mindepth 1 -maxdepth 1 2>/dev/null | tr '\n' ' ')"
# Its update flow through its window (WebDriver): altered bytes and an altered signature are
# refused with update_signature_invalid, Help → Check for updates says when it is current.
command -v tauri-driver >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
APP="$app" WWW="$www" COUNTERSIGN_LOG=info \
xvfb-run -a -s "-screen 0 1280x860x24" dbus-run-session --config-file="$tmp/session.conf" -- bash -c '
  tauri-driver --port 4444 >"'"$tmp"'/tauri-driver.log" 2>&1 & driver=$!
  trap "kill $driver 2>/dev/null || true" EXIT
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
  node --test --test-concurrency=1 tests/e2e/installed_update.e2e.mjs
'
for bad in tampered.deb; do grep -q "GET /$bad" "$tmp/http.log" || fail "the app never downloaded $bad"; done

# 6. Remove it.
DEBIAN_FRONTEND=noninteractive $sudo apt-get remove --purge -y -qq "$PKG" >/dev/null
! dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed" || fail "$PKG is still installed"
for f in "$app" "$cli" "$desktop"; do [ ! -e "$f" ] || fail "$f is left after removal"; done
echo "package-test: removed cleanly (build ${build_s}s, install/run/remove $((SECONDS - t1))s, total $((SECONDS - started))s)"
