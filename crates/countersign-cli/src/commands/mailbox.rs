//! `mailbox`: where requests arrive by mail. `set` configures it (a supervisor's), `poll` takes
//! in what arrived — each message once, unreadable ones quarantined — and plans the new
//! requests, `status` says how the last poll went.

use std::time::Duration;

use countersign_core::{Clock, Secret, SystemClock};
use countersign_intake::IntakeError;
use countersign_store::{Desk, MailSecurity, MailboxSettings};
use serde::Serialize;

use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// The environment variable the CLI reads the mailbox password from (the app uses the OS
/// keychain).
pub const PASSWORD_ENV: &str = "COUNTERSIGN_MAIL_PASSWORD";

/// How long a planner holds a request it claimed (as the app's worker).
const LEASE_MS: i64 = 15 * 60 * 1000;

#[allow(clippy::too_many_arguments)]
pub fn set(
    ctx: &Invocation,
    imap_host: &str,
    imap_port: u16,
    smtp_host: &str,
    smtp_port: u16,
    user: &str,
    from: &str,
    security: MailSecurity,
    folder: &str,
) -> anyhow::Result<()> {
    let settings = MailboxSettings {
        imap_host: imap_host.trim().to_owned(),
        imap_port,
        smtp_host: smtp_host.trim().to_owned(),
        smtp_port,
        security,
        user: user.trim().to_owned(),
        from: from.trim().to_owned(),
        folder: folder.trim().to_owned(),
    };
    // The mail crate's own checks (`none` only for a server on this machine, ports, user),
    // before anything is stored.
    countersign_intake::validate(&settings).map_err(|e| bad("invalid_setting", e))?;
    ctx.open()?
        .set_mailbox_settings(&ctx.actor, &settings)
        .map_err(desk)?;
    out(format!(
        "mailbox set: {}@{}:{} (IMAP), {}:{} (SMTP); the password comes from {PASSWORD_ENV}",
        settings.user,
        settings.imap_host,
        settings.imap_port,
        settings.smtp_host,
        settings.smtp_port
    ))
}

fn password() -> anyhow::Result<Secret> {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) if !p.is_empty() => Ok(Secret::new(p)),
        _ => Err(bad(
            "missing_mail_password",
            format!("set {PASSWORD_ENV} to the mailbox password"),
        )),
    }
}

pub(crate) fn intake_error(e: IntakeError) -> anyhow::Error {
    match e {
        IntakeError::Desk(d) => desk(d),
        other => bad(other.code(), &other),
    }
}

#[derive(Debug, Serialize)]
struct PollOut {
    fetched: usize,
    admitted: Vec<i64>,
    quarantined: usize,
    duplicates: usize,
    /// Customers' follow-ups that joined their conversation (also counted in `admitted`).
    follow_ups: usize,
    planned: usize,
    /// Approved replies delivered this round.
    sent: usize,
}

/// Plans every request waiting for a planner, with this run's agent (as the app's worker does).
async fn plan_waiting(ctx: &Invocation, d: &mut Desk) -> anyhow::Result<usize> {
    let mut agent = ctx.agent_for(d)?;
    // Servers are connected only when something waits to be planned: a quiet poll costs none.
    if !agent.never_asks_a_model() && !d.views().planning().map_err(desk)?.is_empty() {
        agent.external = super::external::planner_tools(ctx).await?;
    }
    agent.plan_waiting(d, LEASE_MS).await.map_err(desk)
}

/// `mailbox poll [--once]`: one poll, or polling until interrupted (every `interval`, and at
/// once after a failure's back-off).
pub fn poll(ctx: &Invocation, once: bool, interval: Duration, json: bool) -> anyhow::Result<()> {
    let password = password()?;
    let mut d = ctx.open()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut backoff = Duration::from_secs(1);
    loop {
        let result = runtime.block_on(countersign_intake::poll(
            &mut d,
            &password,
            SystemClock.now_ms(),
        ));
        match result {
            Ok(report) => {
                backoff = Duration::from_secs(1);
                let planned = runtime.block_on(plan_waiting(ctx, &mut d))?;
                // Replies approved meanwhile (here or in the app) go out on the same round.
                let delivered = super::replies::deliver(&mut d, &runtime)?;
                let o = PollOut {
                    fetched: report.fetched,
                    admitted: report.admitted,
                    quarantined: report.quarantined,
                    duplicates: report.duplicates,
                    follow_ups: report.follow_ups,
                    planned,
                    sent: delivered.sent.len() + delivered.already_sent.len(),
                };
                if json {
                    json_out(&o)?;
                } else {
                    out(format!(
                        "fetched {} · admitted {} ({} follow-ups) · quarantined {} · duplicates {} · planned {} · replies sent {}",
                        o.fetched,
                        o.admitted.len(),
                        o.follow_ups,
                        o.quarantined,
                        o.duplicates,
                        o.planned,
                        o.sent
                    ))?;
                }
                if once {
                    return Ok(());
                }
                std::thread::sleep(interval);
            }
            Err(e) if once => return Err(intake_error(e)),
            Err(e) => {
                // The failure is in `mailbox status`; keep trying, more slowly.
                tracing::warn!(code = e.code(), "mailbox poll failed");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(300));
            }
        }
    }
}

#[derive(Debug, Serialize)]
struct StatusOut {
    configured: bool,
    #[serde(flatten)]
    status: countersign_store::MailboxStatus,
    counts: countersign_store::MailCounts,
    /// Approved replies not sent yet (queued), refused for good (failed) or maybe sent
    /// (uncertain): the last two wait for a person.
    outbox: countersign_store::OutboxCounts,
    quarantined: Vec<countersign_store::QuarantinedMail>,
}

/// `mailbox status`: how the last poll went, what the desk holds, what is quarantined.
pub fn status(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let d = ctx.open()?;
    let s = StatusOut {
        configured: d.mailbox_settings().map_err(desk)?.is_some(),
        status: d.mailbox_status().map_err(desk)?,
        counts: d.mail_counts().map_err(desk)?,
        outbox: d.outbox_counts().map_err(desk)?,
        quarantined: d.quarantined_mail().map_err(desk)?,
    };
    if json {
        return json_out(&s);
    }
    if !s.configured {
        return out("no mailbox is configured: run `countersign mailbox set`");
    }
    let last = match (&s.status.last_poll_ms, &s.status.last_error) {
        (None, _) => "never polled".to_owned(),
        (Some(at), None) => format!("last poll at {at} ms: ok"),
        (Some(at), Some(f)) => format!("last poll at {at} ms failed: {}: {}", f.code, f.message),
    };
    out(format!(
        "{last} · admitted {} · quarantined {} · duplicates {}",
        s.counts.admitted, s.counts.quarantined, s.counts.duplicates
    ))?;
    out(format!(
        "replies: {} sent · {} pending · {} failed · {} uncertain",
        s.outbox.sent, s.outbox.queued, s.outbox.failed, s.outbox.uncertain
    ))?;
    for q in &s.quarantined {
        out(format!(
            "  quarantined uid {} ({} bytes): {}",
            q.key.uid, q.size, q.reason
        ))?;
    }
    Ok(())
}
