//! The approval gate's safety invariants, on real SQLite files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::{Arc, Barrier};

use countersign_core::{ManualClock, ProposalState, Role};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{Order, OrderStatus, PaymentSource, Scope, Shop, ToolName, TransactionType};
use countersign_store::{Desk, DeskError, ProposeRequest, ShopSeed, DB_FILE};
use serde_json::{json, Value};

const T0: i64 = 1_800_000_000_000;

struct World {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    desk: Desk,
    shop: Shop,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, clock.clone()).unwrap();
    desk.assign_role("admin", SUPERVISOR, Role::Supervisor)
        .unwrap();
    World {
        dir,
        clock,
        desk,
        shop: generate(DEMO_SEED, &DemoSize::DEFAULT),
    }
}

/// Nobody assigned ana a role: she is an agent.
const AGENT: &str = "ana";
/// Sam is assigned supervisor in every world (`world()`).
const SUPERVISOR: &str = "sam";

/// A pending order, paid once, whose total is within / above the agent's $500 cancel limit.
fn pending_order(shop: &Shop, above_limit: bool) -> &Order {
    shop.orders
        .values()
        .find(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && (o.net_paid().cents() > 50_000) == above_limit
        })
        .expect("demo shop has such an order")
}

fn propose(desk: &mut Desk, customer: &str, tool: ToolName, args: Value) -> Result<i64, DeskError> {
    desk.propose(&ProposeRequest {
        customer_id: customer,
        conversation_id: None,
        channel: "manual",
        tool,
        args: &args,
        proposed_by: "ana",
    })
}

fn cancel(desk: &mut Desk, order: &Order) -> i64 {
    let args = json!({"order_id": order.order_id, "reason": "no longer needed"});
    propose(desk, &order.user_id, ToolName::CancelPendingOrder, args).unwrap()
}

fn order_now(desk: &Desk, id: &str) -> Value {
    desk.lookup(
        ToolName::GetOrderDetails,
        &json!({"order_id": id}),
        &Scope::Staff,
    )
    .unwrap()
}

#[test]
fn proposing_changes_nothing_until_approved() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let before = order_now(&w.desk, &order.order_id);
    let id = cancel(&mut w.desk, &order);
    assert_eq!(order_now(&w.desk, &order.order_id), before);
    assert_eq!(w.desk.execution_count().unwrap(), 0);
    let detail = w.desk.show(id).unwrap();
    assert_eq!(detail.proposal.state, ProposalState::Pending);
    assert!(detail
        .proposal
        .preview
        .changes
        .iter()
        .any(|c| c.field == "status" && c.after == "cancelled"));

    w.desk.approve(id, AGENT, None).unwrap();
    let after = order_now(&w.desk, &order.order_id);
    assert_eq!(after["status"], "cancelled");
    assert_eq!(w.desk.execution_count().unwrap(), 1);
}

#[test]
fn the_database_refuses_shop_writes_without_a_recorded_approval() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    drop(w.desk);
    let conn = rusqlite::Connection::open(w.dir.path().join(DB_FILE)).unwrap();
    let write = conn.execute(
        "UPDATE shop_orders SET doc = '{}' WHERE order_id = ?1",
        [&order.order_id],
    );
    assert!(write
        .unwrap_err()
        .to_string()
        .contains("approved execution"));
    let exec = conn.execute(
        "INSERT INTO executions (proposal_id, subject, customer_id, executed_at, approved_by) VALUES (?1, 'x', 'y', 0, 'z')",
        [id],
    );
    assert!(exec.unwrap_err().to_string().contains("recorded approval"));
    assert!(conn.execute("DELETE FROM shop_orders", []).is_err());
}

#[test]
fn a_second_approval_executes_nothing() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    w.desk.approve(id, AGENT, None).unwrap();
    let err = w.desk.approve(id, SUPERVISOR, None).unwrap_err();
    assert_eq!(err.code(), "already_decided");
    let after = order_now(&w.desk, &order.order_id);
    let refunds = after["payment_history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["transaction_type"] == "refund")
        .count();
    assert_eq!(refunds, 1);
    assert_eq!(w.desk.execution_count().unwrap(), 1);
    assert!(w.desk.verify_audit().unwrap().ok);
}

#[test]
fn concurrent_approvals_from_separate_processes_execute_once() {
    for _round in 0..5 {
        let mut w = world();
        let order = pending_order(&w.shop, false).clone();
        let id = cancel(&mut w.desk, &order);
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let dir = w.dir.path().to_owned();
                let clock = w.clock.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    // Each thread has its own connection, as separate app windows or CLI runs would.
                    let mut desk = Desk::open(&dir, &ShopSeed::Demo, clock).unwrap();
                    barrier.wait();
                    desk.approve(id, SUPERVISOR, None)
                        .map(|_| ())
                        .map_err(|e| e.code())
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| *r == Err("already_decided")));
        assert_eq!(w.desk.execution_count().unwrap(), 1);
    }
}

#[test]
fn a_crash_mid_execution_leaves_nothing_and_the_retry_executes_once() {
    let mut w = world();
    // Pay with a gift card so the cancel moves money the test can count.
    let order = w
        .shop
        .orders
        .values()
        .find(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && o.net_paid().cents() <= 50_000
                && o.payment_history[0]
                    .payment_method_id
                    .starts_with("gift_card")
        })
        .unwrap()
        .clone();
    let card = order.payment_history[0].payment_method_id.clone();
    let balance = |desk: &Desk| {
        let user = desk
            .lookup(
                ToolName::GetUserDetails,
                &json!({"user_id": order.user_id}),
                &Scope::Staff,
            )
            .unwrap();
        user["payment_methods"][&card]["balance"].as_f64().unwrap()
    };
    let before = balance(&w.desk);
    let id = cancel(&mut w.desk, &order);
    // Simulate the process dying after the shop write but before the commit: the final audit
    // append fails, so the transaction never commits.
    let conn = rusqlite::Connection::open(w.dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER crash BEFORE INSERT ON audit_log WHEN NEW.kind = 'action.executed'
         BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
    )
    .unwrap();
    let err = w.desk.approve(id, AGENT, None).unwrap_err();
    assert_eq!(err.code(), "storage");
    assert_eq!(balance(&w.desk), before);
    assert_eq!(w.desk.execution_count().unwrap(), 0);
    assert_eq!(
        w.desk.show(id).unwrap().proposal.state,
        ProposalState::Pending
    );

    conn.execute_batch("DROP TRIGGER crash").unwrap();
    w.desk.approve(id, AGENT, None).unwrap();
    assert_eq!(
        w.desk.approve(id, AGENT, None).unwrap_err().code(),
        "already_decided"
    );
    let refunded = order.net_paid().as_f64();
    assert!((balance(&w.desk) - (before + refunded)).abs() < 0.001);
    assert_eq!(w.desk.execution_count().unwrap(), 1);
}

#[test]
fn an_expired_proposal_cannot_be_approved() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    let expiry = w.desk.gate_policy().unwrap().expiry_ms;
    w.clock.advance_ms(expiry);
    assert_eq!(
        w.desk.approve(id, SUPERVISOR, None).unwrap_err().code(),
        "expired"
    );
    assert_eq!(
        w.desk.show(id).unwrap().proposal.state,
        ProposalState::Expired
    );
    assert_eq!(
        w.desk.approve(id, SUPERVISOR, None).unwrap_err().code(),
        "already_decided"
    );
    assert_eq!(order_now(&w.desk, &order.order_id)["status"], "pending");
    assert_eq!(w.desk.execution_count().unwrap(), 0);
}

#[test]
fn the_queue_expires_overdue_proposals() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    assert_eq!(w.desk.queue().unwrap().len(), 1);
    w.clock
        .advance_ms(w.desk.gate_policy().unwrap().expiry_ms + 1);
    assert!(w.desk.queue().unwrap().is_empty());
    assert_eq!(
        w.desk.show(id).unwrap().proposal.state,
        ProposalState::Expired
    );
}

#[test]
fn a_proposal_whose_order_changed_is_invalidated() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let cancel_id = cancel(&mut w.desk, &order);
    let mut address = serde_json::to_value(&order.address).unwrap();
    address["order_id"] = json!(order.order_id);
    address["address1"] = json!("1 Changed Street");
    let move_id = propose(
        &mut w.desk,
        &order.user_id,
        ToolName::ModifyPendingOrderAddress,
        address,
    )
    .unwrap();
    w.desk.approve(move_id, AGENT, None).unwrap();
    // The cancel's approver saw the order with its old address; that preview is stale now.
    assert_eq!(
        w.desk
            .approve(cancel_id, SUPERVISOR, None)
            .unwrap_err()
            .code(),
        "invalidated"
    );
    assert_eq!(
        w.desk.show(cancel_id).unwrap().proposal.state,
        ProposalState::Invalidated
    );
    assert_eq!(order_now(&w.desk, &order.order_id)["status"], "pending");
}

#[test]
fn an_edit_that_breaks_policy_is_refused_and_a_valid_edit_executes() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    let bad = json!({"order_id": order.order_id, "reason": "found it cheaper elsewhere"});
    let err = w.desk.approve(id, AGENT, Some(&bad)).unwrap_err();
    assert_eq!(err.code(), "policy_violation");
    assert!(err.to_string().contains("invalid_cancel_reason"));
    assert_eq!(
        w.desk.show(id).unwrap().proposal.state,
        ProposalState::Pending
    );
    assert_eq!(order_now(&w.desk, &order.order_id)["status"], "pending");

    let other = w
        .shop
        .orders
        .values()
        .find(|o| o.user_id == order.user_id && o.order_id != order.order_id);
    if let Some(other) = other {
        let moved = json!({"order_id": other.order_id, "reason": "no longer needed"});
        assert_eq!(
            w.desk.approve(id, AGENT, Some(&moved)).unwrap_err().code(),
            "edit_changes_subject"
        );
    }
    let schema_bad = json!({"order_id": order.order_id});
    assert_eq!(
        w.desk
            .approve(id, AGENT, Some(&schema_bad))
            .unwrap_err()
            .code(),
        "invalid_arguments"
    );

    let good = json!({"order_id": order.order_id, "reason": "ordered by mistake"});
    let exec = w.desk.approve(id, AGENT, Some(&good)).unwrap();
    assert!(exec.edited);
    assert_eq!(
        order_now(&w.desk, &order.order_id)["cancel_reason"],
        "ordered by mistake"
    );
    assert_eq!(
        w.desk.show(id).unwrap().proposal.args["reason"],
        "ordered by mistake"
    );
}

#[test]
fn an_agent_cannot_approve_above_the_limit_and_a_supervisor_can() {
    let mut w = world();
    let order = pending_order(&w.shop, true).clone();
    let id = cancel(&mut w.desk, &order);
    let err = w.desk.approve(id, AGENT, None).unwrap_err();
    assert_eq!(err.code(), "needs_supervisor");
    assert_eq!(order_now(&w.desk, &order.order_id)["status"], "pending");
    w.desk.approve(id, SUPERVISOR, None).unwrap();
    assert_eq!(order_now(&w.desk, &order.order_id)["status"], "cancelled");
}

#[test]
fn an_escalated_proposal_needs_a_supervisor() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    w.desk
        .escalate(id, AGENT, Some("customer is upset"))
        .unwrap();
    assert_eq!(
        w.desk.approve(id, AGENT, None).unwrap_err().code(),
        "needs_supervisor"
    );
    w.desk.approve(id, SUPERVISOR, None).unwrap();
}

#[test]
fn rejection_needs_a_reason_and_closes_the_proposal() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    assert_eq!(
        w.desk.reject(id, AGENT, "  ").unwrap_err().code(),
        "reason_required"
    );
    assert_eq!(w.desk.show(id).unwrap().decisions.len(), 0);
    w.desk
        .reject(id, AGENT, "customer changed their mind")
        .unwrap();
    assert_eq!(
        w.desk.approve(id, SUPERVISOR, None).unwrap_err().code(),
        "already_decided"
    );
    let history = w.desk.history().unwrap();
    assert_eq!(
        history[0].decision.kind,
        countersign_core::DecisionKind::Rejected
    );
    assert_eq!(
        history[0].decision.reason.as_deref(),
        Some("customer changed their mind")
    );
}

#[test]
fn a_policy_refusal_creates_no_proposal_but_is_recorded() {
    let mut w = world();
    let delivered = w
        .shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Delivered)
        .unwrap()
        .clone();
    let args = json!({"order_id": delivered.order_id, "reason": "no longer needed"});
    let err = propose(
        &mut w.desk,
        &delivered.user_id,
        ToolName::CancelPendingOrder,
        args,
    )
    .unwrap_err();
    assert_eq!(err.code(), "policy_violation");
    assert!(w.desk.queue().unwrap().is_empty());
    let report = w.desk.verify_audit().unwrap();
    assert_eq!(report.records, 2); // the world's role assignment, the refusal
}

#[test]
fn another_customers_order_or_payment_method_is_refused() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let stranger = w
        .shop
        .users
        .keys()
        .find(|u| **u != order.user_id)
        .unwrap()
        .clone();
    let args = json!({"order_id": order.order_id, "reason": "no longer needed"});
    let err = propose(&mut w.desk, &stranger, ToolName::CancelPendingOrder, args).unwrap_err();
    assert!(err.to_string().contains("not_owner"), "{err}");

    let foreign_pm = w.shop.users[&stranger]
        .payment_methods
        .keys()
        .next()
        .unwrap()
        .clone();
    let args = json!({"order_id": order.order_id, "payment_method_id": foreign_pm});
    let err = propose(
        &mut w.desk,
        &order.user_id,
        ToolName::ModifyPendingOrderPayment,
        args,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("payment_method_not_owned"),
        "{err}"
    );
}

#[test]
fn a_gift_card_pays_only_what_it_holds() {
    let mut w = world();
    let found = w.shop.orders.values().find_map(|o| {
        let user = &w.shop.users[&o.user_id];
        let card = user.payment_methods.values().find(|pm| {
            pm.source == PaymentSource::GiftCard
                && pm.balance.unwrap().cents() < o.net_paid().cents()
        })?;
        let single = o.payment_history.len() == 1
            && o.payment_history[0].transaction_type == TransactionType::Payment;
        (o.status == OrderStatus::Pending
            && single
            && o.payment_history[0].payment_method_id != card.id)
            .then(|| (o.clone(), card.id.clone()))
    });
    let (order, card) =
        found.expect("demo shop has a pending order larger than one of its owner's gift cards");
    let args = json!({"order_id": order.order_id, "payment_method_id": card});
    let err = propose(
        &mut w.desk,
        &order.user_id,
        ToolName::ModifyPendingOrderPayment,
        args,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("insufficient_gift_card_balance"),
        "{err}"
    );
}

#[test]
fn the_audit_chain_names_the_first_altered_record() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    let id = cancel(&mut w.desk, &order);
    w.desk.approve(id, AGENT, None).unwrap();
    let report = w.desk.verify_audit().unwrap();
    assert!(report.ok);
    assert_eq!(report.records, 4); // role assigned (world), created, approved, executed
    drop(w.desk);

    // An attacker with the file drops the append-only trigger and edits one byte.
    let conn = rusqlite::Connection::open(w.dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    let changed = conn
        .execute("UPDATE audit_log SET payload = replace(payload, 'no longer needed', 'no longer neeDed') WHERE seq = 2", [])
        .unwrap();
    assert_eq!(changed, 1);
    let payload: String = conn
        .query_row("SELECT payload FROM audit_log WHERE seq = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        payload.contains("neeDed"),
        "the edit must really change a byte"
    );
    let desk = Desk::open(w.dir.path(), &ShopSeed::Demo, w.clock.clone()).unwrap();
    let report = desk.verify_audit().unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_break.unwrap().seq(), 2);
    assert_eq!(report.records, 1);
}

#[test]
fn the_audit_chain_detects_one_flipped_byte_in_the_file() {
    let mut w = world();
    let order = pending_order(&w.shop, false).clone();
    cancel(&mut w.desk, &order);
    // A refused proposal's arguments are stored only in the audit log: a unique marker.
    let args = json!({"order_id": order.order_id, "reason": "MARKERXYZZY"});
    propose(
        &mut w.desk,
        &order.user_id,
        ToolName::CancelPendingOrder,
        args,
    )
    .unwrap_err();
    cancel(&mut w.desk, &order);
    assert!(w.desk.verify_audit().unwrap().ok);
    drop(w.desk);
    // Fold the WAL into the main file, then edit the file as bytes.
    let conn = rusqlite::Connection::open(w.dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    let path = w.dir.path().join(DB_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(11)
        .position(|w| w == b"MARKERXYZZY")
        .expect("marker on disk");
    bytes[at + 6] = b'Q';
    std::fs::write(&path, bytes).unwrap();
    let desk = Desk::open(w.dir.path(), &ShopSeed::Demo, w.clock.clone()).unwrap();
    let report = desk.verify_audit().unwrap();
    assert!(!report.ok);
    // 1: the world's role assignment, 2: the proposal, 3: the refusal holding the marker.
    assert_eq!(report.first_break.unwrap().seq(), 3);
}

#[test]
fn a_bad_shop_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("db.json");
    std::fs::write(&shop, "{\"users\": 3}").unwrap();
    let data = dir.path().join("data");
    let err = Desk::open(
        &data,
        &ShopSeed::TauFile(shop),
        Arc::new(ManualClock::new(T0)),
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_shop");
    assert!(!data.exists());
}

#[test]
fn a_role_is_what_an_administrator_assigned_not_what_the_approver_claims() {
    let mut w = world();
    let order = pending_order(&w.shop, true).clone();
    let args = json!({"order_id": order.order_id, "reason": "no longer needed"});
    let id = propose(
        &mut w.desk,
        &order.user_id,
        ToolName::CancelPendingOrder,
        args,
    )
    .unwrap();
    // Nobody assigned "zoe": she is an agent, so above the agent limit she is refused.
    assert_eq!(
        w.desk.approve(id, "zoe", None).unwrap_err().code(),
        "needs_supervisor"
    );
    assert_eq!(w.desk.actor("zoe").unwrap().role, Role::Agent);
    assert_eq!(
        w.desk.approve(id, "  ", None).unwrap_err().code(),
        "actor_required"
    );
    // Assigned supervisor, recorded in the audit log, the same request passes.
    w.desk
        .assign_role(SUPERVISOR, "zoe", Role::Supervisor)
        .unwrap();
    w.desk.approve(id, "zoe", None).unwrap();
    let staff = w.desk.staff().unwrap();
    assert!(staff
        .iter()
        .any(|m| m.name == "zoe" && m.role == Role::Supervisor && m.assigned_by == SUPERVISOR));
    let decision = &w.desk.show(id).unwrap().decisions[1];
    assert_eq!(
        (decision.actor.as_str(), decision.role),
        ("zoe", Some(Role::Supervisor))
    );
    assert!(w.desk.verify_audit().unwrap().ok);
}

#[test]
fn only_a_supervisor_assigns_roles_or_changes_the_gates_policy() {
    let mut w = world();
    // The world's first supervisor was assigned while the workspace had none (bootstrap).
    let err = w
        .desk
        .assign_role(AGENT, AGENT, Role::Supervisor)
        .unwrap_err();
    assert_eq!(err.code(), "not_permitted");
    assert_eq!(w.desk.actor(AGENT).unwrap().role, Role::Agent);
    // An agent cannot raise their own limit, nor change the caps or the provider.
    let mut policy = w.desk.gate_policy().unwrap();
    for m in policy.limits.agent.values_mut() {
        *m = countersign_shop::Money::from_cents(100_000_000);
    }
    assert_eq!(
        w.desk.set_gate_policy(AGENT, &policy).unwrap_err().code(),
        "not_permitted"
    );
    assert_ne!(w.desk.gate_policy().unwrap(), policy);
    assert_eq!(
        w.desk
            .set_planner_caps(AGENT, &countersign_pipeline::Caps::default())
            .unwrap_err()
            .code(),
        "not_permitted"
    );
    // A supervisor can, and the log says who.
    w.desk.set_gate_policy(SUPERVISOR, &policy).unwrap();
    assert_eq!(w.desk.gate_policy().unwrap(), policy);
    w.desk
        .assign_role(SUPERVISOR, AGENT, Role::Supervisor)
        .unwrap();
    assert!(w.desk.verify_audit().unwrap().ok);
}

#[test]
fn a_gift_card_balance_that_moved_after_the_proposal_invalidates_it() {
    // Regression: the fingerprint covered only the order, so a cancellation refunding to a gift
    // card executed against a balance its preview never showed.
    let mut w = world();
    let (first, second) = w
        .shop
        .users
        .values()
        .find_map(|u| {
            let on_gift_card: Vec<&Order> = u
                .orders
                .iter()
                .map(|id| &w.shop.orders[id])
                .filter(|o| {
                    o.status == OrderStatus::Pending
                        && o.payment_history.len() == 1
                        && u.payment_methods[&o.payment_history[0].payment_method_id].source
                            == PaymentSource::GiftCard
                })
                .collect();
            match on_gift_card.as_slice() {
                [a, b, ..]
                    if a.payment_history[0].payment_method_id
                        == b.payment_history[0].payment_method_id =>
                {
                    Some(((*a).clone(), (*b).clone()))
                }
                _ => None,
            }
        })
        .expect("a customer with two pending orders paid by the same gift card");
    let stale = cancel(&mut w.desk, &first);
    let other = cancel(&mut w.desk, &second);
    w.desk.approve(other, SUPERVISOR, None).unwrap();
    // The first order is untouched, but the gift card it refunds to is not.
    assert_eq!(
        w.desk.approve(stale, SUPERVISOR, None).unwrap_err().code(),
        "invalidated"
    );
    assert_eq!(w.desk.execution_count().unwrap(), 1);
}

#[test]
fn a_bad_edit_of_a_gift_card_refund_is_refused_for_itself_and_leaves_the_proposal_open() {
    // Regression (found by the E2E suite): with the fingerprint covering the gift card, a bad
    // edit was read as a changed world and closed the proposal as invalidated.
    let mut w = world();
    let order = w
        .shop
        .orders
        .values()
        .find(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && o.payment_history[0]
                    .payment_method_id
                    .starts_with("gift_card")
        })
        .unwrap()
        .clone();
    let id = cancel(&mut w.desk, &order);
    let bad = json!({"order_id": order.order_id, "reason": "found it cheaper elsewhere"});
    assert_eq!(
        w.desk.approve(id, AGENT, Some(&bad)).unwrap_err().code(),
        "policy_violation"
    );
    assert_eq!(
        w.desk.show(id).unwrap().proposal.state,
        ProposalState::Pending
    );
    w.desk.approve(id, SUPERVISOR, None).unwrap();
}
