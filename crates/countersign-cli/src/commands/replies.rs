//! Replies and conversations: the reply's text (`reply`), a person's own reply
//! (`write-reply`), delivery of approved replies (`replies send`, `replies resolve`), the queue
//! of conversations (`inbox`), closing a conversation and the chat webhook.

use countersign_core::Secret;
use countersign_intake::{deliver_due, settle_sent_copy, DeliveryReport, Outbound};
use countersign_store::{Desk, QueuedReply, SendResolution, SendState, WebhookTarget};

use super::mailbox::{intake_error, PASSWORD_ENV};
use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// The environment variable the CLI reads the webhook's signing secret from.
pub const WEBHOOK_SECRET_ENV: &str = "COUNTERSIGN_WEBHOOK_SECRET";

fn env_secret(name: &str) -> Option<Secret> {
    std::env::var(name)
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Sends what is due with the channels this run has secrets for; the rest waits (and says so
/// in `mailbox status`).
pub(crate) fn deliver(
    d: &mut Desk,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<DeliveryReport> {
    let mailbox = d.mailbox_settings().map_err(desk)?;
    let webhook = d.webhook_target().map_err(desk)?;
    let mail_password = env_secret(PASSWORD_ENV);
    let webhook_secret = env_secret(WEBHOOK_SECRET_ENV);
    let outbound = Outbound {
        mail: mailbox.as_ref().zip(mail_password.as_ref()),
        webhook: webhook.as_ref().zip(webhook_secret.as_ref()),
    };
    runtime
        .block_on(deliver_due(d, &outbound))
        .map_err(intake_error)
}

fn describe(report: &DeliveryReport) -> String {
    format!(
        "sent {} · already sent {} · retrying {} · failed {} · uncertain {}",
        report.sent.len(),
        report.already_sent.len(),
        report.retrying.len(),
        report.failed.len(),
        report.uncertain.len()
    )
}

/// After `approve` on a reply: send it now, as the app would, and say how it went.
pub(crate) fn send_approved(d: &mut Desk, queued: &QueuedReply) -> anyhow::Result<()> {
    let report = deliver(d, &runtime()?)?;
    let send = d.reply_send(queued.proposal_id).map_err(desk)?;
    match send.map(|s| (s.state, s.last_error)) {
        Some((SendState::Sent, _)) => out(format!(
            "Sent reply {} by {} (Message-ID <{}>).",
            queued.proposal_id, queued.channel, queued.message_id
        )),
        Some((state, error)) => out(format!(
            "Approved reply {}; it is {} ({}): {}",
            queued.proposal_id,
            format!("{state:?}").to_lowercase(),
            describe(&report),
            error.unwrap_or_else(|| "waiting for its turn".into())
        )),
        None => out(format!("Approved reply {}.", queued.proposal_id)),
    }
}

/// `reply ID --text T`: saves a new text for an open reply.
pub fn revise(ctx: &Invocation, id: i64, text: &str) -> anyhow::Result<()> {
    let rev = ctx
        .open()?
        .revise_reply(id, &ctx.actor, text)
        .map_err(desk)?;
    out(format!("Saved revision {} of reply {id}.", rev.seq))
}

/// `write-reply CONVERSATION --text T`: a person's own reply, to approve like any other.
pub fn write(ctx: &Invocation, conversation: i64, text: &str) -> anyhow::Result<()> {
    let id = ctx
        .open()?
        .write_reply(conversation, &ctx.actor, text)
        .map_err(desk)?;
    out(id.to_string())
}

/// `replies send`: delivers every approved reply that is due.
pub fn send(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let mut d = ctx.open()?;
    let report = deliver(&mut d, &runtime()?)?;
    if json {
        return json_out(&report);
    }
    out(describe(&report))
}

/// `replies resolve ID --went-out | --send-again`: a person settles a failed or uncertain send.
/// For mail, the Sent folder's copy is settled first, so the next delivery reads it right.
pub fn resolve(ctx: &Invocation, id: i64, went_out: bool) -> anyhow::Result<()> {
    let mut d = ctx.open()?;
    let send = d
        .reply_send(id)
        .map_err(desk)?
        .ok_or_else(|| bad("not_found", format!("reply {id} has not been approved")))?;
    if send.channel == "email" && send.state == SendState::Uncertain {
        let settings = d
            .mailbox_settings()
            .map_err(desk)?
            .ok_or_else(|| bad("mailbox_not_configured", "no mailbox is configured"))?;
        let password = env_secret(PASSWORD_ENV).ok_or_else(|| {
            bad(
                "missing_mail_password",
                format!("set {PASSWORD_ENV} to the mailbox password"),
            )
        })?;
        runtime()?
            .block_on(settle_sent_copy(
                &settings,
                &password,
                &send.message_id,
                went_out,
            ))
            .map_err(|e| bad(e.code(), &e))?;
    }
    let resolution = if went_out {
        SendResolution::WentOut
    } else {
        SendResolution::SendAgain
    };
    d.resolve_reply_send(id, &ctx.actor, resolution)
        .map_err(desk)?;
    out(if went_out {
        format!("Recorded reply {id} as sent.")
    } else {
        format!("Reply {id} will be sent again.")
    })
}

/// `inbox`: conversations waiting for a person, most urgent first.
pub fn inbox(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let d = ctx.open()?;
    let items = d.views().inbox().map_err(desk)?;
    if json {
        return json_out(&items);
    }
    if items.is_empty() {
        return out("Nobody is waiting.");
    }
    for i in &items {
        let reply = i
            .reply
            .as_ref()
            .map(|r| format!("reply #{} ({})", r.proposal_id, r.state.as_str()))
            .unwrap_or_else(|| "no reply".into());
        out(format!(
            "conversation {:>4}  {:<12}  {:<8}  {:<24}  {} · {} action(s)  {}",
            i.conversation_id,
            format!("{:?}", i.waiting).to_lowercase(),
            i.channel,
            if i.customer_id.is_empty() {
                "unverified"
            } else {
                &i.customer_id
            },
            reply,
            i.actions.len(),
            i.subject.as_deref().unwrap_or("")
        ))?;
    }
    Ok(())
}

/// `close CONVERSATION --reason R`: nothing (more) to send.
pub fn close(ctx: &Invocation, conversation: i64, reason: &str) -> anyhow::Result<()> {
    ctx.open()?
        .close_conversation(conversation, &ctx.actor, reason)
        .map_err(desk)?;
    out(format!("Closed conversation {conversation}."))
}

/// `webhook set URL`: where chat and widget replies go (a supervisor's).
pub fn set_webhook(ctx: &Invocation, url: &str) -> anyhow::Result<()> {
    ctx.open()?
        .set_webhook_target(
            &ctx.actor,
            &WebhookTarget {
                url: url.trim().to_owned(),
            },
        )
        .map_err(desk)?;
    out(format!(
        "webhook set: {}; the signing secret comes from {WEBHOOK_SECRET_ENV}",
        url.trim()
    ))
}
