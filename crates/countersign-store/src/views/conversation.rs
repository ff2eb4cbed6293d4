//! The review screen: one conversation with everything a reviewer needs.

use countersign_pipeline::{GuardReport, Handoff, Request, TraceStep};
use countersign_shop::{Side, ToolSchemas};
use serde::Serialize;
use serde_json::Value;

use super::Views;
use crate::conversations;
use crate::error::{corrupt, DeskError};
use crate::ingest::TraceRecord;
use crate::proposals::{self, Decision, Proposal};

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
    pub proposals: Vec<ProposalView>,
    pub trace: TraceRecord,
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
            proposals,
            trace: crate::ingest::trace_record(self.conn, id)?,
        })
    }
}
