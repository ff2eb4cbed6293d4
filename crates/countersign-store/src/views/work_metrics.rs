//! The figures over real work (issue 14's "what good looks like"), from stored decisions, per
//! planner and overall, for conversations created in a window.
//!
//! Each figure is a ratio whose denominator is written next to it; a ratio over nothing is
//! `None`, never 0 (no proposals is not a precision of zero).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Views;
use crate::error::DeskError;

/// The figures for one planner (or all).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkMetrics {
    pub conversations: i64,
    /// Write proposals (the reply is not counted: it is judged as a reply).
    pub actions_proposed: i64,
    pub actions_approved_unedited: i64,
    pub actions_approved_edited: i64,
    pub actions_rejected: i64,
    pub actions_escalated: i64,
    /// Approved unedited / proposed.
    pub action_precision: Option<f64>,
    /// Approved with edits / approved.
    pub action_edit_rate: Option<f64>,
    pub replies_approved: i64,
    pub replies_edited: i64,
    /// Replies sent after edits / replies sent.
    pub reply_edit_rate: Option<f64>,
    /// Rejections (actions and replies) by the reason given.
    pub rejections_by_reason: BTreeMap<String, i64>,
    /// Conversations with at least one write proposal / conversations.
    pub approval_required_rate: Option<f64>,
    /// Conversations the pipeline escalated / conversations.
    pub escalation_rate: Option<f64>,
    pub block_rate: Option<f64>,
    pub flag_rate: Option<f64>,
    /// Conversations with a reply sent / conversations.
    pub resolution_rate: Option<f64>,
    /// Mean score (1–5) over the conversations that have one.
    pub mean_csat: Option<f64>,
    /// Conversations with a CSAT score.
    pub csat_responses: i64,
    pub steps_per_conversation: Option<f64>,
    pub tokens_per_conversation: Option<f64>,
    pub cost_usd_per_conversation: Option<f64>,
}

/// Overall and per planner (`none` for conversations no planner touched: proposals by hand).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkReport {
    pub since_ms: i64,
    pub until_ms: i64,
    pub overall: WorkMetrics,
    pub by_planner: BTreeMap<String, WorkMetrics>,
}

#[derive(Default)]
struct Tally {
    m: WorkMetrics,
    with_action: i64,
    escalated: i64,
    blocked: i64,
    flagged: i64,
    resolved: i64,
    steps: i64,
    tokens: i64,
    cost: f64,
    csat_sum: i64,
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl Tally {
    fn finish(mut self) -> WorkMetrics {
        let m = &mut self.m;
        let c = m.conversations;
        m.action_precision = ratio(m.actions_approved_unedited, m.actions_proposed);
        m.action_edit_rate = ratio(
            m.actions_approved_edited,
            m.actions_approved_edited + m.actions_approved_unedited,
        );
        m.reply_edit_rate = ratio(m.replies_edited, m.replies_approved);
        m.approval_required_rate = ratio(self.with_action, c);
        m.escalation_rate = ratio(self.escalated, c);
        m.block_rate = ratio(self.blocked, c);
        m.flag_rate = ratio(self.flagged, c);
        m.resolution_rate = ratio(self.resolved, c);
        m.mean_csat = ratio(self.csat_sum, m.csat_responses);
        m.steps_per_conversation = ratio(self.steps, c);
        m.tokens_per_conversation = ratio(self.tokens, c);
        m.cost_usd_per_conversation = (c > 0).then(|| self.cost / c as f64);
        self.m
    }
}

struct Conv {
    planner: String,
    outcome: Option<String>,
    verdict: Option<String>,
    steps: i64,
    tokens: i64,
    cost: f64,
    csat: Option<i64>,
}

const CONVERSATIONS: &str = "
    SELECT c.id, coalesce(c.planner, 'none'), c.outcome, json_extract(c.guard, '$.verdict'),
           (SELECT count(*) FROM trace_steps s WHERE s.conversation_id = c.id),
           (SELECT coalesce(sum(tokens), 0) FROM trace_steps s WHERE s.conversation_id = c.id),
           (SELECT coalesce(sum(cost_usd), 0.0) FROM trace_steps s WHERE s.conversation_id = c.id),
           (SELECT score FROM csat s WHERE s.conversation_id = c.id)
    FROM conversations c WHERE c.created_at >= ?1 AND c.created_at < ?2";

const PROPOSALS: &str = "
    SELECT p.conversation_id, p.tool = 'send_reply', p.state = 'executed'
    FROM proposals p JOIN conversations c ON c.id = p.conversation_id
    WHERE c.created_at >= ?1 AND c.created_at < ?2";

const DECISIONS: &str = "
    SELECT p.conversation_id, p.tool = 'send_reply', d.kind, d.edited_args IS NOT NULL, d.reason
    FROM decisions d JOIN proposals p ON p.id = d.proposal_id
    JOIN conversations c ON c.id = p.conversation_id
    WHERE c.created_at >= ?1 AND c.created_at < ?2";

impl Views<'_> {
    /// The figures for conversations created in `[since_ms, until_ms)`.
    pub fn work_metrics(&self, since_ms: i64, until_ms: i64) -> Result<WorkReport, DeskError> {
        let window = (since_ms, until_ms);
        let mut convs: HashMap<i64, Conv> = HashMap::new();
        let mut stmt = self.conn.prepare(CONVERSATIONS)?;
        let mut rows = stmt.query(window)?;
        while let Some(r) = rows.next()? {
            convs.insert(
                r.get(0)?,
                Conv {
                    planner: r.get(1)?,
                    outcome: r.get(2)?,
                    verdict: r.get(3)?,
                    steps: r.get(4)?,
                    tokens: r.get(5)?,
                    cost: r.get(6)?,
                    csat: r.get(7)?,
                },
            );
        }
        // Every row counts twice: once overall, once for its planner.
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        let mut overall = Tally::default();
        let mut both = |planner: &str, f: &dyn Fn(&mut Tally)| {
            f(&mut overall);
            f(tallies.entry(planner.to_owned()).or_default());
        };
        let mut with_action: HashMap<i64, bool> = HashMap::new();
        let mut resolved: HashMap<i64, bool> = HashMap::new();
        let mut stmt = self.conn.prepare(PROPOSALS)?;
        let mut rows = stmt.query(window)?;
        while let Some(r) = rows.next()? {
            let (conv, reply, executed): (i64, bool, bool) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let Some(c) = convs.get(&conv) else { continue };
            if reply {
                if executed {
                    resolved.insert(conv, true);
                }
            } else {
                with_action.insert(conv, true);
                both(&c.planner, &|t| t.m.actions_proposed += 1);
            }
        }
        let mut stmt = self.conn.prepare(DECISIONS)?;
        let mut rows = stmt.query(window)?;
        while let Some(r) = rows.next()? {
            let conv: i64 = r.get(0)?;
            let reply: bool = r.get(1)?;
            let kind: String = r.get(2)?;
            let edited: bool = r.get(3)?;
            let reason: Option<String> = r.get(4)?;
            let Some(c) = convs.get(&conv) else { continue };
            match (kind.as_str(), reply, edited) {
                ("approved", false, false) => {
                    both(&c.planner, &|t| t.m.actions_approved_unedited += 1)
                }
                ("approved", false, true) => {
                    both(&c.planner, &|t| t.m.actions_approved_edited += 1)
                }
                ("approved", true, _) => both(&c.planner, &|t| {
                    t.m.replies_approved += 1;
                    t.m.replies_edited += i64::from(edited);
                }),
                ("rejected", _, _) => {
                    let reason = reason.clone().unwrap_or_default();
                    both(&c.planner, &|t| {
                        t.m.actions_rejected += i64::from(!reply);
                        *t.m.rejections_by_reason.entry(reason.clone()).or_default() += 1;
                    })
                }
                ("escalated", false, _) => both(&c.planner, &|t| t.m.actions_escalated += 1),
                _ => {}
            }
        }
        for (id, c) in &convs {
            let action = with_action.contains_key(id);
            let done = resolved.contains_key(id);
            both(&c.planner, &|t| {
                t.m.conversations += 1;
                t.with_action += i64::from(action);
                t.resolved += i64::from(done);
                t.escalated += i64::from(c.outcome.as_deref() == Some("escalate"));
                t.blocked += i64::from(c.outcome.as_deref() == Some("block"));
                t.flagged += i64::from(c.verdict.as_deref() == Some("flag"));
                t.steps += c.steps;
                t.tokens += c.tokens;
                t.cost += c.cost;
                if let Some(score) = c.csat {
                    t.m.csat_responses += 1;
                    t.csat_sum += score;
                }
            });
        }
        Ok(WorkReport {
            since_ms,
            until_ms,
            overall: overall.finish(),
            by_planner: tallies.into_iter().map(|(p, t)| (p, t.finish())).collect(),
        })
    }
}
