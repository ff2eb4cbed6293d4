//! The approval queue: propose, queue, show, approve, reject, escalate.

use countersign_shop::ToolName;
use countersign_store::ProposeRequest;

use super::{external, parse_json};
use crate::error::desk;
use crate::invocation::Invocation;
use crate::output::{json_out, out, print_queue};

/// `propose`: prints the new proposal's id.
pub fn propose(
    ctx: &Invocation,
    customer: &str,
    conversation: Option<i64>,
    tool: ToolName,
    args: &str,
) -> anyhow::Result<()> {
    // Parse everything before opening the workspace: bad input stores nothing.
    let args = parse_json(args)?;
    let mut d = ctx.open()?;
    let id = d
        .propose(&ProposeRequest {
            customer_id: customer,
            conversation_id: conversation,
            channel: "manual",
            tool,
            args: &args,
            proposed_by: &ctx.actor,
        })
        .map_err(desk)?;
    out(id.to_string())
}

/// `queue`: open proposals, escalated first, then by amount at stake; then the open calls to
/// the team's systems. With `--json`, one array: the shop's proposals as before, then the
/// external calls (`external::QueueRow`).
pub fn queue(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let d = ctx.open()?;
    let queue = d.queue().map_err(desk)?;
    let calls = d.external_queue().map_err(desk)?;
    if json {
        let mut rows: Vec<serde_json::Value> = Vec::with_capacity(queue.len() + calls.len());
        for p in &queue {
            rows.push(serde_json::to_value(p)?);
        }
        for c in &calls {
            rows.push(serde_json::to_value(external::queue_row(c))?);
        }
        return json_out(&rows);
    }
    if queue.is_empty() && !calls.is_empty() {
        out("No open proposals in the shop.")?;
    } else {
        print_queue(&queue)?;
    }
    external::print_rows(&calls)
}

/// `show`: one proposal with its preview, decisions and audit records.
pub fn show(ctx: &Invocation, id: i64, json: bool) -> anyhow::Result<()> {
    if ctx.open()?.is_external(id).map_err(desk)? {
        return external::show(ctx, id, json);
    }
    let detail = ctx.open()?.show(id).map_err(desk)?;
    if json {
        return json_out(&detail);
    }
    let p = &detail.proposal;
    out(format!(
        "Proposal {} — {} ({})",
        p.id,
        p.tool,
        p.state.as_str()
    ))?;
    out(format!(
        "Customer {} · conversation {} · proposed by {}",
        p.customer_id, p.conversation_id, p.proposed_by
    ))?;
    out(format!(
        "{}\nAmount at stake: {}",
        p.preview.summary, p.amount
    ))?;
    out("Changes:")?;
    for c in &p.preview.changes {
        out(format!(
            "  {} {}: {} → {}",
            c.entity, c.field, c.before, c.after
        ))?;
    }
    out(format!("Arguments: {}", p.args))?;
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
    Ok(())
}

/// `approve`: approves and executes (once), optionally with edited arguments. A reply is
/// approved with its newest text (or `--text`, saved as a revision first) and sent at once.
pub fn approve(
    ctx: &Invocation,
    id: i64,
    args: Option<&str>,
    text: Option<&str>,
    confirm: bool,
) -> anyhow::Result<()> {
    let edited = args.map(parse_json).transpose()?;
    let mut d = ctx.open()?;
    if d.is_external(id).map_err(desk)? {
        if text.is_some() || confirm {
            return Err(crate::error::bad(
                "not_a_reply",
                format!("proposal {id} is not a reply: --text and --confirm are for replies"),
            ));
        }
        drop(d);
        return external::approve(ctx, id, edited.as_ref());
    }
    let tool = d.show(id).map_err(desk)?.proposal.tool;
    if tool != ToolName::SendReply {
        if text.is_some() || confirm {
            return Err(crate::error::bad(
                "not_a_reply",
                format!("proposal {id} is not a reply: --text and --confirm are for replies"),
            ));
        }
        let exec = d.approve(id, &ctx.actor, edited.as_ref()).map_err(desk)?;
        return out(format!(
            "Executed proposal {}: {}",
            exec.proposal_id, exec.preview.summary
        ));
    }
    let queued = match (edited, text) {
        (Some(_), Some(_)) => {
            return Err(crate::error::bad(
                "conflicting_flags",
                "give the reply's text with --text or --args, not both",
            ))
        }
        // --args may change only the text (the recipient and thread are fixed): the desk
        // checks, saves it as a revision and approves exactly that revision.
        (Some(args), None) => d
            .approve_reply_edited(id, &ctx.actor, Some(&args), confirm)
            .map_err(desk)?,
        (None, text) => {
            let seen_revision = match text {
                Some(text) => Some(d.revise_reply(id, &ctx.actor, text).map_err(desk)?.seq),
                None => None,
            };
            d.approve_reply(
                id,
                &ctx.actor,
                &countersign_store::ReplyApproval {
                    seen_revision,
                    confirm,
                },
            )
            .map_err(desk)?
        }
    };
    super::replies::send_approved(&mut d, &queued)
}

/// `reject`: a reason is required.
pub fn reject(ctx: &Invocation, id: i64, reason: &str) -> anyhow::Result<()> {
    ctx.open()?.reject(id, &ctx.actor, reason).map_err(desk)?;
    out(format!("Rejected proposal {id}."))
}

/// `escalate`: hands a proposal to a supervisor.
pub fn escalate(ctx: &Invocation, id: i64, note: Option<&str>) -> anyhow::Result<()> {
    ctx.open()?.escalate(id, &ctx.actor, note).map_err(desk)?;
    out(format!("Escalated proposal {id} to a supervisor."))
}
