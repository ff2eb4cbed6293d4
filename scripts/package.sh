#!/usr/bin/env bash
# Builds the installable bundles with the Tauri bundler (pinned @tauri-apps/cli): on Linux a
# .deb and an .rpm (both made offline), with the `countersign` CLI installed beside the app.
# Idempotent: a second run rebuilds only what changed. The bundles are printed at the end.
#
#   ./scripts/package.sh [--debug] [--bundles deb,rpm] [--config FILE_OR_JSON]...
#
# --debug      a debug build (what the package test installs: it shares the test build's cache)
# --bundles    Tauri bundle types; `appimage` downloads linuxdeploy and its plugins from the
#              network at build time (not possible on an offline machine); dmg/app and msi/nsis
#              are built on macOS and Windows with the same config (tauri.conf.json).
# --config     merged over tauri.conf.json (e.g. the release's update endpoint).
#
# Signing (updates): when TAURI_SIGNING_PRIVATE_KEY (the key's text) or
# TAURI_SIGNING_PRIVATE_KEY_PATH is set (and TAURI_SIGNING_PRIVATE_KEY_PASSWORD), each bundle
# gets a minisign `.sig` made by `tauri signer sign`, and `latest.json` is written beside the
# bundles; RELEASE_BASE_URL (where the bundles will be downloaded from) and RELEASE_NOTES (text)
# fill it in. The private key never enters the repository (README: "Releasing an update").
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
bundles=deb,rpm
extra=()
while (($#)); do
  case "$1" in
    --debug) profile=debug ;;
    --bundles) bundles=$2; shift ;;
    --config) extra+=(--config "$2"); shift ;;
    *) echo "usage: $0 [--debug] [--bundles deb,rpm] [--config FILE_OR_JSON]..." >&2; exit 2 ;;
  esac
  shift
done
case ",$bundles," in
  *,appimage,*) echo "package: the AppImage bundler downloads linuxdeploy at build time: this needs network access" >&2 ;;
esac

./scripts/setup.sh
npm run ui:build >/dev/null

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
host=$(rustc -vV | sed -n 's/^host: //p')
release_flag=()
debug_flag=()
if [ "$profile" = release ]; then release_flag=(--release); else debug_flag=(--debug); fi

# The CLI goes into the bundle as a Tauri "external binary" (installed as /usr/bin/countersign
# on Linux, beside the app on macOS and Windows). Tauri wants it named with the target triple.
# externalBin is in tauri.bundle.conf.json, not tauri.conf.json, so that a plain `cargo build`
# of the app does not need the CLI built first.
# --workspace: the features the test build unified, so a debug bundle reuses its cache.
cargo build --locked --workspace --bin countersign "${release_flag[@]}"
mkdir -p src-tauri/binaries
install -m 0755 "$target_dir/$profile/countersign" "src-tauri/binaries/countersign-$host"

out="$target_dir/$profile/bundle"
# Signatures and the manifest of an earlier run would not match this build's bundles.
rm -f "$out/latest.json" "$out"/*/*.sig
npx tauri build "${debug_flag[@]}" --bundles "$bundles" \
  --config src-tauri/tauri.bundle.conf.json "${extra[@]}" -- --locked

version=$(node -p 'require("./src-tauri/tauri.conf.json").version')
built=()
for f in "$out"/deb/*_"${version}"_*.deb "$out"/rpm/*-"${version}"-*.rpm "$out"/appimage/*_"${version}"_*.AppImage; do
  [ -f "$f" ] && built+=("$f")
done
((${#built[@]})) || { echo "package: no bundle was written under $out" >&2; exit 1; }

if [ -n "${TAURI_SIGNING_PRIVATE_KEY:-}${TAURI_SIGNING_PRIVATE_KEY_PATH:-}" ]; then
  export TAURI_SIGNING_PRIVATE_KEY_PASSWORD="${TAURI_SIGNING_PRIVATE_KEY_PASSWORD:-}"
  for f in "${built[@]}"; do
    npx tauri signer sign "$f" >/dev/null
  done
  # latest.json in the format of Tauri's updater: one entry per installer kind.
  VERSION="$version" BASE="${RELEASE_BASE_URL:-}" NOTES="${RELEASE_NOTES:-}" node -e '
    const fs = require("fs"), path = require("path");
    const files = process.argv.slice(1);
    const kind = { ".deb": "deb", ".rpm": "rpm", ".AppImage": "appimage" };
    const arch = { x86_64: "x86_64", amd64: "x86_64", aarch64: "aarch64", arm64: "aarch64" };
    const platforms = {};
    for (const f of files) {
      const k = kind[path.extname(f)];
      const a = Object.keys(arch).find((x) => path.basename(f).includes(x)) ?? "x86_64";
      const entry = {
        signature: fs.readFileSync(f + ".sig", "utf8").trim(),
        url: (process.env.BASE ? process.env.BASE.replace(/\/$/, "") + "/" : "") + path.basename(f),
      };
      platforms[`linux-${arch[a]}-${k}`] = entry;
      if (k === "appimage") platforms[`linux-${arch[a]}`] = entry;
    }
    const manifest = { version: process.env.VERSION, notes: process.env.NOTES, pub_date: new Date().toISOString(), platforms };
    fs.writeFileSync(path.join(path.dirname(path.dirname(files[0])), "latest.json"), JSON.stringify(manifest, null, 2) + "\n");
  ' "${built[@]}"
  echo "package: signed; update manifest: $out/latest.json"
else
  echo "package: not signed (no TAURI_SIGNING_PRIVATE_KEY): fine to install, not to publish as an update"
fi
printf 'package: %s\n' "${built[@]}"
