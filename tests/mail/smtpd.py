"""Submission server for the countersign-mail tests: aiosmtpd on loopback, AUTH required,
delivering each accepted message into the recipient's Maildir (the one dovecot serves).

Run by servers.sh as the mail user; not a product component.
"""
import argparse
import mailbox
import os
import signal
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def load_users(path):
    users = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or ":" not in line:
                continue
            user, rest = line.split(":", 1)
            password = rest.split(":", 1)[0]
            if password.startswith("{PLAIN}"):
                password = password[len("{PLAIN}"):]
            users[user] = password
    return users


class Authenticator:
    def __init__(self, users):
        self.users = users

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = self.users.get(login) == password
        return AuthResult(success=ok, handled=False)


class MaildirDelivery:
    def __init__(self, homes, users):
        self.homes = homes
        self.users = users

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() not in self.users:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            local = rcpt.split("@", 1)[0].lower()
            box = mailbox.Maildir(os.path.join(self.homes, local, "Maildir"), create=True)
            box.add(envelope.original_content)
        return "250 2.0.0 Delivered"


def main():
    # Loopback test server: AUTH without TLS is the point, not an oversight.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--homes", required=True)
    parser.add_argument("--passwd", required=True)
    args = parser.parse_args()
    users = load_users(args.passwd)
    controller = Controller(
        MaildirDelivery(args.homes, users),
        hostname="127.0.0.1",
        port=args.port,
        authenticator=Authenticator(users),
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    # Delivery writes each message with one rename, so ending at once loses nothing; a graceful
    # controller.stop() takes seconds, which every test would pay.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
