//! Delivering approved replies: the outbox's sender. Each claimed reply goes out by its
//! channel — email through [`countersign_mail::deliver_once`] (at most once, the Sent folder as
//! the record), chat and widget to the team's webhook (idempotent by message id) — and the
//! outcome is recorded: sent, retried later with backoff, failed for good, or uncertain (a
//! person decides; never a blind retry).

use std::time::{SystemTime, UNIX_EPOCH};

use countersign_core::Secret;
use countersign_mail::{deliver_once, Delivery, MailError, Mailbox, MessageId, OutgoingMail};
use countersign_store::{Desk, MailboxSettings, ReplySend, SendOutcome, WebhookTarget};
use countersign_webhook::{Reply, WebhookError, WebhookSettings};
use serde::Serialize;

use crate::{imap_settings, smtp_settings, IntakeError};

/// How long a claimed reply is left to its sender before another may take it over: longer than
/// any one delivery (connect, APPEND, SMTP, each with its own timeout).
pub const SEND_LEASE_MS: i64 = 5 * 60 * 1000;

/// The first retry's delay; doubled per attempt up to [`MAX_RETRY_DELAY_MS`].
const FIRST_RETRY_DELAY_MS: i64 = 30_000;
const MAX_RETRY_DELAY_MS: i64 = 60 * 60 * 1000;

/// What the channels need to send: the mailbox (for email) and the webhook (for chat and
/// widget), each with its secret. A channel left out is reported per reply, not fatal.
#[derive(Debug, Default)]
pub struct Outbound<'a> {
    pub mail: Option<(&'a MailboxSettings, &'a Secret)>,
    pub webhook: Option<(&'a WebhookTarget, &'a Secret)>,
}

/// What one delivery round did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: Vec<i64>,
    /// Found already sent (a retry after a crash): recorded, not sent again.
    pub already_sent: Vec<i64>,
    pub retrying: Vec<i64>,
    pub failed: Vec<i64>,
    pub uncertain: Vec<i64>,
}

/// The delay before attempt `attempts + 1`.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 20) - 1;
    (FIRST_RETRY_DELAY_MS << doublings).min(MAX_RETRY_DELAY_MS)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The reply as a mail, from the workspace's address, in the customer's thread.
pub fn outgoing_mail(
    settings: &MailboxSettings,
    send: &ReplySend,
) -> Result<OutgoingMail, MailError> {
    let id = |s: &str| {
        MessageId::parse(s)
            .map_err(|e| MailError::Config(format!("a thread id is not usable: {e}")))
    };
    Ok(OutgoingMail {
        from: settings.from.clone(),
        to: send.args.to.clone(),
        subject: send
            .args
            .subject
            .clone()
            .unwrap_or_else(|| "Re: your message".into()),
        text: send.args.text.clone(),
        message_id: id(&send.message_id)?,
        // A thread id we cannot use only loses the threading, not the reply.
        in_reply_to: send
            .args
            .in_reply_to
            .as_deref()
            .and_then(|r| MessageId::parse(r).ok()),
        references: send
            .args
            .references
            .iter()
            .filter_map(|r| MessageId::parse(r).ok())
            .collect(),
    })
}

fn mail_outcome(
    send: &ReplySend,
    result: Result<Delivery, MailError>,
    report: &mut DeliveryReport,
) -> SendOutcome {
    let id = send.proposal_id;
    match result {
        Ok(Delivery::Sent) => {
            report.sent.push(id);
            SendOutcome::Sent
        }
        Ok(Delivery::AlreadySent) => {
            report.already_sent.push(id);
            SendOutcome::Sent
        }
        Err(e @ MailError::DeliveryUncertain { .. }) => {
            report.uncertain.push(id);
            SendOutcome::Uncertain {
                error: format!("{}: {e}", e.code()),
            }
        }
        Err(e) if e.is_transient() => {
            report.retrying.push(id);
            SendOutcome::Retry {
                error: format!("{}: {e}", e.code()),
                after_ms: retry_delay_ms(send.attempts),
            }
        }
        Err(e) => {
            report.failed.push(id);
            SendOutcome::Failed {
                error: format!("{}: {e}", e.code()),
            }
        }
    }
}

/// Sends every reply that is due, one at a time, and records each outcome. Returns when the
/// outbox has nothing due.
pub async fn deliver_due(
    desk: &mut Desk,
    out: &Outbound<'_>,
) -> Result<DeliveryReport, IntakeError> {
    let mut report = DeliveryReport::default();
    let mut mailbox: Option<Mailbox> = None;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| IntakeError::Http(e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    while let Some(send) = desk.claim_reply_send(SEND_LEASE_MS)? {
        // One attempt per reply per round, whatever the clocks say: a retry scheduled "now"
        // waits for the next round instead of spinning here.
        if !seen.insert(send.proposal_id) {
            desk.record_reply_send(
                &send,
                &SendOutcome::Retry {
                    error: send.last_error.clone().unwrap_or_default(),
                    after_ms: retry_delay_ms(send.attempts),
                },
            )?;
            break;
        }
        let outcome = match send.channel.as_str() {
            "email" => match out.mail {
                None => not_configured(&send, "mailbox", &mut report),
                Some((settings, password)) => {
                    let result = async {
                        if mailbox.is_none() {
                            mailbox =
                                Some(Mailbox::connect(&imap_settings(settings), password).await?);
                        }
                        let Some(mb) = mailbox.as_mut() else {
                            unreachable!("connected just above")
                        };
                        deliver_once(
                            mb,
                            &smtp_settings(settings),
                            password,
                            &outgoing_mail(settings, &send)?,
                        )
                        .await
                    }
                    .await;
                    if matches!(&result, Err(e) if e.is_transient()) {
                        // The connection may be what broke: open a fresh one next time.
                        mailbox = None;
                    }
                    mail_outcome(&send, result, &mut report)
                }
            },
            _ => match out.webhook {
                None => not_configured(&send, "reply webhook", &mut report),
                Some((target, secret)) => {
                    let reply = Reply {
                        message_id: send.message_id.clone(),
                        conversation_id: send.conversation_id,
                        channel: send.channel.clone(),
                        thread: send.args.in_reply_to.clone(),
                        text: send.args.text.clone(),
                    };
                    let settings = WebhookSettings::new(&target.url);
                    let now_s = || now_ms() / 1000;
                    match countersign_webhook::deliver(&http, &settings, secret, &reply, now_s)
                        .await
                    {
                        Ok(_) => {
                            report.sent.push(send.proposal_id);
                            SendOutcome::Sent
                        }
                        Err(e @ WebhookError::Unavailable { .. }) => {
                            report.retrying.push(send.proposal_id);
                            SendOutcome::Retry {
                                error: format!("{}: {e}", e.code()),
                                after_ms: retry_delay_ms(send.attempts),
                            }
                        }
                        Err(e) => {
                            report.failed.push(send.proposal_id);
                            SendOutcome::Failed {
                                error: format!("{}: {e}", e.code()),
                            }
                        }
                    }
                }
            },
        };
        desk.record_reply_send(&send, &outcome)?;
    }
    if let Some(mb) = mailbox {
        mb.logout().await;
    }
    Ok(report)
}

/// Settles the Sent folder's copy of an uncertain mail as a person decided (it went out: the
/// copy stays, unmarked; it did not: the copy goes, so the next delivery sends), before the desk
/// records the decision.
pub async fn settle_sent_copy(
    settings: &MailboxSettings,
    password: &Secret,
    message_id: &str,
    went_out: bool,
) -> Result<(), MailError> {
    let id = MessageId::parse(message_id)
        .map_err(|e| MailError::Config(format!("the reply's Message-ID is not usable: {e}")))?;
    let resolution = if went_out {
        countersign_mail::Resolution::WentOut
    } else {
        countersign_mail::Resolution::DidNotGoOut
    };
    let mut mailbox = Mailbox::connect(&imap_settings(settings), password).await?;
    countersign_mail::resolve_uncertain(&mut mailbox, &id, resolution).await?;
    mailbox.logout().await;
    Ok(())
}

/// A channel with no settings: retried later (someone may configure it), not lost.
fn not_configured(send: &ReplySend, what: &str, report: &mut DeliveryReport) -> SendOutcome {
    report.retrying.push(send.proposal_id);
    SendOutcome::Retry {
        error: format!(
            "not_configured: the {what} or its secret is not set; {} replies wait until it is",
            send.channel
        ),
        after_ms: retry_delay_ms(send.attempts).max(60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_level_off() {
        assert_eq!(retry_delay_ms(1), 30_000);
        assert_eq!(retry_delay_ms(2), 60_000);
        assert_eq!(retry_delay_ms(5), 480_000);
        assert_eq!(retry_delay_ms(12), MAX_RETRY_DELAY_MS);
        assert_eq!(retry_delay_ms(1_000), MAX_RETRY_DELAY_MS);
        assert_eq!(retry_delay_ms(0), 30_000);
    }
}
