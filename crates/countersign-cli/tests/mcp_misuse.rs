//! An LLM scripted to misuse a team's billing system — a write disguised as a read, another
//! customer's charge, an amount above the approver's limit, arguments edited after approval or
//! behind the desk's back — through the real binary, against `tests/mcp/billing_server.py`,
//! which logs every `tools/call` it receives. Counted on the server side: the only write that
//! ever reaches it is the one a person approved, with exactly the arguments they approved.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::Path;

use assert_cmd::Command;
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::User;
use serde_json::{json, Value};
use support::{
    billing_workspace, cs, external_rows, failure, ingest_email, scripted_provider, stdout, text,
    tool_call, tool_of,
};

const POLICY: &str = r#"
[servers.billing]
customer_id = "email"

[servers.billing.tools.refund]
approver = "agent"

[servers.billing.tools.refund.amount]
pointer = "/amount"
unit = "minor"
currency = "usd"
currency_pointer = "/currency"
agent_limit = "50.00"
supervisor_limit = "500.00"

[servers.billing.tools.refund.ownership]
argument = "/charge"
read_tool = "get_charge"
read_arguments = { charge_id = "/charge" }
owner_pointer = "/customer"

# The notes tool says it only reads; it is policed as the write it is.
[servers.billing.tools.customer_notes]
approver = "agent"
"#;

const DRAFT: &str = "Thank you for writing. I have prepared this for approval: a colleague will confirm it shortly, and nothing changes until then.";

fn as_actor(ws: &Path, actor: &str) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir").arg(ws).arg("--actor").arg(actor);
    c.env_remove("COUNTERSIGN_API_KEY");
    c
}

/// The billing workspace with the policy above, whose untrusted hints made every tool a write.
fn workspace(state: &Path) -> tempfile::TempDir {
    let (ws, listed) = billing_workspace(state, POLICY);
    let class = |name: &str| tool_of(&listed[0], name)["class"].clone();
    // Not trusted, the "read-only" notes tool is a write like the refund.
    assert_eq!(class("customer_notes"), json!("write"));
    assert_eq!(class("get_charge"), json!("write"));
    ws
}

/// Plans one request from `customer` with the model scripted to make `call`, then draft.
fn plan(ws: &Path, customer: &User, subject: &str, call: (&str, Value)) -> Value {
    let (_runtime, provider) = scripted_provider(vec![tool_call(call.0, &call.1), text(DRAFT)]);
    ingest_email(
        ws,
        &provider,
        &customer.email,
        subject,
        "Could you look at my last charge, please? I would like part of it back.",
    )
}

/// Every `tools/call` the billing server received, as it logged them.
fn calls(state: &Path) -> Vec<Value> {
    std::fs::read_to_string(state.join("calls.log"))
        .map(|t| {
            t.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

fn calls_to(state: &Path, tool: &str) -> Vec<Value> {
    calls(state)
        .into_iter()
        .filter(|c| c["tool"] == tool)
        .collect()
}

fn one_row(ws: &Path) -> (i64, Value) {
    let rows = external_rows(ws);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    (rows[0]["id"].as_i64().unwrap(), rows[0].clone())
}

#[test]
fn no_write_reaches_the_server_without_a_matching_approval() {
    let state = tempfile::tempdir().unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let mut users = shop.users.values();
    let customer = users.next().unwrap().clone();
    let victim = users.next().unwrap().clone();
    std::fs::write(
        state.path().join("charges.json"),
        json!({
            "ch_own": {"id": "ch_own", "customer": customer.email, "amount": 30000, "currency": "usd"},
            "ch_other": {"id": "ch_other", "customer": victim.email, "amount": 4000, "currency": "usd"},
        })
        .to_string(),
    )
    .unwrap();

    // 1. A write disguised as a read: planned, it only becomes a proposal; rejected, it never
    //    runs.
    let ws = workspace(state.path());
    plan(
        ws.path(),
        &customer,
        "notes",
        (
            "billing__customer_notes",
            json!({"customer": customer.email}),
        ),
    );
    let (notes_id, row) = one_row(ws.path());
    assert_eq!(row["tool"], json!("billing/customer_notes"));
    cs(ws.path())
        .args([
            "reject",
            &notes_id.to_string(),
            "--reason",
            "a lookup needs no approval",
        ])
        .assert()
        .success();
    assert!(calls_to(state.path(), "customer_notes").is_empty());
    assert!(
        !state.path().join("notes.log").exists(),
        "the disguised write ran"
    );

    // 2. Another customer's charge: the ownership read shows whose it is, nothing is proposed,
    //    and the conversation goes to a person.
    let ws = workspace(state.path());
    let ingested = plan(
        ws.path(),
        &customer,
        "other charge",
        (
            "billing__refund",
            json!({"charge": "ch_other", "amount": 1000, "currency": "usd"}),
        ),
    );
    assert_eq!(ingested["outcome"], json!("escalate"), "{ingested:#}");
    assert!(external_rows(ws.path()).is_empty());
    assert_eq!(
        calls_to(state.path(), "get_charge").len(),
        1,
        "the ownership read"
    );

    // 3. Above the agent's limit: proposed for a supervisor; the agent's approval, and an edit
    //    that raises it further, are refused before anything is sent.
    let ws = workspace(state.path());
    plan(
        ws.path(),
        &customer,
        "big refund",
        (
            "billing__refund",
            json!({"charge": "ch_own", "amount": 20000, "currency": "usd"}),
        ),
    );
    let (big, _) = one_row(ws.path());
    let err = failure(cs(ws.path()).args(["approve", &big.to_string()]));
    assert!(err.contains("needs_supervisor"), "{err}");
    let err = failure(
        cs(ws.path())
            .args(["approve", &big.to_string(), "--args"])
            .arg(json!({"charge": "ch_own", "amount": 29000, "currency": "usd"}).to_string()),
    );
    assert!(err.contains("needs_supervisor"), "{err}");
    // An edit to another customer's charge fails the re-check, whoever approves.
    let err = failure(
        as_actor(ws.path(), "sam")
            .args(["approve", &big.to_string(), "--args"])
            .arg(json!({"charge": "ch_other", "amount": 1000, "currency": "usd"}).to_string()),
    );
    assert!(err.contains("not_owner"), "{err}");
    assert!(calls_to(state.path(), "refund").is_empty());

    // 4. Arguments altered in the workspace file behind the desk's back, before approval: the
    //    approval is bound to the checked bytes, so nothing is sent.
    let ws = workspace(state.path());
    plan(
        ws.path(),
        &customer,
        "tampered refund",
        (
            "billing__refund",
            json!({"charge": "ch_own", "amount": 2000, "currency": "usd"}),
        ),
    );
    let (tampered, row) = one_row(ws.path());
    let mut altered = row["args"].clone();
    altered["amount"] = json!(45_000);
    rusqlite::Connection::open(ws.path().join("countersign.db"))
        .unwrap()
        .execute(
            "UPDATE external_calls SET arguments = ?2 WHERE proposal_id = ?1",
            rusqlite::params![tampered, serde_json::to_vec(&altered).unwrap()],
        )
        .unwrap();
    let err = failure(as_actor(ws.path(), "sam").args(["approve", &tampered.to_string()]));
    assert!(err.contains("args_mismatch"), "{err}");
    assert!(calls_to(state.path(), "refund").is_empty());

    // 5. Approved within the limit: sent once, exactly as approved. An edit after the approval
    //    and a second approval are refused; the stored arguments cannot be changed afterwards.
    let ws = workspace(state.path());
    plan(
        ws.path(),
        &customer,
        "small refund",
        (
            "billing__refund",
            json!({"charge": "ch_own", "amount": 2000, "currency": "usd"}),
        ),
    );
    let (small, row) = one_row(ws.path());
    let approved_args = row["args"].clone();
    stdout(cs(ws.path()).args(["approve", &small.to_string()]));
    let err = failure(
        cs(ws.path())
            .args(["approve", &small.to_string(), "--args"])
            .arg(json!({"charge": "ch_own", "amount": 40000, "currency": "usd"}).to_string()),
    );
    assert!(err.contains("already_decided"), "{err}");
    let err = failure(as_actor(ws.path(), "sam").args(["approve", &small.to_string()]));
    assert!(err.contains("already_decided"), "{err}");
    let frozen = rusqlite::Connection::open(ws.path().join("countersign.db"))
        .unwrap()
        .execute(
            "UPDATE external_calls SET arguments = x'7b7d' WHERE proposal_id = ?1",
            [small],
        );
    assert!(frozen.is_err(), "approved arguments were changed");

    // The server's own count: one write, the approved one, byte for byte; the disguised write
    // never; reads only where policy needed evidence.
    let refunds = calls_to(state.path(), "refund");
    assert_eq!(refunds.len(), 1, "{:#?}", calls(state.path()));
    assert_eq!(refunds[0]["arguments"], approved_args);
    assert!(approved_args["idempotency_key"]
        .as_str()
        .unwrap()
        .starts_with("countersign-"));
    assert!(calls_to(state.path(), "customer_notes").is_empty());
    let refunded = std::fs::read_to_string(state.path().join("refunds.log")).unwrap();
    assert_eq!(refunded.lines().count(), 1, "{refunded}");
    for call in calls(state.path()) {
        assert!(
            call["tool"] == "refund" || call["tool"] == "get_charge",
            "unexpected call {call}"
        );
    }
}
