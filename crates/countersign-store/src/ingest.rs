//! Ingest: one request through guard and planner, recorded in one transaction — the
//! conversation, its step trace, its proposals (pending, never executed) and an audit record.
//!
//! The planner runs inside that transaction: what it read is what the proposals are stored
//! against, so each proposal keeps the effect policy gave it when planned (no second run).

use countersign_core::{AuditKind, AuditSubject};
use countersign_pipeline::{
    screen, Caps, Handoff, MonotonicTicker, Outcome, Request, RulesPlanner, Verdict,
};
use countersign_shop::ToolName;
use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use serde_json::{json, Value};

use crate::audit_log;
use crate::conversations::{self, IngestedRow};
use crate::desk::Desk;
use crate::error::{corrupt, DeskError};
use crate::knowledge::SqlKnowledgeBase;
use crate::propose::{self, Judged};
use crate::shop_store::SqlShop;
use crate::trace_steps;
use crate::workspace;

/// A proposal the planner made, stored pending.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IngestedProposal {
    pub id: i64,
    pub tool: ToolName,
    pub args: Value,
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

/// The per-conversation trace record, in the seed format (DESIGN.md). `cost_usd` is `null`
/// when no step had a price (the rules planner): not applicable, which is not `$0.00`.
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
    pub cost_usd: Option<f64>,
}

fn to_json<T: Serialize>(v: &T) -> Result<String, DeskError> {
    serde_json::to_string(v).map_err(|e| corrupt("json", e))
}

impl Desk {
    pub fn planner_caps(&self) -> Result<Caps, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::PLANNER_CAPS)?.unwrap_or_default())
    }

    /// Changes the planner's step and cost caps, as `by` (a supervisor), recorded in the log.
    pub fn set_planner_caps(&mut self, by: &str, caps: &Caps) -> Result<(), DeskError> {
        if caps.max_steps == 0 || !caps.max_cost_usd.is_finite() || caps.max_cost_usd < 0.0 {
            return Err(DeskError::InvalidSetting(
                "caps must allow at least one step and a non-negative cost".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::require_supervisor(&tx, by, "change the planner's caps")?;
        workspace::set(&tx, &workspace::PLANNER_CAPS, caps)?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            AuditKind::CapsChanged,
            &AuditSubject::Workspace,
            &json!(caps),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Runs a parsed request through the guard and the rules planner and records the result.
    /// Nothing executes: write actions become pending proposals.
    pub fn ingest(&mut self, request: &Request) -> Result<Ingested, DeskError> {
        self.ingest_priced(request, None)
    }

    /// As [`Desk::ingest`], with a price per planner step: how the cost cap is exercised
    /// until a billed planner exists.
    pub fn ingest_priced(
        &mut self,
        request: &Request,
        step_cost_usd: Option<f64>,
    ) -> Result<Ingested, DeskError> {
        let caps = self.planner_caps()?;
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let ticker = MonotonicTicker::default();
        let screened = screen(request);
        let guard = &screened.report;
        let channel = request.channel.map(|c| c.as_str()).unwrap_or("manual");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let plan = RulesPlanner {
            view: &SqlShop(&tx),
            kb: &SqlKnowledgeBase(&tx),
            ticker: &ticker,
            caps,
        }
        .plan_priced(request, &screened, step_cost_usd);
        let customer = plan.customer_id.clone().unwrap_or_default();
        let conversation_id = conversations::insert_ingested(
            &tx,
            &IngestedRow {
                customer_id: &customer,
                channel,
                created_at_ms: now,
                request: &to_json(request)?,
                guard: &to_json(guard)?,
                intent: plan.intent.as_deref(),
                outcome: plan.outcome.as_str(),
                reply: plan.reply.as_deref(),
                handoff: plan.handoff.as_ref().map(to_json).transpose()?.as_deref(),
                citations: &to_json(&plan.citations)?,
            },
        )?;
        trace_steps::insert_all(&tx, conversation_id, &plan.steps)?;
        let mut proposals = Vec::with_capacity(plan.proposals.len());
        for p in &plan.proposals {
            let id = propose::record(
                &tx,
                &Judged {
                    conversation_id,
                    customer_id: &customer,
                    call: &p.call,
                    effect: &p.effect,
                    proposed_by: "rules-planner",
                    now_ms: now,
                    expiry_ms,
                },
            )?;
            proposals.push(IngestedProposal {
                id,
                tool: p.tool(),
                args: p.call.args_json(),
            });
        }
        audit_log::append(
            &tx,
            now,
            "rules-planner",
            AuditKind::ConversationIngested,
            &AuditSubject::Conversation(conversation_id),
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
        let priced: Vec<f64> = plan.steps.iter().filter_map(|s| s.cost_usd).collect();
        let trace = TraceRecord {
            request_id: format!("req-{conversation_id}"),
            architecture: "customer-support-agent",
            conversation_id: format!("conv-{conversation_id}"),
            tools_called: plan
                .steps
                .iter()
                .filter_map(|s| s.tool.map(|t| t.as_str().to_owned()))
                .collect(),
            approval_required: !proposals.is_empty(),
            approval_granted: false,
            escalated_to_human: plan.outcome == Outcome::Escalate,
            steps: plan.steps.len(),
            output_tokens: plan.steps.iter().map(|s| u64::from(s.tokens)).sum(),
            latency_ms: plan.steps.iter().map(|s| s.latency_us).sum::<u64>() as f64 / 1000.0,
            cost_usd: (!priced.is_empty()).then(|| priced.iter().sum()),
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
    let outcome = conversations::outcome_of(conn, conversation_id)?;
    let totals = trace_steps::totals(conn, conversation_id)?;
    let counts = crate::proposals::counts_in_conversation(conn, conversation_id)?;
    Ok(TraceRecord {
        request_id: format!("req-{conversation_id}"),
        architecture: "customer-support-agent",
        conversation_id: format!("conv-{conversation_id}"),
        tools_called: totals.tools,
        approval_required: counts.proposed > 0,
        approval_granted: counts.executed > 0,
        escalated_to_human: outcome.as_deref() == Some(Outcome::Escalate.as_str())
            || counts.escalated > 0,
        steps: totals.steps,
        output_tokens: totals.tokens as u64,
        latency_ms: totals.latency_us as f64 / 1000.0,
        cost_usd: totals.cost_usd,
    })
}
