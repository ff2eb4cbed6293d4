//! Ingest: one request through guard and planner, recorded in one transaction — the
//! conversation, its step trace, its proposals (pending, never executed) and an audit record.

use countersign_pipeline::{
    guard_check, Caps, Handoff, MonotonicTicker, Outcome, Request, RulesPlanner, Verdict,
};
use countersign_shop::{parse_write, ToolName};
use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use serde_json::{json, Value};

use crate::audit_log;
use crate::desk::{propose_in, Desk, ProposeRequest};
use crate::error::{corrupt, DeskError};
use crate::knowledge::SqlKnowledgeBase;
use crate::shop_store::SqlShop;
use crate::workspace;

/// A proposal the planner made, and what became of it at the gate's door.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IngestedProposal {
    pub id: Option<i64>,
    pub tool: ToolName,
    pub args: Value,
    /// Set when policy refused it on the way in (the planner checks first, so this is rare).
    pub refused: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Ingested {
    pub conversation_id: i64,
    pub verdict: Verdict,
    pub outcome: Outcome,
    pub customer_id: Option<String>,
    pub intent: Option<String>,
    pub proposals: Vec<IngestedProposal>,
    pub reply: Option<String>,
    pub handoff: Option<Handoff>,
    pub citations: Vec<String>,
    pub trace: TraceRecord,
}

/// The per-conversation trace record, in the seed format (DESIGN.md).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TraceRecord {
    pub request_id: String,
    pub architecture: &'static str,
    pub conversation_id: String,
    pub tools_called: Vec<String>,
    pub approval_required: bool,
    pub approval_granted: bool,
    pub escalated_to_human: bool,
    pub steps: usize,
    pub output_tokens: u64,
    pub latency_ms: f64,
    pub cost_usd: f64,
}

fn to_json<T: Serialize>(v: &T) -> Result<String, DeskError> {
    serde_json::to_string(v).map_err(|e| corrupt("json", e))
}

impl Desk {
    pub fn planner_caps(&self) -> Result<Caps, DeskError> {
        Ok(workspace::get(&self.conn, "planner_caps")?.unwrap_or_default())
    }

    pub fn set_planner_caps(&mut self, caps: &Caps) -> Result<(), DeskError> {
        if caps.max_steps == 0 || !caps.max_cost_usd.is_finite() || caps.max_cost_usd < 0.0 {
            return Err(DeskError::InvalidSetting(
                "caps must allow at least one step and a non-negative cost".into(),
            ));
        }
        workspace::set(&self.conn, "planner_caps", caps)
    }

    /// Runs a parsed request through the guard and the rules planner and records the result.
    /// Nothing executes: write actions become pending proposals.
    pub fn ingest(&mut self, request: &Request) -> Result<Ingested, DeskError> {
        let caps = self.planner_caps()?;
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let ticker = MonotonicTicker::default();
        let guard = guard_check(request);
        let plan = {
            let planner = RulesPlanner {
                view: &SqlShop(&self.conn),
                kb: &SqlKnowledgeBase(&self.conn),
                ticker: &ticker,
                caps,
            };
            planner.plan(request, &guard)
        };
        let channel = request.channel.map(|c| c.as_str()).unwrap_or("manual");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let customer = plan.customer_id.clone().unwrap_or_default();
        tx.prepare_cached(
            "INSERT INTO conversations (customer_id, channel, created_at, request, guard, intent, outcome, reply, handoff, citations)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(rusqlite::params![
            customer,
            channel,
            now,
            to_json(request)?,
            to_json(&guard)?,
            plan.intent,
            plan.outcome.as_str(),
            plan.reply,
            plan.handoff.as_ref().map(to_json).transpose()?,
            to_json(&plan.citations)?,
        ])?;
        let conversation_id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO trace_steps (conversation_id, seq, stage, tool, args, result, ok, latency_us, tokens, cost_usd)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (seq, s) in plan.steps.iter().enumerate() {
                stmt.execute(rusqlite::params![
                    conversation_id,
                    seq as i64,
                    s.stage,
                    s.tool.map(|t| t.as_str()),
                    s.args.as_ref().map(Value::to_string),
                    s.result.as_ref().map(Value::to_string),
                    s.ok,
                    s.latency_us as i64,
                    i64::from(s.tokens),
                    s.cost_usd,
                ])?;
            }
        }
        let mut proposals = Vec::new();
        for p in &plan.proposals {
            let call = parse_write(p.tool, &p.args)?;
            let req = ProposeRequest {
                customer_id: &customer,
                conversation_id: Some(conversation_id),
                channel,
                tool: p.tool,
                args: &p.args,
                proposed_by: "rules-planner",
            };
            let outcome = propose_in(&tx, &req, &call, now, expiry_ms)?;
            proposals.push(IngestedProposal {
                id: outcome.as_ref().ok().copied(),
                tool: p.tool,
                args: p.args.clone(),
                refused: outcome.err().map(|v| v.to_string()),
            });
        }
        audit_log::append(
            &tx,
            now,
            "rules-planner",
            "conversation.ingested",
            &format!("conversation:{conversation_id}"),
            &json!({
                "channel": channel,
                "customer_id": plan.customer_id,
                "verdict": guard.verdict,
                "guard_reasons": guard.reasons,
                "intent": plan.intent,
                "outcome": plan.outcome,
                "proposals": proposals.iter().map(|p| p.id).collect::<Vec<_>>(),
                "steps": plan.steps.len(),
            }),
        )?;
        tx.commit()?;
        // The same record `trace_record` derives from the tables, built from what was just
        // written: nothing has been approved yet.
        let trace = TraceRecord {
            request_id: format!("req-{conversation_id}"),
            architecture: "customer-support-agent",
            conversation_id: format!("conv-{conversation_id}"),
            tools_called: plan
                .steps
                .iter()
                .filter_map(|s| s.tool.map(|t| t.as_str().to_owned()))
                .collect(),
            approval_required: proposals.iter().any(|p| p.id.is_some()),
            approval_granted: false,
            escalated_to_human: plan.outcome == Outcome::Escalate,
            steps: plan.steps.len(),
            output_tokens: plan.steps.iter().map(|s| u64::from(s.tokens)).sum(),
            latency_ms: plan.steps.iter().map(|s| s.latency_us).sum::<u64>() as f64 / 1000.0,
            cost_usd: plan.steps.iter().map(|s| s.cost_usd).sum(),
        };
        tracing::info!(
            conversation = conversation_id,
            outcome = plan.outcome.as_str(),
            verdict = guard.verdict.as_str(),
            "request ingested"
        );
        Ok(Ingested {
            conversation_id,
            verdict: guard.verdict,
            outcome: plan.outcome,
            customer_id: plan.customer_id,
            intent: plan.intent,
            proposals,
            reply: plan.reply,
            handoff: plan.handoff,
            citations: plan.citations,
            trace,
        })
    }

    pub fn trace_record(&self, conversation_id: i64) -> Result<TraceRecord, DeskError> {
        trace_record(&self.conn, conversation_id)
    }
}

/// Derived from the stored steps and proposals, so it is current after approvals too.
pub(crate) fn trace_record(
    conn: &Connection,
    conversation_id: i64,
) -> Result<TraceRecord, DeskError> {
    let outcome: Option<String> = conn.query_row(
        "SELECT outcome FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare("SELECT tool, latency_us, tokens, cost_usd FROM trace_steps WHERE conversation_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([conversation_id], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, f64>(3)?,
        ))
    })?;
    let (mut tools, mut latency_us, mut tokens, mut cost, mut steps) =
        (Vec::new(), 0i64, 0i64, 0f64, 0usize);
    for row in rows {
        let (tool, l, t, c) = row?;
        steps += 1;
        latency_us += l;
        tokens += t;
        cost += c;
        if let Some(tool) = tool {
            tools.push(tool);
        }
    }
    let (proposed, executed): (i64, i64) = conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE state = 'executed') FROM proposals WHERE conversation_id = ?1",
        [conversation_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let escalated: i64 = conn.query_row(
        "SELECT count(*) FROM proposals WHERE conversation_id = ?1 AND state = 'escalated'",
        [conversation_id],
        |r| r.get(0),
    )?;
    Ok(TraceRecord {
        request_id: format!("req-{conversation_id}"),
        architecture: "customer-support-agent",
        conversation_id: format!("conv-{conversation_id}"),
        tools_called: tools,
        approval_required: proposed > 0,
        approval_granted: executed > 0,
        escalated_to_human: outcome.as_deref() == Some("escalate") || escalated > 0,
        steps,
        output_tokens: tokens as u64,
        latency_ms: latency_us as f64 / 1000.0,
        cost_usd: cost,
    })
}
