//! Sending replies against real servers: aiosmtpd delivers into the customer's Maildir and the
//! test reads it back over IMAP as the customer; the Sent folder is the record that makes a
//! second delivery of the same Message-ID send nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use countersign_mail::{
    deliver_once, render, resolve_uncertain, send, thread_keys, Delivery, MailFlag, MessageId,
    OutgoingMail, Resolution,
};
use support::{secret, Servers, CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn id(s: &str) -> MessageId {
    MessageId::parse(s).unwrap()
}

fn reply(n: u32) -> OutgoingMail {
    OutgoingMail {
        from: format!("Support <{SUPPORT}>"),
        to: CUSTOMER.into(),
        subject: "Re: Where is my order?".into(),
        text: "It ships tomorrow — sorry for the wait.\n".into(),
        message_id: id(&format!("proposal-{n}.acme@countersign")),
        in_reply_to: Some(id("c2@customer.example")),
        references: vec![id("c1@customer.example"), id("c2@customer.example")],
    }
}

/// The replies in the customer's INBOX, as the customer reads them over IMAP.
async fn customer_inbox(servers: &Servers) -> Vec<Vec<u8>> {
    let mut customer = servers.customer().await;
    let fetched = customer.fetch_new(None, 100).await.unwrap();
    fetched.into_iter().map(|f| f.raw).collect()
}

#[tokio::test]
async fn deliver_once_sends_one_copy_with_thread_headers_and_records_it_in_sent() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    let mail = reply(42);
    let sent = deliver_once(
        &mut mailbox,
        &servers.smtp(),
        &secret(SUPPORT_PASSWORD),
        &mail,
    )
    .await
    .unwrap();
    assert_eq!(sent, Delivery::Sent);

    let inbox = customer_inbox(&servers).await;
    assert_eq!(inbox.len(), 1);
    let keys = thread_keys(&inbox[0]);
    assert_eq!(keys.message_id, Some(mail.message_id.clone()));
    assert_eq!(keys.in_reply_to, vec![id("c2@customer.example")]);
    assert_eq!(keys.references, mail.references);
    assert!(String::from_utf8_lossy(&inbox[0]).contains("text/plain; charset=utf-8"));

    let sent_folder = mailbox.sent_folder().await.unwrap();
    assert_eq!(sent_folder, "Sent"); // found through the \Sent special use
    assert!(mailbox
        .find_by_message_id(&sent_folder, &mail.message_id)
        .await
        .unwrap());
    // A different id is not matched by the substring search.
    assert!(!mailbox
        .find_by_message_id(&sent_folder, &id("proposal-4.acme@countersign"))
        .await
        .unwrap());
}

#[tokio::test]
async fn a_restart_after_the_smtp_server_accepted_sends_nothing_the_second_time() {
    let servers = Servers::start();
    let mail = reply(7);
    let mut first = servers.support().await;
    let outcome = deliver_once(
        &mut first,
        &servers.smtp(),
        &secret(SUPPORT_PASSWORD),
        &mail,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Delivery::Sent);
    drop(first); // the desk crashed before its commit

    let mut after_restart = servers.support().await;
    let again = deliver_once(
        &mut after_restart,
        &servers.smtp(),
        &secret(SUPPORT_PASSWORD),
        &mail,
    )
    .await
    .unwrap();
    assert_eq!(again, Delivery::AlreadySent);
    assert_eq!(customer_inbox(&servers).await.len(), 1);
}

#[tokio::test]
async fn a_crash_between_recording_and_the_smtp_outcome_is_uncertain_and_a_person_settles_it() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    let smtp = servers.smtp();
    let password = secret(SUPPORT_PASSWORD);
    let sent_folder = mailbox.sent_folder().await.unwrap();

    // The state a crash leaves: the copy in Sent, still marked as sending.
    let unsent = reply(1);
    mailbox
        .append(
            &sent_folder,
            &render(&unsent).unwrap(),
            &[MailFlag::Seen, MailFlag::Sending],
        )
        .await
        .unwrap();
    let e = deliver_once(&mut mailbox, &smtp, &password, &unsent)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_delivery_uncertain");
    assert!(!e.is_transient());
    assert!(customer_inbox(&servers).await.is_empty());

    // "It did not go out": the attempt is forgotten and the next delivery sends, once.
    resolve_uncertain(&mut mailbox, &unsent.message_id, Resolution::DidNotGoOut)
        .await
        .unwrap();
    assert_eq!(
        deliver_once(&mut mailbox, &smtp, &password, &unsent)
            .await
            .unwrap(),
        Delivery::Sent
    );
    assert_eq!(
        deliver_once(&mut mailbox, &smtp, &password, &unsent)
            .await
            .unwrap(),
        Delivery::AlreadySent
    );
    assert_eq!(customer_inbox(&servers).await.len(), 1);

    // "It went out": recorded as sent, nothing is sent.
    let went = reply(2);
    mailbox
        .append(
            &sent_folder,
            &render(&went).unwrap(),
            &[MailFlag::Seen, MailFlag::Sending],
        )
        .await
        .unwrap();
    resolve_uncertain(&mut mailbox, &went.message_id, Resolution::WentOut)
        .await
        .unwrap();
    assert_eq!(
        deliver_once(&mut mailbox, &smtp, &password, &went)
            .await
            .unwrap(),
        Delivery::AlreadySent
    );
    assert_eq!(customer_inbox(&servers).await.len(), 1);
}

#[tokio::test]
async fn a_refused_recipient_leaves_no_record_so_nothing_reads_as_sent() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    let mut mail = reply(9);
    mail.to = "nobody@example.test".into();
    let password = secret(SUPPORT_PASSWORD);
    for _ in 0..2 {
        let e = deliver_once(&mut mailbox, &servers.smtp(), &password, &mail)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "mail_rejected", "{e:?}");
    }
    let sent_folder = mailbox.sent_folder().await.unwrap();
    assert!(!mailbox
        .find_by_message_id(&sent_folder, &mail.message_id)
        .await
        .unwrap());
}

#[tokio::test]
async fn a_wrong_smtp_password_is_auth_failed_records_nothing_and_is_never_shown() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    let wrong = "not-the-password-0815";
    let mail = reply(3);
    let e = deliver_once(&mut mailbox, &servers.smtp(), &secret(wrong), &mail)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_auth_failed");
    assert!(!format!("{e} {e:?}").contains(wrong));
    let e = send(&servers.smtp(), &secret(wrong), &mail)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_auth_failed");
    assert!(!format!("{e} {e:?}").contains(wrong));
    let sent_folder = mailbox.sent_folder().await.unwrap();
    assert!(!mailbox
        .find_by_message_id(&sent_folder, &mail.message_id)
        .await
        .unwrap());

    // And with the right one, `send` alone delivers.
    send(&servers.smtp(), &secret(SUPPORT_PASSWORD), &mail)
        .await
        .unwrap();
    assert_eq!(customer_inbox(&servers).await.len(), 1);
}

#[tokio::test]
async fn the_smtp_server_refuses_mail_without_auth() {
    let servers = Servers::start();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", servers.smtp_port))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut reply = async || -> String {
        // Multi-line replies: read to the line with a space after the code.
        loop {
            let line = lines.next_line().await.unwrap().unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                return line;
            }
        }
    };
    assert!(reply().await.starts_with("220"));
    write.write_all(b"EHLO test\r\n").await.unwrap();
    assert!(reply().await.starts_with("250"));
    write
        .write_all(format!("MAIL FROM:<{SUPPORT}>\r\n").as_bytes())
        .await
        .unwrap();
    let refused = reply().await;
    assert!(refused.starts_with("530"), "{refused}");
}

#[tokio::test]
async fn a_reply_from_another_address_than_the_account_is_refused_before_anything_happens() {
    let servers = Servers::start();
    let mut mailbox = servers.support().await;
    let mut mail = reply(5);
    mail.from = "Billing <billing@example.test>".into();
    let password = secret(SUPPORT_PASSWORD);
    let e = deliver_once(&mut mailbox, &servers.smtp(), &password, &mail)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "mail_config");
    assert_eq!(
        send(&servers.smtp(), &password, &mail)
            .await
            .unwrap_err()
            .code(),
        "mail_config"
    );
    // Another display name for the same address is fine.
    mail.from = format!("Anna from Support <{SUPPORT}>");
    assert_eq!(
        deliver_once(&mut mailbox, &servers.smtp(), &password, &mail)
            .await
            .unwrap(),
        Delivery::Sent
    );
}

#[tokio::test]
async fn a_configured_sent_folder_that_does_not_exist_is_created() {
    let servers = Servers::start();
    let mut settings = servers.imap(SUPPORT);
    settings.sent_folder = Some("Replies".into());
    let password = secret(SUPPORT_PASSWORD);
    let mut mailbox = countersign_mail::Mailbox::connect(&settings, &password)
        .await
        .unwrap();
    let mail = reply(6);
    assert_eq!(
        deliver_once(&mut mailbox, &servers.smtp(), &password, &mail)
            .await
            .unwrap(),
        Delivery::Sent
    );
    assert!(mailbox
        .find_by_message_id("Replies", &mail.message_id)
        .await
        .unwrap());
    assert_eq!(customer_inbox(&servers).await.len(), 1);
}
