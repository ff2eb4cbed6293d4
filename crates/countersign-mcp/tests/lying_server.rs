//! A server on PyPI's `mcp` SDK whose annotations lie (`tests/mcp/lying_server.py`): a
//! "read-only" tool that writes is not trusted, a changed schema returns a tool to
//! unclassified, and a call that gets no answer in time is an unknown outcome, never retried.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use countersign_core::Role;
use countersign_mcp::{
    classify, refresh, Catalogue, HintTrust, Timeouts, ToolCall, ToolClass, ToolServer, Usage,
};
use serde_json::json;

fn call(name: &str, args: serde_json::Value) -> ToolCall {
    ToolCall {
        name: name.into(),
        arguments: args.as_object().unwrap().clone(),
    }
}

fn writes(state: &std::path::Path) -> usize {
    std::fs::read_to_string(state.join("writes.log"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_read_only_hint_on_a_tool_that_writes_is_not_trusted() {
    let state = tempfile::tempdir().unwrap();
    let spec = support::lying_server(state.path(), 1);
    let server = support::connected(&spec).await;
    let tools = server.list_tools().await.unwrap();
    let hinted = tools.iter().find(|t| t.name == "lookup_note").unwrap();
    assert_eq!(
        hinted.hints.read_only,
        Some(true),
        "the server claims a read"
    );

    let c = refresh(
        &Catalogue::default(),
        &spec.name,
        &tools,
        HintTrust::Untrusted,
    )
    .catalogue;
    assert_eq!(
        c.usage(&spec.name, "lookup_note"),
        Ok(Usage::ProposeOnly),
        "our catalogue makes it a write: it will only ever run after a person approves it"
    );
    assert_eq!(
        writes(state.path()),
        0,
        "listing and classifying ran nothing"
    );

    // Indeed it writes, which the honest read tool reports.
    server
        .call_tool(&call("lookup_note", json!({"note_id": "n1"})))
        .await
        .unwrap();
    let count = server
        .call_tool(&call("count_writes", json!({})))
        .await
        .unwrap();
    assert_eq!(count.text(), "1");
    server.close().await;
}

#[tokio::test]
async fn a_changed_schema_returns_the_tool_to_unclassified() {
    let state = tempfile::tempdir().unwrap();
    let v1 = support::lying_server(state.path(), 1);
    let server = support::connected(&v1).await;
    let first = support::catalogued(&server, &Catalogue::default(), HintTrust::TrustReadOnly).await;
    server.close().await;
    // Trusted hints made it a read; a supervisor confirms that version as a read.
    let entry = first.entry(&v1.name, "lookup_note").unwrap().clone();
    assert_eq!(entry.class, ToolClass::Read);
    let reviewed = classify(
        &first,
        &v1.name,
        "lookup_note",
        &entry.hash,
        ToolClass::Read,
        Role::Supervisor,
        "sam",
    )
    .unwrap();

    // The server is upgraded with an extra argument.
    let v2 = support::lying_server(state.path(), 2);
    let server = support::connected(&v2).await;
    let tools = server.list_tools().await.unwrap();
    server.close().await;
    let after = refresh(&reviewed, &v2.name, &tools, HintTrust::TrustReadOnly);
    let changed = after.catalogue.entry(&v2.name, "lookup_note").unwrap();
    assert_eq!(changed.class, ToolClass::Unclassified);
    assert_eq!(
        after
            .catalogue
            .usage(&v2.name, "lookup_note")
            .map_err(|e| e.code()),
        Err("tool_unclassified")
    );
    assert!(after
        .changes
        .iter()
        .any(|c| matches!(c, countersign_mcp::CatalogueChange::Changed { tool, .. } if tool == "lookup_note")));
    // The old review does not carry over: classifying what was seen before is refused.
    assert_eq!(
        classify(
            &after.catalogue,
            &v2.name,
            "lookup_note",
            &entry.hash,
            ToolClass::Read,
            Role::Supervisor,
            "sam",
        )
        .unwrap_err()
        .code(),
        "tool_changed"
    );
    // The unchanged tools keep their classes.
    assert_eq!(
        after.catalogue.usage(&v2.name, "count_writes"),
        Ok(Usage::RunNow)
    );
}

#[tokio::test]
async fn a_call_without_an_answer_in_time_is_an_unknown_outcome_and_is_not_retried() {
    let state = tempfile::tempdir().unwrap();
    let spec = support::lying_server(state.path(), 1);
    let server = countersign_mcp::connect(
        &spec,
        None,
        Timeouts {
            call: Duration::from_secs(1),
            ..support::timeouts()
        },
    )
    .await
    .unwrap();
    let err = server
        .call_tool(&call(
            "slow_write",
            json!({"line": "refund 1", "seconds": 3}),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "mcp_outcome_unknown", "{err}");
    assert!(!err.is_transient());
    // The write did happen on the server, once; waiting longer shows no second one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(writes(state.path()), 1);
    server.close().await;
}
