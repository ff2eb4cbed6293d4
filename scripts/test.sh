#!/usr/bin/env bash
# The whole check, as CI runs it: set-up, UI build and type check, formatting, lints, every
# test (unit, integration, CLI, τ-bench replay), a smoke run of the real app under Xvfb, the
# end-to-end tests, and the package test (build, install, start, update check, remove).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Shared, externally written test data is read in place (never copied into the project).
if [ -z "${COUNTERSIGN_DATASETS:-}" ]; then
  for d in "$PWD/../shared/datasets" /work/shared/datasets; do
    if [ -d "$d/tau-retail" ]; then COUNTERSIGN_DATASETS=$(cd "$d" && pwd); break; fi
  done
fi
[ -n "${COUNTERSIGN_DATASETS:-}" ] || { echo "test: shared datasets not found; set COUNTERSIGN_DATASETS" >&2; exit 1; }
export COUNTERSIGN_DATASETS

npm run ui:build
npm run ui:check
npm run ui:test
cargo fmt --all --check
# One feature set for lints, tests and the smoke run, so the app is compiled once.
FEATURES=(--features countersign-app/custom-protocol)
cargo clippy --workspace --all-targets --locked "${FEATURES[@]}" -- -D warnings
cargo test --workspace --locked "${FEATURES[@]}"
# The tests regenerate the UI's IPC types from Rust (ts-rs); the committed ones must be current.
if [ -n "$(git status --porcelain -- ui/src/lib/bindings 2>/dev/null)" ]; then
  echo "test: ui/src/lib/bindings is stale; run cargo test -p countersign-app and commit it" >&2
  git status --short -- ui/src/lib/bindings >&2
  exit 1
fi
./scripts/smoke-app.sh
./tests/e2e/run.sh
# The installable bundle: build the .deb, install it with apt-get, start it, check updates, remove.
./scripts/test-package.sh
echo "test: all checks passed"
