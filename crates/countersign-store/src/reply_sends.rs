//! The outbox of approved replies. A row is written in the approving transaction; a sender
//! claims it, delivers it (SMTP, or the chat webhook) and records how that went. The claim is a
//! lease: a sender that died mid-delivery leaves a row `sending`, which is claimed again after
//! the lease — and the channel's own record (the Sent folder's Message-ID, the webhook's
//! idempotency key) makes that second attempt send nothing twice.

use countersign_core::{AuditKind, AuditSubject};
use countersign_pipeline::Speaker;
use countersign_shop::SendReplyArgs;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::{json, Value};

use crate::audit_log;
use crate::desk::Desk;
use crate::error::{corrupt, DeskError};

pub(crate) const SCHEMA_V7: &str = "
CREATE TABLE reply_sends (
    proposal_id     INTEGER PRIMARY KEY REFERENCES executions (proposal_id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    channel         TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    revision        INTEGER NOT NULL,
    args            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_at      INTEGER,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    sent_at         INTEGER
) STRICT;
CREATE INDEX reply_sends_due ON reply_sends (state, next_attempt_at);
";

/// Where an approved reply is on its way out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SendState {
    Queued,
    Sending,
    Sent,
    /// Refused for good (a bad address, a 4xx from the webhook): a person decides.
    Failed,
    /// It may or may not have gone out (the connection broke with the message in flight): a
    /// person decides, never a blind retry.
    Uncertain,
}

impl SendState {
    fn parse(s: &str) -> Option<SendState> {
        Some(match s {
            "queued" => SendState::Queued,
            "sending" => SendState::Sending,
            "sent" => SendState::Sent,
            "failed" => SendState::Failed,
            "uncertain" => SendState::Uncertain,
            _ => return None,
        })
    }
}

/// An approved reply in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReplySend {
    pub proposal_id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub message_id: String,
    pub revision: i64,
    /// Exactly what was approved: recipient, thread, subject and text.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub args: SendReplyArgs,
    pub state: SendState,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
    pub sent_at_ms: Option<i64>,
}

/// How many approved replies are in each state that is not `sent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxCounts {
    pub queued: i64,
    pub failed: i64,
    pub uncertain: i64,
    pub sent: i64,
}

pub(crate) struct NewSend<'a> {
    pub proposal_id: i64,
    pub conversation_id: i64,
    pub channel: &'a str,
    pub message_id: &'a str,
    pub revision: i64,
    pub args: &'a Value,
    pub now_ms: i64,
}

pub(crate) fn enqueue(tx: &Connection, s: &NewSend<'_>) -> Result<(), DeskError> {
    tx.prepare_cached(
        "INSERT INTO reply_sends (proposal_id, conversation_id, channel, message_id, revision, args, state, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7)",
    )?
    .execute(rusqlite::params![
        s.proposal_id,
        s.conversation_id,
        s.channel,
        s.message_id,
        s.revision,
        s.args.to_string(),
        s.now_ms
    ])?;
    Ok(())
}

const COLUMNS: &str = "proposal_id, conversation_id, channel, message_id, revision, args, state,
    attempts, next_attempt_at, last_error, sent_at";

fn from_row(r: &rusqlite::Row<'_>) -> Result<Result<ReplySend, DeskError>, rusqlite::Error> {
    let id: i64 = r.get(0)?;
    let args: String = r.get(5)?;
    let state: String = r.get(6)?;
    Ok((|| {
        Ok(ReplySend {
            proposal_id: id,
            conversation_id: r.get(1)?,
            channel: r.get(2)?,
            message_id: r.get(3)?,
            revision: r.get(4)?,
            args: serde_json::from_str(&args)
                .map_err(|e| corrupt(format!("reply send {id}"), e))?,
            state: SendState::parse(&state)
                .ok_or_else(|| corrupt(format!("reply send {id}"), &state))?,
            attempts: r.get(7)?,
            next_attempt_at_ms: r.get(8)?,
            last_error: r.get(9)?,
            sent_at_ms: r.get(10)?,
        })
    })())
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Option<ReplySend>, DeskError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reply_sends WHERE proposal_id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()?
    .transpose()
}

pub(crate) fn of_conversation(
    conn: &Connection,
    conversation_id: i64,
) -> Result<Vec<ReplySend>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reply_sends WHERE conversation_id = ?1 ORDER BY proposal_id"
    ))?;
    let rows = stmt.query_map([conversation_id], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub(crate) fn counts(conn: &Connection) -> Result<OutboxCounts, DeskError> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE state IN ('queued', 'sending')),
                count(*) FILTER (WHERE state = 'failed'),
                count(*) FILTER (WHERE state = 'uncertain'),
                count(*) FILTER (WHERE state = 'sent')
         FROM reply_sends",
        [],
        |r| {
            Ok(OutboxCounts {
                queued: r.get(0)?,
                failed: r.get(1)?,
                uncertain: r.get(2)?,
                sent: r.get(3)?,
            })
        },
    )?)
}

/// How a delivery attempt ended, as the sender reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// The channel took it now, or its record shows it took it before.
    Sent,
    /// A transient fault: try again `after_ms` from now (the desk's clock: the sender never
    /// mixes its own time into the outbox).
    Retry { error: String, after_ms: i64 },
    /// Refused for good: a person decides.
    Failed { error: String },
    /// It may have gone out: a person decides.
    Uncertain { error: String },
}

/// A person's answer to an uncertain or failed send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendResolution {
    /// The customer got it: record it as sent.
    WentOut,
    /// It did not go out: send it again.
    SendAgain,
}

impl Desk {
    /// Takes the oldest reply due for delivery (queued and due, or `sending` under a claim
    /// older than `lease_ms`: its sender died). The attempt is counted now.
    pub fn claim_reply_send(&mut self, lease_ms: i64) -> Result<Option<ReplySend>, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<i64> = tx
            .prepare_cached(
                "SELECT proposal_id FROM reply_sends
                 WHERE (state = 'queued' AND next_attempt_at <= ?1)
                    OR (state = 'sending' AND claimed_at < ?2)
                 ORDER BY next_attempt_at, proposal_id LIMIT 1",
            )?
            .query_row((now, now - lease_ms), |r| r.get(0))
            .optional()?;
        let Some(id) = found else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE reply_sends SET state = 'sending', claimed_at = ?2, attempts = attempts + 1
             WHERE proposal_id = ?1",
            (id, now),
        )?;
        let send = get(&tx, id)?.ok_or_else(|| DeskError::NotFound(format!("reply send {id}")))?;
        tx.commit()?;
        Ok(Some(send))
    }

    /// Records how a claimed delivery went. `claim` is what [`Desk::claim_reply_send`]
    /// returned: "sent" always stands (the reply is out, whoever says so), but any other
    /// outcome from a sender whose claim was taken over (its lease ran out while it slept) is
    /// ignored — it must not put back a reply another sender is delivering.
    pub fn record_reply_send(
        &mut self,
        claim: &ReplySend,
        outcome: &SendOutcome,
    ) -> Result<(), DeskError> {
        let id = claim.proposal_id;
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let send = get(&tx, id)?.ok_or_else(|| DeskError::NotFound(format!("reply send {id}")))?;
        if send.state == SendState::Sent {
            // Recorded before (two senders, one lease apart): the first record stands.
            return Ok(());
        }
        let still_ours = send.state == SendState::Sending && send.attempts == claim.attempts;
        if !still_ours && *outcome != SendOutcome::Sent {
            tracing::warn!(
                proposal = id,
                "a late delivery outcome from a taken-over claim is ignored"
            );
            return Ok(());
        }
        let (kind, payload) = match outcome {
            SendOutcome::Sent => {
                tx.execute(
                    "UPDATE reply_sends SET state = 'sent', sent_at = ?2, last_error = NULL, claimed_at = NULL
                     WHERE proposal_id = ?1",
                    (id, now),
                )?;
                crate::thread::append(
                    &tx,
                    send.conversation_id,
                    Speaker::Support,
                    now,
                    &send.args.text,
                    Some(&send.message_id),
                )?;
                (
                    AuditKind::ReplySent,
                    json!({"message_id": send.message_id, "channel": send.channel, "attempts": send.attempts, "text": send.args.text}),
                )
            }
            SendOutcome::Retry { error, after_ms } => {
                tx.execute(
                    "UPDATE reply_sends SET state = 'queued', next_attempt_at = ?2, last_error = ?3, claimed_at = NULL
                     WHERE proposal_id = ?1",
                    (id, now + after_ms.max(&0), error),
                )?;
                // Transient faults are operational state, not decisions: no audit record.
                tx.commit()?;
                tracing::warn!(
                    proposal = id,
                    attempts = send.attempts,
                    "reply delivery will be retried"
                );
                return Ok(());
            }
            SendOutcome::Failed { error } => {
                tx.execute(
                    "UPDATE reply_sends SET state = 'failed', last_error = ?2, claimed_at = NULL WHERE proposal_id = ?1",
                    (id, error),
                )?;
                (
                    AuditKind::ReplySendFailed,
                    json!({"message_id": send.message_id, "error": error}),
                )
            }
            SendOutcome::Uncertain { error } => {
                tx.execute(
                    "UPDATE reply_sends SET state = 'uncertain', last_error = ?2, claimed_at = NULL WHERE proposal_id = ?1",
                    (id, error),
                )?;
                (
                    AuditKind::ReplySendFailed,
                    json!({"message_id": send.message_id, "error": error, "uncertain": true}),
                )
            }
        };
        audit_log::append(
            &tx,
            now,
            "outbox",
            kind,
            &AuditSubject::Proposal(id),
            &payload,
        )?;
        tx.commit()?;
        tracing::info!(
            proposal = id,
            audit = kind.as_str(),
            "reply delivery recorded"
        );
        Ok(())
    }

    /// A person settles a failed or uncertain send (after checking with the customer or the
    /// mail server): it went out, or it is sent again.
    pub fn resolve_reply_send(
        &mut self,
        id: i64,
        by: &str,
        resolution: SendResolution,
    ) -> Result<(), DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::actor_in(&tx, by)?;
        let send = get(&tx, id)?.ok_or_else(|| DeskError::NotFound(format!("reply send {id}")))?;
        if !matches!(send.state, SendState::Failed | SendState::Uncertain) {
            return Err(DeskError::NothingToResolve(id));
        }
        match resolution {
            SendResolution::WentOut => {
                tx.execute(
                    "UPDATE reply_sends SET state = 'sent', sent_at = ?2 WHERE proposal_id = ?1",
                    (id, now),
                )?;
                crate::thread::append(
                    &tx,
                    send.conversation_id,
                    Speaker::Support,
                    now,
                    &send.args.text,
                    Some(&send.message_id),
                )?;
            }
            SendResolution::SendAgain => {
                tx.execute(
                    "UPDATE reply_sends SET state = 'queued', next_attempt_at = ?2 WHERE proposal_id = ?1",
                    (id, now),
                )?;
            }
        }
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::ReplyResolved,
            &AuditSubject::Proposal(id),
            &json!({"resolution": match resolution { SendResolution::WentOut => "went_out", SendResolution::SendAgain => "send_again" }, "was": send.state}),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn reply_send(&self, id: i64) -> Result<Option<ReplySend>, DeskError> {
        get(&self.conn, id)
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts, DeskError> {
        counts(&self.conn)
    }
}
