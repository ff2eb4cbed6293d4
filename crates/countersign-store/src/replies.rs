//! The reply as a gated action. A conversation's draft is a `send_reply` proposal like any
//! other (same table, ids, expiry, decisions and audit records); its text lives in revisions —
//! the planner's draft first, then each person's edit — and approval names the revision it
//! approves. Approval commits the reply to the outbox ([`crate::reply_sends`]) in the same
//! transaction as the decision; delivery happens after, exactly once.

use countersign_core::{
    decide_reply, outcome_conflicts, ActionOutcome, AuditKind, AuditSubject, DecisionKind,
    OutcomeConflict, ProposalState, ReplyDecision, ReplyGateInput, ReplyRefusal,
};
use countersign_pipeline::{Channel, Request};
use countersign_shop::{parse_reply, Money, Preview, SendReplyArgs, Subject, ToolName};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::json;

use crate::audit_log;
use crate::desk::Desk;
use crate::error::{corrupt, DeskError};
use crate::proposals::{self, NewDecision, NewProposal, Proposal};
use crate::reply_sends;
use crate::staff;

pub(crate) const SCHEMA_V7: &str = "
-- Each saved text of a reply: seq 0 is the draft as proposed, then one per edit.
CREATE TABLE reply_revisions (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    seq         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, seq)
) STRICT;

-- Names this workspace in the Message-IDs of its replies, so two workspaces sending through
-- one mailbox never mistake each other's sent copies for their own.
INSERT INTO workspace (key, value) VALUES ('workspace_id', json_quote(lower(hex(randomblob(8)))));
";

/// One saved text of a reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReplyRevision {
    pub proposal_id: i64,
    pub seq: i64,
    pub text: String,
    pub author: String,
    pub at_ms: i64,
}

/// How a person approves a reply.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplyApproval {
    /// The revision they read; `None` approves the newest (the CLI prints it first).
    pub seen_revision: Option<i64>,
    /// They read the outcome conflicts and send anyway.
    pub confirm: bool,
}

/// A reply approved and waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueuedReply {
    pub proposal_id: i64,
    pub conversation_id: i64,
    pub revision: i64,
    pub message_id: String,
    pub channel: String,
}

pub(crate) fn revisions(
    conn: &Connection,
    proposal_id: i64,
) -> Result<Vec<ReplyRevision>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT proposal_id, seq, text, author, at FROM reply_revisions
         WHERE proposal_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([proposal_id], |r| {
        Ok(ReplyRevision {
            proposal_id: r.get(0)?,
            seq: r.get(1)?,
            text: r.get(2)?,
            author: r.get(3)?,
            at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn latest(conn: &Connection, proposal_id: i64) -> Result<ReplyRevision, DeskError> {
    revisions(conn, proposal_id)?
        .pop()
        .ok_or_else(|| corrupt(format!("reply {proposal_id}"), "no revision"))
}

fn insert_revision(
    conn: &Connection,
    proposal_id: i64,
    text: &str,
    author: &str,
    at_ms: i64,
) -> Result<i64, DeskError> {
    let seq: i64 = conn
        .prepare_cached(
            "SELECT coalesce(max(seq) + 1, 0) FROM reply_revisions WHERE proposal_id = ?1",
        )?
        .query_row([proposal_id], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO reply_revisions (proposal_id, seq, text, author, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute((proposal_id, seq, text, author, at_ms))?;
    Ok(seq)
}

/// The workspace's id, as its Message-IDs carry it.
pub(crate) fn workspace_id(conn: &Connection) -> Result<String, DeskError> {
    let text: String = conn
        .prepare_cached("SELECT value FROM workspace WHERE key = 'workspace_id'")?
        .query_row([], |r| r.get(0))?;
    serde_json::from_str(&text).map_err(|e| corrupt("workspace id", e))
}

/// Our Message-ID for a reply: derived from the proposal id, so a retry looks for the same id.
pub(crate) fn message_id_for(conn: &Connection, proposal_id: i64) -> Result<String, DeskError> {
    Ok(format!(
        "reply-{proposal_id}.{}@countersign",
        workspace_id(conn)?
    ))
}

/// Where a reply to `request` goes, or `None` when it came from nowhere one can answer (a file
/// ingested by hand without a sender).
fn addressed(
    conn: &Connection,
    request: &Request,
    text: &str,
) -> Result<Option<SendReplyArgs>, DeskError> {
    let (Some(channel), Some(to)) = (request.channel, request.sender.as_deref()) else {
        return Ok(None);
    };
    let subject = request
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let (subject, in_reply_to, references) = match channel {
        Channel::Email => {
            let subject = match subject {
                Some(s) if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:")) => {
                    s.to_owned()
                }
                Some(s) => format!("Re: {s}"),
                None => "Re: your message".to_owned(),
            };
            let mut references = match request.thread.as_deref() {
                Some(id) => crate::thread::references_of(conn, id)?,
                None => Vec::new(),
            };
            references.extend(request.thread.clone());
            (Some(subject), request.thread.clone(), references)
        }
        Channel::Chat | Channel::Widget => (None, request.thread.clone(), Vec::new()),
    };
    Ok(Some(SendReplyArgs {
        text: text.to_owned(),
        to: to.to_owned(),
        channel: channel.as_str().to_owned(),
        subject,
        in_reply_to,
        references,
    }))
}

fn preview_of(args: &SendReplyArgs) -> Preview {
    Preview {
        summary: format!("Reply to {} by {}", args.to, args.channel),
        amount: Money::from_cents(0),
        changes: Vec::new(),
    }
}

/// A reply proposal to be stored in the caller's transaction.
pub(crate) struct Draft<'a> {
    pub conversation_id: i64,
    pub customer_id: &'a str,
    pub request: &'a Request,
    pub text: &'a str,
    pub proposed_by: &'a str,
    pub now_ms: i64,
    pub expiry_ms: i64,
}

/// Stores a draft as a pending `send_reply` proposal with its first revision; `None` when the
/// request has nobody to answer.
pub(crate) fn record_draft(tx: &Connection, d: &Draft<'_>) -> Result<Option<i64>, DeskError> {
    let text = d.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let Some(args) = addressed(tx, d.request, text)? else {
        return Ok(None);
    };
    let args_json = serde_json::to_value(&args).map_err(|e| corrupt("reply", e))?;
    let preview = preview_of(&args);
    let id = proposals::insert(
        tx,
        &NewProposal {
            conversation_id: d.conversation_id,
            customer_id: d.customer_id,
            tool: ToolName::SendReply.as_str(),
            args: &args_json,
            preview: &preview,
            subject: &Subject::Conversation(d.conversation_id),
            // Nothing to fingerprint: a reply changes no record.
            fingerprint: "",
            proposed_by: d.proposed_by,
            created_at_ms: d.now_ms,
            expires_at_ms: d.now_ms + d.expiry_ms,
        },
    )?;
    insert_revision(tx, id, text, d.proposed_by, d.now_ms)?;
    audit_log::append(
        tx,
        d.now_ms,
        d.proposed_by,
        AuditKind::ProposalCreated,
        &AuditSubject::Proposal(id),
        &json!({"conversation_id": d.conversation_id, "customer_id": d.customer_id, "tool": ToolName::SendReply, "args": args_json}),
    )?;
    tracing::info!(
        proposal = id,
        conversation = d.conversation_id,
        "reply drafted"
    );
    Ok(Some(id))
}

fn reply_proposal(tx: &Connection, id: i64) -> Result<Proposal, DeskError> {
    let p = proposals::get(tx, id)?;
    if p.tool != ToolName::SendReply {
        return Err(DeskError::NotAReply(id));
    }
    Ok(p)
}

fn nonblank(text: &str) -> Result<&str, DeskError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DeskError::EmptyReply);
    }
    Ok(text)
}

/// The conversation's actions (everything but replies) as they stand at `now_ms`.
pub(crate) fn action_outcomes(
    conn: &Connection,
    conversation_id: i64,
    now_ms: i64,
) -> Result<Vec<ActionOutcome>, DeskError> {
    Ok(proposals::of_conversation(conn, conversation_id, now_ms)?
        .into_iter()
        .filter(|p| p.tool != ToolName::SendReply)
        .map(|p| ActionOutcome {
            proposal_id: p.id,
            tool: p.tool,
            order_id: p.subject.order_id().map(str::to_owned),
            state: p.state,
        })
        .collect())
}

/// What the reply's newest text claims that did not happen, as of `now_ms`.
pub(crate) fn conflicts_of(
    conn: &Connection,
    proposal: &Proposal,
    now_ms: i64,
) -> Result<Vec<OutcomeConflict>, DeskError> {
    let text = latest(conn, proposal.id)?.text;
    Ok(outcome_conflicts(
        &text,
        &action_outcomes(conn, proposal.conversation_id, now_ms)?,
    ))
}

impl Desk {
    /// Saves a new text for an open reply, as `by`. Returns the revision's number.
    pub fn revise_reply(
        &mut self,
        id: i64,
        by: &str,
        text: &str,
    ) -> Result<ReplyRevision, DeskError> {
        let text = nonblank(text)?;
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = staff::actor_in(&tx, by)?;
        let p = reply_proposal(&tx, id)?;
        let state = proposals::state_at(p.state, p.expires_at_ms, now);
        if !state.is_open() {
            return Err(DeskError::AlreadyDecided { id, state });
        }
        let newest = latest(&tx, id)?;
        if newest.text == text {
            // Saving what is already there is not a revision.
            return Ok(newest);
        }
        let seq = insert_revision(&tx, id, text, &actor.name, now)?;
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::ReplyRevised,
            &AuditSubject::Proposal(id),
            &json!({"revision": seq, "text": text}),
        )?;
        tx.commit()?;
        tracing::info!(proposal = id, revision = seq, "reply revised");
        Ok(ReplyRevision {
            proposal_id: id,
            seq,
            text: text.to_owned(),
            author: actor.name,
            at_ms: now,
        })
    }

    /// A person's own reply in a conversation whose draft was rejected (or that had none: a
    /// blocked message, an escalation). Still a proposal: it is approved like any other.
    pub fn write_reply(
        &mut self,
        conversation_id: i64,
        by: &str,
        text: &str,
    ) -> Result<i64, DeskError> {
        let text = nonblank(text)?;
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = staff::actor_in(&tx, by)?;
        let stored = crate::conversations::get(&tx, conversation_id)?
            .ok_or_else(|| DeskError::NotFound(format!("conversation {conversation_id}")))?;
        if let Some(open) = open_reply_of(&tx, conversation_id, now)? {
            return Err(DeskError::ReplyAlreadyOpen {
                conversation: conversation_id,
                proposal: open,
            });
        }
        // A planner is drafting (or will): its draft would stand beside this one.
        if stored.outcome.as_deref() == Some(crate::conversations::PLANNING) {
            return Err(DeskError::StillPlanning(conversation_id));
        }
        let request: Request = serde_json::from_str(stored.request.as_deref().unwrap_or("null"))
            .map_err(|e| corrupt("conversation request", e))?;
        let id = record_draft(
            &tx,
            &Draft {
                conversation_id,
                customer_id: &stored.customer_id,
                request: &request,
                text,
                proposed_by: &actor.name,
                now_ms: now,
                expiry_ms,
            },
        )?
        .ok_or(DeskError::NoRecipient(conversation_id))?;
        tx.commit()?;
        Ok(id)
    }

    /// What the reply's newest text claims that did not happen: the approver is asked to
    /// confirm or edit these before it is sent.
    pub fn reply_conflicts(&self, id: i64) -> Result<Vec<OutcomeConflict>, DeskError> {
        let p = reply_proposal(&self.conn, id)?;
        conflicts_of(&self.conn, &p, self.clock.now_ms())
    }

    /// Approves reply `id` as `by` and commits it to the outbox, once. The text sent is the
    /// revision approved, exactly; the audit log keeps the draft as proposed and the text sent.
    pub fn approve_reply(
        &mut self,
        id: i64,
        by: &str,
        approval: &ReplyApproval,
    ) -> Result<QueuedReply, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = staff::actor_in(&tx, by)?;
        let p = reply_proposal(&tx, id)?;
        let all = revisions(&tx, id)?;
        let (Some(draft), Some(newest)) = (all.first(), all.last()) else {
            return Err(corrupt(format!("reply {id}"), "no revision"));
        };
        // The revision being approved, read once above.
        let conflicts =
            outcome_conflicts(&newest.text, &action_outcomes(&tx, p.conversation_id, now)?);
        let decision = decide_reply(&ReplyGateInput {
            state: p.state,
            now_ms: now,
            expires_at_ms: p.expires_at_ms,
            latest_revision: newest.seq,
            seen_revision: approval.seen_revision,
            role: actor.role,
            conflicts: &conflicts,
            confirmed: approval.confirm,
        });
        if let ReplyDecision::Refuse(refusal) = decision {
            let (err, kind, new_state) = match refusal {
                ReplyRefusal::AlreadyDecided(state) => (
                    DeskError::AlreadyDecided { id, state },
                    DecisionKind::Refused,
                    None,
                ),
                ReplyRefusal::Expired => (
                    DeskError::Expired(id),
                    DecisionKind::Expired,
                    Some(ProposalState::Expired),
                ),
                ReplyRefusal::StaleRevision { seen, latest } => (
                    DeskError::StaleRevision { id, seen, latest },
                    DecisionKind::Refused,
                    None,
                ),
                ReplyRefusal::NeedsSupervisor => (
                    DeskError::NeedsSupervisor {
                        id,
                        amount: Money::from_cents(0),
                        detail: "it was escalated".into(),
                    },
                    DecisionKind::Refused,
                    None,
                ),
                ReplyRefusal::ContradictsOutcomes(c) => (
                    DeskError::ReplyContradictsOutcomes {
                        id,
                        sentences: c.into_iter().map(|c| c.sentence).collect(),
                    },
                    DecisionKind::Refused,
                    None,
                ),
            };
            crate::approval::record_refused_approval(
                &tx,
                &crate::approval::Refused {
                    id,
                    actor: &actor,
                    now_ms: now,
                    kind,
                    new_state,
                    err: &err,
                    edited_args: None,
                    detail: json!({"revision": newest.seq}),
                },
            )?;
            tx.commit()?;
            tracing::info!(proposal = id, code = err.code(), "reply approval refused");
            return Err(err);
        }
        let mut args: SendReplyArgs = parse_reply(&p.args)?;
        args.text = newest.text.clone();
        let args_json = serde_json::to_value(&args).map_err(|e| corrupt("reply", e))?;
        let edited = newest.seq > 0;
        let decision_id = proposals::record_decision(
            &tx,
            &NewDecision {
                proposal_id: id,
                kind: DecisionKind::Approved,
                actor: &actor.name,
                role: Some(actor.role),
                at_ms: now,
                reason: None,
                edited_args: edited.then_some(&args_json),
            },
        )?;
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::DecisionApproved,
            &AuditSubject::Proposal(id),
            &json!({
                "role": actor.role,
                "edited": edited,
                "revision": newest.seq,
                "draft": draft.text,
                "text": newest.text,
                "confirmed_conflicts": conflicts,
            }),
        )?;
        proposals::open_execution(&tx, id, &p.subject, &p.customer_id, now, &actor.name)?;
        proposals::close_execution(&tx, id)?;
        proposals::set_state(&tx, id, ProposalState::Executed, now, &actor.name, None)?;
        proposals::set_executed_args(&tx, id, &args_json, &p.preview)?;
        let message_id = message_id_for(&tx, id)?;
        reply_sends::enqueue(
            &tx,
            &reply_sends::NewSend {
                proposal_id: id,
                conversation_id: p.conversation_id,
                channel: &args.channel,
                message_id: &message_id,
                revision: newest.seq,
                args: &args_json,
                now_ms: now,
            },
        )?;
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::ActionExecuted,
            &AuditSubject::Proposal(id),
            &json!({"tool": ToolName::SendReply, "idempotency_key": id.to_string(), "message_id": message_id, "queued": true}),
        )?;
        crate::eval_capture::capture(
            &tx,
            p.conversation_id,
            Some(decision_id),
            now,
            &crate::eval_capture::Label::Reply {
                proposal: &p,
                draft: &draft.text,
                sent: &newest.text,
            },
        )?;
        tx.commit()?;
        tracing::info!(
            proposal = id,
            revision = newest.seq,
            "reply approved and queued"
        );
        Ok(QueuedReply {
            proposal_id: id,
            conversation_id: p.conversation_id,
            revision: newest.seq,
            message_id,
            channel: args.channel,
        })
    }

    /// Approving a reply through the generic path (`approve ID`, optionally with edited
    /// arguments): an edit may change only the text, which is saved as a revision first.
    pub fn approve_reply_edited(
        &mut self,
        id: i64,
        by: &str,
        edited_args: Option<&serde_json::Value>,
        confirm: bool,
    ) -> Result<QueuedReply, DeskError> {
        let mut seen_revision = None;
        if let Some(edit) = edited_args {
            let p = reply_proposal(&self.conn, id)?;
            let edited = parse_reply(edit)?;
            let original = parse_reply(&p.args)?;
            let same_envelope = SendReplyArgs {
                text: edited.text.clone(),
                ..original
            } == edited;
            if !same_envelope {
                return Err(DeskError::EditChangesSubject(
                    "only a reply's text can be edited; its recipient and thread are fixed".into(),
                ));
            }
            // Approve exactly the revision just saved: one saved in between by someone else
            // is not what this person read.
            seen_revision = Some(self.revise_reply(id, by, &edited.text)?.seq);
        }
        self.approve_reply(
            id,
            by,
            &ReplyApproval {
                seen_revision,
                confirm,
            },
        )
    }
}

/// The open reply of a conversation at `now_ms`, if any.
pub(crate) fn open_reply_of(
    conn: &Connection,
    conversation_id: i64,
    now_ms: i64,
) -> Result<Option<i64>, DeskError> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM proposals WHERE conversation_id = ?1 AND tool = 'send_reply'
               AND state IN ('pending', 'escalated') AND expires_at > ?2
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row((conversation_id, now_ms), |r| r.get(0))
        .optional()?)
}
