//! The queue as agents think of their work: conversations waiting for a person, each with its
//! reply, its open actions and what it waits for. A conversation waits while it is planned,
//! while anything of it is open for approval, while an approved reply could not be delivered,
//! and — until a reply goes out or a person closes it — whenever the customer has the last
//! word: a status question with only a draft, an escalation with its handoff packet, a blocked
//! message, a draft someone rejected.

use countersign_core::ProposalState;
use countersign_pipeline::Request;
use countersign_shop::{Money, ToolName};
use serde::Serialize;

use super::Views;
use crate::error::{corrupt, DeskError};
use crate::proposals::{self, Proposal};
use crate::reply_sends::{self, SendState};

/// What a conversation waits for, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Waiting {
    /// An approved reply was refused for good or may not have gone out.
    SendProblem,
    /// Something of it was handed to a supervisor.
    Supervisor,
    /// Its reply and/or actions wait for approval.
    Approval,
    /// The guard blocked the customer's message: a person reads it and answers or closes.
    Blocked,
    /// Handed to a person with a handoff packet and no open proposal: they answer or close.
    Handoff,
    /// The customer has the last word and nothing is open (a draft was rejected or expired).
    Answer,
    /// A planner is still at work.
    Planning,
}

/// The reply of a waiting conversation, as the queue shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxReply {
    pub proposal_id: i64,
    pub state: ProposalState,
    /// The newest revision.
    pub revision: i64,
    pub text: String,
    /// Where the approved reply is on its way out, once approved.
    pub send: Option<SendState>,
}

/// One conversation waiting for a person.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxItem {
    pub conversation_id: i64,
    pub channel: String,
    pub customer_id: String,
    pub subject: Option<String>,
    pub created_at_ms: i64,
    pub last_message_at_ms: i64,
    /// How many messages the customer sent (more than one: a follow-up).
    pub customer_messages: i64,
    pub waiting: Waiting,
    /// The planner's outcome (`reply`, `escalate`, `block`, `planning`).
    pub outcome: Option<String>,
    pub reply: Option<InboxReply>,
    /// Open actions (not the reply), highest amount first.
    pub actions: Vec<Proposal>,
    /// The most money any open action puts at stake.
    pub amount: Money,
}

/// How many conversations wait, and how many of those for a supervisor: what notifications and
/// the window's badge count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxCounts {
    pub waiting: usize,
    pub supervisor: usize,
    pub send_problems: usize,
}

struct Candidate {
    id: i64,
    channel: String,
    customer_id: String,
    created_at_ms: i64,
    request: Option<String>,
    outcome: Option<String>,
    last_customer_at: Option<i64>,
    customer_messages: i64,
    answered: bool,
    closed: bool,
}

impl Views<'_> {
    /// Every conversation waiting for a person: most urgent first, then most money at stake,
    /// then oldest.
    pub fn inbox(&self) -> Result<Vec<InboxItem>, DeskError> {
        // Candidates in SQL (the open, the troubled, the unanswered); the exact state in Rust.
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.channel, c.customer_id, c.created_at, c.request, c.outcome,
                    (SELECT max(at) FROM conversation_messages m WHERE m.conversation_id = c.id AND m.speaker = 'customer'),
                    (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id AND m.speaker = 'customer'),
                    EXISTS (SELECT 1 FROM proposals r WHERE r.conversation_id = c.id AND r.tool = 'send_reply'
                              AND r.state = 'executed'
                              AND r.created_at >= coalesce((SELECT max(at) FROM conversation_messages m
                                                            WHERE m.conversation_id = c.id AND m.speaker = 'customer'), 0)),
                    c.closed_at IS NOT NULL
             FROM conversations c
             WHERE c.outcome = 'planning'
                OR EXISTS (SELECT 1 FROM proposals p WHERE p.conversation_id = c.id
                             AND p.state IN ('pending', 'escalated') AND p.expires_at > ?1)
                OR EXISTS (SELECT 1 FROM reply_sends s WHERE s.conversation_id = c.id
                             AND s.state IN ('failed', 'uncertain'))
                OR (c.closed_at IS NULL AND c.outcome IS NOT NULL AND NOT EXISTS (
                      SELECT 1 FROM proposals r WHERE r.conversation_id = c.id AND r.tool = 'send_reply'
                        AND r.state = 'executed'
                        AND r.created_at >= coalesce((SELECT max(at) FROM conversation_messages m
                                                      WHERE m.conversation_id = c.id AND m.speaker = 'customer'), 0)))",
        )?;
        let rows = stmt.query_map([self.now_ms], |r| {
            Ok(Candidate {
                id: r.get(0)?,
                channel: r.get(1)?,
                customer_id: r.get(2)?,
                created_at_ms: r.get(3)?,
                request: r.get(4)?,
                outcome: r.get(5)?,
                last_customer_at: r.get(6)?,
                customer_messages: r.get(7)?,
                answered: r.get(8)?,
                closed: r.get(9)?,
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            if let Some(item) = self.item(row?)? {
                out.push(item);
            }
        }
        out.sort_by(|a, b| {
            a.waiting
                .cmp(&b.waiting)
                .then(b.amount.cmp(&a.amount))
                .then(a.last_message_at_ms.cmp(&b.last_message_at_ms))
                .then(a.conversation_id.cmp(&b.conversation_id))
        });
        Ok(out)
    }

    fn item(&self, c: Candidate) -> Result<Option<InboxItem>, DeskError> {
        let all = proposals::of_conversation(self.conn, c.id, self.now_ms)?;
        let sends = reply_sends::of_conversation(self.conn, c.id)?;
        let open_reply = all
            .iter()
            .rev()
            .find(|p| p.tool == ToolName::SendReply && p.state.is_open());
        // The reply shown: the open one, else the newest (approved, rejected...).
        let shown = open_reply.or_else(|| all.iter().rev().find(|p| p.tool == ToolName::SendReply));
        let reply = match shown {
            Some(p) => {
                let latest = crate::replies::latest(self.conn, p.id)?;
                Some(InboxReply {
                    proposal_id: p.id,
                    state: p.state,
                    revision: latest.seq,
                    text: latest.text,
                    send: sends
                        .iter()
                        .find(|s| s.proposal_id == p.id)
                        .map(|s| s.state),
                })
            }
            None => None,
        };
        let open_reply = open_reply.map(|p| p.state);
        let mut actions: Vec<Proposal> = all
            .into_iter()
            .filter(|p| p.tool != ToolName::SendReply && p.state.is_open())
            .collect();
        actions.sort_by(|a, b| b.amount.cmp(&a.amount).then(a.id.cmp(&b.id)));
        let open: Vec<ProposalState> = actions.iter().map(|p| p.state).chain(open_reply).collect();
        let problem = sends
            .iter()
            .any(|s| matches!(s.state, SendState::Failed | SendState::Uncertain));
        let outcome = c.outcome.as_deref();
        let waiting = if problem {
            Waiting::SendProblem
        } else if open.contains(&ProposalState::Escalated) {
            Waiting::Supervisor
        } else if !open.is_empty() {
            Waiting::Approval
        } else if outcome == Some(crate::conversations::PLANNING) {
            Waiting::Planning
        } else if c.closed || c.answered {
            return Ok(None);
        } else if outcome == Some("block") {
            Waiting::Blocked
        } else if outcome == Some("escalate") {
            Waiting::Handoff
        } else {
            Waiting::Answer
        };
        let subject = match c.request.as_deref() {
            Some(text) => serde_json::from_str::<Request>(text)
                .map_err(|e| corrupt("conversation request", e))?
                .subject
                .filter(|s| !s.trim().is_empty()),
            None => None,
        };
        Ok(Some(InboxItem {
            conversation_id: c.id,
            channel: c.channel,
            customer_id: c.customer_id,
            subject,
            created_at_ms: c.created_at_ms,
            last_message_at_ms: c.last_customer_at.unwrap_or(c.created_at_ms),
            customer_messages: c.customer_messages,
            waiting,
            outcome: c.outcome,
            reply,
            amount: actions
                .iter()
                .map(|p| p.amount)
                .max()
                .unwrap_or(Money::from_cents(0)),
            actions,
        }))
    }

    pub fn inbox_counts(&self) -> Result<InboxCounts, DeskError> {
        let items = self.inbox()?;
        Ok(InboxCounts {
            waiting: items
                .iter()
                .filter(|i| i.waiting != Waiting::Planning)
                .count(),
            supervisor: items
                .iter()
                .filter(|i| i.waiting == Waiting::Supervisor)
                .count(),
            send_problems: items
                .iter()
                .filter(|i| i.waiting == Waiting::SendProblem)
                .count(),
        })
    }
}
