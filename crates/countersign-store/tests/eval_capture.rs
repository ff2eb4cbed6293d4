//! Every human decision becomes an eval case in its own transaction, and waits in the sync
//! outbox in batches that keep their id across restarts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::sync::Arc;

use countersign_core::{ManualClock, Role};
use countersign_pipeline::{Channel, Request};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, Shop, ToolName};
use countersign_store::{Desk, ProposeRequest, ReplyApproval, ShopSeed, DB_FILE};
use serde_json::{json, Value};

const T0: i64 = 1_800_000_000_000;

fn open(dir: &Path, clock: &Arc<ManualClock>) -> Desk {
    Desk::open(dir, &ShopSeed::Demo, clock.clone()).unwrap()
}

fn world() -> (tempfile::TempDir, Arc<ManualClock>, Desk, Shop) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut desk = open(dir.path(), &clock);
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    (dir, clock, desk, generate(DEMO_SEED, &DemoSize::DEFAULT))
}

/// A pending order under the agent's limit and its customer's email.
fn pending(shop: &Shop) -> (String, String, String) {
    let o = shop
        .orders
        .values()
        .find(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && o.net_paid().cents() < 50_000
        })
        .unwrap();
    let email = shop.users[&o.user_id].email.clone();
    (o.order_id.clone(), o.user_id.clone(), email)
}

fn bodies(desk: &Desk) -> Vec<Value> {
    desk.eval_cases(0)
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect()
}

/// The cases parse as `countersign eval` cases.
fn assert_eval_accepts(cases: &[Value]) {
    let text: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let parsed = countersign_evals::case::parse_cases(Path::new("captured.jsonl"), &text).unwrap();
    assert_eq!(parsed.len(), cases.len());
}

#[test]
fn an_approved_action_is_expected_and_the_reply_keeps_its_draft_and_the_text_sent() {
    let (_dir, _clock, mut desk, shop) = world();
    let (order, _user, email) = pending(&shop);
    let got = desk
        .ingest(&Request {
            channel: Some(Channel::Email),
            sender: Some(email.clone()),
            subject: Some("Cancel".into()),
            body: format!("Please cancel {order}, I ordered it by mistake."),
            thread: Some("m1@customer.example".into()),
            ..Request::default()
        })
        .unwrap();
    let action = got.proposals[0].id;
    let reply = got.reply_proposal_id.unwrap();
    desk.approve(action, "ana", None).unwrap();
    desk.revise_reply(reply, "ana", "Done: your order is cancelled.")
        .unwrap();
    desk.approve_reply(reply, "ana", &ReplyApproval::default())
        .unwrap();

    let cases = bodies(&desk);
    assert_eq!(cases.len(), 2);
    let approved = &cases[0];
    assert_eq!(approved["channel"], "email");
    assert_eq!(approved["from"], email.as_str());
    assert_eq!(approved["subject"], "Cancel");
    assert!(approved["input"].as_str().unwrap().contains(&order));
    assert_eq!(approved["expect"], "reply");
    assert_eq!(
        approved["expected_actions"][0]["tool"],
        "cancel_pending_order"
    );
    assert_eq!(
        approved["expected_actions"][0]["args"]["order_id"],
        order.as_str()
    );
    assert_eq!(approved["resolution"], "resolved_as_drafted");
    let sent = &cases[1];
    // The reply is never an expected action (DESIGN: judged by `expect` and the text checks).
    assert_eq!(sent["expected_actions"].as_array().unwrap().len(), 1);
    assert_eq!(sent["decision"]["sent"], "Done: your order is cancelled.");
    assert_ne!(sent["decision"]["draft"], sent["decision"]["sent"]);
    assert_eq!(sent["resolution"], "resolved_after_edits");
    assert_ne!(approved["id"], sent["id"]);
    assert_eq!(desk.sync_status().unwrap().pending, 2);
    assert_eval_accepts(&cases);
}

fn propose_cancel(desk: &mut Desk, order: &str, user: &str) -> i64 {
    desk.propose(&ProposeRequest {
        customer_id: user,
        conversation_id: None,
        channel: "manual",
        tool: ToolName::CancelPendingOrder,
        args: &json!({"order_id": order, "reason": "no longer needed"}),
        proposed_by: "ana",
    })
    .unwrap()
}

#[test]
fn an_edit_keeps_the_proposal_and_the_corrected_arguments() {
    let (_dir, _clock, mut desk, shop) = world();
    let (order, user, _) = pending(&shop);
    let id = propose_cancel(&mut desk, &order, &user);
    let edit = json!({"order_id": order, "reason": "ordered by mistake"});
    desk.approve(id, "ana", Some(&edit)).unwrap();
    let case = &bodies(&desk)[0];
    assert_eq!(
        case["decision"]["proposed_args"]["reason"],
        "no longer needed"
    );
    assert_eq!(
        case["decision"]["corrected_args"]["reason"],
        "ordered by mistake"
    );
    assert_eq!(
        case["expected_actions"][0]["args"]["reason"],
        "ordered by mistake"
    );
    assert_eq!(case["resolution"], "resolved_after_edits");
    assert_eval_accepts(&bodies(&desk));
}

#[test]
fn a_rejection_is_a_must_not_with_its_reason_and_an_escalation_keeps_why() {
    let (_dir, _clock, mut desk, shop) = world();
    let (order, user, _) = pending(&shop);
    let rejected = propose_cancel(&mut desk, &order, &user);
    desk.reject(rejected, "ana", "the customer asked to keep it")
        .unwrap();
    let escalated = propose_cancel(&mut desk, &order, &user);
    desk.escalate(escalated, "ana", Some("unsure about the refund"))
        .unwrap();
    let cases = bodies(&desk);
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0]["expected_actions"], json!([]));
    assert_eq!(
        cases[0]["must_not_actions"][0]["tool"],
        "cancel_pending_order"
    );
    assert_eq!(
        cases[0]["must_not_actions"][0]["reason"],
        "the customer asked to keep it"
    );
    assert_eq!(cases[1]["decision"]["kind"], "escalated");
    assert_eq!(cases[1]["decision"]["reason"], "unsure about the refund");
    assert_eq!(cases[1]["resolution"], "escalated");
    assert_eval_accepts(&cases);
}

#[test]
fn a_refused_approval_captures_nothing() {
    let (_dir, _clock, mut desk, shop) = world();
    let o = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending && o.net_paid().cents() > 50_000)
        .unwrap();
    let id = propose_cancel(&mut desk, &o.order_id, &o.user_id);
    assert_eq!(
        desk.approve(id, "ana", None).unwrap_err().code(),
        "needs_supervisor"
    );
    assert!(bodies(&desk).is_empty());
    assert_eq!(desk.sync_status().unwrap().pending, 0);
}

#[test]
fn a_batch_keeps_its_id_and_cases_across_a_restart_until_acknowledged_or_parked() {
    let (dir, clock, mut desk, shop) = world();
    let (order, user, _) = pending(&shop);
    for _ in 0..5 {
        let id = propose_cancel(&mut desk, &order, &user);
        desk.reject(id, "ana", "not asked for").unwrap();
    }
    let first = desk.next_eval_batch(None, 2).unwrap().unwrap();
    assert_eq!(first.cases.len(), 2);
    drop(desk);
    let mut desk = open(dir.path(), &clock);
    let again = desk.next_eval_batch(None, 3).unwrap().unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.cases, first.cases);
    let second = desk.next_eval_batch(Some(first.seq), 2).unwrap().unwrap();
    assert_ne!(second.id, first.id);
    desk.ack_eval_batch(&first.id).unwrap();
    desk.park_eval_batch(&second.id, 422, "HTTP 422: unprocessable")
        .unwrap();
    let status = desk.sync_status().unwrap();
    assert_eq!((status.pending, status.parked), (1, 2));
    assert_eq!(
        status.last_error.as_deref(),
        Some("HTTP 422: unprocessable")
    );
    let last = desk.next_eval_batch(None, 10).unwrap().unwrap();
    assert_eq!(last.cases.len(), 1);
    desk.ack_eval_batch(&last.id).unwrap();
    assert!(desk.next_eval_batch(None, 10).unwrap().is_none());

    // A person sends the parked batch again: same id, same cases, pending once more.
    assert_eq!(
        desk.requeue_eval_batch(&second.id, " ").unwrap_err().code(),
        "actor_required"
    );
    desk.requeue_eval_batch(&second.id, "ana").unwrap();
    assert_eq!(
        desk.requeue_eval_batch(&second.id, "ana")
            .unwrap_err()
            .code(),
        "not_found"
    );
    // Who sent it again, and why it had been refused, are in the audit log, once.
    let requeued: Vec<(String, String)> = rusqlite::Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .prepare("SELECT actor, payload FROM audit_log WHERE kind = 'sync.requeued'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(requeued.len(), 1);
    assert_eq!(requeued[0].0, "ana");
    let payload: serde_json::Value = serde_json::from_str(&requeued[0].1).unwrap();
    assert_eq!(
        payload,
        serde_json::json!({"batch": second.id, "refused_with": 422})
    );
    let status = desk.sync_status().unwrap();
    assert_eq!((status.pending, status.parked), (2, 0));
    let resent = desk.next_eval_batch(None, 10).unwrap().unwrap();
    assert_eq!(
        (resent.id.as_str(), &resent.cases),
        (second.id.as_str(), &second.cases)
    );
    desk.ack_eval_batch(&resent.id).unwrap();
    assert_eq!(desk.sync_status().unwrap().pending, 0);
}

#[test]
fn only_a_supervisor_sets_the_sync_endpoint_and_only_to_https_or_this_machine() {
    use countersign_store::SyncTarget;
    let (_dir, _clock, mut desk, _shop) = world();
    assert_eq!(desk.sync_target().unwrap(), SyncTarget::default());
    assert!(
        desk.sync_target().unwrap().redact,
        "redaction is on by default"
    );
    let target = |endpoint: &str| SyncTarget {
        endpoint: endpoint.into(),
        redact: true,
    };
    assert_eq!(
        desk.set_sync_target("ana", &target("https://evals.example.com/in"))
            .unwrap_err()
            .code(),
        "not_permitted"
    );
    assert_eq!(
        desk.set_sync_target("sam", &target("http://evals.example.com/in"))
            .unwrap_err()
            .code(),
        "invalid_setting"
    );
    assert_eq!(desk.sync_target().unwrap(), SyncTarget::default());
    desk.set_sync_target("sam", &target(" https://evals.example.com/in "))
        .unwrap();
    assert_eq!(
        desk.sync_target().unwrap().endpoint,
        "https://evals.example.com/in"
    );
    desk.set_sync_target("sam", &target("")).unwrap();
    assert_eq!(desk.sync_target().unwrap().endpoint, "");
}
