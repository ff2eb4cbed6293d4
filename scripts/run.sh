#!/usr/bin/env bash
# Builds and opens the Countersign desktop app (UI embedded). On a machine without a display it
# runs under Xvfb. Extra arguments go to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run ui:build >/dev/null
cargo build --locked -p countersign-app --features custom-protocol
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display; starting under Xvfb"
  exec xvfb-run -a target/debug/countersign-app "$@"
fi
exec target/debug/countersign-app "$@"
