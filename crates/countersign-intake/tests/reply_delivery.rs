//! Approved replies out through real aiosmtpd and dovecot on loopback. The crash the outbox is
//! built for: the SMTP server accepted the reply and the process died before the desk recorded
//! it. The restarted sender must find the reply in Sent and send nothing twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../countersign-mail/tests/support/mod.rs"]
mod support;

use std::sync::Arc;

use countersign_core::{ManualClock, Role};
use countersign_intake::{
    deliver_due, imap_settings, outgoing_mail, smtp_settings, Outbound, SEND_LEASE_MS,
};
use countersign_mail::{deliver_once, thread_keys, Delivery, Mailbox, MessageId};
use countersign_pipeline::{Channel, Request};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, Shop};
use countersign_store::{Desk, MailSecurity, MailboxSettings, ReplyApproval, SendState, ShopSeed};
use support::{secret, Servers, CUSTOMER, SUPPORT, SUPPORT_PASSWORD};

const T0: i64 = 1_800_000_000_000;

/// The demo shop, with one customer (who has a pending order) at the test server's address.
fn shop() -> (Shop, String) {
    let mut shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let order = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending && o.net_paid().cents() < 50_000)
        .unwrap()
        .clone();
    shop.users.get_mut(&order.user_id).unwrap().email = CUSTOMER.into();
    (shop, order.order_id)
}

fn settings(servers: &Servers) -> MailboxSettings {
    MailboxSettings {
        imap_host: "127.0.0.1".into(),
        imap_port: servers.imap_port,
        smtp_host: "127.0.0.1".into(),
        smtp_port: servers.smtp_port,
        security: MailSecurity::None,
        user: SUPPORT.into(),
        from: SUPPORT.into(),
        folder: "INBOX".into(),
    }
}

async fn customer_inbox(servers: &Servers) -> Vec<Vec<u8>> {
    let mut customer = servers.customer().await;
    let fetched = customer.fetch_new(None, 100).await.unwrap();
    fetched.into_iter().map(|f| f.raw).collect()
}

#[tokio::test]
async fn a_crash_between_the_smtp_accept_and_the_commit_sends_no_second_copy() {
    let servers = Servers::start();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let (shop, order) = shop();
    let seed = ShopSeed::Loaded(Arc::new(shop));
    let mut desk = Desk::open(dir.path(), &seed, clock.clone()).unwrap();
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    desk.set_mailbox_settings("sam", &settings(&servers))
        .unwrap();
    let got = desk
        .ingest(&Request {
            channel: Some(Channel::Email),
            sender: Some(CUSTOMER.into()),
            subject: Some("Cancel".into()),
            body: format!("Please cancel {order}, I ordered it by mistake."),
            thread: Some("c1@example.test".into()),
            ..Request::default()
        })
        .unwrap();
    let reply = got.reply_proposal_id.unwrap();
    desk.approve(got.proposals[0].id, "sam", None).unwrap();
    desk.approve_reply(reply, "sam", &ReplyApproval::default())
        .unwrap();

    // The sender claims the reply and the SMTP server accepts it...
    let password = secret(SUPPORT_PASSWORD);
    let mailbox_settings = settings(&servers);
    let send = desk.claim_reply_send(SEND_LEASE_MS).unwrap().unwrap();
    let mail = outgoing_mail(&mailbox_settings, &send).unwrap();
    let mut mailbox = Mailbox::connect(&imap_settings(&mailbox_settings), &password)
        .await
        .unwrap();
    let first = deliver_once(
        &mut mailbox,
        &smtp_settings(&mailbox_settings),
        &password,
        &mail,
    )
    .await
    .unwrap();
    assert_eq!(first, Delivery::Sent);
    // ...and the process dies before the desk records it: nothing is committed.
    drop(mailbox);
    drop(desk);
    assert_eq!(customer_inbox(&servers).await.len(), 1);

    // Restarted: the claim is still held until its lease runs out...
    let mut desk = Desk::open(dir.path(), &seed, clock.clone()).unwrap();
    let outbound = Outbound {
        mail: Some((&mailbox_settings, &password)),
        webhook: None,
    };
    let early = deliver_due(&mut desk, &outbound).await.unwrap();
    assert!(early.sent.is_empty() && early.already_sent.is_empty());
    // ...then the sender takes it over, finds it in Sent, and records it without sending.
    clock.advance_ms(SEND_LEASE_MS + 1);
    let report = deliver_due(&mut desk, &outbound).await.unwrap();
    assert_eq!(report.already_sent, vec![reply]);
    assert!(report.sent.is_empty());
    assert_eq!(
        desk.reply_send(reply).unwrap().unwrap().state,
        SendState::Sent
    );

    let inbox = customer_inbox(&servers).await;
    assert_eq!(inbox.len(), 1, "the customer got exactly one copy");
    let keys = thread_keys(&inbox[0]);
    assert_eq!(
        keys.in_reply_to,
        vec![MessageId::parse("c1@example.test").unwrap()]
    );
    assert_eq!(keys.message_id.unwrap().as_str(), send.message_id);
    // And nothing more on later rounds.
    let later = deliver_due(&mut desk, &outbound).await.unwrap();
    assert!(later.sent.is_empty() && later.already_sent.is_empty());
    assert_eq!(customer_inbox(&servers).await.len(), 1);
}

#[tokio::test]
async fn a_reply_waits_in_the_outbox_while_the_server_is_down_and_goes_out_once_it_is_back() {
    let servers = Servers::start();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let (shop, _) = shop();
    let mut desk =
        Desk::open(dir.path(), &ShopSeed::Loaded(Arc::new(shop)), clock.clone()).unwrap();
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    desk.set_mailbox_settings("sam", &settings(&servers))
        .unwrap();
    let got = desk
        .ingest(&Request {
            channel: Some(Channel::Email),
            sender: Some(CUSTOMER.into()),
            subject: Some("Returns".into()),
            body: "What is your return policy?".into(),
            thread: Some("q1@example.test".into()),
            ..Request::default()
        })
        .unwrap();
    let reply = got.reply_proposal_id.unwrap();
    desk.approve_reply(reply, "sam", &ReplyApproval::default())
        .unwrap();
    let mailbox_settings = settings(&servers);
    let password = secret(SUPPORT_PASSWORD);
    let outbound = Outbound {
        mail: Some((&mailbox_settings, &password)),
        webhook: None,
    };
    servers.imap_stop();
    let down = deliver_due(&mut desk, &outbound).await.unwrap();
    assert_eq!(down.retrying, vec![reply]);
    let send = desk.reply_send(reply).unwrap().unwrap();
    assert_eq!(send.state, SendState::Queued);
    assert!(send.last_error.unwrap().starts_with("mail_unreachable"));
    servers.imap_start();
    // Not before its retry time...
    assert!(deliver_due(&mut desk, &outbound)
        .await
        .unwrap()
        .sent
        .is_empty());
    clock.advance_ms(countersign_intake::retry_delay_ms(1));
    let up = deliver_due(&mut desk, &outbound).await.unwrap();
    assert_eq!(up.sent, vec![reply]);
    assert_eq!(customer_inbox(&servers).await.len(), 1);
}
