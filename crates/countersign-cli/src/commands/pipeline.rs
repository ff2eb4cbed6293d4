//! The front half: `ingest` one request, or the `demo` inbox, into drafts and proposals.

use std::path::Path;

use countersign_pipeline::{chat, Channel};

use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out, print_ingested, print_queue};

/// One thread is enough: the CLI plans one request at a time, and waits on the network.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// `ingest`: one request (email file, chat or widget JSON) → guard → planner → draft + proposals.
/// With `--queue`, only recorded: the desktop app plans it.
pub fn ingest(
    ctx: &Invocation,
    file: &Path,
    channel: Channel,
    queue: bool,
    json: bool,
) -> anyhow::Result<()> {
    let raw = std::fs::read(file)
        .map_err(|e| bad("unreadable_file", format!("{}: {e}", file.display())))?;
    let request = chat::parse(channel, &raw).map_err(|e| bad(e.code(), &e))?;
    let mut d = ctx.open()?;
    if queue {
        let admitted = d.admit(&request).map_err(desk)?;
        if json {
            return json_out(&serde_json::json!({
                "conversation_id": admitted.conversation_id,
                "verdict": admitted.verdict,
                "planning": admitted.planning,
            }));
        }
        return out(format!(
            "conversation {}: {}",
            admitted.conversation_id,
            if admitted.planning {
                "queued for planning in the desktop app"
            } else {
                "blocked by the input guard"
            }
        ));
    }
    let mut agent = ctx.agent_for(&d)?;
    let runtime = runtime()?;
    if !agent.never_asks_a_model() {
        agent.external = runtime.block_on(super::external::planner_tools(ctx))?;
    }
    let ingested = runtime
        .block_on(agent.ingest(&mut d, &request))
        .map_err(desk)?;
    if json {
        return json_out(&ingested);
    }
    print_ingested(&ingested)
}

/// `demo`: seeds the workspace and processes the sample inbox, then shows the queue.
pub fn demo(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let mut d = ctx.open()?;
    let mut agent = ctx.agent_for(&d)?;
    let runtime = runtime()?;
    if !agent.never_asks_a_model() {
        agent.external = runtime.block_on(super::external::planner_tools(ctx))?;
    }
    let mut all = Vec::new();
    for sample in countersign_evals::inbox::sample_inbox()? {
        let request = chat::parse(sample.channel, sample.raw.as_bytes())
            .map_err(|e| anyhow::anyhow!("sample {} does not parse: {e}", sample.id))?;
        all.push(
            runtime
                .block_on(agent.ingest(&mut d, &request))
                .map_err(desk)?,
        );
    }
    if json {
        return json_out(&all);
    }
    for ingested in &all {
        print_ingested(ingested)?;
    }
    out("")?;
    out("Queue:")?;
    print_queue(&d.queue().map_err(desk)?)
}
