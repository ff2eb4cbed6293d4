//! Ingest: one request through guard and planner, recorded in one transaction — the
//! conversation, its step trace, its proposals (pending, never executed) and an audit record.
//!
//! The planner runs inside that transaction: what it read is what the proposals are stored
//! against, so each proposal keeps the effect policy gave it when planned (no second run).

use countersign_core::{AuditKind, AuditSubject};
use countersign_pipeline::{
    screen, Caps, GuardReport, Handoff, MonotonicTicker, Outcome, Plan, PlannerKind,
    ProposedAction, Request, RulesPlanner, Speaker, TraceStep, Verdict,
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
    /// The draft as a `send_reply` proposal, when there is someone to send it to.
    pub reply_proposal_id: Option<i64>,
    pub handoff: Option<Handoff>,
    pub citations: Vec<String>,
    pub trace: TraceRecord,
    /// The plan's steps, as stored (the CLI's `eval --json` sums tokens and cost from them).
    pub steps: Vec<TraceStep>,
    /// Which planner decided (`None`: blocked, never planned) and why that one.
    pub planner: Option<PlannerKind>,
    pub route_reason: Option<String>,
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
        self.ingest_inner(request, None, None)
    }

    /// As [`Desk::ingest`], saying why the rules planner was the one to plan (routing's
    /// reason), in the trace and on the conversation.
    pub fn ingest_routed(&mut self, request: &Request, why: &str) -> Result<Ingested, DeskError> {
        self.ingest_inner(request, None, Some(why))
    }

    /// As [`Desk::ingest`], with a price per planner step: how the cost cap is exercised
    /// without a model.
    pub fn ingest_priced(
        &mut self,
        request: &Request,
        step_cost_usd: Option<f64>,
    ) -> Result<Ingested, DeskError> {
        self.ingest_inner(request, step_cost_usd, None)
    }

    fn ingest_inner(
        &mut self,
        request: &Request,
        step_cost_usd: Option<f64>,
        why: Option<&str>,
    ) -> Result<Ingested, DeskError> {
        let caps = self.planner_caps()?;
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let ticker = MonotonicTicker::default();
        let screened = screen(request);
        let guard = &screened.report;
        let channel = channel_of(request);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut plan = RulesPlanner {
            view: &SqlShop(&tx),
            kb: &SqlKnowledgeBase(&tx),
            ticker: &ticker,
            caps,
        }
        .plan_priced(request, &screened, step_cost_usd);
        let customer = plan.customer_id.clone().unwrap_or_default();
        let planner = (plan.outcome != Outcome::Block).then_some(PlannerKind::Rules);
        let why = why.filter(|_| planner.is_some());
        if let Some(why) = why {
            let note = json!({"planner": PlannerKind::Rules, "why": why});
            let at = 1.min(plan.steps.len());
            plan.steps
                .insert(at, TraceStep::note("route", None, note, true));
        }
        let conversation_id = conversations::insert_ingested(
            &tx,
            &row(&plan, &customer, channel, now, request, guard, planner, why)?.as_row(),
        )?;
        crate::thread::append(
            &tx,
            conversation_id,
            Speaker::Customer,
            now,
            &request.body,
            request.thread.as_deref(),
        )?;
        // The plan was made on this transaction's facts: each proposal keeps its effect.
        let (proposals, reply_proposal_id) = record_plan(
            &tx,
            conversation_id,
            &plan,
            &plan.proposals,
            PlannerKind::Rules,
            now,
            expiry_ms,
            guard,
            channel,
            request,
        )?;
        tx.commit()?;
        Ok(ingested(
            conversation_id,
            guard.verdict,
            plan,
            proposals,
            reply_proposal_id,
            planner,
            why.map(str::to_owned),
        ))
    }

    /// Records a request before it is planned, so it shows in the queue (as `planning`) at
    /// once; a planner that may take seconds (the LLM's) claims it with
    /// [`Desk::claim_planning`] and fills it in with [`Desk::settle`]. The guard runs here: a
    /// blocked request is recorded as blocked and never planned.
    pub fn admit(&mut self, request: &Request) -> Result<Admitted, DeskError> {
        self.admit_inner(request, false)
    }

    /// As [`Desk::admit`], claimed at once by the caller, who plans it itself (the CLI): a
    /// desktop app open on the same workspace leaves it alone instead of planning it twice.
    pub fn admit_claimed(&mut self, request: &Request) -> Result<Admitted, DeskError> {
        self.admit_inner(request, true)
    }

    fn admit_inner(&mut self, request: &Request, claimed: bool) -> Result<Admitted, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let admitted = admit_in(&tx, request, claimed, now)?;
        tx.commit()?;
        Ok(admitted)
    }

    /// Takes the oldest conversation waiting for a planner, unless another worker took it less
    /// than `lease_ms` ago. The claim only keeps two workers from planning the same request
    /// twice; [`Desk::settle`] is what makes the result count once.
    pub fn claim_planning(&mut self, lease_ms: i64) -> Result<Option<Claimed>, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some((conversation_id, request, generation)) =
            conversations::claim_planning(&tx, now, lease_ms)?
        else {
            return Ok(None);
        };
        tx.commit()?;
        let request: Request =
            serde_json::from_str(&request).map_err(|e| corrupt("conversation request", e))?;
        Ok(Some(Claimed {
            conversation_id,
            request,
            generation,
        }))
    }

    /// As [`Desk::settle`], for a plan of a claimed request: refused
    /// ([`DeskError::AlreadySettled`]) when the customer wrote again meanwhile — that plan
    /// answers a message the conversation has moved past, and the follow-up is planned anew.
    pub fn settle_claimed(
        &mut self,
        claimed: &Claimed,
        settlement: &Settlement<'_>,
    ) -> Result<Ingested, DeskError> {
        self.settle_inner(
            claimed.conversation_id,
            settlement,
            Some(claimed.generation),
        )
    }

    /// Records the plan of an admitted conversation, once: a conversation that is no longer
    /// `planning` is refused with [`DeskError::AlreadySettled`]. The world may have moved while
    /// the planner worked, so each proposal is judged again here, on this transaction's facts;
    /// one that no longer passes policy is dropped, traced, and the conversation goes to a
    /// person.
    pub fn settle(
        &mut self,
        conversation_id: i64,
        settlement: &Settlement<'_>,
    ) -> Result<Ingested, DeskError> {
        self.settle_inner(conversation_id, settlement, None)
    }

    fn settle_inner(
        &mut self,
        conversation_id: i64,
        settlement: &Settlement<'_>,
        generation: Option<i64>,
    ) -> Result<Ingested, DeskError> {
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let mut plan = settlement.plan.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored = conversations::get(&tx, conversation_id)?
            .ok_or_else(|| DeskError::NotFound(format!("conversation {conversation_id}")))?;
        let guard: GuardReport = serde_json::from_str(stored.guard.as_deref().unwrap_or("null"))
            .map_err(|e| corrupt("conversation guard", e))?;
        let request: Request = serde_json::from_str(stored.request.as_deref().unwrap_or("null"))
            .map_err(|e| corrupt("conversation request", e))?;
        let customer = plan.customer_id.clone().unwrap_or_default();
        let mut judged = Vec::with_capacity(plan.proposals.len());
        let mut dropped = Vec::new();
        for p in &plan.proposals {
            match propose::judge(&tx, &customer, &p.call)? {
                Ok(effect) => judged.push(ProposedAction {
                    call: p.call.clone(),
                    effect,
                }),
                Err(violation) => {
                    dropped.push(format!("{}: {}", p.tool(), violation));
                    plan.steps.push(TraceStep::note(
                        "policy",
                        Some(settlement.planner),
                        json!({"tool": p.tool(), "refused": violation.code.as_str(), "when": "settle"}),
                        false,
                    ));
                }
            }
        }
        if !dropped.is_empty() && plan.outcome == Outcome::Reply {
            plan.outcome = Outcome::Escalate;
            plan.handoff = Some(Handoff {
                reason: format!(
                    "the shop changed while the request was planned; no longer allowed: {}",
                    dropped.join("; ")
                ),
                goal: plan.intent.clone().unwrap_or_default(),
                suggested_next_step: "Check the order's current state and answer by hand.".into(),
                ..Handoff::default()
            });
        }
        let row = row(
            &plan,
            &customer,
            &stored.channel,
            now,
            &request,
            &guard,
            Some(settlement.planner),
            Some(settlement.route_reason),
        )?;
        if !conversations::settle(&tx, conversation_id, &row.as_row(), generation)? {
            return Err(DeskError::AlreadySettled(conversation_id));
        }
        let (proposals, reply_proposal_id) = record_plan(
            &tx,
            conversation_id,
            &plan,
            &judged,
            settlement.planner,
            now,
            expiry_ms,
            &guard,
            &stored.channel,
            &request,
        )?;
        // A plan that escalated for safety carries none; writes were offered only for a
        // verified customer. Queued in this transaction: the plan and its calls, or neither.
        for checked in settlement.external {
            crate::external_approval::record_external(
                &tx,
                &crate::external_approval::NewExternal {
                    conversation_id,
                    customer_id: &customer,
                    checked,
                    proposed_by: settlement.planner.actor(),
                    now_ms: now,
                    expiry_ms,
                },
            )?;
        }
        tx.commit()?;
        Ok(ingested(
            conversation_id,
            guard.verdict,
            plan,
            proposals,
            reply_proposal_id,
            Some(settlement.planner),
            Some(settlement.route_reason.to_owned()),
        ))
    }

    pub fn trace_record(&self, conversation_id: i64) -> Result<TraceRecord, DeskError> {
        trace_record(&self.conn, conversation_id)
    }
}

/// Records a request as `planning` (or blocked) in the caller's transaction, with its audit
/// record: [`Desk::admit`], and a mail message's admission with its mail record.
pub(crate) fn admit_in(
    tx: &Connection,
    request: &Request,
    claimed: bool,
    now: i64,
) -> Result<Admitted, DeskError> {
    let screened = screen(request);
    let guard = &screened.report;
    let channel = channel_of(request);
    let blocked = guard.verdict == Verdict::Block;
    let conversation_id = conversations::insert_ingested(
        tx,
        &IngestedRow {
            customer_id: "",
            channel,
            created_at_ms: now,
            request: &to_json(request)?,
            guard: &to_json(guard)?,
            intent: None,
            outcome: if blocked {
                Outcome::Block.as_str()
            } else {
                conversations::PLANNING
            },
            reply: None,
            handoff: None,
            citations: "[]",
            planner: None,
            route_reason: None,
        },
    )?;
    if claimed && !blocked {
        conversations::hold_claim(tx, conversation_id, now)?;
    }
    crate::thread::append(
        tx,
        conversation_id,
        Speaker::Customer,
        now,
        &request.body,
        request.thread.as_deref(),
    )?;
    audit_log::append(
        tx,
        now,
        "intake",
        AuditKind::ConversationAdmitted,
        &AuditSubject::Conversation(conversation_id),
        &json!({
            "channel": channel,
            "verdict": guard.verdict,
            "guard_reasons": guard.reasons,
        }),
    )?;
    tracing::info!(
        conversation = conversation_id,
        verdict = guard.verdict.as_str(),
        "request admitted"
    );
    Ok(Admitted {
        conversation_id,
        verdict: guard.verdict,
        planning: !blocked,
    })
}

/// A request recorded before planning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted {
    pub conversation_id: i64,
    pub verdict: Verdict,
    /// `false` when the guard blocked it: there is nothing to plan.
    pub planning: bool,
}

/// A conversation a worker took to plan.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub conversation_id: i64,
    pub request: Request,
    /// Which request of the conversation this is (a follow-up bumps it).
    pub generation: i64,
}

/// A finished plan, and which planner made it and why that one.
#[derive(Clone, Copy, Debug)]
pub struct Settlement<'a> {
    pub plan: &'a Plan,
    pub planner: PlannerKind,
    pub route_reason: &'a str,
    /// Checked writes to the team's systems (MCP), queued with the plan in its transaction.
    pub external: &'a [countersign_mcp::CheckedProposal],
}

fn channel_of(request: &Request) -> &'static str {
    request.channel.map(|c| c.as_str()).unwrap_or("manual")
}

#[allow(clippy::too_many_arguments)]
fn row<'a>(
    plan: &'a Plan,
    customer: &'a str,
    channel: &'a str,
    now: i64,
    request: &Request,
    guard: &GuardReport,
    planner: Option<PlannerKind>,
    route_reason: Option<&'a str>,
) -> Result<OwnedRow<'a>, DeskError> {
    Ok(OwnedRow {
        customer,
        channel,
        now,
        request: to_json(request)?,
        guard: to_json(guard)?,
        plan,
        handoff: plan.handoff.as_ref().map(to_json).transpose()?,
        citations: to_json(&plan.citations)?,
        planner,
        route_reason,
    })
}

/// The JSON a conversation row stores, serialised once.
struct OwnedRow<'a> {
    customer: &'a str,
    channel: &'a str,
    now: i64,
    request: String,
    guard: String,
    plan: &'a Plan,
    handoff: Option<String>,
    citations: String,
    planner: Option<PlannerKind>,
    route_reason: Option<&'a str>,
}

impl OwnedRow<'_> {
    fn as_row(&self) -> IngestedRow<'_> {
        IngestedRow {
            customer_id: self.customer,
            channel: self.channel,
            created_at_ms: self.now,
            request: &self.request,
            guard: &self.guard,
            intent: self.plan.intent.as_deref(),
            outcome: self.plan.outcome.as_str(),
            reply: self.plan.reply.as_deref(),
            handoff: self.handoff.as_deref(),
            citations: &self.citations,
            planner: self.planner.map(PlannerKind::as_str),
            route_reason: self.route_reason,
        }
    }
}

/// Stores a plan's steps and its judged proposals (pending, never executed) and the audit
/// record of the conversation, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn record_plan(
    tx: &Connection,
    conversation_id: i64,
    plan: &Plan,
    judged: &[ProposedAction],
    planner: PlannerKind,
    now: i64,
    expiry_ms: i64,
    guard: &GuardReport,
    channel: &str,
    request: &Request,
) -> Result<(Vec<IngestedProposal>, Option<i64>), DeskError> {
    let customer = plan.customer_id.clone().unwrap_or_default();
    trace_steps::insert_all(tx, conversation_id, &plan.steps)?;
    let mut proposals = Vec::with_capacity(judged.len());
    for p in judged {
        let id = propose::record(
            tx,
            &Judged {
                conversation_id,
                customer_id: &customer,
                call: &p.call,
                effect: &p.effect,
                proposed_by: planner.actor(),
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
    // The reply is a proposal too: nothing reaches the customer until a person approves it.
    // A person who already wrote their own reply keeps it: the planner's draft is not added
    // beside it (two open replies could both be approved).
    let person_replied = crate::replies::open_reply_of(tx, conversation_id, now)?.is_some();
    let reply = match (&plan.reply, plan.outcome) {
        (Some(_), _) if person_replied => None,
        (Some(text), Outcome::Reply | Outcome::Escalate) => crate::replies::record_draft(
            tx,
            &crate::replies::Draft {
                conversation_id,
                customer_id: &customer,
                request,
                text,
                proposed_by: planner.actor(),
                now_ms: now,
                expiry_ms,
            },
        )?,
        _ => None,
    };
    audit_log::append(
        tx,
        now,
        planner.actor(),
        AuditKind::ConversationIngested,
        &AuditSubject::Conversation(conversation_id),
        &json!({
            "channel": channel,
            "customer_id": plan.customer_id,
            "verdict": guard.verdict,
            "guard_reasons": guard.reasons,
            "intent": plan.intent,
            "outcome": plan.outcome,
            "planner": planner,
            "proposals": proposals.iter().map(|p| p.id).collect::<Vec<_>>(),
            "reply": reply,
            "steps": plan.steps.len(),
        }),
    )?;
    Ok((proposals, reply))
}

/// The result of ingesting, with the trace record `trace_record` derives from the tables,
/// built from what was just written: nothing has been approved yet.
fn ingested(
    conversation_id: i64,
    verdict: Verdict,
    plan: Plan,
    proposals: Vec<IngestedProposal>,
    reply_proposal_id: Option<i64>,
    planner: Option<PlannerKind>,
    route_reason: Option<String>,
) -> Ingested {
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
        verdict = verdict.as_str(),
        "request planned"
    );
    Ingested {
        conversation_id,
        verdict,
        outcome: plan.outcome,
        customer_id: plan.customer_id,
        intent: plan.intent,
        proposals,
        reply: plan.reply,
        reply_proposal_id,
        handoff: plan.handoff,
        citations: plan.citations,
        trace,
        steps: plan.steps,
        planner,
        route_reason,
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
