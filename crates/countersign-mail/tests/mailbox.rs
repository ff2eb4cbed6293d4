//! The IMAP side against a real dovecot on loopback: authentication, fetching without `\Seen`,
//! UIDs that resume across batches and a server restart, IDLE.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use countersign_mail::{MailFlag, Mailbox, MessageId, Security, Wake};
use support::{request, secret, Servers, SUPPORT, SUPPORT_PASSWORD};

#[tokio::test]
async fn a_wrong_password_is_auth_failed_and_the_password_is_never_shown() {
    let servers = Servers::start();
    let wrong = "wrong-password-4711";
    let e = Mailbox::connect(&servers.imap(SUPPORT), &secret(wrong))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_auth_failed");
    assert!(!e.is_transient());
    assert!(!format!("{e} {e:?}").contains(wrong), "{e:?}");

    let mut closed = servers.imap(SUPPORT);
    closed.port = free_port();
    let e = Mailbox::connect(&closed, &secret(SUPPORT_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_unreachable");
    assert!(e.is_transient());
    assert!(!format!("{e} {e:?}").contains(SUPPORT_PASSWORD));

    let mut remote = servers.imap(SUPPORT);
    remote.host = "imap.example.com".into();
    remote.security = Security::None;
    let e = Mailbox::connect(&remote, &secret(SUPPORT_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_config");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn fetching_never_sets_seen_and_mark_seen_does() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    for n in 1..=3 {
        mailbox.append("INBOX", &request(n), &[]).await.unwrap();
    }
    let fetched = mailbox.fetch_new(None, 10).await.unwrap();
    assert_eq!(fetched.len(), 3);
    assert!(fetched
        .iter()
        .all(|f| f.uid_validity == mailbox.uid_validity()));
    assert!(fetched.windows(2).all(|w| w[0].uid < w[1].uid));
    assert_eq!(
        fetched[0].message_id,
        Some(MessageId::parse("req-1@customer.example").unwrap())
    );
    assert_eq!(fetched[0].size as usize, fetched[0].raw.len());
    for f in &fetched {
        assert!(!mailbox.is_seen(f.uid).await.unwrap(), "uid {}", f.uid);
    }

    mailbox.mark_seen(fetched[1].uid).await.unwrap();
    let seen: Vec<bool> = {
        let mut v = Vec::new();
        for f in &fetched {
            v.push(mailbox.is_seen(f.uid).await.unwrap());
        }
        v
    };
    assert_eq!(seen, vec![false, true, false]);

    // After the last UID there is nothing, even though `n:*` on its own would match it.
    let last = fetched[2].uid;
    assert!(mailbox.fetch_new(Some(last), 10).await.unwrap().is_empty());
    assert_eq!(
        mailbox.fetch_new(Some(fetched[0].uid), 1).await.unwrap()[0].uid,
        fetched[1].uid
    );
}

/// Request `i` of the 200: one in ten is odd (no header block, broken MIME, oversized, no
/// Message-ID), others use ISO-8859-1, base64 or quoted-printable. Each carries `seq-NNN`.
fn odd_message(i: u32) -> Vec<u8> {
    let seq = format!("seq-{i:03}");
    let head = |extra: &str| {
        format!(
            "From: c{i}@customer.example\r\nTo: support@example.test\r\nX-Seq: {seq}\r\n{extra}"
        )
    };
    match i % 10 {
        0 => match (i / 10) % 4 {
            0 => format!("{seq} no header block at all, just words\r\nand more words\r\n").into_bytes(),
            1 => format!(
                "{}Subject: broken mime\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n--wrong\r\nContent-Type: text/plain\r\n\r\nunterminated part",
                head("")
            )
            .into_bytes(),
            2 => {
                let mut m = head(&format!("Message-ID: <{seq}@big>\r\nSubject: oversized\r\n\r\n")).into_bytes();
                let line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n";
                while m.len() < 1_500_000 {
                    m.extend_from_slice(line);
                }
                m
            }
            _ => format!("{}Subject: no message id, bare LF line endings\n\nbody\n", head("")).into_bytes(),
        },
        1 => {
            let mut m = head(&format!(
                "Message-ID: <{seq}@latin1>\r\nSubject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            ))
            .into_bytes();
            m.extend_from_slice(b"Le caf\xe9 est froid, \xe0 refaire.\r\n");
            m
        }
        2 => format!(
            "{}Message-ID: <{seq}@b64>\r\nSubject: base64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nV2hlcmUgaXMgbXkgb3JkZXI/IMOpw6DDvA==\r\n",
            head("")
        )
        .into_bytes(),
        3 => format!(
            "{}Message-ID: <{seq}@qp>\r\nSubject: qp\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nLa commande =C3=A9tait l=C3=A0 =3D ok, ligne tr=\r\n=C3=A8s longue\r\n",
            head("")
        )
        .into_bytes(),
        4 => format!("{}Subject: no message id\r\n\r\nhello\r\n", head("")).into_bytes(),
        _ => format!("{}Message-ID: <{seq}@plain>\r\nSubject: plain {i}\r\n\r\nhello {i}\r\n", head("")).into_bytes(),
    }
}

fn count_markers(seen: &mut BTreeMap<String, u32>, raw: &[u8]) {
    let text = String::from_utf8_lossy(raw);
    for i in 0..200u32 {
        let seq = format!("seq-{i:03}");
        if text.contains(&seq) {
            *seen.entry(seq).or_default() += 1;
        }
    }
}

#[tokio::test]
async fn two_hundred_odd_messages_are_fetched_once_across_batches_and_a_server_restart() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    for i in 0..200 {
        mailbox.append("INBOX", &odd_message(i), &[]).await.unwrap();
    }
    let validity = mailbox.uid_validity();
    let mut seen = BTreeMap::new();
    let mut last: Option<u32> = None;
    let mut batches = 0;
    let mut restarted = false;
    loop {
        if batches == 6 && !restarted {
            servers.imap_stop();
            let e = mailbox
                .fetch_new(last, 17)
                .await
                .map(|b| b.len())
                .unwrap_err();
            assert!(e.is_transient(), "{e:?}");
            // The broken session stays broken: the caller reconnects.
            let e = mailbox
                .fetch_new(last, 17)
                .await
                .map(|b| b.len())
                .unwrap_err();
            assert!(e.is_transient(), "{e:?}");
            servers.imap_start();
            mailbox = servers.support().await;
            assert_eq!(mailbox.uid_validity(), validity);
            restarted = true;
        }
        let batch = mailbox.fetch_new(last, 17).await.unwrap();
        if batch.is_empty() {
            break;
        }
        batches += 1;
        for f in &batch {
            assert!(last.is_none_or(|l| f.uid > l));
            assert_eq!(f.uid_validity, validity);
            count_markers(&mut seen, &f.raw);
            last = Some(f.uid);
        }
    }
    assert!(restarted);
    assert_eq!(
        seen.len(),
        200,
        "missing: {:?}",
        (0..200)
            .map(|i| format!("seq-{i:03}"))
            .filter(|s| !seen.contains_key(s))
            .collect::<Vec<_>>()
    );
    assert!(seen.values().all(|&n| n == 1), "fetched twice: {seen:?}");
    // Fetching never marked anything seen.
    let sample = mailbox.fetch_new(None, 5).await.unwrap();
    for f in sample {
        assert!(!mailbox.is_seen(f.uid).await.unwrap());
    }
}

#[tokio::test]
async fn idle_wakes_on_a_new_append() {
    let servers = Servers::start();
    let mut waiting = servers.support().await;
    assert!(waiting.supports_idle());
    let mut other = servers.support().await;
    let started = Instant::now();
    let (wake, ()) = tokio::join!(waiting.wait_for_mail(Duration::from_secs(20)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        other
            .append("INBOX", &request(1), &[MailFlag::Draft])
            .await
            .unwrap();
    });
    assert_eq!(wake.unwrap(), Wake::NewMail);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The session is usable after IDLE, and the message is there.
    let fetched = waiting.fetch_new(None, 10).await.unwrap();
    assert_eq!(fetched.len(), 1);

    // Nothing new: it times out.
    let wake = waiting
        .wait_for_mail(Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(wake, Wake::TimedOut);
}
