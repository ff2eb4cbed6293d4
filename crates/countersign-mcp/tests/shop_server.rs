//! The demo shop's MCP server over streamable HTTP on loopback, driven through the whole path
//! a write takes: catalogue, schema, policy with an ownership read, approval hash, execution.
//! What reached the server is counted in its own ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use countersign_core::{Role, Secret};
use countersign_mcp::policy::{Customer, Policy};
use countersign_mcp::shop_server::{serve_http, ShopServer};
use countersign_mcp::{
    check_proposal, connect, execute_approved, ApprovedCall, Catalogue, HintTrust, ServerName,
    ServerSpec, ToolCall, ToolServer, TransportSpec,
};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, Shop};
use serde_json::{json, Value};

const TOKEN: &str = "test-token-7f3a";

const POLICY: &str = r#"
[servers.shop]
customer_id = "user_id"

[servers.shop.tools.cancel_pending_order]
approver = "agent"

[[servers.shop.tools.cancel_pending_order.constraints]]
pointer = "/reason"
required = true
one_of = ["no longer needed", "ordered by mistake"]

[servers.shop.tools.cancel_pending_order.ownership]
argument = "/order_id"
read_tool = "get_order_details"
read_arguments = { order_id = "/order_id" }
owner_pointer = "/user_id"
"#;

struct Fixture {
    dir: tempfile::TempDir,
    _http: countersign_mcp::shop_server::HttpServer,
    spec: ServerSpec,
    shop: Shop,
}

async fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let seed = shop.clone();
    let server = ShopServer::open(dir.path(), move || seed).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = serve_http(server, listener, Some(Secret::new(TOKEN.into())));
    let spec = ServerSpec {
        name: ServerName::new("shop").unwrap(),
        transport: TransportSpec::http(&http.url()).unwrap(),
        trust_read_only_hints: true,
    };
    Fixture {
        dir,
        _http: http,
        spec,
        shop,
    }
}

/// A pending order, its owner, and another customer.
fn pending(shop: &Shop) -> (String, String, String) {
    let order = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending)
        .expect("the demo shop has a pending order");
    let other = shop
        .users
        .keys()
        .find(|u| **u != order.user_id)
        .unwrap()
        .clone();
    (order.order_id.clone(), order.user_id.clone(), other)
}

fn customer(user_id: &str) -> Customer {
    Customer {
        user_id: user_id.into(),
        email: None,
    }
}

fn cancel(order_id: &str) -> ToolCall {
    ToolCall {
        name: "cancel_pending_order".into(),
        arguments: json!({"order_id": order_id, "reason": "no longer needed"})
            .as_object()
            .unwrap()
            .clone(),
    }
}

fn token() -> Secret {
    Secret::new(TOKEN.into())
}

fn executed(f: &Fixture) -> usize {
    ShopServer::ledger(f.dir.path())
        .iter()
        .filter(|l| l.outcome == "executed")
        .count()
}

#[tokio::test]
async fn an_approved_write_reaches_the_server_once_and_a_repeat_changes_nothing() {
    let f = start().await;
    let (order_id, owner, _) = pending(&f.shop);
    let server = connect(&f.spec, Some(&token()), support::timeouts())
        .await
        .unwrap();
    let catalogue =
        support::catalogued(&server, &Catalogue::default(), HintTrust::TrustReadOnly).await;
    let policy = Policy::from_toml(POLICY).unwrap();

    let checked = check_proposal(
        &server,
        &f.spec.name,
        &catalogue,
        &policy,
        &cancel(&order_id),
        Some(&customer(&owner)),
        "proposal-1",
    )
    .await
    .unwrap();
    assert_eq!(checked.verdict.required_role, Role::Agent);
    assert_eq!(checked.arguments["idempotency_key"], "proposal-1");
    let evidence = checked.verdict.ownership.as_ref().unwrap();
    assert_eq!(evidence.owner, owner);
    assert_eq!(evidence.read_tool, "get_order_details");
    assert!(
        ShopServer::ledger(f.dir.path()).is_empty(),
        "checking a proposal writes nothing"
    );

    let approved = ApprovedCall {
        tool: checked.tool.clone(),
        arguments: checked.arguments.clone(),
        args_hash: checked.args_hash.clone(),
    };
    let out = execute_approved(&server, &approved).await.unwrap();
    assert!(!out.is_error, "{}", out.text());
    assert_eq!(executed(&f), 1);
    let order: Value = {
        let read = server
            .call_tool(&ToolCall {
                name: "get_order_details".into(),
                arguments: json!({"order_id": order_id}).as_object().unwrap().clone(),
            })
            .await
            .unwrap();
        read.json().unwrap()
    };
    assert_eq!(order["status"], "cancelled");

    // A caller that executes the same approval again (a crash before recording the result)
    // sends the same key: the server answers the first result and changes nothing.
    let again = execute_approved(&server, &approved).await.unwrap();
    assert_eq!(again.text(), out.text());
    let ledger = ShopServer::ledger(f.dir.path());
    assert_eq!(executed(&f), 1);
    assert_eq!(ledger.last().unwrap().outcome, "replayed");
    server.close().await;
}

#[tokio::test]
async fn refusals_before_anything_is_sent() {
    let f = start().await;
    let (order_id, owner, other) = pending(&f.shop);
    let server = connect(&f.spec, Some(&token()), support::timeouts())
        .await
        .unwrap();
    let catalogue =
        support::catalogued(&server, &Catalogue::default(), HintTrust::TrustReadOnly).await;
    let policy = Policy::from_toml(POLICY).unwrap();
    let check = |call: ToolCall, who: Option<Customer>| {
        let (server, catalogue, policy, name) = (&server, &catalogue, &policy, &f.spec.name);
        async move {
            check_proposal(server, name, catalogue, policy, &call, who.as_ref(), "k")
                .await
                .map(|_| ())
                .map_err(|e| e.code())
        }
    };
    let mut bad_reason = cancel(&order_id);
    bad_reason.arguments["reason"] = json!("found it cheaper");
    let mut unknown_arg = cancel(&order_id);
    unknown_arg
        .arguments
        .insert("refund_to".into(), json!("me"));
    let address = ToolCall {
        name: "modify_user_address".into(),
        arguments: json!({"user_id": owner, "address1": "1 A St", "address2": "", "city": "X",
                          "state": "CA", "country": "USA", "zip": "90001"})
        .as_object()
        .unwrap()
        .clone(),
    };
    let read = ToolCall {
        name: "get_order_details".into(),
        arguments: json!({"order_id": order_id}).as_object().unwrap().clone(),
    };
    let rows: Vec<(&str, ToolCall, Option<Customer>, &str)> = vec![
        (
            "another customer's order",
            cancel(&order_id),
            Some(customer(&other)),
            "not_owner",
        ),
        (
            "no authenticated customer",
            cancel(&order_id),
            None,
            "unknown_customer",
        ),
        (
            "a reason policy does not allow",
            bad_reason,
            Some(customer(&owner)),
            "argument_not_allowed",
        ),
        (
            "an argument the schema does not have",
            unknown_arg,
            Some(customer(&owner)),
            "schema_mismatch",
        ),
        (
            "a write without policy",
            address,
            Some(customer(&owner)),
            "no_policy",
        ),
        (
            "a read is not proposed",
            read,
            Some(customer(&owner)),
            "not_a_write",
        ),
    ];
    for (name, call, who, code) in rows {
        assert_eq!(check(call, who).await, Err(code), "{name}");
    }
    assert!(
        ShopServer::ledger(f.dir.path()).is_empty(),
        "no write reached the server"
    );
    server.close().await;
}

#[tokio::test]
async fn arguments_edited_after_approval_are_not_sent() {
    let f = start().await;
    let (order_id, owner, _) = pending(&f.shop);
    let server = connect(&f.spec, Some(&token()), support::timeouts())
        .await
        .unwrap();
    let catalogue =
        support::catalogued(&server, &Catalogue::default(), HintTrust::TrustReadOnly).await;
    let policy = Policy::from_toml(POLICY).unwrap();
    let checked = check_proposal(
        &server,
        &f.spec.name,
        &catalogue,
        &policy,
        &cancel(&order_id),
        Some(&customer(&owner)),
        "p-2",
    )
    .await
    .unwrap();
    let mut tampered = checked.arguments.clone();
    tampered["reason"] = json!("ordered by mistake");
    let err = execute_approved(
        &server,
        &ApprovedCall {
            tool: checked.tool.clone(),
            arguments: tampered,
            args_hash: checked.args_hash.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "args_mismatch");
    assert!(ShopServer::ledger(f.dir.path()).is_empty());
    server.close().await;
}

#[tokio::test]
async fn the_server_refuses_a_missing_or_wrong_token() {
    let f = start().await;
    for token in [None, Some(Secret::new("not-the-token".into()))] {
        let err = connect(&f.spec, token.as_ref(), support::timeouts())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "mcp_unauthorized", "{err}");
        assert!(!format!("{err:?}").contains("not-the-token"));
    }
}

#[tokio::test]
async fn reads_are_classified_read_only_when_the_hints_are_trusted() {
    let f = start().await;
    let server = connect(&f.spec, Some(&token()), support::timeouts())
        .await
        .unwrap();
    for (trust, read_class) in [
        (HintTrust::Untrusted, "write"),
        (HintTrust::TrustReadOnly, "read"),
    ] {
        let c = support::catalogued(&server, &Catalogue::default(), trust).await;
        let tools = &c.servers[&f.spec.name];
        assert_eq!(tools.len(), 15);
        assert_eq!(tools["get_order_details"].class.as_str(), read_class);
        assert_eq!(tools["cancel_pending_order"].class.as_str(), "write");
    }
    server.close().await;
}
