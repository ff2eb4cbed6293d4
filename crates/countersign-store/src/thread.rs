//! A conversation as a thread: the customer's messages and our replies as sent, in order. A
//! mail follow-up joins its conversation by In-Reply-To/References (matched against the
//! customer's earlier Message-IDs and our replies' own), so the planner and the reviewer see
//! the whole thread; the conversation is planned again with the earlier messages as data.

use countersign_core::{AuditKind, AuditSubject, DecisionKind, ProposalState};
use countersign_pipeline::{screen, Request, Speaker, Turn, Verdict};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde_json::json;

use crate::audit_log;
use crate::conversations;
use crate::desk::Desk;
use crate::error::{corrupt, DeskError};
use crate::ingest::Admitted;
use crate::proposals::{self, NewDecision};

pub(crate) const SCHEMA_V7: &str = "
CREATE TABLE conversation_messages (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    speaker         TEXT NOT NULL CHECK (speaker IN ('customer', 'support')),
    at              INTEGER NOT NULL,
    text            TEXT NOT NULL,
    message_id      TEXT,
    PRIMARY KEY (conversation_id, seq)
) STRICT;
INSERT INTO conversation_messages (conversation_id, seq, speaker, at, text, message_id)
    SELECT id, 0, 'customer', created_at, coalesce(json_extract(request, '$.body'), ''),
           json_extract(request, '$.thread')
    FROM conversations WHERE request IS NOT NULL;

-- A mail's own References (or In-Reply-To), oldest first, as a JSON array: what our reply's
-- References continue.
ALTER TABLE mail_messages ADD COLUMN refs TEXT;

-- A person closed the conversation with nothing (more) to send.
ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
ALTER TABLE conversations ADD COLUMN closed_by TEXT;
-- Conversations settled before replies existed were dealt with outside the desk: they do not
-- flood the new queue of conversations (their open proposals still show).
UPDATE conversations SET closed_at = created_at, closed_by = 'migration'
    WHERE outcome IS NOT NULL AND outcome != 'planning';

-- Which request of the conversation is being planned: a follow-up bumps it, so a plan made
-- for the earlier message can no longer settle the conversation.
ALTER TABLE conversations ADD COLUMN planning_gen INTEGER NOT NULL DEFAULT 0;
";

fn speaker_str(s: Speaker) -> &'static str {
    match s {
        Speaker::Customer => "customer",
        Speaker::Support => "support",
    }
}

pub(crate) fn append(
    conn: &Connection,
    conversation_id: i64,
    speaker: Speaker,
    at_ms: i64,
    text: &str,
    message_id: Option<&str>,
) -> Result<(), DeskError> {
    conn.prepare_cached(
        "INSERT INTO conversation_messages (conversation_id, seq, speaker, at, text, message_id)
         VALUES (?1, (SELECT coalesce(max(seq) + 1, 0) FROM conversation_messages WHERE conversation_id = ?1),
                 ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![
        conversation_id,
        speaker_str(speaker),
        at_ms,
        text,
        message_id
    ])?;
    Ok(())
}

/// The conversation's messages, oldest first.
pub(crate) fn turns(conn: &Connection, conversation_id: i64) -> Result<Vec<Turn>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT speaker, at, text FROM conversation_messages WHERE conversation_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([conversation_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (speaker, at_ms, text) = row?;
        let from = match speaker.as_str() {
            "customer" => Speaker::Customer,
            "support" => Speaker::Support,
            other => return Err(corrupt("conversation message", other)),
        };
        out.push(Turn { from, at_ms, text });
    }
    Ok(out)
}

/// The References a reply to message `message_id` continues: that message's own.
pub(crate) fn references_of(conn: &Connection, message_id: &str) -> Result<Vec<String>, DeskError> {
    let refs: Option<Option<String>> = conn
        .prepare_cached("SELECT refs FROM mail_messages WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?;
    match refs.flatten() {
        Some(text) => serde_json::from_str(&text).map_err(|e| corrupt("mail references", e)),
        None => Ok(Vec::new()),
    }
}

/// The conversation a message answers, by its References/In-Reply-To (newest first): one of
/// the customer's earlier messages, or one of our replies. Only when it comes from the same
/// sender — someone else replying into a thread starts their own conversation.
pub(crate) fn conversation_for(
    conn: &Connection,
    references: &[String],
    sender: Option<&str>,
) -> Result<Option<i64>, DeskError> {
    let Some(sender) = sender else {
        return Ok(None);
    };
    for id in references.iter().rev() {
        let found: Option<i64> = conn
            .prepare_cached(
                "SELECT conversation_id FROM mail_messages WHERE message_id = ?1 AND conversation_id IS NOT NULL
                 UNION ALL
                 SELECT conversation_id FROM reply_sends WHERE message_id = ?1
                 LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        let Some(conversation) = found else { continue };
        let stored = conversations::get(conn, conversation)?;
        let first_sender = stored
            .and_then(|c| c.request)
            .and_then(|r| serde_json::from_str::<Request>(&r).ok())
            .and_then(|r| r.sender);
        if first_sender.is_some_and(|s| s.eq_ignore_ascii_case(sender)) {
            return Ok(Some(conversation));
        }
        return Ok(None);
    }
    Ok(None)
}

/// Adds a customer's follow-up to `conversation_id` in the caller's transaction: what was still
/// open there is superseded (it answered a thread that moved on), and the conversation is
/// planned again with the earlier messages as history.
pub(crate) fn follow_up(
    tx: &Connection,
    conversation_id: i64,
    request: &Request,
    now: i64,
) -> Result<Admitted, DeskError> {
    // Labelled before `reopen` replaces the stored request: the case is the message answered.
    crate::eval_capture::capture(
        tx,
        conversation_id,
        None,
        now,
        &crate::eval_capture::Label::Reopened,
    )?;
    for p in proposals::of_conversation(tx, conversation_id, now)? {
        if !p.state.is_open() {
            continue;
        }
        let reason = "the customer wrote again before it was decided";
        proposals::set_state(
            tx,
            p.id,
            ProposalState::Invalidated,
            now,
            "intake",
            Some(reason),
        )?;
        proposals::record_decision(
            tx,
            &NewDecision {
                proposal_id: p.id,
                kind: DecisionKind::Invalidated,
                actor: "intake",
                role: None,
                at_ms: now,
                reason: Some(reason),
                edited_args: None,
            },
        )?;
        audit_log::append(
            tx,
            now,
            "intake",
            AuditKind::ProposalSuperseded,
            &AuditSubject::Proposal(p.id),
            &json!({"conversation_id": conversation_id}),
        )?;
    }
    let mut request = request.clone();
    request.history = turns(tx, conversation_id)?;
    append(
        tx,
        conversation_id,
        Speaker::Customer,
        now,
        &request.body,
        request.thread.as_deref(),
    )?;
    let screened = screen(&request);
    let guard = &screened.report;
    let blocked = guard.verdict == Verdict::Block;
    conversations::reopen(
        tx,
        conversation_id,
        &serde_json::to_string(&request).map_err(|e| corrupt("request", e))?,
        &serde_json::to_string(guard).map_err(|e| corrupt("guard", e))?,
        blocked,
    )?;
    audit_log::append(
        tx,
        now,
        "intake",
        AuditKind::ConversationFollowedUp,
        &AuditSubject::Conversation(conversation_id),
        &json!({"verdict": guard.verdict, "guard_reasons": guard.reasons, "messages": request.history.len() + 1}),
    )?;
    tracing::info!(
        conversation = conversation_id,
        verdict = guard.verdict.as_str(),
        "follow-up joined its conversation"
    );
    Ok(Admitted {
        conversation_id,
        verdict: guard.verdict,
        planning: !blocked,
    })
}

impl Desk {
    /// Closes a conversation with nothing (more) to send — a blocked message, an escalation
    /// handled elsewhere — as `by`, with a reason. Its open proposals stay as they are; it
    /// leaves the queue until the customer writes again.
    pub fn close_conversation(&mut self, id: i64, by: &str, reason: &str) -> Result<(), DeskError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::ReasonRequired);
        }
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::actor_in(&tx, by)?;
        if conversations::get(&tx, id)?.is_none() {
            return Err(DeskError::NotFound(format!("conversation {id}")));
        }
        tx.execute(
            "UPDATE conversations SET closed_at = ?2, closed_by = ?3 WHERE id = ?1",
            (id, now, &actor.name),
        )?;
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::ConversationClosed,
            &AuditSubject::Conversation(id),
            &json!({"reason": reason}),
        )?;
        tx.commit()?;
        Ok(())
    }
}
