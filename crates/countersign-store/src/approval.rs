//! The approval gate's side of the desk: approve (optionally with edited arguments), reject,
//! escalate, expire. Each runs in one IMMEDIATE transaction, so concurrent approvers queue on the
//! database lock and the second sees the first's decision: exactly one execution, however many
//! clicks, processes or retries.

use countersign_core::gate::{decide, GateDecision, GateInput, Refusal};
use countersign_core::{AuditKind, AuditSubject, DecisionKind, ProposalState};
use countersign_shop::effect::{fingerprint_of, subject_fingerprint};
use countersign_shop::{evaluate, gather_facts, parse_write, Preview, Subject, ToolName};
use rusqlite::TransactionBehavior;
use serde::Serialize;
use serde_json::{json, Value};

use crate::audit_log;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::eval_capture::{self, Label};
use crate::external_calls;
use crate::proposals::{self, NewDecision};
use crate::replies::QueuedReply;
use crate::shop_store::{self, SqlShop};
use crate::staff;

/// What an approval executed.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Execution {
    pub proposal_id: i64,
    /// Equal to the proposal id: a second execution of the same proposal cannot be stored.
    pub idempotency_key: String,
    pub edited: bool,
    pub preview: Preview,
    /// For a reply: the outbox entry that delivery picks up.
    pub reply: Option<QueuedReply>,
}

impl Desk {
    /// Approves proposal `id` as the person named `by` and executes it, once. Their role is
    /// the one an administrator assigned (`staff.rs`), read in the approving transaction: a
    /// caller names who acts, never what they may do. With `edited_args`, the edit is checked
    /// against schema and policy first and must keep the same subject.
    pub fn approve(
        &mut self,
        id: i64,
        by: &str,
        edited_args: Option<&Value>,
    ) -> Result<Execution, DeskError> {
        if external_calls::is_external(&self.conn, id)? {
            return Err(DeskError::ExternalCall(id));
        }
        if proposals::get(&self.conn, id)?.tool == ToolName::SendReply {
            let queued = self.approve_reply_edited(id, by, edited_args, false)?;
            return Ok(Execution {
                proposal_id: id,
                idempotency_key: id.to_string(),
                edited: queued.revision > 0,
                preview: proposals::get(&self.conn, id)?.preview,
                reply: Some(queued),
            });
        }
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Limits, role and proposal are all read in the deciding transaction: a limit lowered
        // a moment ago applies.
        let limits = crate::workspace::get(&tx, &crate::workspace::GATE_POLICY)?
            .unwrap_or_default()
            .limits;
        let actor = &staff::actor_in(&tx, by)?;
        let proposal = proposals::get(&tx, id)?;
        let call = match edited_args {
            Some(args) => {
                let call = parse_write(proposal.tool, args)?;
                let subject = call.subject();
                if subject != proposal.subject {
                    return Err(DeskError::EditChangesSubject(format!(
                        "{} → {subject}",
                        proposal.subject
                    )));
                }
                call
            }
            None => parse_write(proposal.tool, &proposal.args)?,
        };
        let facts = gather_facts(&SqlShop(&tx), &proposal.customer_id, &call)?;
        let effect = evaluate(&facts, &call);
        let fingerprint_now = match proposal.subject {
            Subject::User(_) => facts.customer.as_ref().map(fingerprint_of),
            // Covering what the proposal's effect covered when it was made (a bad edit must be
            // refused for itself, not read as a changed world).
            Subject::Order(_) => facts.order.as_ref().map(|order| {
                subject_fingerprint(
                    order,
                    facts.customer.as_ref(),
                    proposal.preview.changes_user(),
                )
            }),
            // Replies never reach here (see the top of `approve`).
            Subject::Conversation(_) => None,
        };
        let decision = decide(&GateInput {
            state: proposal.state,
            now_ms: now,
            expires_at_ms: proposal.expires_at_ms,
            fingerprint_then: &proposal.fingerprint,
            fingerprint_now: fingerprint_now.as_deref(),
            tool: proposal.tool,
            policy_now: effect.as_ref().map(|e| e.preview.amount),
            role: actor.role,
            limits: &limits,
        });
        let subject = AuditSubject::Proposal(id);
        let role = Some(actor.role);
        let refusal = match decision {
            GateDecision::Execute => None,
            GateDecision::Refuse(r) => Some(r),
        };
        if let Some(refusal) = refusal {
            let (err, kind, new_state) = match refusal {
                Refusal::AlreadyDecided(state) => (
                    DeskError::AlreadyDecided { id, state },
                    DecisionKind::Refused,
                    None,
                ),
                Refusal::Expired => (
                    DeskError::Expired(id),
                    DecisionKind::Expired,
                    Some(ProposalState::Expired),
                ),
                Refusal::Invalidated => (
                    DeskError::Invalidated(id),
                    DecisionKind::Invalidated,
                    Some(ProposalState::Invalidated),
                ),
                Refusal::Policy(v) => (DeskError::Policy(v), DecisionKind::Refused, None),
                Refusal::NeedsSupervisor {
                    amount,
                    limit,
                    escalated,
                } => {
                    let detail = match (escalated, limit) {
                        (true, _) => "it was escalated".to_owned(),
                        (false, Some(limit)) => {
                            format!("{amount} is above the agent limit of {limit}")
                        }
                        (false, None) => "agents have no approval limit for this action".to_owned(),
                    };
                    (
                        DeskError::NeedsSupervisor { id, amount, detail },
                        DecisionKind::Refused,
                        None,
                    )
                }
            };
            record_refused_approval(
                &tx,
                &Refused {
                    id,
                    actor,
                    now_ms: now,
                    kind,
                    new_state,
                    err: &err,
                    edited_args,
                    detail: json!({"edited_args": edited_args}),
                },
            )?;
            tx.commit()?;
            tracing::info!(proposal = id, code = err.code(), "approval refused");
            return Err(err);
        }
        // The gate said execute, so policy passed: `effect` is Ok.
        let effect = effect.map_err(DeskError::Policy)?;
        let edited = edited_args.is_some();
        let decision_id = proposals::record_decision(
            &tx,
            &NewDecision {
                proposal_id: id,
                kind: DecisionKind::Approved,
                actor: &actor.name,
                role,
                at_ms: now,
                reason: None,
                edited_args,
            },
        )?;
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::DecisionApproved,
            &subject,
            &json!({"role": actor.role, "edited": edited, "args": call.args_json(), "original_args": proposal.args}),
        )?;
        proposals::open_execution(
            &tx,
            id,
            &proposal.subject,
            &proposal.customer_id,
            now,
            &actor.name,
        )?;
        shop_store::write(&tx, effect.order.as_ref(), effect.user.as_ref())?;
        proposals::close_execution(&tx, id)?;
        proposals::set_state(&tx, id, ProposalState::Executed, now, &actor.name, None)?;
        if edited {
            proposals::set_executed_args(&tx, id, &call.args_json(), &effect.preview)?;
        }
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::ActionExecuted,
            &subject,
            &json!({"tool": proposal.tool, "idempotency_key": id.to_string(), "preview": effect.preview}),
        )?;
        let executed = proposals::get(&tx, id)?;
        eval_capture::capture(
            &tx,
            proposal.conversation_id,
            Some(decision_id),
            now,
            &Label::Approved {
                proposal: &executed,
                original_args: &proposal.args,
                edited,
            },
        )?;
        tx.commit()?;
        tracing::info!(proposal = id, tool = %proposal.tool, edited, "proposal executed");
        Ok(Execution {
            proposal_id: id,
            idempotency_key: id.to_string(),
            edited,
            preview: effect.preview,
            reply: None,
        })
    }

    /// Rejects an open proposal. A reason is required: it is eval data and the customer's answer.
    pub fn reject(&mut self, id: i64, by: &str, reason: &str) -> Result<(), DeskError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::ReasonRequired);
        }
        self.close(
            id,
            by,
            ProposalState::Rejected,
            DecisionKind::Rejected,
            Some(reason),
        )
    }

    /// Hands an open proposal to a supervisor: afterwards only a supervisor may approve it.
    pub fn escalate(&mut self, id: i64, by: &str, note: Option<&str>) -> Result<(), DeskError> {
        self.close(
            id,
            by,
            ProposalState::Escalated,
            DecisionKind::Escalated,
            note,
        )
    }

    fn close(
        &mut self,
        id: i64,
        by: &str,
        to: ProposalState,
        kind: DecisionKind,
        reason: Option<&str>,
    ) -> Result<(), DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = &staff::actor_in(&tx, by)?;
        // An external call closes like any proposal, and its decision is eval data too.
        let (state, expires_at_ms, proposal, external) = if external_calls::is_external(&tx, id)? {
            let call = external_calls::get(&tx, id)?;
            (call.state, call.expires_at_ms, None, Some(call))
        } else {
            let p = proposals::get(&tx, id)?;
            (p.state, p.expires_at_ms, Some(p), None)
        };
        let allowed = match to {
            ProposalState::Escalated => state == ProposalState::Pending,
            _ => state.is_open(),
        };
        if !allowed {
            return Err(DeskError::AlreadyDecided { id, state });
        }
        if now >= expires_at_ms && to == ProposalState::Escalated {
            return Err(DeskError::Expired(id));
        }
        proposals::set_state(&tx, id, to, now, &actor.name, reason)?;
        let role = Some(actor.role);
        let decision_id = proposals::record_decision(
            &tx,
            &NewDecision {
                proposal_id: id,
                kind,
                actor: &actor.name,
                role,
                at_ms: now,
                reason,
                edited_args: None,
            },
        )?;
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::of_decision(kind, false),
            &AuditSubject::Proposal(id),
            &json!({"role": actor.role, "reason": reason}),
        )?;
        if let Some(proposal) = &proposal {
            let label = match (kind, reason) {
                (DecisionKind::Rejected, Some(reason)) => Label::Rejected { proposal, reason },
                _ => Label::Escalated {
                    proposal,
                    note: reason,
                },
            };
            eval_capture::capture(
                &tx,
                proposal.conversation_id,
                Some(decision_id),
                now,
                &label,
            )?;
        }
        if let Some(call) = &external {
            eval_capture::capture(
                &tx,
                call.conversation_id,
                Some(decision_id),
                now,
                &Label::External {
                    kind,
                    call,
                    proposed_args: None,
                    reason,
                },
            )?;
        }
        tx.commit()?;
        tracing::info!(proposal = id, decision = kind.as_str(), "proposal closed");
        Ok(())
    }

    /// Records every open proposal past its expiry as expired, each with its decision and
    /// audit record, in one transaction. Reads already show them expired; this writes it down,
    /// from the app's watcher tick. Fail closed: an expired proposal can never be approved.
    pub fn record_expiries(&mut self) -> Result<usize, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let overdue = proposals::overdue_at(&tx, now)?;
        for &(id, expires_at_ms) in &overdue {
            proposals::set_state(&tx, id, ProposalState::Expired, now, "system", None)?;
            proposals::record_decision(
                &tx,
                &NewDecision {
                    proposal_id: id,
                    kind: DecisionKind::Expired,
                    actor: "system",
                    role: None,
                    at_ms: now,
                    reason: None,
                    edited_args: None,
                },
            )?;
            audit_log::append(
                &tx,
                now,
                "system",
                AuditKind::ProposalExpired,
                &AuditSubject::Proposal(id),
                &json!({"expires_at": expires_at_ms}),
            )?;
        }
        tx.commit()?;
        Ok(overdue.len())
    }
}

/// An approval attempt the gate turned down, as it is recorded (in the caller's transaction):
/// the proposal's new state if the refusal closed it, the decision, and the audit record.
pub(crate) struct Refused<'a> {
    pub id: i64,
    pub actor: &'a crate::desk::Actor,
    pub now_ms: i64,
    pub kind: DecisionKind,
    pub new_state: Option<ProposalState>,
    pub err: &'a DeskError,
    pub edited_args: Option<&'a Value>,
    /// Merged into the audit payload after `attempt`, `code` and `reason`.
    pub detail: Value,
}

pub(crate) fn record_refused_approval(
    tx: &rusqlite::Connection,
    r: &Refused<'_>,
) -> Result<(), DeskError> {
    if let Some(state) = r.new_state {
        proposals::set_state(tx, r.id, state, r.now_ms, &r.actor.name, None)?;
    }
    let reason = r.err.to_string();
    proposals::record_decision(
        tx,
        &NewDecision {
            proposal_id: r.id,
            kind: r.kind,
            actor: &r.actor.name,
            role: Some(r.actor.role),
            at_ms: r.now_ms,
            reason: Some(&reason),
            edited_args: r.edited_args,
        },
    )?;
    let mut payload = json!({"attempt": "approve", "code": r.err.code(), "reason": reason});
    if let (Some(p), Value::Object(extra)) = (payload.as_object_mut(), &r.detail) {
        p.extend(extra.clone());
    }
    audit_log::append(
        tx,
        r.now_ms,
        &r.actor.name,
        AuditKind::of_decision(r.kind, true),
        &AuditSubject::Proposal(r.id),
        &payload,
    )?;
    Ok(())
}
