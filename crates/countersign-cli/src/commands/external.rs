//! External calls (writes to the team's MCP servers) in `queue`, `show` and `approve`, and
//! `resolve-call` for one whose outcome is unknown; and the configured servers' tools for the
//! LLM planner. The steps of an approval are the store's (`approve_on_server`); this connects
//! and words the outcome.

use std::sync::Arc;

use countersign_agent::{ExternalLimits, ExternalTools};
use countersign_mcp::{HintTrust, ServerName, Timeouts, ToolServer};
use countersign_store::{approve_on_server, ExternalCall, ExternalOutcome};
use serde::Serialize;
use serde_json::Value;

use super::tools;
use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::out;

/// An external call as a `queue --json` row: the shop proposal's keys where they mean the
/// same, and what only an external call has under `external`.
#[derive(Debug, Serialize)]
pub struct QueueRow<'a> {
    id: i64,
    conversation_id: i64,
    customer_id: &'a str,
    tool: String,
    args: &'a serde_json::Map<String, Value>,
    state: &'static str,
    proposed_by: &'a str,
    created_at_ms: i64,
    expires_at_ms: i64,
    external: &'a ExternalCall,
}

pub fn queue_row(c: &ExternalCall) -> QueueRow<'_> {
    QueueRow {
        id: c.proposal_id,
        conversation_id: c.conversation_id,
        customer_id: &c.customer_id,
        tool: format!("{}/{}", c.server, c.tool),
        args: &c.arguments,
        state: c.state.as_str(),
        proposed_by: &c.proposed_by,
        created_at_ms: c.created_at_ms,
        expires_at_ms: c.expires_at_ms,
        external: c,
    }
}

pub fn print_rows(calls: &[ExternalCall]) -> anyhow::Result<()> {
    if calls.is_empty() {
        return Ok(());
    }
    out("")?;
    out("Calls to the team's systems:")?;
    for c in calls {
        let amount = c
            .verdict
            .amount
            .as_ref()
            .map(|a| format!("{} {}", a.value, a.currency))
            .unwrap_or_default();
        out(format!(
            "{:>5}  {:<9}  {:<30}  {:<24}  {:>10}  needs {}",
            c.proposal_id,
            c.state.as_str(),
            format!("{}/{}", c.server, c.tool),
            c.customer_id,
            amount,
            c.verdict.required_role.as_str()
        ))?;
    }
    Ok(())
}

pub fn show(ctx: &Invocation, id: i64, json: bool) -> anyhow::Result<()> {
    let detail = ctx.open()?.show_external(id).map_err(desk)?;
    if json {
        return crate::output::json_out(&detail);
    }
    let c = &detail.call;
    out(format!(
        "Proposal {} — {} on {} ({}, {})",
        c.proposal_id,
        c.tool,
        c.server,
        c.state.as_str(),
        c.outcome.as_str()
    ))?;
    out(format!(
        "Customer {} · conversation {} · proposed by {}",
        c.customer_id, c.conversation_id, c.proposed_by
    ))?;
    out(format!(
        "Approver: {}{}",
        c.verdict.required_role.as_str(),
        c.verdict
            .amount
            .as_ref()
            .map(|a| format!(" · amount {} {}", a.value, a.currency))
            .unwrap_or_default()
    ))?;
    if let Some(o) = &c.verdict.ownership {
        out(format!(
            "Ownership: {} read with {} belongs to {}",
            o.object, o.read_tool, o.owner
        ))?;
    }
    out(format!(
        "Arguments (sent exactly): {}",
        Value::Object(c.arguments.clone())
    ))?;
    out(format!("Arguments hash: {}", c.args_hash.0))?;
    for d in &detail.decisions {
        let reason = d
            .reason
            .as_deref()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default();
        out(format!(
            "Decision: {} by {} ({}){reason}",
            d.kind.as_str(),
            d.actor,
            d.role.map(|r| r.as_str()).unwrap_or("-")
        ))?;
    }
    if let Some(result) = &c.result {
        out(format!("Result: {result}"))?;
    }
    Ok(())
}

/// `approve ID [--args JSON]` for an external call: connect to its server, list its tools
/// again (saved), then approve, re-checking an edit, and send once (`approve_on_server`).
pub fn approve(ctx: &Invocation, id: i64, edited: Option<&Value>) -> anyhow::Result<()> {
    let mut d = ctx.open()?;
    let call = d.show_external(id).map_err(desk)?.call;
    let name = ServerName::new(&call.server).map_err(|e| bad(e.code(), e))?;
    let files = tools::files(ctx);
    let trust = match files
        .servers()
        .map_err(tools::files_error)?
        .iter()
        .find(|s| s.name == name)
    {
        Some(s) if s.trust_read_only_hints => HintTrust::TrustReadOnly,
        _ => HintTrust::Untrusted,
    };
    let policy = files.policy().map_err(tools::files_error)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let approved = runtime.block_on(async {
        let server = tools::connect_named(ctx, &name).await?;
        let result = async {
            let listed = server.list_tools().await.map_err(|e| bad(e.code(), e))?;
            let catalogue = files
                .merge_listing(&name, &listed, trust)
                .map_err(tools::files_error)?
                .catalogue;
            approve_on_server(&mut d, &server, &catalogue, &policy, id, &ctx.actor, edited)
                .await
                .map_err(|e| bad(e.code(), e))
        }
        .await;
        server.close().await;
        result
    })?;
    match approved.outcome {
        ExternalOutcome::Succeeded => out(format!(
            "Executed proposal {}: {} on {}",
            id, call.tool, call.server
        )),
        ExternalOutcome::OutcomeUnknown => Err(bad(
            "mcp_outcome_unknown",
            format!(
                "proposal {id} was sent and no answer came: it may or may not have run. Check {} and settle it with `resolve-call {id} --ran|--not-run --note …`; it is never sent again on its own",
                call.server
            ),
        )),
        other => {
            let code = d
                .show_external(id)
                .map_err(desk)?
                .call
                .error_code
                .unwrap_or_else(|| other.as_str().to_owned());
            Err(bad(
                "external_call_failed",
                format!("proposal {id} did not run ({}: {code})", other.as_str()),
            ))
        }
    }
}

/// `resolve-call ID (--ran | --not-run) --note TEXT`.
pub fn resolve(ctx: &Invocation, id: i64, ran: bool, note: &str) -> anyhow::Result<()> {
    ctx.open()?
        .resolve_external(id, &ctx.actor, ran, note)
        .map_err(desk)?;
    out(format!(
        "Proposal {id} settled: {}",
        if ran { "it ran" } else { "it did not run" }
    ))
}

/// The workspace's connected servers, catalogue and policy for the LLM planner; a server that
/// cannot be reached is left out (with a warning in the log) and planning goes on.
pub async fn planner_tools(ctx: &Invocation) -> anyhow::Result<Option<Arc<ExternalTools>>> {
    let connected = ExternalTools::connect_workspace(
        &tools::files(ctx),
        |name| {
            std::env::var(tools::token_env(name))
                .ok()
                .map(countersign_core::Secret::new)
        },
        Timeouts::default(),
        ExternalLimits::default(),
    )
    .await
    .map_err(tools::files_error)?;
    Ok(connected.map(|(tools, _unavailable)| Arc::new(tools)))
}
