//! The work metrics against a fixture whose figures were worked out by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use countersign_core::ManualClock;
use countersign_pipeline::{Channel, Request};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, ToolName};
use countersign_store::{CsatRow, CsatTarget, Desk, ProposeRequest, ReplyApproval, ShopSeed};
use serde_json::json;

const T0: i64 = 1_800_000_000_000;

fn email(from: &str, body: &str, thread: &str) -> Request {
    Request {
        channel: Some(Channel::Email),
        sender: Some(from.into()),
        subject: Some("Help".into()),
        body: body.into(),
        thread: Some(thread.into()),
        ..Request::default()
    }
}

#[test]
fn figures_match_the_hand_computed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, clock.clone()).unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let mut pending = shop.orders.values().filter(|o| {
        o.status == OrderStatus::Pending
            && o.payment_history.len() == 1
            && o.net_paid().cents() < 50_000
    });
    let (a, b) = (pending.next().unwrap(), pending.next().unwrap());
    let mail = |o: &countersign_shop::Order| shop.users[&o.user_id].email.clone();

    // A: the cancellation approved as proposed, the reply sent as drafted.
    let got = desk
        .ingest(&email(
            &mail(a),
            &format!("Please cancel {}, I ordered it by mistake.", a.order_id),
            "a@x",
        ))
        .unwrap();
    let conv_a = got.conversation_id;
    desk.approve(got.proposals[0].id, "ana", None).unwrap();
    desk.approve_reply(
        got.reply_proposal_id.unwrap(),
        "ana",
        &ReplyApproval::default(),
    )
    .unwrap();
    // B: the cancellation rejected, the reply edited and sent.
    let got = desk
        .ingest(&email(
            &mail(b),
            &format!("Please cancel {}, I ordered it by mistake.", b.order_id),
            "b@x",
        ))
        .unwrap();
    let conv_b = got.conversation_id;
    desk.reject(got.proposals[0].id, "ana", "customer changed their mind")
        .unwrap();
    let reply = got.reply_proposal_id.unwrap();
    desk.revise_reply(reply, "ana", "We kept your order as it is.")
        .unwrap();
    desk.approve_reply(
        reply,
        "ana",
        &ReplyApproval {
            seen_revision: None,
            confirm: true,
        },
    )
    .unwrap();
    // C: a proposal by hand (no planner), escalated; then D, one outside the window.
    let c = desk
        .propose(&ProposeRequest {
            customer_id: &b.user_id,
            conversation_id: None,
            channel: "manual",
            tool: ToolName::CancelPendingOrder,
            args: &json!({"order_id": b.order_id, "reason": "no longer needed"}),
            proposed_by: "ana",
        })
        .unwrap();
    desk.escalate(c, "ana", None).unwrap();
    // CSAT: A rated 5 in the app; B rated 2, then 3 in a later survey import (the later
    // score replaces the earlier one); C never rated.
    desk.record_csat("ana", conv_a, 5, Some("quick")).unwrap();
    desk.record_csat("ana", conv_b, 2, None).unwrap();
    desk.import_csat(
        "ana",
        &[CsatRow {
            line: 2,
            target: CsatTarget::Conversation(conv_b),
            score: 3,
            comment: None,
        }],
    )
    .unwrap();
    clock.advance_ms(86_400_000);
    let d = desk
        .ingest(&email(&mail(a), "What is your return policy?", "d@x"))
        .unwrap();
    desk.record_csat("ana", d.conversation_id, 1, None).unwrap();

    let report = desk.views().work_metrics(T0, T0 + 86_400_000).unwrap();
    let o = &report.overall;
    // By hand: 3 conversations (A, B, C); 3 write proposals; 1 approved unedited, 1 rejected,
    // 1 escalated; 2 replies sent, 1 of them edited; A and B sent a reply, and all 3 had an
    // action to approve.
    assert_eq!(o.conversations, 3);
    assert_eq!(o.actions_proposed, 3);
    assert_eq!(
        (
            o.actions_approved_unedited,
            o.actions_approved_edited,
            o.actions_rejected,
            o.actions_escalated
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(o.action_precision, Some(1.0 / 3.0));
    assert_eq!(o.action_edit_rate, Some(0.0));
    assert_eq!((o.replies_approved, o.replies_edited), (2, 1));
    assert_eq!(o.reply_edit_rate, Some(0.5));
    assert_eq!(
        o.rejections_by_reason.get("customer changed their mind"),
        Some(&1)
    );
    assert_eq!(o.approval_required_rate, Some(1.0));
    assert_eq!(o.resolution_rate, Some(2.0 / 3.0));
    assert_eq!(o.block_rate, Some(0.0));
    // (5 + 3) / 2 rated conversations; D's 1 is outside the window.
    assert_eq!((o.mean_csat, o.csat_responses), (Some(4.0), 2));
    assert_eq!(o.tokens_per_conversation, Some(0.0));
    // Per planner: the hand-made proposal had none.
    let none = &report.by_planner["none"];
    assert_eq!(
        (
            none.conversations,
            none.actions_escalated,
            none.steps_per_conversation
        ),
        (1, 1, Some(0.0))
    );
    let planned: i64 = report
        .by_planner
        .iter()
        .filter(|(p, _)| p.as_str() != "none")
        .map(|(_, m)| m.conversations)
        .sum();
    assert_eq!(planned, 2);
    // Outside the window: D only.
    let next_day = desk
        .views()
        .work_metrics(T0 + 86_400_000, T0 + 2 * 86_400_000)
        .unwrap();
    assert_eq!(next_day.overall.conversations, 1);
    assert_eq!(next_day.overall.action_precision, None);
    assert_eq!(next_day.overall.mean_csat, Some(1.0));
}
