//! `countersign mcp serve` over both transports, reached through `tools add-server` and
//! `tools list` and through the MCP client itself: real processes on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};

use assert_cmd::Command;
use countersign_core::Secret;
use countersign_mcp::shop_server::ShopServer;
use countersign_mcp::{
    connect, ServerName, ServerSpec, Timeouts, ToolCall, ToolServer, TransportSpec,
};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::OrderStatus;
use serde_json::{json, Value};

mod support;
use support::tool_of;

fn bin() -> String {
    assert_cmd::cargo::cargo_bin("countersign")
        .display()
        .to_string()
}

fn cs(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--workspace").arg(dir);
    c
}

/// `cs` acting as `actor`.
fn as_actor(dir: &Path, actor: &str) -> Command {
    let mut c = cs(dir);
    c.args(["--actor", actor]);
    c
}

/// A workspace whose supervisor is "lea" (the first supervisor is whoever administers the
/// files), for the changes only a supervisor makes.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    as_actor(ws.path(), "lea")
        .args(["staff", "set", "lea", "--role", "supervisor"])
        .assert()
        .success();
    ws
}

/// The workspace's audit records of `kind`: (actor, payload).
fn audit_records(dir: &Path, kind: &str) -> Vec<(String, Value)> {
    let conn = rusqlite::Connection::open(dir.join(countersign_store::DB_FILE)).unwrap();
    let mut stmt = conn
        .prepare("SELECT actor, payload FROM audit_log WHERE kind = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([kind], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })
    .unwrap()
    .map(|r| {
        let (actor, payload) = r.unwrap();
        (actor, serde_json::from_str(&payload).unwrap())
    })
    .collect()
}

fn tools_list(dir: &Path, env: &[(&str, &str)]) -> Vec<Value> {
    let mut c = cs(dir);
    c.args(["tools", "list", "--json"]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn class_of<'a>(server: &'a Value, tool: &str) -> &'a str {
    tool_of(server, tool)["class"].as_str().unwrap()
}

#[test]
fn mcp_serve_over_stdio_is_listed_and_classified_by_tools_list() {
    let ws = workspace();
    let served = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --workspace {} mcp serve",
        bin(),
        served.path().display()
    );
    as_actor(ws.path(), "lea")
        .args(["tools", "add-server", "shop", "--command", &command])
        .assert()
        .success();
    as_actor(ws.path(), "lea")
        .args(["tools", "add-server", "trusted", "--command", &command])
        .arg("--trust-read-only-hints")
        .assert()
        .success();

    let servers = tools_list(ws.path(), &[]);
    assert_eq!(servers.len(), 2);
    for s in &servers {
        assert_eq!(s["status"], "connected", "{s}");
        assert_eq!(s["tools"].as_array().unwrap().len(), 15);
        assert_eq!(class_of(s, "cancel_pending_order"), "write");
    }
    assert_eq!(class_of(&servers[0], "get_order_details"), "write");
    assert_eq!(class_of(&servers[1], "get_order_details"), "read");
    assert!(servers[0]["tools"][0]["awaits_review"].as_bool().unwrap());

    // The catalogue is kept: a second listing changes nothing.
    let again = tools_list(ws.path(), &[]);
    assert!(again
        .iter()
        .all(|s| s["changes"].as_array().unwrap().is_empty()));
    assert!(ws.path().join("mcp-catalogue.json").exists());
}

/// `countersign mcp serve --http 127.0.0.1:0`, stopped when dropped.
struct HttpServe {
    child: Child,
    url: String,
}

impl HttpServe {
    fn start(dir: &Path, token: &str) -> HttpServe {
        let mut child = Process::new(bin())
            .arg("--workspace")
            .arg(dir)
            .args(["mcp", "serve", "--http", "127.0.0.1:0"])
            .env("COUNTERSIGN_MCP_SERVE_TOKEN", token)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("mcp serve printed {line:?}"))
            .to_owned();
        HttpServe { child, url }
    }
}

impl Drop for HttpServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn mcp_serve_over_http_requires_its_token_and_executes_a_write_once() {
    let ws = workspace();
    let served = tempfile::tempdir().unwrap();
    let token = "serve-token-31";
    let server = HttpServe::start(served.path(), token);
    as_actor(ws.path(), "lea")
        .args(["tools", "add-server", "shop", "--url", &server.url])
        .assert()
        .success();

    let without = tools_list(ws.path(), &[]);
    assert_eq!(without[0]["status"], "mcp_unauthorized", "{}", without[0]);
    let wrong = tools_list(ws.path(), &[("COUNTERSIGN_MCP_TOKEN_SHOP", "guess")]);
    assert_eq!(wrong[0]["status"], "mcp_unauthorized");
    let with = tools_list(ws.path(), &[("COUNTERSIGN_MCP_TOKEN_SHOP", token)]);
    assert_eq!(with[0]["status"], "connected", "{}", with[0]);
    assert_eq!(class_of(&with[0], "get_order_details"), "write");

    // Through the client: a read, then one write, counted in the server's own ledger.
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let order = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending)
        .unwrap();
    let spec = ServerSpec {
        name: ServerName::new("shop").unwrap(),
        transport: TransportSpec::http(&server.url).unwrap(),
        trust_read_only_hints: false,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = connect(&spec, Some(&Secret::new(token.into())), Timeouts::default())
            .await
            .unwrap();
        let call = |name: &str, args: Value| ToolCall {
            name: name.into(),
            arguments: args.as_object().unwrap().clone(),
        };
        let read = client
            .call_tool(&call(
                "get_order_details",
                json!({"order_id": order.order_id}),
            ))
            .await
            .unwrap();
        assert_eq!(read.json().unwrap()["status"], "pending");
        let write = client
            .call_tool(&call(
                "cancel_pending_order",
                json!({"order_id": order.order_id, "reason": "ordered by mistake",
                       "idempotency_key": "k-1"}),
            ))
            .await
            .unwrap();
        assert!(!write.is_error, "{}", write.text());
        let refused = client
            .call_tool(&call(
                "cancel_pending_order",
                json!({"order_id": order.order_id, "reason": "ordered by mistake",
                       "idempotency_key": "k-2"}),
            ))
            .await
            .unwrap();
        assert!(refused.is_error, "a cancelled order is not cancelled again");
        client.close().await;
    });
    let ledger = ShopServer::ledger(served.path());
    let outcomes: Vec<&str> = ledger.iter().map(|l| l.outcome.as_str()).collect();
    assert_eq!(outcomes, ["executed", "refused"]);
    assert!(served.path().join("mcp-shop.json").exists());
}

#[test]
fn add_server_refuses_bad_settings_with_a_code() {
    let ws = tempfile::tempdir().unwrap();
    let rows: [(&[&str], &str); 4] = [
        (&["bad name", "--command", "x"], "mcp_config"),
        (&["s", "--url", "http://mcp.example.com/"], "mcp_config"),
        (&["s", "--command", "node 'open"], "mcp_config"),
        (&["s"], "mcp_config"),
    ];
    for (args, code) in rows {
        let out = cs(ws.path())
            .args(["tools", "add-server"])
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(out).unwrap();
        assert!(
            err.starts_with(&format!("error: {code}:")),
            "{args:?}: {err}"
        );
    }
    assert!(!ws.path().join("mcp-servers.json").exists());
}

/// Regression: `tools add-server` from the CLI took anyone's word (the app asked for a
/// supervisor), and neither recorded who changed the team systems.
#[test]
fn only_a_supervisor_changes_the_team_systems_and_each_change_is_in_the_audit_log() {
    let ws = workspace();
    let served = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --workspace {} mcp serve",
        bin(),
        served.path().display()
    );

    // An agent is refused, with a code, and nothing is written or recorded.
    let refused = as_actor(ws.path(), "ann")
        .args(["tools", "add-server", "shop", "--command", &command])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let refused = String::from_utf8(refused).unwrap();
    assert!(refused.starts_with("error: not_permitted:"), "{refused}");
    assert!(!ws.path().join("mcp-servers.json").exists());
    assert!(audit_records(ws.path(), "settings.tool_server").is_empty());

    as_actor(ws.path(), "lea")
        .args(["tools", "add-server", "shop", "--command", &command])
        .assert()
        .success();
    let servers = audit_records(ws.path(), "settings.tool_server");
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].0, "lea");
    assert_eq!(
        servers[0].1,
        json!({
            "server": "shop",
            "transport": "stdio",
            "program": bin(),
            "args": ["--workspace", served.path().display().to_string(), "mcp", "serve"],
            "trust_read_only_hints": false,
        })
    );

    let listed = tools_list(ws.path(), &[]);
    let hash = tool_of(&listed[0], "get_order_details")["hash"]
        .as_str()
        .unwrap();
    let classify = |actor: &str| {
        let mut c = as_actor(ws.path(), actor);
        c.args([
            "tools",
            "classify",
            "shop",
            "get_order_details",
            "read",
            "--hash",
            hash,
        ]);
        c
    };
    classify("ann").assert().code(2);
    assert!(audit_records(ws.path(), "settings.tool_class").is_empty());
    classify("lea").assert().success();
    assert_eq!(
        audit_records(ws.path(), "settings.tool_class"),
        [(
            "lea".to_owned(),
            json!({"server": "shop", "tool": "get_order_details", "class": "read", "hash": hash})
        )]
    );
    // A classification the catalogue refuses (a definition nobody reviewed) is not recorded.
    as_actor(ws.path(), "lea")
        .args([
            "tools",
            "classify",
            "shop",
            "get_order_details",
            "write",
            "--hash",
            "0000",
        ])
        .assert()
        .code(2);
    assert_eq!(audit_records(ws.path(), "settings.tool_class").len(), 1);
    assert_eq!(
        class_of(&tools_list(ws.path(), &[])[0], "get_order_details"),
        "read"
    );
    cs(ws.path()).args(["audit", "verify"]).assert().success();
}
