//! The record of what was decided: `history` and `audit verify`.

use crate::error::desk;
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// `history`: every decision, oldest first.
pub fn history(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let history = ctx.open()?.history().map_err(desk)?;
    if json {
        return json_out(&history);
    }
    if history.is_empty() {
        return out("No decisions yet.");
    }
    for h in history {
        let d = &h.decision;
        let reason = d
            .reason
            .as_deref()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default();
        out(format!(
            "{}  proposal {:>4}  {:<11}  {:<12}  {:<30}  {}{reason}",
            d.at_ms,
            d.proposal_id,
            d.kind.as_str(),
            d.actor,
            h.tool.as_str(),
            h.summary
        ))?;
    }
    Ok(())
}

/// `audit verify`: checks the hash chain. A broken chain is an internal error (exit 1) that
/// names the first altered record.
pub fn audit_verify(ctx: &Invocation) -> anyhow::Result<()> {
    let report = ctx.open()?.verify_audit().map_err(desk)?;
    match report.first_break {
        None => out(format!(
            "ok: {} audit records, chain intact",
            report.records
        )),
        Some(b) => Err(anyhow::anyhow!(
            "audit chain broken at record {} ({}); {} records before it verified",
            b.seq(),
            serde_json::to_value(&b)?["problem"]
                .as_str()
                .unwrap_or("altered"),
            report.records
        )),
    }
}
