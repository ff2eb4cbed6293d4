#!/usr/bin/env bash
# End-to-end tests of the real app binary (UI embedded) through WebdriverIO + tauri-driver +
# WebKitWebDriver under Xvfb, with isolated XDG dirs, a real Secret Service (gnome-keyring on a
# private session bus), a recorder that owns the notification service on that bus and a fake
# OpenAI-compatible provider on 127.0.0.1 (fake_openai.mjs), and real mail servers on loopback
# (dovecot and aiosmtpd, tests/mail/servers.sh) for the mailbox test.
# Expects target/debug/countersign-app built with --features custom-protocol and
# target/debug/countersign built (scripts/test.sh does both); $CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
command -v tauri-driver >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
tmp=$(mktemp -d)
# Real IMAP and SMTP servers (tests/mail/servers.sh), stopped at the end whatever happens.
cleanup() {
  tests/mail/servers.sh stop "$tmp/mail" >/dev/null 2>&1 || true
  [ -n "${E2E_KEEP:-}" ] || rm -rf "$tmp" 2>/dev/null || true
}
trap cleanup EXIT
echo "e2e: scratch dir $tmp"
# The mail user (dovecot refuses to serve mail as root) must reach the Maildirs inside.
chmod 0755 "$tmp"
tests/mail/servers.sh start "$tmp/mail" > "$tmp/mail-servers.log"
# shellcheck disable=SC1091
. "$tmp/mail/servers.env"
mkdir -p tests/e2e/screenshots
# A session bus that starts nothing by itself: only what this script runs owns names on it.
sed '/<standard_session_servicedirs *\/>/d' /usr/share/dbus-1/session.conf > "$tmp/session.conf"
cat > "$tmp/inner.sh" <<INNER
set -euo pipefail
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "\$XDG_DATA_HOME" "\$XDG_CONFIG_HOME" "\$XDG_CACHE_HOME" "\$XDG_RUNTIME_DIR"
chmod 700 "\$XDG_RUNTIME_DIR"
echo -n e2e-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Debian's python3 (python3-dbus, python3-gi), not whatever python3 comes first on PATH.
/usr/bin/python3 "$root/tests/e2e/notification_recorder.py" "$tmp/notifications.jsonl" > "$tmp/recorder.log" 2>&1 &
for _ in \$(seq 50); do grep -q ready "$tmp/recorder.log" && break; sleep 0.1; done
grep -q ready "$tmp/recorder.log" || { echo "e2e: the notification recorder did not start:" >&2; cat "$tmp/recorder.log" >&2; exit 1; }
# A fake OpenAI-compatible provider on 127.0.0.1 (tests/e2e/fake_openai.mjs): planning calls
# wait 2 s each, so the test sees the queue show the request as being planned.
FAKE_LLM_DELAY_MS=2000 node "$root/tests/e2e/fake_openai.mjs" "$tmp/llm-requests.jsonl" "$tmp/llm-port" > "$tmp/fake-llm.log" 2>&1 &
for _ in \$(seq 50); do [ -s "$tmp/llm-port" ] && break; sleep 0.1; done
[ -s "$tmp/llm-port" ] || { echo "e2e: the fake LLM provider did not start:" >&2; cat "$tmp/fake-llm.log" >&2; exit 1; }
export FAKE_LLM_URL="http://127.0.0.1:\$(cat "$tmp/llm-port")/v1" FAKE_LLM_REQUESTS="$tmp/llm-requests.jsonl"
# The app takes its default actor name from USER. Test hooks (src-tauri/src/test_hooks.rs) are
# honoured in this run only, and only by a debug build; the app inherits this through
# tauri-driver, so it is set before the driver starts.
export USER=e2e-agent COUNTERSIGN_LOG=${COUNTERSIGN_LOG:-warn} COUNTERSIGN_TEST_HOOKS=1
tauri-driver --port 4444 > "$tmp/tauri-driver.log" 2>&1 &
trap 'kill \$(jobs -p) 2>/dev/null || true' EXIT
# Wait for the driver to listen (a fixed second was not always enough on a loaded machine).
for _ in \$(seq 100); do (echo > /dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
# The driver starts the app; a wrapper keeps its log for when a test fails, and turns the
# responsiveness test's --test-slow-history-ms argument into the app's COUNTERSIGN_TEST_SLOW_MS,
# and the mailbox test's --test-data-home into the app's XDG_DATA_HOME (a workspace of its own).
cat > "$tmp/app.sh" <<'WRAPPER'
#!/bin/sh
if [ "\${1:-}" = --test-slow-history-ms ]; then export COUNTERSIGN_TEST_SLOW_MS="\$2"; shift 2; fi
if [ "\${1:-}" = --test-data-home ]; then export XDG_DATA_HOME="\$2"; shift 2; fi
WRAPPER
printf 'exec "%s" "\$@" 2>>"%s"\n' "$target_dir/debug/countersign-app" "$tmp/app.log" >> "$tmp/app.sh"
chmod +x "$tmp/app.sh"
export APP="$tmp/app.sh" CLI="$target_dir/debug/countersign"
export NOTIFICATIONS="$tmp/notifications.jsonl" E2E_TMP="$tmp"
export MAIL_DIR="$MAIL_DIR" IMAP_PORT="$IMAP_PORT" SMTP_PORT="$SMTP_PORT" MAIL_SERVERS="$root/tests/mail/servers.sh"
node --test --test-concurrency=1 "$root/tests/e2e/app.e2e.mjs"
INNER
xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session --config-file="$tmp/session.conf" -- bash "$tmp/inner.sh"
