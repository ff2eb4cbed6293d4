//! The approval queue: open proposals, filtered, and how many proposals are in each state.

use std::collections::BTreeMap;

use countersign_core::ProposalState;
use countersign_shop::ToolName;
use serde::{Deserialize, Serialize};

use countersign_pipeline::Request;

use super::Views;
use crate::conversations;
use crate::error::{corrupt, DeskError};
use crate::proposals::{self, Proposal};

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueFilter {
    /// `pending` or `escalated`; none: both.
    #[serde(default)]
    pub state: Option<ProposalState>,
    #[serde(default)]
    pub tool: Option<ToolName>,
    /// Case-insensitive text in the customer id or the summary.
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueCounts {
    pub open: usize,
    pub escalated: usize,
}

/// A request admitted and waiting for (or with) a planner: the queue shows it as "Planning…"
/// until it is settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanningConversation {
    pub conversation_id: i64,
    pub channel: String,
    pub created_at_ms: i64,
    /// The message's subject, when it has one.
    pub subject: Option<String>,
    /// A planner has taken it (and may be waiting for a model).
    pub claimed: bool,
}

impl Views<'_> {
    /// Conversations still being planned, oldest first. They have no proposals yet, so the
    /// queue's filters (state, action, text of a summary) do not apply to them.
    pub fn planning(&self) -> Result<Vec<PlanningConversation>, DeskError> {
        conversations::planning(self.conn)?
            .into_iter()
            .map(|row| {
                let subject = match row.request.as_deref() {
                    Some(text) => serde_json::from_str::<Request>(text)
                        .map_err(|e| corrupt("conversation request", e))?
                        .subject
                        .filter(|s| !s.trim().is_empty()),
                    None => None,
                };
                Ok(PlanningConversation {
                    conversation_id: row.id,
                    channel: row.channel,
                    created_at_ms: row.created_at_ms,
                    subject,
                    claimed: row.claimed_at_ms.is_some(),
                })
            })
            .collect()
    }

    /// Open proposals (pending and escalated, not past their expiry), highest amount at stake
    /// first, then oldest.
    pub fn queue(&self) -> Result<Vec<Proposal>, DeskError> {
        proposals::open_at(self.conn, self.now_ms)
    }

    /// The open queue, filtered.
    pub fn queue_filtered(&self, filter: &QueueFilter) -> Result<Vec<Proposal>, DeskError> {
        let text = filter
            .text
            .as_deref()
            .map(str::to_lowercase)
            .filter(|t| !t.trim().is_empty());
        Ok(self
            .queue()?
            .into_iter()
            .filter(|p| filter.state.is_none_or(|s| p.state == s))
            .filter(|p| filter.tool.is_none_or(|t| p.tool == t))
            .filter(|p| {
                text.as_deref().is_none_or(|t| {
                    p.customer_id.to_lowercase().contains(t)
                        || p.preview.summary.to_lowercase().contains(t)
                })
            })
            .collect())
    }

    /// How many proposals are in each state now (an overdue open one counts as expired).
    pub fn state_counts(&self) -> Result<BTreeMap<String, i64>, DeskError> {
        Ok(proposals::state_counts_at(self.conn, self.now_ms)?
            .into_iter()
            .map(|(s, n)| (s.as_str().to_owned(), n))
            .collect())
    }

    /// How many proposals are open, and how many of those wait for a supervisor.
    pub fn queue_counts(&self) -> Result<QueueCounts, DeskError> {
        let counts = proposals::state_counts_at(self.conn, self.now_ms)?;
        let of = |state| {
            counts
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n as usize)
        };
        let escalated = of(ProposalState::Escalated);
        Ok(QueueCounts {
            open: of(ProposalState::Pending) + escalated,
            escalated,
        })
    }

    /// Open proposals newer than `after`, oldest first: what a watcher notifies about.
    pub fn open_proposals_after(&self, after: i64) -> Result<Vec<Proposal>, DeskError> {
        proposals::open_after(self.conn, after, self.now_ms)
    }

    /// The newest proposal id (0 when none): a watcher compares it to find new proposals.
    pub fn latest_proposal_id(&self) -> Result<i64, DeskError> {
        proposals::latest_id(self.conn)
    }

    /// Whether an open proposal is past its expiry but not yet recorded as expired.
    pub fn any_overdue(&self) -> Result<bool, DeskError> {
        proposals::any_overdue(self.conn, self.now_ms)
    }
}
