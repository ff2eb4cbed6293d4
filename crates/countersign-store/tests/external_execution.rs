//! An approved external call reaches a real MCP server exactly once, and a call sent without an
//! answer in time is left for a person, never sent again: counted on the server side. The
//! servers are the tests' own on PyPI's `mcp` SDK (`tests/mcp/billing_server.py`,
//! `tests/mcp/lying_server.py`), installed by `scripts/setup.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use countersign_core::{ManualClock, Role};
use countersign_mcp::policy::{Customer, Policy};
use countersign_mcp::{
    check_proposal, connect, refresh, Catalogue, HintTrust, RmcpServer, ServerName, ServerSpec,
    Timeouts, ToolCall, ToolServer, TransportSpec,
};
use countersign_store::{execute_claimed, Desk, ExternalOutcome, ExternalProposeRequest, ShopSeed};
use serde_json::{json, Value};

const T0: i64 = 1_800_000_000_000;
const CUSTOMER: &str = "mia_li_3668";
const EMAIL: &str = "mia.li@example.com";

fn python() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mcp/.venv/bin/python");
    assert!(
        path.exists(),
        "the Python venv with PyPI's mcp is not installed ({} is missing): run scripts/setup.sh",
        path.display()
    );
    path
}

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp")
        .join(name)
        .display()
        .to_string()
}

fn spec(name: &str, env: &str, state: &Path, file: &str) -> ServerSpec {
    ServerSpec {
        name: ServerName::new(name).unwrap(),
        transport: TransportSpec::Stdio {
            program: "env".into(),
            args: vec![
                format!("{env}={}", state.display()),
                python().display().to_string(),
                script(file),
            ],
        },
        trust_read_only_hints: false,
    }
}

async fn connected(spec: &ServerSpec, call: Duration) -> RmcpServer {
    connect(
        spec,
        None,
        Timeouts {
            connect: Duration::from_secs(30),
            list: Duration::from_secs(15),
            call,
        },
    )
    .await
    .unwrap()
}

fn desk(dir: &Path) -> Desk {
    let mut desk = Desk::open(dir, &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    desk
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

const POLICY: &str = r#"
[servers.billing]
customer_id = "email"
[servers.billing.tools.refund]
approver = "agent"
[servers.billing.tools.refund.amount]
pointer = "/amount"
unit = "minor"
currency = "usd"
agent_limit = "50.00"

[servers.notes]
customer_id = "user_id"
[servers.notes.tools.slow_write]
approver = "agent"
"#;

#[tokio::test]
async fn an_approved_refund_reaches_the_server_once_with_exactly_the_approved_arguments() {
    let state = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let spec = spec(
        "billing",
        "BILLING_STATE_DIR",
        state.path(),
        "billing_server.py",
    );
    let server = connected(&spec, Duration::from_secs(15)).await;
    let tools = server.list_tools().await.unwrap();
    let catalogue = refresh(
        &Catalogue::default(),
        &spec.name,
        &tools,
        HintTrust::Untrusted,
    )
    .catalogue;
    let policy = Policy::from_toml(POLICY).unwrap();
    let customer = Customer {
        user_id: CUSTOMER.into(),
        email: Some(EMAIL.into()),
    };
    let call = ToolCall {
        name: "refund".into(),
        arguments: json!({"charge": "ch_1", "amount": 1200, "currency": "usd"})
            .as_object()
            .unwrap()
            .clone(),
    };
    let checked = check_proposal(
        &server,
        &spec.name,
        &catalogue,
        &policy,
        &call,
        Some(&customer),
        "key-1",
    )
    .await
    .unwrap();
    assert_eq!(checked.arguments["idempotency_key"], json!("key-1"));

    let mut desk = desk(work.path());
    let id = desk
        .propose_external(&ExternalProposeRequest {
            customer_id: CUSTOMER,
            conversation_id: None,
            channel: "manual",
            checked: &checked,
            proposed_by: "planner",
        })
        .unwrap();
    assert!(
        lines(&state.path().join("calls.log")).is_empty(),
        "proposing sent nothing"
    );

    let claimed = desk
        .approve_external(id, "ana", None, Some(&checked.tool_hash))
        .unwrap();
    let outcome = execute_claimed(&mut desk, &server, &claimed).await.unwrap();
    assert_eq!(outcome, ExternalOutcome::Succeeded);
    // A second approval finds it decided: nothing more is sent.
    assert!(desk
        .approve_external(id, "sam", None, Some(&checked.tool_hash))
        .is_err());
    server.close().await;

    let calls = lines(&state.path().join("calls.log"));
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["tool"], json!("refund"));
    assert_eq!(
        calls[0]["arguments"],
        Value::Object(checked.arguments.clone())
    );
    let detail = desk.show_external(id).unwrap();
    assert_eq!(
        detail.call.result.as_ref().unwrap()["structured"]["status"],
        json!("succeeded")
    );
    assert!(detail.call.latency_ms.is_some());
}

#[tokio::test]
async fn a_call_that_times_out_after_sending_is_an_unknown_outcome_and_never_resent() {
    let state = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let spec = spec("notes", "LYING_STATE_DIR", state.path(), "lying_server.py");
    let server = connected(&spec, Duration::from_secs(1)).await;
    let tools = server.list_tools().await.unwrap();
    let catalogue = refresh(
        &Catalogue::default(),
        &spec.name,
        &tools,
        HintTrust::Untrusted,
    )
    .catalogue;
    let policy = Policy::from_toml(POLICY).unwrap();
    let call = ToolCall {
        name: "slow_write".into(),
        arguments: json!({"line": "refund 7", "seconds": 3})
            .as_object()
            .unwrap()
            .clone(),
    };
    let checked = check_proposal(
        &server, &spec.name, &catalogue, &policy, &call, None, "key-7",
    )
    .await
    .unwrap();
    let mut desk = desk(work.path());
    let id = desk
        .propose_external(&ExternalProposeRequest {
            customer_id: CUSTOMER,
            conversation_id: None,
            channel: "manual",
            checked: &checked,
            proposed_by: "planner",
        })
        .unwrap();
    let claimed = desk
        .approve_external(id, "ana", None, Some(&checked.tool_hash))
        .unwrap();
    let outcome = execute_claimed(&mut desk, &server, &claimed).await.unwrap();
    assert_eq!(outcome, ExternalOutcome::OutcomeUnknown);
    assert_eq!(desk.external_calls_needing_a_person().unwrap().len(), 1);
    // Nothing sends it again: another approval is refused, and the server saw one write.
    assert!(desk
        .approve_external(id, "sam", None, Some(&checked.tool_hash))
        .is_err());
    tokio::time::sleep(Duration::from_secs(3)).await;
    server.close().await;
    let writes = std::fs::read_to_string(state.path().join("writes.log")).unwrap();
    assert_eq!(writes.lines().count(), 1, "{writes}");
    let audit = desk.show_external(id).unwrap().audit;
    assert!(audit
        .iter()
        .any(|a| a.kind.as_str() == "action.outcome_unknown"));
}
