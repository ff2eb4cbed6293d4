//! `evals replay` over a threaded conversation, through the mail intake the mailbox uses: a
//! decision on the customer's first message is judged against that message, not the follow-up
//! that replaced the conversation's request; a reply draft a person rejected is listed as not
//! judged, never dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use countersign_agent::Agent;
use countersign_core::ManualClock;
use countersign_evals::replay::replay;
use countersign_pipeline::{Caps, Channel, Request};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::OrderStatus;
use countersign_store::{Desk, IncomingMail, MailIntake, MailKey, ShopSeed};

fn mail(
    uid: u32,
    message_id: &'static str,
    references: &'static [String],
) -> IncomingMail<'static> {
    IncomingMail {
        key: MailKey {
            uid_validity: 1,
            uid,
        },
        message_id: Some(message_id),
        references,
        raw: b"raw",
    }
}

fn from(sender: &str, thread: &str, body: &str) -> Request {
    Request {
        channel: Some(Channel::Email),
        sender: Some(sender.into()),
        subject: Some("Cancel please".into()),
        body: body.into(),
        thread: Some(thread.into()),
        ..Request::default()
    }
}

#[test]
fn a_decision_on_the_first_message_is_judged_against_it_after_a_follow_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(
        dir.path(),
        &ShopSeed::Demo,
        Arc::new(ManualClock::new(1_800_000_000_000)),
    )
    .unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let order = shop
        .orders
        .values()
        .find(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && o.net_paid().cents() < 40_000
                && shop
                    .orders
                    .values()
                    .filter(|x| x.user_id == o.user_id && x.status == OrderStatus::Pending)
                    .count()
                    == 1
        })
        .unwrap();
    let email = &shop.users[&order.user_id].email;
    let agent = Agent::rules_only(Caps::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let first = desk
        .admit_mail(
            &mail(1, "m1@customer.example", &[]),
            Ok(&from(
                email,
                "m1@customer.example",
                &format!(
                    "Hi, please cancel order {}, I no longer need it.",
                    order.order_id
                ),
            )),
        )
        .unwrap();
    let MailIntake::Admitted {
        conversation_id, ..
    } = first
    else {
        panic!("{first:?}")
    };
    rt.block_on(agent.plan_waiting(&mut desk, 60_000)).unwrap();
    let view = desk.views().conversation(conversation_id).unwrap();
    let cancel = view.proposals[0].proposal.id;
    desk.approve(cancel, "ana", None).unwrap();

    // The customer writes again in the same thread: the conversation is planned again, from
    // the follow-up; a person rejects the new draft.
    static REFS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let refs = REFS.get_or_init(|| vec!["m1@customer.example".to_owned()]);
    let again = desk
        .admit_mail(
            &mail(2, "m2@customer.example", refs),
            Ok(&from(
                email,
                "m2@customer.example",
                "Thanks! Also, when will the refund arrive?",
            )),
        )
        .unwrap();
    assert!(
        matches!(again, MailIntake::Admitted { conversation_id: c, follow_up: true, .. } if c == conversation_id),
        "{again:?}"
    );
    rt.block_on(agent.plan_waiting(&mut desk, 60_000)).unwrap();
    let draft = desk
        .views()
        .conversation(conversation_id)
        .unwrap()
        .reply_draft
        .unwrap()
        .proposal
        .id;
    desk.reject(draft, "ana", "I will call her").unwrap();

    let cases = desk.eval_cases(0).unwrap();
    let report = replay(&desk, &cases, &agent, 2).unwrap();
    // Both requests planned again, in one conversation.
    assert_eq!(
        (report.requests, report.conversations),
        (2, 1),
        "{report:?}"
    );
    // The approval agrees with today's plan for the first message (judged against the
    // follow-up, it would read as "not proposed").
    assert!(report.flips.is_empty(), "{:?}", report.flips);
    assert_eq!(report.not_judged.len(), 1, "{:?}", report.not_judged);
    assert_eq!(report.not_judged[0].proposal_id, Some(draft));
    assert!(report.not_judged[0].why.contains("reply draft rejected"));
}
