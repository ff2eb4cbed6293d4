#!/usr/bin/env bash
# Real mail servers for tests, unprivileged, on loopback: dovecot (IMAP) and aiosmtpd (SMTP
# submission with AUTH, delivering into the recipient's Maildir, which dovecot serves).
#
#   tests/mail/servers.sh start DIR       start both; writes DIR/servers.env and prints it
#   tests/mail/servers.sh stop DIR        stop both (idempotent)
#   tests/mail/servers.sh imap-stop DIR   stop only dovecot (a server restart mid-session)
#   tests/mail/servers.sh imap-start DIR  start dovecot again on the same port
#
# Users (passwd-file): support@example.test / support-secret, customer@example.test /
# customer-secret. Mail lives in DIR/home/<local part>/Maildir, owned by the system user csmail
# (dovecot refuses mail access as root). See /work/shared/notes/mail-servers.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|imap-stop|imap-start DIR" >&2; exit 2; }

PYTHON=/usr/bin/python3
MAIL_USER=csmail

need() {
  if [ ! -x /usr/sbin/dovecot ] || ! "$PYTHON" -c 'import aiosmtpd' 2>/dev/null \
     || ! id "$MAIL_USER" >/dev/null 2>&1; then
    echo "servers.sh: dovecot-imapd, python3-aiosmtpd or the csmail user is missing; run scripts/setup.sh" >&2
    exit 3
  fi
}

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something accepts connections on 127.0.0.1:$1 (or, with "closed", until nothing does).
wait_port() {
  local port="$1" want="${2:-open}" i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      [ "$want" = open ] && return 0
    else
      [ "$want" = closed ] && return 0
    fi
    sleep 0.05
  done
  echo "servers.sh: port $port did not become $want" >&2
  return 1
}

write_config() {
  local t="$1" imap_port="$2"
  cat >"$t/dovecot.conf" <<CONF
instance_name = countersign-test-$imap_port
base_dir = $t/run
state_dir = $t/state
log_path = $t/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $MAIL_USER
default_login_user = $MAIL_USER
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $t/passwd
}
userdb {
  driver = static
  args = uid=$MAIL_USER gid=$MAIL_USER home=$t/home/%n
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
CONF
}

imap_start() {
  local t="$1"
  # shellcheck disable=SC1091
  . "$t/servers.env"
  # Detached stdio: the daemon must not hold the caller's pipes open (a test reading this
  # script's output would wait for ever). Startup errors go to $t/dovecot.log.
  /usr/sbin/dovecot -c "$t/dovecot.conf" </dev/null >>"$t/dovecot.start.log" 2>&1 \
    || { cat "$t/dovecot.start.log" "$t/dovecot.log" >&2 2>/dev/null; return 1; }
  wait_port "$IMAP_PORT" open
}

imap_stop() {
  local t="$1"
  [ -f "$t/dovecot.conf" ] || return 0
  # shellcheck disable=SC1091
  . "$t/servers.env"
  if [ -f "$t/run/master.pid" ]; then
    local pid children
    pid="$(cat "$t/run/master.pid" 2>/dev/null || true)"
    # The master's children (imap, imap-login, auth…) of this instance only. Dovecot lets
    # running imap processes finish on their own after the master stops; a restart test needs
    # the connections cut as a crash or a reboot would, so they are ended too.
    children="$( [ -n "$pid" ] && pgrep -P "$pid" || true)"
    # SIGTERM to the master (what `doveadm stop` sends, without its seconds of waiting).
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    for c in $children; do kill "$c" 2>/dev/null || true; done
    for _ in $(seq 1 100); do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    for c in $children; do
      for _ in $(seq 1 100); do kill -0 "$c" 2>/dev/null || break; sleep 0.05; done
    done
  fi
  wait_port "$IMAP_PORT" closed
}

case "$cmd" in
  start)
    need
    mkdir -p "$dir"
    t="$(cd "$dir" && pwd)"
    chmod 0755 "$t"
    mkdir -p "$t/run" "$t/state" "$t/home/support" "$t/home/customer"
    chown -R "$MAIL_USER:$MAIL_USER" "$t/home"
    cat >"$t/passwd" <<PW
support@example.test:{PLAIN}support-secret
customer@example.test:{PLAIN}customer-secret
PW
    chown "root:$MAIL_USER" "$t/passwd"
    chmod 0640 "$t/passwd"
    imap_port="$(free_port)"
    smtp_port="$(free_port)"
    printf 'IMAP_PORT=%s\nSMTP_PORT=%s\nMAIL_DIR=%s\n' "$imap_port" "$smtp_port" "$t" >"$t/servers.env"
    write_config "$t" "$imap_port"
    imap_start "$t"
    runuser -u "$MAIL_USER" -- "$PYTHON" "$here/smtpd.py" --port "$smtp_port" \
      --homes "$t/home" --passwd "$t/passwd" </dev/null >"$t/smtpd.log" 2>&1 &
    echo $! >"$t/smtpd.pid"
    wait_port "$smtp_port" open
    cat "$t/servers.env"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    t="$(cd "$dir" && pwd)"
    smtpd=""
    if [ -f "$t/smtpd.pid" ]; then
      smtpd="$(cat "$t/smtpd.pid")"
      # The python process is runuser's child: end it directly (runuser would forward the
      # signal only after a grace period of seconds), and runuser exits with it.
      for c in $(pgrep -P "$smtpd" || true); do kill "$c" 2>/dev/null || true; done
    fi
    imap_stop "$t"
    if [ -n "$smtpd" ]; then
      for _ in $(seq 1 100); do kill -0 "$smtpd" 2>/dev/null || break; sleep 0.05; done
      kill "$smtpd" 2>/dev/null || true
      rm -f "$t/smtpd.pid"
    fi
    ;;
  imap-stop)
    imap_stop "$(cd "$dir" && pwd)"
    ;;
  imap-start)
    need
    imap_start "$(cd "$dir" && pwd)"
    ;;
  *)
    echo "usage: $0 start|stop|imap-stop|imap-start DIR" >&2
    exit 2
    ;;
esac
