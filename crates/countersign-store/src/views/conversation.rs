//! The review screen: one conversation with everything a reviewer needs.

use countersign_core::OutcomeConflict;
use countersign_pipeline::{GuardReport, Handoff, Request, TraceStep, Turn};
use countersign_shop::{Side, ToolName, ToolSchemas};
use serde::Serialize;
use serde_json::Value;

use super::Views;
use crate::conversations;
use crate::error::{corrupt, DeskError};
use crate::ingest::TraceRecord;
use crate::proposals::{self, Decision, Proposal};
use crate::replies::ReplyRevision;
use crate::reply_sends::ReplySend;

/// A proposal as the review screen shows it: with its form schema and decisions.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProposalView {
    pub proposal: Proposal,
    /// JSON schema of the tool's arguments: the UI builds the edit form from it.
    pub args_schema: Value,
    pub decisions: Vec<Decision>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationView {
    pub id: i64,
    pub customer_id: String,
    pub channel: String,
    pub created_at_ms: i64,
    pub request: Option<Request>,
    pub guard: Option<GuardReport>,
    pub intent: Option<String>,
    /// `planning` while a planner is still at work.
    pub outcome: Option<String>,
    /// Which planner decided (`rules` or `llm`) and why it was chosen.
    pub planner: Option<String>,
    pub route_reason: Option<String>,
    pub reply: Option<String>,
    pub handoff: Option<Handoff>,
    pub citations: Vec<String>,
    pub steps: Vec<TraceStep>,
    /// The actions: every proposal but the reply, oldest first.
    pub proposals: Vec<ProposalView>,
    /// Calls to the team's own systems (MCP), oldest first, as of now.
    pub external: Vec<crate::ExternalCall>,
    pub trace: TraceRecord,
    /// The customer's messages and our replies as sent, oldest first.
    pub thread: Vec<Turn>,
    /// The reply to approve now (the open one, else the newest), with its revisions.
    pub reply_draft: Option<ReplyView>,
    /// Approved replies on their way out or sent.
    pub sends: Vec<ReplySend>,
    pub closed_at_ms: Option<i64>,
    /// The customer's satisfaction score, once given.
    pub csat: Option<crate::csat::Csat>,
}

/// A reply proposal with its text's history and what it claims that did not happen.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReplyView {
    /// The `send_reply` proposal; its `args` are the draft as proposed (or, once sent, as
    /// sent).
    pub proposal: Proposal,
    pub decisions: Vec<Decision>,
    pub revisions: Vec<ReplyRevision>,
    /// Sentences of the newest revision that claim an action which did not happen: the
    /// approver confirms or edits them.
    pub conflicts: Vec<OutcomeConflict>,
}

fn parse_opt<T: serde::de::DeserializeOwned>(
    text: Option<String>,
    what: &str,
) -> Result<Option<T>, DeskError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(what, e)))
        .transpose()
}

impl Views<'_> {
    /// One conversation; its proposals as of now (an overdue one reads as expired).
    pub fn conversation(&self, id: i64) -> Result<ConversationView, DeskError> {
        let c = conversations::get(self.conn, id)?
            .ok_or_else(|| DeskError::NotFound(format!("conversation {id}")))?;
        let proposals = proposals::of_conversation(self.conn, id, self.now_ms)?
            .into_iter()
            .map(|proposal| {
                Ok(ProposalView {
                    args_schema: ToolSchemas::global()
                        .schema(proposal.tool, Side::Input)
                        .clone(),
                    decisions: proposals::decisions_of(self.conn, proposal.id)?,
                    proposal,
                })
            })
            .collect::<Result<Vec<_>, DeskError>>()?;
        let (replies, proposals): (Vec<ProposalView>, Vec<ProposalView>) = proposals
            .into_iter()
            .partition(|v| v.proposal.tool == ToolName::SendReply);
        let shown = match replies.iter().rposition(|v| v.proposal.state.is_open()) {
            Some(i) => replies.into_iter().nth(i),
            None => replies.into_iter().next_back(),
        };
        let reply_draft = match shown {
            Some(v) => Some(ReplyView {
                revisions: crate::replies::revisions(self.conn, v.proposal.id)?,
                conflicts: if v.proposal.state.is_open() {
                    crate::replies::conflicts_of(self.conn, &v.proposal, self.now_ms)?
                } else {
                    Vec::new()
                },
                proposal: v.proposal,
                decisions: v.decisions,
            }),
            None => None,
        };
        Ok(ConversationView {
            id,
            customer_id: c.customer_id,
            channel: c.channel,
            created_at_ms: c.created_at_ms,
            request: parse_opt(c.request, "conversation request")?,
            guard: parse_opt(c.guard, "conversation guard")?,
            intent: c.intent,
            outcome: c.outcome,
            planner: c.planner,
            route_reason: c.route_reason,
            reply: c.reply,
            handoff: parse_opt(c.handoff, "conversation handoff")?,
            citations: parse_opt(c.citations, "conversation citations")?.unwrap_or_default(),
            steps: crate::trace_steps::list(self.conn, id)?,
            trace: crate::ingest::trace_record(self.conn, id)?,
            thread: crate::thread::turns(self.conn, id)?,
            reply_draft,
            sends: crate::reply_sends::of_conversation(self.conn, id)?,
            closed_at_ms: c.closed_at_ms,
            csat: crate::csat::get(self.conn, id)?,
            proposals,
            external: crate::external_calls::of_conversation(self.conn, id)?
                .into_iter()
                .map(|mut call| {
                    call.state = proposals::state_at(call.state, call.expires_at_ms, self.now_ms);
                    call
                })
                .collect(),
        })
    }
}
