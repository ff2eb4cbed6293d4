//! npm's `@modelcontextprotocol/server-filesystem`, confined to a temp dir: its tools listed
//! and classified, a read run, and a write proposed, approved and executed exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use countersign_mcp::policy::Policy;
use countersign_mcp::{
    check_proposal, execute_approved, ApprovedCall, Catalogue, HintTrust, ToolCall, ToolServer,
    Usage,
};
use serde_json::json;

fn call(name: &str, args: serde_json::Value) -> ToolCall {
    ToolCall {
        name: name.into(),
        arguments: args.as_object().unwrap().clone(),
    }
}

fn policy(root: &std::path::Path) -> Policy {
    let notes = regex::escape(&root.join("notes").display().to_string());
    Policy::from_toml(&format!(
        r#"
[servers.fs]
customer_id = "user_id"

[servers.fs.tools.write_file]
approver = "agent"

[[servers.fs.tools.write_file.constraints]]
pointer = "/path"
required = true
pattern = '{notes}/[a-z]+\.txt'

[[servers.fs.tools.write_file.constraints]]
pointer = "/content"
max_length = 200
"#
    ))
    .unwrap()
}

#[tokio::test]
async fn tools_are_classified_by_us_with_the_hints_only_where_trusted() {
    let root = tempfile::tempdir().unwrap();
    let spec = support::filesystem_server("fs", root.path());
    let server = support::connected(&spec).await;
    let untrusted = support::catalogued(&server, &Catalogue::default(), HintTrust::Untrusted).await;
    let trusted =
        support::catalogued(&server, &Catalogue::default(), HintTrust::TrustReadOnly).await;
    for (tool, hinted_read) in [
        ("read_text_file", true),
        ("list_directory", true),
        ("write_file", false),
        ("edit_file", false),
        ("move_file", false),
    ] {
        assert_eq!(
            untrusted.usage(&spec.name, tool),
            Ok(Usage::ProposeOnly),
            "{tool}: a new tool is a write until someone decides"
        );
        let want = if hinted_read {
            Usage::RunNow
        } else {
            Usage::ProposeOnly
        };
        assert_eq!(trusted.usage(&spec.name, tool), Ok(want), "{tool}");
    }
    server.close().await;
}

#[tokio::test]
async fn a_read_runs_and_an_approved_write_changes_the_file_exactly_once() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("notes")).unwrap();
    std::fs::write(root.path().join("notes/hello.txt"), "hello from the test").unwrap();
    let spec = support::filesystem_server("fs", root.path());
    let server = support::connected(&spec).await;
    let catalogue =
        support::catalogued(&server, &Catalogue::default(), HintTrust::TrustReadOnly).await;

    // A read runs at once.
    let path = |f: &str| root.path().join("notes").join(f).display().to_string();
    assert_eq!(
        catalogue.usage(&spec.name, "read_text_file"),
        Ok(Usage::RunNow)
    );
    let read = server
        .call_tool(&call("read_text_file", json!({"path": path("hello.txt")})))
        .await
        .unwrap();
    assert!(!read.is_error, "{}", read.text());
    assert!(read.text().contains("hello from the test"));

    // A write is checked, and nothing happens until it is executed.
    let policy = policy(root.path());
    let proposed = call(
        "write_file",
        json!({"path": path("reply.txt"), "content": "approved text"}),
    );
    let checked = check_proposal(
        &server, &spec.name, &catalogue, &policy, &proposed, None, "p-1",
    )
    .await
    .unwrap();
    assert!(
        checked.arguments.get("idempotency_key").is_none(),
        "write_file takes no key; none is added"
    );
    let target = root.path().join("notes/reply.txt");
    assert!(!target.exists(), "a proposal writes nothing");

    let approved = ApprovedCall {
        tool: checked.tool.clone(),
        arguments: checked.arguments.clone(),
        args_hash: checked.args_hash.clone(),
    };
    let out = execute_approved(&server, &approved).await.unwrap();
    assert!(!out.is_error, "{}", out.text());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "approved text");
    let written = std::fs::metadata(&target).unwrap().modified().unwrap();

    // The same approval with its content edited afterwards is not sent.
    let mut edited = approved.clone();
    edited.arguments["content"] = json!("something else");
    assert_eq!(
        execute_approved(&server, &edited).await.unwrap_err().code(),
        "args_mismatch"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "approved text");
    assert_eq!(
        std::fs::metadata(&target).unwrap().modified().unwrap(),
        written
    );

    // Outside the directory policy allows, or too long: refused before anything is sent.
    for (args, code) in [
        (
            json!({"path": root.path().join("escape.txt").display().to_string(), "content": "x"}),
            "argument_pattern",
        ),
        (
            json!({"path": path("notes-2.txt"), "content": "x"}),
            "argument_pattern",
        ),
        (
            json!({"path": path("long.txt"), "content": "x".repeat(201)}),
            "argument_too_long",
        ),
        (json!({"path": path("typo.txt")}), "schema_mismatch"),
    ] {
        let refused = check_proposal(
            &server,
            &spec.name,
            &catalogue,
            &policy,
            &call("write_file", args.clone()),
            None,
            "p-2",
        )
        .await
        .unwrap_err();
        assert_eq!(refused.code(), code, "{args}");
    }
    assert!(!root.path().join("escape.txt").exists());
    let names: Vec<String> = std::fs::read_dir(root.path().join("notes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    server.close().await;
}

#[tokio::test]
async fn relisting_a_workspace_saves_the_catalogue_and_reports_each_servers_status() {
    use countersign_mcp::{
        relist_workspace, ServerName, ServerSpec, TransportSpec, WorkspaceFiles,
    };
    let root = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let files = WorkspaceFiles::new(ws.path());
    let missing = ServerSpec {
        name: ServerName::new("gone").unwrap(),
        transport: TransportSpec::Stdio {
            program: ws.path().join("no-such-server").display().to_string(),
            args: vec![],
        },
        trust_read_only_hints: false,
    };
    files
        .save_servers(&[support::filesystem_server("fs", root.path()), missing])
        .unwrap();
    let statuses = relist_workspace(&files, |_| None, support::timeouts())
        .await
        .unwrap();
    assert_eq!(statuses.len(), 2);
    assert!(statuses[0].connected, "{statuses:?}");
    assert!(statuses[0].changes > 0, "every tool is new");
    assert!(!statuses[1].connected);
    assert_eq!(statuses[1].code.as_deref(), Some("mcp_spawn_failed"));
    let summaries = files.summaries().unwrap();
    assert!(summaries[0]
        .tools
        .iter()
        .any(|t| t.name == "write_file" && t.class == "write"));
    let again = relist_workspace(&files, |_| None, support::timeouts())
        .await
        .unwrap();
    assert_eq!(again[0].changes, 0, "nothing changed since");
}
