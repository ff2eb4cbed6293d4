//! A team's MCP server behind the gate, end to end through the `countersign` binary: npm's
//! `@modelcontextprotocol/server-filesystem` confined to a temp dir, configured with `tools
//! add-server`, its write planned by a scripted LLM (a loopback fake of the OpenAI API in its
//! documented wire format), waiting in `queue` until `approve` runs it, once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use assert_cmd::Command;
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use serde_json::{json, Value};
use support::{
    add_server, cs, filesystem_bin, ingest_email, regex_escape, scripted_provider, stdout, text,
    tool_call, tool_of,
};
use wiremock::MockServer;

const DRAFT: &str = "Thank you for writing. I have prepared the change for approval: a colleague will confirm it shortly, and nothing changes until then.";

/// A workspace with the filesystem server configured, and one request planned by the scripted
/// model into a pending `write_file` call: (its id, the file it writes, the content, the fake
/// provider, which must outlive the planning).
struct Planned {
    ws: tempfile::TempDir,
    _root: tempfile::TempDir,
    id: i64,
    target: std::path::PathBuf,
    content: &'static str,
    _provider: MockServer,
    _runtime: tokio::runtime::Runtime,
}

fn planned() -> Planned {
    let ws = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let root_path = root.path().canonicalize().unwrap();
    std::fs::create_dir(root_path.join("notes")).unwrap();
    let target = root_path.join("notes/delivery.txt");

    // The administrator's part: the server (reads trusted by its hints), then its listing.
    add_server(ws.path())
        .args(["fs", "--trust-read-only-hints", "--command"])
        .arg(format!("{} {}", filesystem_bin(), root_path.display()))
        .assert()
        .success();
    let listed: Value =
        serde_json::from_str(&stdout(cs(ws.path()).args(["tools", "list", "--json"]))).unwrap();
    let tools = listed[0]["tools"].as_array().unwrap();
    let class_of = |name: &str| {
        tools
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["class"].as_str().unwrap().to_owned())
    };
    assert_eq!(class_of("write_file").as_deref(), Some("write"));
    assert_eq!(class_of("read_text_file").as_deref(), Some("read"));
    let notes = regex_escape(&root_path.join("notes").display().to_string());
    std::fs::write(
        ws.path().join("mcp-policy.toml"),
        format!(
            r#"
[servers.fs]
customer_id = "user_id"

[servers.fs.tools.write_file]
approver = "agent"

[[servers.fs.tools.write_file.constraints]]
pointer = "/path"
required = true
pattern = '{notes}/[a-z]+\.txt'
"#
        ),
    )
    .unwrap();

    // The scripted model: write the note, then draft the reply.
    let content = "Leave the parcel with the neighbour at number 12.";
    let (runtime, provider) = scripted_provider(vec![
        tool_call(
            "fs__write_file",
            &json!({"path": target.display().to_string(), "content": content}),
        ),
        text(DRAFT),
    ]);
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let customer = shop.users.values().next().unwrap();
    let ingested = ingest_email(
        ws.path(),
        &provider,
        &customer.email,
        "Delivery note",
        "Please leave my parcels with the neighbour at number 12 from now on.",
    );
    assert_eq!(ingested["customer_id"], json!(customer.user_id));
    assert!(!target.exists(), "planning wrote nothing");

    // The call waits in the queue with exactly its arguments.
    let queue: Value =
        serde_json::from_str(&stdout(cs(ws.path()).args(["queue", "--json"]))).unwrap();
    let row = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"] == "fs/write_file")
        .unwrap_or_else(|| panic!("no external call in the queue: {queue:#}"));
    assert_eq!(row["args"]["content"], json!(content));
    let id = row["id"].as_i64().unwrap();
    let shown = stdout(cs(ws.path()).args(["show", &id.to_string()]));
    assert!(shown.contains("write_file on fs"), "{shown}");
    assert!(!target.exists(), "queueing wrote nothing");

    Planned {
        ws,
        _root: root,
        id,
        target,
        content,
        _provider: provider,
        _runtime: runtime,
    }
}

#[test]
fn a_write_planned_by_the_llm_waits_for_approval_then_changes_the_file_exactly_once() {
    let p = planned();
    let (ws, id, target, content) = (&p.ws, p.id, &p.target, p.content);
    let approved = stdout(cs(ws.path()).args(["approve", &id.to_string()]));
    assert!(approved.contains("Executed proposal"), "{approved}");
    assert_eq!(std::fs::read_to_string(target).unwrap(), content);
    let written_at = std::fs::metadata(target).unwrap().modified().unwrap();

    // Once: a second approval is refused before anything reaches the server.
    let again = cs(ws.path())
        .args(["approve", &id.to_string()])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&again).contains("already_decided"),
        "{}",
        String::from_utf8_lossy(&again)
    );
    assert_eq!(
        std::fs::metadata(target).unwrap().modified().unwrap(),
        written_at
    );
    let detail: Value = serde_json::from_str(&stdout(cs(ws.path()).args([
        "show",
        &id.to_string(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(detail["outcome"], json!("succeeded"));
    assert_eq!(detail["decisions"][0]["actor"], json!("ana"));
}

#[test]
fn a_rejected_external_call_never_reaches_its_server() {
    let p = planned();
    cs(p.ws.path())
        .args([
            "reject",
            &p.id.to_string(),
            "--reason",
            "the customer called to cancel it",
        ])
        .assert()
        .success();
    let err = cs(p.ws.path())
        .args(["approve", &p.id.to_string()])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&err).contains("already_decided"));
    assert!(!p.target.exists(), "a rejected call wrote the file");
    let detail: Value = serde_json::from_str(&stdout(cs(p.ws.path()).args([
        "show",
        &p.id.to_string(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(detail["state"], json!("rejected"));
    assert_eq!(detail["outcome"], json!("awaiting"));
}

#[test]
fn only_a_supervisor_classifies_a_tool_and_only_the_definition_they_reviewed() {
    let ws = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    add_server(ws.path())
        .args(["fs", "--command"])
        .arg(format!("{} {}", filesystem_bin(), root.path().display()))
        .assert()
        .success();
    let listed: Value =
        serde_json::from_str(&stdout(cs(ws.path()).args(["tools", "list", "--json"]))).unwrap();
    let write_file = tool_of(&listed[0], "write_file").clone();
    let hash = write_file["hash"].as_str().unwrap();
    let classify = |actor: &str, hash: &str| {
        let mut c = Command::cargo_bin("countersign").unwrap();
        c.arg("--data-dir").arg(ws.path()).arg("--actor").arg(actor);
        c.args([
            "tools",
            "classify",
            "fs",
            "write_file",
            "forbidden",
            "--hash",
            hash,
        ]);
        c
    };
    let refused = classify("ana", hash)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&refused).contains("not_permitted"));
    // sam, the supervisor who added the server, may; but only the definition they reviewed.
    let stale = classify("sam", "0000")
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&stale).contains("tool_changed"),
        "{}",
        String::from_utf8_lossy(&stale)
    );
    classify("sam", hash).assert().success();
    let listed: Value =
        serde_json::from_str(&stdout(cs(ws.path()).args(["tools", "list", "--json"]))).unwrap();
    let class = tool_of(&listed[0], "write_file")["class"].clone();
    assert_eq!(class, json!("forbidden"));
}
