//! `evals replay` end to end: people decide real requests in a workspace, a supervisor lowers
//! an approval limit, and the replay lists exactly the decisions that change touches.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{Order, OrderStatus, Shop};
use serde_json::{json, Value};

fn cs(dir: &Path, actor: &str) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir")
        .arg(dir)
        .arg("--actor")
        .arg(actor)
        .arg("--planner")
        .arg("rules");
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn json_of(c: &mut Command) -> Value {
    serde_json::from_str(&stdout(c)).unwrap()
}

/// Pending orders with one payment, each of a customer with no other pending order, cheapest
/// first: a cancellation request for each is unambiguous.
fn cancellable(shop: &Shop) -> Vec<Order> {
    let mut orders: Vec<Order> = shop
        .orders
        .values()
        .filter(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && shop
                    .orders
                    .values()
                    .filter(|x| x.user_id == o.user_id && x.status == OrderStatus::Pending)
                    .count()
                    == 1
        })
        .cloned()
        .collect();
    orders.sort_by_key(|o| o.net_paid().cents());
    orders
}

/// The customer asks to cancel `order` over chat; returns the cancellation's proposal id.
fn ask_to_cancel(ws: &Path, shop: &Shop, order: &Order) -> i64 {
    let file = ws.with_extension(format!("{}.json", &order.order_id[2..]));
    let email = &shop.users[&order.user_id].email;
    std::fs::write(
        &file,
        json!({
            "session_id": format!("s-{}", order.order_id),
            "identity": email,
            "messages": [{"from": "customer",
                "text": format!("Hi, please cancel my order {}, I no longer need it.", order.order_id)}],
        })
        .to_string(),
    )
    .unwrap();
    let ingested =
        json_of(
            cs(ws, "ana")
                .arg("ingest")
                .arg(&file)
                .args(["--channel", "chat", "--json"]),
        );
    let p = &ingested["proposals"][0];
    assert_eq!(p["tool"], "cancel_pending_order", "{ingested}");
    assert_eq!(p["args"]["order_id"], order.order_id.as_str());
    p["id"].as_i64().unwrap()
}

fn flips(ws: &Path) -> BTreeSet<(i64, String)> {
    let report = json_of(cs(ws, "ana").args(["evals", "replay", "--json"]));
    assert!(
        report["not_replayable"].as_array().unwrap().is_empty(),
        "{report}"
    );
    report["flips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["proposal_id"].as_i64().unwrap(),
                f["now"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_lowered_limit_flips_exactly_the_agent_approvals_above_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws");
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let dollars = |o: &Order| o.net_paid().cents() / 100;
    let orders = cancellable(&shop);
    let below: Vec<&Order> = orders.iter().filter(|o| dollars(o) < 190).take(2).collect();
    let between: Vec<&Order> = orders
        .iter()
        .filter(|o| (210..490).contains(&dollars(o)))
        .take(4)
        .collect();
    assert_eq!((below.len(), between.len()), (2, 4));

    stdout(cs(ws, "sue").args(["staff", "set", "sue", "--role", "supervisor"]));
    // Agents (ana, unassigned) approve two small and two larger cancellations, reject one,
    // escalate one that the supervisor then approves.
    let mut small = Vec::new();
    for o in &below {
        let id = ask_to_cancel(ws, &shop, o);
        stdout(cs(ws, "ana").args(["approve", &id.to_string()]));
        small.push(id);
    }
    let mut large = Vec::new();
    for o in &between[..2] {
        let id = ask_to_cancel(ws, &shop, o);
        stdout(cs(ws, "ana").args(["approve", &id.to_string()]));
        large.push(id);
    }
    let rejected = ask_to_cancel(ws, &shop, between[2]);
    stdout(cs(ws, "ana").args([
        "reject",
        &rejected.to_string(),
        "--reason",
        "customer called back: keep it",
    ]));
    let escalated = ask_to_cancel(ws, &shop, between[3]);
    stdout(cs(ws, "ana").args(["escalate", &escalated.to_string(), "--note", "VIP"]));
    stdout(cs(ws, "sue").args(["approve", &escalated.to_string()]));

    // Today's pipeline agrees with every decision but the rejection: it still proposes the
    // cancellation a person turned down.
    let before = flips(ws);
    assert_eq!(
        before,
        BTreeSet::from([(rejected, "proposed_again".to_owned())])
    );

    // Only a supervisor changes limits; an agent's attempt changes nothing.
    cs(ws, "ana")
        .args(["policy", "limit", "cancel_pending_order", "200"])
        .assert()
        .code(2);
    assert_eq!(flips(ws), before);
    stdout(cs(ws, "sue").args(["policy", "limit", "cancel_pending_order", "200"]));
    let policy = json_of(cs(ws, "ana").args(["policy", "show", "--json"]));
    assert_eq!(
        policy["limits"]["agent"]["cancel_pending_order"],
        json!(200.0)
    );

    // Exactly the agents' approvals above $200 flip; the small ones, the supervisor's and the
    // rejection's standing disagreement are as before.
    let mut want = before.clone();
    want.extend(
        large
            .iter()
            .map(|id| (*id, "needs_supervisor_now".to_owned())),
    );
    assert_eq!(flips(ws), want);

    // The human-readable list names them too.
    let text = stdout(cs(ws, "ana").args(["evals", "replay"]));
    assert!(text.contains("would go differently"), "{text}");
    assert_eq!(text.matches("needs_supervisor_now").count(), 2, "{text}");
}
