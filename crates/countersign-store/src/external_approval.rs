//! The approval gate's side of the desk for external calls: propose a checked call, approve
//! it (claiming it for execution, once), record what the server answered, and let a person
//! settle a call whose outcome is unknown.
//!
//! Talking to the server is the caller's part and happens between two transactions: the
//! approving one claims the call (decision, execution row, approved hash, all or nothing) and
//! hands back exactly the approved bytes; the caller sends them with
//! [`countersign_mcp::execute_approved`] and reports the answer with
//! [`Desk::record_external_result`]. No transaction is held open while a server thinks, and a
//! claimed call is never claimed again: a crash after the claim leaves it `claimed`, which a
//! person settles like an unknown outcome.

use countersign_core::{AuditKind, AuditSubject, DecisionKind, ProposalState};
use countersign_mcp::{
    args_hash, decide_external, ApprovedCall, CheckedProposal, ExecuteError, ExternalDecision,
    ExternalGateInput, ExternalRefusal, McpError, ToolHash, ToolOutput,
};
use countersign_shop::{Money, Preview, Subject};
use rusqlite::TransactionBehavior;
use serde::Serialize;
use serde_json::{json, Value};

use crate::approval::{record_refused_approval, Refused};
use crate::audit_log::{self, AuditEntry};
use crate::conversations;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::eval_capture::{self, Label};
use crate::external_calls::{
    self, ExternalCall, ExternalOutcome, Finished, NewExternalCall, EXTERNAL_TOOL,
};
use crate::proposals::{self, Decision, NewDecision, NewProposal};
use crate::staff;

/// A checked external write to queue for a person.
#[derive(Clone, Debug)]
pub struct ExternalProposeRequest<'a> {
    pub customer_id: &'a str,
    /// Existing conversation, or `None` to open a new one with `channel`.
    pub conversation_id: Option<i64>,
    pub channel: &'a str,
    pub checked: &'a CheckedProposal,
    pub proposed_by: &'a str,
}

/// An approved call, claimed for execution: exactly what the approval covered.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedCall {
    pub proposal_id: i64,
    pub server: String,
    pub approved: ApprovedCall,
    pub approved_by: String,
    pub edited: bool,
}

/// What sending a claimed call gave.
#[derive(Clone, Debug)]
pub struct CallReport {
    pub result: Result<ToolOutput, ExecuteError>,
    pub latency_ms: i64,
}

/// An external call with everything a reviewer needs.
#[derive(Clone, Debug, Serialize)]
pub struct ExternalDetail {
    #[serde(flatten)]
    pub call: ExternalCall,
    pub decisions: Vec<Decision>,
    pub audit: Vec<AuditEntry>,
}

impl Desk {
    /// Queues a checked external write as a pending proposal. The hash of the arguments is
    /// recomputed here: a `CheckedProposal` whose bytes do not match its hash is refused.
    pub fn propose_external(&mut self, req: &ExternalProposeRequest<'_>) -> Result<i64, DeskError> {
        let c = req.checked;
        if args_hash(&Value::Object(c.arguments.clone())) != c.args_hash {
            return Err(DeskError::ArgsMismatch(None));
        }
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let conversation_id = match req.conversation_id {
            Some(conversation) => {
                let expected = conversations::customer_of(&tx, conversation)?
                    .ok_or_else(|| DeskError::NotFound(format!("conversation {conversation}")))?;
                if expected != req.customer_id {
                    return Err(DeskError::ConversationCustomerMismatch {
                        conversation,
                        expected,
                        given: req.customer_id.to_owned(),
                    });
                }
                conversation
            }
            None => conversations::create(&tx, req.customer_id, req.channel, now)?,
        };
        let id = record_external(
            &tx,
            &NewExternal {
                conversation_id,
                customer_id: req.customer_id,
                checked: c,
                proposed_by: req.proposed_by,
                now_ms: now,
                expiry_ms,
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Records that a proposed external write was refused when it was checked (`code` from
    /// [`countersign_mcp::ProposalRefusal::code`]): nothing is queued, the refusal is audited.
    pub fn record_external_refusal(
        &mut self,
        customer_id: &str,
        server: &str,
        tool: &str,
        code: &str,
        by: &str,
    ) -> Result<(), DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit_log::append(
            &tx,
            now,
            by,
            AuditKind::ProposalRefused,
            &AuditSubject::Customer(customer_id.to_owned()),
            &json!({"server": server, "tool": tool, "code": code}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Approves external call `id` as `by` and claims it for execution, once. `edited` is a
    /// re-check of edited arguments by [`countersign_mcp::check_proposal`]: the approval then
    /// binds to its hash and its verdict decides who may approve. `write_tool_hash_now` is the
    /// definition the catalogue classifies as a write now (`None` if it no longer does).
    pub fn approve_external(
        &mut self,
        id: i64,
        by: &str,
        edited: Option<&CheckedProposal>,
        write_tool_hash_now: Option<&ToolHash>,
    ) -> Result<ClaimedCall, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = &staff::actor_in(&tx, by)?;
        let call = external_calls::get(&tx, id)?;
        if let Some(e) = edited {
            if e.server.as_str() != call.server || e.tool != call.tool {
                return Err(DeskError::EditChangesTool(id));
            }
        }
        let (arguments, checked_hash, verdict, tool_hash_then) = match edited {
            Some(e) => (&e.arguments, &e.args_hash, &e.verdict, &e.tool_hash),
            None => (
                &call.arguments,
                &call.args_hash,
                &call.verdict,
                &call.tool_hash,
            ),
        };
        // Recomputed from the bytes that will be sent, never taken from what is stored.
        let approving = args_hash(&Value::Object(arguments.clone()));
        // An edit checked against another definition than the proposal's is a changed tool.
        let tool_now = write_tool_hash_now.filter(|_| *tool_hash_then == call.tool_hash);
        let decision = decide_external(&ExternalGateInput {
            state: call.state,
            now_ms: now,
            expires_at_ms: call.expires_at_ms,
            tool_hash_then,
            write_tool_hash_now: tool_now,
            checked_args_hash: checked_hash,
            approving_args_hash: &approving,
            verdict,
            role: actor.role,
        });
        let edited_args = edited.map(|e| Value::Object(e.arguments.clone()));
        if let ExternalDecision::Refuse(refusal) = decision {
            let (err, kind, new_state) = match &refusal {
                ExternalRefusal::AlreadyDecided(state) => (
                    DeskError::AlreadyDecided { id, state: *state },
                    DecisionKind::Refused,
                    None,
                ),
                ExternalRefusal::Expired => (
                    DeskError::Expired(id),
                    DecisionKind::Expired,
                    Some(ProposalState::Expired),
                ),
                ExternalRefusal::ToolChanged => (
                    DeskError::ToolChanged(id),
                    DecisionKind::Invalidated,
                    Some(ProposalState::Invalidated),
                ),
                ExternalRefusal::ArgumentsDiffer => (
                    DeskError::ArgsMismatch(Some(id)),
                    DecisionKind::Refused,
                    None,
                ),
                ExternalRefusal::NeedsSupervisor { escalated } => {
                    let amount = verdict
                        .amount
                        .as_ref()
                        .map(|a| a.value)
                        .unwrap_or(Money::from_cents(0));
                    let detail = match (escalated, &verdict.agent_limit) {
                        (true, _) => "it was escalated".to_owned(),
                        (false, Some(limit)) if amount > *limit => {
                            format!("{amount} is above the agent limit of {limit}")
                        }
                        (false, _) => "the policy names a supervisor as its approver".to_owned(),
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
                    edited_args: edited_args.as_ref(),
                    detail: json!({
                        "server": call.server,
                        "tool": call.tool,
                        "args_hash": approving,
                        "checked_args_hash": checked_hash,
                    }),
                },
            )?;
            tx.commit()?;
            tracing::info!(
                proposal = id,
                code = refusal.code(),
                "external approval refused"
            );
            return Err(err);
        }
        if let Some(e) = edited {
            external_calls::set_checked_arguments(&tx, id, &e.arguments, &e.args_hash, &e.verdict)?;
            proposals::set_args(&tx, id, &Value::Object(e.arguments.clone()))?;
        }
        let decision_id = proposals::record_decision(
            &tx,
            &NewDecision {
                proposal_id: id,
                kind: DecisionKind::Approved,
                actor: &actor.name,
                role: Some(actor.role),
                at_ms: now,
                reason: None,
                edited_args: edited_args.as_ref(),
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
                "edited": edited.is_some(),
                "server": call.server,
                "tool": call.tool,
                "args": arguments,
                "args_hash": approving,
                "original_args_hash": call.args_hash,
            }),
        )?;
        // The execution row is the claim (its primary key is the idempotency key, and its
        // trigger needs the approval just recorded). It is closed at once: `applied = 0` is
        // what lets the shop's triggers accept a shop write, and no shop write belongs to an
        // external call, however long its server takes.
        proposals::open_execution(
            &tx,
            id,
            &Subject::Conversation(call.conversation_id),
            &call.customer_id,
            now,
            &actor.name,
        )?;
        proposals::close_execution(&tx, id)?;
        external_calls::claim(&tx, id, &approving)?;
        proposals::set_state(&tx, id, ProposalState::Executed, now, &actor.name, None)?;
        // The decision is eval data, in its own transaction like every decision.
        let approved_call = external_calls::get(&tx, id)?;
        let proposed = Value::Object(call.arguments.clone());
        eval_capture::capture(
            &tx,
            call.conversation_id,
            Some(decision_id),
            now,
            &Label::External {
                kind: DecisionKind::Approved,
                call: &approved_call,
                proposed_args: edited.is_some().then_some(&proposed),
                reason: None,
            },
        )?;
        tx.commit()?;
        tracing::info!(proposal = id, server = %call.server, tool = %call.tool, "external call approved and claimed");
        Ok(ClaimedCall {
            proposal_id: id,
            server: call.server,
            approved: ApprovedCall {
                tool: call.tool,
                arguments: arguments.clone(),
                args_hash: approving,
            },
            approved_by: actor.name.clone(),
            edited: edited.is_some(),
        })
    }

    /// Records what the server answered to a claimed call, with its latency and approver in
    /// the audit log. A call sent without an answer is recorded as an unknown outcome for a
    /// person; nothing here ever sends it again.
    pub fn record_external_result(
        &mut self,
        id: i64,
        report: &CallReport,
    ) -> Result<ExternalOutcome, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let call = external_calls::get(&tx, id)?;
        let approved_by = call.decided_by.clone().unwrap_or_default();
        let (outcome, result, code, kind) = match &report.result {
            Ok(out) => {
                let result = serde_json::to_value(out).unwrap_or(Value::Null);
                if out.is_error {
                    let code = Some("tool_error");
                    (
                        ExternalOutcome::Failed,
                        Some(result),
                        code,
                        AuditKind::ActionFailed,
                    )
                } else {
                    (
                        ExternalOutcome::Succeeded,
                        Some(result),
                        None,
                        AuditKind::ActionExecuted,
                    )
                }
            }
            Err(ExecuteError::Server(e @ McpError::OutcomeUnknown { .. })) => (
                ExternalOutcome::OutcomeUnknown,
                None,
                Some(e.code()),
                AuditKind::ActionOutcomeUnknown,
            ),
            // The server answered with a JSON-RPC error: it refused, nothing ran.
            Err(e @ ExecuteError::Server(McpError::Rejected { .. })) => (
                ExternalOutcome::Failed,
                None,
                Some(e.code()),
                AuditKind::ActionFailed,
            ),
            Err(e) => (
                ExternalOutcome::NotSent,
                None,
                Some(e.code()),
                AuditKind::ActionFailed,
            ),
        };
        let moved = external_calls::finish(
            &tx,
            id,
            &[ExternalOutcome::Claimed],
            &Finished {
                outcome,
                result: result.as_ref(),
                error_code: code,
                latency_ms: Some(report.latency_ms),
                at_ms: now,
            },
        )?;
        if !moved {
            return Err(DeskError::AlreadyDecided {
                id,
                state: call.state,
            });
        }
        audit_log::append(
            &tx,
            now,
            &approved_by,
            kind,
            &AuditSubject::Proposal(id),
            &json!({
                "server": call.server,
                "tool": call.tool,
                "idempotency_key": id.to_string(),
                "args_hash": call.approved_args_hash,
                "approved_by": approved_by,
                "outcome": outcome.as_str(),
                "code": code,
                "latency_ms": report.latency_ms,
                "result": result,
            }),
        )?;
        tx.commit()?;
        tracing::info!(
            proposal = id,
            outcome = outcome.as_str(),
            latency_ms = report.latency_ms,
            "external call finished"
        );
        Ok(outcome)
    }

    /// A person settles a call whose outcome was unknown (or that was claimed and never
    /// reported), after checking the server: it ran, or it did not.
    pub fn resolve_external(
        &mut self,
        id: i64,
        by: &str,
        ran: bool,
        note: &str,
    ) -> Result<(), DeskError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(DeskError::ReasonRequired);
        }
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = staff::actor_in(&tx, by)?;
        let outcome = if ran {
            ExternalOutcome::ResolvedRan
        } else {
            ExternalOutcome::ResolvedNotRun
        };
        let moved = external_calls::finish(
            &tx,
            id,
            &[ExternalOutcome::Claimed, ExternalOutcome::OutcomeUnknown],
            &Finished {
                outcome,
                result: None,
                error_code: None,
                latency_ms: None,
                at_ms: now,
            },
        )?;
        if !moved {
            return Err(DeskError::OutcomeKnown(id));
        }
        audit_log::append(
            &tx,
            now,
            &actor.name,
            AuditKind::ActionResolved,
            &AuditSubject::Proposal(id),
            &json!({"role": actor.role, "outcome": outcome.as_str(), "note": note}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether proposal `id` is an external call.
    pub fn is_external(&self, id: i64) -> Result<bool, DeskError> {
        external_calls::is_external(&self.conn, id)
    }

    /// An external call as of now, its decisions and audit records.
    pub fn show_external(&self, id: i64) -> Result<ExternalDetail, DeskError> {
        let mut call = external_calls::get(&self.conn, id)?;
        call.state = proposals::state_at(call.state, call.expires_at_ms, self.clock.now_ms());
        Ok(ExternalDetail {
            call,
            decisions: proposals::decisions_of(&self.conn, id)?,
            audit: audit_log::entries_for(&self.conn, &AuditSubject::Proposal(id))?,
        })
    }

    /// External calls waiting for a decision, escalated first, then oldest.
    pub fn external_queue(&self) -> Result<Vec<ExternalCall>, DeskError> {
        external_calls::open_at(&self.conn, self.clock.now_ms())
    }

    /// Approved external calls whose outcome a person must find out.
    pub fn external_calls_needing_a_person(&self) -> Result<Vec<ExternalCall>, DeskError> {
        external_calls::needing_a_person(&self.conn)
    }
}

/// A checked external write to store as a pending proposal, in the caller's transaction.
pub(crate) struct NewExternal<'a> {
    pub conversation_id: i64,
    pub customer_id: &'a str,
    pub checked: &'a CheckedProposal,
    pub proposed_by: &'a str,
    pub now_ms: i64,
    pub expiry_ms: i64,
}

/// Stores a checked external write as a pending proposal with its audit record, in the
/// caller's transaction (proposing by hand, or settling a plan: then with the plan, at once).
pub(crate) fn record_external(
    tx: &rusqlite::Connection,
    n: &NewExternal<'_>,
) -> Result<i64, DeskError> {
    let c = n.checked;
    if args_hash(&Value::Object(c.arguments.clone())) != c.args_hash {
        return Err(DeskError::ArgsMismatch(None));
    }
    let (conversation_id, now, expiry_ms) = (n.conversation_id, n.now_ms, n.expiry_ms);
    let customer_id = n.customer_id;
    let proposed_by = n.proposed_by;
    let amount = c
        .verdict
        .amount
        .as_ref()
        .map(|a| a.value)
        .unwrap_or(Money::from_cents(0));
    // The shop's preview shape, so the queue orders and labels it like any proposal; the
    // arguments themselves are the preview of an external call.
    let preview = Preview {
        summary: format!("{} on {}", c.tool, c.server),
        amount,
        changes: Vec::new(),
    };
    let id = proposals::insert(
        tx,
        &NewProposal {
            conversation_id,
            customer_id,
            tool: EXTERNAL_TOOL,
            args: &Value::Object(c.arguments.clone()),
            preview: &preview,
            subject: &Subject::Conversation(conversation_id),
            fingerprint: &c.args_hash.0,
            proposed_by,
            created_at_ms: now,
            expires_at_ms: now + expiry_ms,
        },
    )?;
    external_calls::insert(
        tx,
        &NewExternalCall {
            proposal_id: id,
            server: c.server.as_str(),
            tool: &c.tool,
            tool_hash: &c.tool_hash,
            arguments: &c.arguments,
            args_hash: &c.args_hash,
            verdict: &c.verdict,
        },
    )?;
    audit_log::append(
        tx,
        now,
        proposed_by,
        AuditKind::ProposalCreated,
        &AuditSubject::Proposal(id),
        &json!({
            "conversation_id": conversation_id,
            "customer_id": customer_id,
            "server": c.server,
            "tool": c.tool,
            "tool_hash": c.tool_hash,
            "args": c.arguments,
            "args_hash": c.args_hash,
            "verdict": c.verdict,
        }),
    )?;
    tracing::info!(proposal = id, server = %c.server, tool = %c.tool, "external call proposed");
    Ok(id)
}

/// Sends a claimed call once, through `server` (the caller connects to the server the claim
/// names), and records what came back. [`countersign_mcp::execute_approved`] re-hashes the
/// arguments before anything is sent; a call sent without an answer is recorded as an unknown
/// outcome and never sent again from here.
pub async fn execute_claimed(
    desk: &mut Desk,
    server: &dyn countersign_mcp::ToolServer,
    claimed: &ClaimedCall,
) -> Result<ExternalOutcome, DeskError> {
    let started = std::time::Instant::now();
    let result = countersign_mcp::execute_approved(server, &claimed.approved).await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    desk.record_external_result(claimed.proposal_id, &CallReport { result, latency_ms })
}
