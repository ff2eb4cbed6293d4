//! External calls (writes to the team's MCP servers) in `queue`, `show` and `approve`, and
//! `resolve-call` for one whose outcome is unknown. Approving connects to the server the call
//! names, lists its tools again (a definition changed since the proposal was checked is a
//! changed tool, whatever the saved catalogue says), re-checks edited arguments with the
//! policy, claims the call in the store and sends it once.

use std::sync::Arc;

use countersign_agent::{ExternalLimits, ExternalTools};
use countersign_mcp::policy::Customer;
use countersign_mcp::{
    check_proposal, connect, idempotency_property, refresh, Catalogue, HintTrust, ServerName,
    ToolCall, ToolServer, Usage,
};
use countersign_shop::ShopView;
use countersign_store::{execute_claimed, Desk, ExternalCall, ExternalOutcome};
use serde::Serialize;
use serde_json::Value;

use super::tools::{self, ServersFile, CATALOGUE_FILE, SERVERS_FILE};
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

/// The conversation's customer as the policy knows them (their shop id and email).
fn customer_of(d: &Desk, customer_id: &str) -> anyhow::Result<Customer> {
    let user = d
        .shop()
        .user(customer_id)
        .map_err(|e| anyhow::anyhow!("reading the customer {customer_id}: {e}"))?;
    Ok(Customer {
        user_id: customer_id.to_owned(),
        email: user.map(|u| u.email),
    })
}

/// `approve ID [--args JSON]` for an external call: re-list, re-check an edit, claim, send once.
pub fn approve(ctx: &Invocation, id: i64, edited: Option<&Value>) -> anyhow::Result<()> {
    let mut d = ctx.open()?;
    let call = d.show_external(id).map_err(desk)?.call;
    let name = ServerName::new(&call.server).map_err(|e| bad(e.code(), e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = tools::connect_named(ctx, &name).await?;
        let result = approve_on(ctx, &mut d, &server, &name, &call, edited).await;
        server.close().await;
        result
    })
}

async fn approve_on(
    ctx: &Invocation,
    d: &mut Desk,
    server: &countersign_mcp::RmcpServer,
    name: &ServerName,
    call: &ExternalCall,
    edited: Option<&Value>,
) -> anyhow::Result<()> {
    let catalogue_path = tools::file(ctx, CATALOGUE_FILE);
    let saved: Catalogue = tools::read_json(&catalogue_path)?;
    let servers: ServersFile = tools::read_json(&tools::file(ctx, SERVERS_FILE))?;
    let trust = match servers.servers.iter().find(|s| &s.name == name) {
        Some(s) if s.trust_read_only_hints => HintTrust::TrustReadOnly,
        _ => HintTrust::Untrusted,
    };
    let listed = server.list_tools().await.map_err(|e| bad(e.code(), e))?;
    let catalogue = refresh(&saved, name, &listed, trust).catalogue;
    tools::write_json(&catalogue_path, &catalogue)?;
    let write_hash_now = match catalogue.usage(name, &call.tool) {
        Ok(Usage::ProposeOnly) => catalogue.entry(name, &call.tool).map(|e| e.hash.clone()),
        _ => None,
    };
    let rechecked = match edited {
        None => None,
        Some(args) => {
            let Value::Object(arguments) = args else {
                return Err(bad("arguments_not_object", "--args must be a JSON object"));
            };
            let mut arguments = arguments.clone();
            // The edit keeps the proposal's idempotency key: it is the same call, amended.
            let entry = catalogue.entry(name, &call.tool);
            let key_name = entry.and_then(|e| idempotency_property(&e.tool.input_schema));
            let key = key_name
                .and_then(|k| call.arguments.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| call.proposal_id.to_string());
            if let Some(k) = key_name {
                arguments.remove(k);
            }
            let customer = customer_of(d, &call.customer_id)?;
            let policy = tools::policy(ctx)?;
            let checked = check_proposal(
                server,
                name,
                &catalogue,
                &policy,
                &ToolCall {
                    name: call.tool.clone(),
                    arguments,
                },
                Some(&customer),
                &key,
            )
            .await;
            match checked {
                Ok(c) => Some(c),
                Err(refusal) => {
                    d.record_external_refusal(
                        &call.customer_id,
                        &call.server,
                        &call.tool,
                        refusal.code(),
                        &ctx.actor,
                    )
                    .map_err(desk)?;
                    return Err(bad(refusal.code(), refusal));
                }
            }
        }
    };
    let claimed = d
        .approve_external(
            call.proposal_id,
            &ctx.actor,
            rechecked.as_ref(),
            write_hash_now.as_ref(),
        )
        .map_err(desk)?;
    let outcome = execute_claimed(d, server, &claimed).await.map_err(desk)?;
    match outcome {
        ExternalOutcome::Succeeded => out(format!(
            "Executed proposal {}: {} on {}",
            claimed.proposal_id, call.tool, call.server
        )),
        ExternalOutcome::OutcomeUnknown => Err(bad(
            "mcp_outcome_unknown",
            format!(
                "proposal {} was sent and no answer came: it may or may not have run. Check {} and settle it with `resolve-call {} --ran|--not-run --note …`; it is never sent again on its own",
                claimed.proposal_id, call.server, claimed.proposal_id
            ),
        )),
        other => {
            let code = d
                .show_external(claimed.proposal_id)
                .map_err(desk)?
                .call
                .error_code
                .unwrap_or_else(|| other.as_str().to_owned());
            Err(bad(
                "external_call_failed",
                format!(
                    "proposal {} did not run ({}: {code})",
                    claimed.proposal_id,
                    other.as_str()
                ),
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

/// The workspace's connected servers, catalogue and policy for the LLM planner, connected on
/// `runtime` (where the planner will run). A server that cannot be reached is left out, with
/// a warning: planning goes on with the shop and the other servers.
pub fn planner_tools(
    ctx: &Invocation,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Option<Arc<ExternalTools>>> {
    let servers: ServersFile = tools::read_json(&tools::file(ctx, SERVERS_FILE))?;
    if servers.servers.is_empty() {
        return Ok(None);
    }
    let catalogue_path = tools::file(ctx, CATALOGUE_FILE);
    let mut catalogue: Catalogue = tools::read_json(&catalogue_path)?;
    let policy = tools::policy(ctx)?;
    let mut connected: Vec<(ServerName, Arc<dyn ToolServer>)> = Vec::new();
    for spec in &servers.servers {
        let token = std::env::var(tools::token_env(&spec.name))
            .ok()
            .map(countersign_core::Secret::new);
        match runtime.block_on(connect(
            spec,
            token.as_ref(),
            countersign_mcp::Timeouts::default(),
        )) {
            Ok(server) => {
                // Listed again now: what is offered is what the server says today, and a
                // changed definition is unclassified (so not offered) until reviewed.
                match runtime.block_on(server.list_tools()) {
                    Ok(listed) => {
                        let trust = if spec.trust_read_only_hints {
                            HintTrust::TrustReadOnly
                        } else {
                            HintTrust::Untrusted
                        };
                        catalogue = refresh(&catalogue, &spec.name, &listed, trust).catalogue;
                        connected.push((spec.name.clone(), Arc::new(server)));
                    }
                    Err(e) => {
                        tracing::warn!(server = %spec.name, code = e.code(), "tool server did not list its tools; not offered");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(server = %spec.name, code = e.code(), "tool server not reachable; its tools are not offered");
            }
        }
    }
    tools::write_json(&catalogue_path, &catalogue)?;
    let mut external = ExternalTools::new(catalogue, policy, ExternalLimits::default());
    for (name, server) in connected {
        external = external.with_server(name, server);
    }
    Ok(Some(Arc::new(external)))
}
