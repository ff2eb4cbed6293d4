//! Printing to stdout: plain lines, pretty JSON, and the two views several commands share.

use std::io::Write;

use anyhow::Context;
use countersign_store::{Ingested, Proposal};

pub fn out(text: impl AsRef<str>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", text.as_ref()).context("writing to stdout")
}

pub fn json_out<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    out(serde_json::to_string_pretty(v)?)
}

/// The open proposals as a table (`queue`, and the end of `demo`).
pub fn print_queue(queue: &[Proposal]) -> anyhow::Result<()> {
    if queue.is_empty() {
        return out("No open proposals.");
    }
    out(format!(
        "{:>5}  {:<9}  {:<30}  {:<24}  {:>10}  summary",
        "id", "state", "tool", "customer", "amount"
    ))?;
    for p in queue {
        out(format!(
            "{:>5}  {:<9}  {:<30}  {:<24}  {:>10}  {}",
            p.id,
            p.state.as_str(),
            p.tool.as_str(),
            p.customer_id,
            p.amount.to_string(),
            p.preview.summary
        ))?;
    }
    Ok(())
}

/// One processed request: its conversation, proposals, draft reply and handoff (`ingest`, `demo`).
pub fn print_ingested(i: &Ingested) -> anyhow::Result<()> {
    out(format!(
        "── conversation {} · {} · guard {} · {}",
        i.conversation_id,
        i.customer_id.as_deref().unwrap_or("unverified customer"),
        i.verdict.as_str(),
        i.outcome.as_str()
    ))?;
    for p in &i.proposals {
        out(format!("   proposal #{}: {} {}", p.id, p.tool, p.args))?;
    }
    if let Some(reply) = &i.reply {
        for line in reply.lines() {
            out(format!("   │ {line}"))?;
        }
    }
    if let Some(h) = &i.handoff {
        out(format!(
            "   handoff: {} — next: {}",
            h.reason, h.suggested_next_step
        ))?;
    }
    Ok(())
}
