//! The support mailbox into the desk, against real dovecot on loopback: 200 messages, a tenth
//! of them unreadable or oversized, some in odd encodings and some sent twice; a server that
//! dies between the desk's commit and `\Seen`. Each message is admitted once or quarantined
//! with a reason: none twice, none lost.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../countersign-mail/tests/support/mod.rs"]
mod support;

use std::sync::Arc;

use countersign_core::{ManualClock, Role};
use countersign_intake::{imap_settings, poll, poll_once, read_message};
use countersign_mail::{MailFlag, Mailbox};
use countersign_store::{Desk, IncomingMail, MailKey, MailSecurity, MailboxSettings, ShopSeed};
use support::{secret, Servers, SUPPORT, SUPPORT_PASSWORD};

const T0: i64 = 1_800_000_000_000;

/// Message `n`: mostly plain requests; one in five unreadable (no body, or over the 1 MiB
/// limit); some in ISO-8859-1 quoted-printable or base64; every 50th a resend of an earlier
/// message (same Message-ID).
fn message(n: u32) -> (Vec<u8>, Expect) {
    let head = |id: String, extra: &str| {
        format!("From: Customer {n} <customer{n}@example.test>\r\nTo: {SUPPORT}\r\nSubject: Request {n}\r\nMessage-ID: <{id}@customer.example>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n{extra}")
    };
    if n % 50 == 49 {
        // A resend: the same Message-ID as message n - 1 (a client retrying).
        let raw = format!(
            "{}\r\nWhere is my order?\r\n",
            head(format!("req-{}", n - 1), "")
        );
        return (raw.into_bytes(), Expect::Duplicate);
    }
    match n % 10 {
        3 => (
            format!("{}\r\n", head(format!("req-{n}"), "")).into_bytes(),
            Expect::Quarantined,
        ),
        7 => {
            let mut raw = head(format!("req-{n}"), "").into_bytes();
            raw.extend_from_slice(b"\r\n");
            raw.extend(std::iter::repeat_n(b'x', (1 << 20) + 10));
            raw.extend_from_slice(b"\r\n");
            (raw, Expect::Quarantined)
        }
        1 => {
            let mut raw = head(
                format!("req-{n}"),
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            )
            .into_bytes();
            raw.extend_from_slice(b"\r\nO=F9 est ma commande, s'il vous pla=EEt ?\r\n");
            (raw, Expect::Admitted)
        }
        5 => (
            format!(
                "{}\r\nV2hlcmUgaXMgbXkgb3JkZXI/\r\n",
                head(
                    format!("req-{n}"),
                    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
                )
            )
            .into_bytes(),
            Expect::Admitted,
        ),
        _ => (
            format!("{}\r\nHello, where is my order number {n}?\r\n", head(format!("req-{n}"), ""))
                .into_bytes(),
            Expect::Admitted,
        ),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Admitted,
    Quarantined,
    Duplicate,
}

fn desk(dir: &std::path::Path, servers: &Servers) -> Desk {
    let mut desk = Desk::open(dir, &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    desk.set_mailbox_settings(
        "sam",
        &MailboxSettings {
            imap_host: "127.0.0.1".into(),
            imap_port: servers.imap_port,
            smtp_host: "127.0.0.1".into(),
            smtp_port: servers.smtp_port,
            security: MailSecurity::None,
            user: SUPPORT.into(),
            from: format!("Support <{SUPPORT}>"),
            folder: "INBOX".into(),
        },
    )
    .unwrap();
    desk
}

#[tokio::test]
async fn two_hundred_messages_each_once_across_a_server_restart() {
    let servers = Servers::start();
    let dir = tempfile::tempdir().unwrap();
    let mut desk = desk(dir.path(), &servers);
    let password = secret(SUPPORT_PASSWORD);

    let mut expected = Vec::new();
    {
        let mut inbox = servers.support().await;
        for n in 0..200 {
            let (raw, expect) = message(n);
            inbox
                .append("INBOX", &raw, &[] as &[MailFlag])
                .await
                .unwrap();
            expected.push(expect);
        }
    }
    let want = |e: Expect| expected.iter().filter(|x| **x == e).count();

    // The first batch is recorded, then the server dies before `\Seen` is set.
    let settings = imap_settings(&desk.mailbox_settings().unwrap().unwrap());
    let mut mailbox = Mailbox::connect(&settings, &password).await.unwrap();
    let uid_validity = mailbox.uid_validity();
    let first = mailbox.fetch_new(None, 10).await.unwrap();
    for f in &first {
        let parsed = read_message(&f.raw);
        desk.admit_mail(
            &IncomingMail {
                key: MailKey {
                    uid_validity: f.uid_validity,
                    uid: f.uid,
                },
                message_id: f.message_id.as_ref().map(|m| m.as_str()),
                references: &[],
                raw: &f.raw,
            },
            parsed.as_ref().map_err(Clone::clone),
        )
        .unwrap();
    }
    servers.imap_stop();
    assert!(mailbox.mark_seen(first[0].uid).await.is_err());

    // While it is down, a poll fails, says so, and changes nothing.
    let down = poll(&mut desk, &password, T0).await.unwrap_err();
    assert_eq!(down.code(), "mail_unreachable", "{down}");
    let status = desk.mailbox_status().unwrap();
    assert!(!status.connected);
    assert_eq!(status.last_error.unwrap().code, "mail_unreachable");
    let before = desk.mail_counts().unwrap();

    servers.imap_start();
    let report = poll(&mut desk, &password, T0 + 1).await.unwrap();
    assert_eq!(report.uid_validity, uid_validity);
    assert_eq!(
        report.fetched, 190,
        "the ten recorded before the crash are not fetched again"
    );
    let status = desk.mailbox_status().unwrap();
    assert!(status.connected && status.last_error.is_none());

    let counts = desk.mail_counts().unwrap();
    assert_eq!(
        counts.admitted as usize,
        want(Expect::Admitted),
        "before the restart: {before:?}"
    );
    assert_eq!(counts.quarantined as usize, want(Expect::Quarantined));
    assert_eq!(counts.duplicates as usize, want(Expect::Duplicate));
    assert_eq!(
        counts.admitted + counts.quarantined + counts.duplicates,
        200,
        "each of the 200 recorded exactly once"
    );
    let quarantined = desk.quarantined_mail().unwrap();
    assert!(quarantined.iter().all(|q| !q.reason.is_empty()));
    assert!(
        quarantined
            .iter()
            .any(|q| q.reason.starts_with("empty_request: ")),
        "{quarantined:?}"
    );
    assert!(
        quarantined
            .iter()
            .any(|q| q.reason.starts_with("request_too_large: ")),
        "{quarantined:?}"
    );
    assert!(
        quarantined.iter().any(|q| q.size > 1 << 20),
        "the raw message is kept"
    );

    // Polling again finds nothing new and duplicates nothing.
    let mut mailbox = Mailbox::connect(&settings, &password).await.unwrap();
    let again = poll_once(&mut desk, &mut mailbox).await.unwrap();
    assert_eq!((again.fetched, again.admitted.len()), (0, 0));
    assert_eq!(desk.mail_counts().unwrap(), counts);
    // Everything the desk recorded after the restart is marked seen on the server; the ten
    // recorded before the crash stay unseen there (never lost, never taken twice).
    let last = desk.last_mail_uid(uid_validity).unwrap().unwrap();
    assert!(mailbox.is_seen(last).await.unwrap());
    assert!(!mailbox.is_seen(first[0].uid).await.unwrap());
    // Every conversation is there once, waiting for a planner.
    assert_eq!(
        desk.views().planning().unwrap().len(),
        want(Expect::Admitted)
    );
}

/// Where the team's mail goes is a supervisor's to change, like the provider: an agent is
/// refused and nothing is stored; settings the mail crate would refuse never reach the desk.
#[test]
fn only_a_supervisor_sets_the_mailbox_and_only_usable_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    let settings = MailboxSettings {
        imap_host: "mail.example.com".into(),
        imap_port: 993,
        smtp_host: "mail.example.com".into(),
        smtp_port: 465,
        security: MailSecurity::Tls,
        user: SUPPORT.into(),
        from: SUPPORT.into(),
        folder: "INBOX".into(),
    };
    let refused = desk.set_mailbox_settings("ana", &settings).unwrap_err();
    assert_eq!(refused.code(), "not_permitted");
    assert_eq!(desk.mailbox_settings().unwrap(), None);
    assert!(countersign_intake::validate(&settings).is_ok());
    let clear = MailboxSettings {
        security: MailSecurity::None,
        ..settings.clone()
    };
    assert_eq!(
        countersign_intake::validate(&clear).unwrap_err().code(),
        "mail_config",
        "no encryption only for a server on this machine"
    );
    desk.set_mailbox_settings("sam", &settings).unwrap();
    assert_eq!(desk.mailbox_settings().unwrap(), Some(settings));
}
