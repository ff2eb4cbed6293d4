//! Proposing: a write enters the gate as a pending proposal, judged by schema and policy once,
//! at the moment it is proposed. Nothing in the shop changes.

use countersign_core::{AuditKind, AuditSubject};
use countersign_shop::{
    evaluate, gather_facts, parse_write, Effect, PolicyViolation, Side, ToolName, ToolSchemas,
    WriteCall,
};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::{json, Value};

use crate::audit_log;
use crate::conversations;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::proposals::{self, NewProposal};
use crate::shop_store::SqlShop;

/// A request to propose a write, by a person or a planner.
#[derive(Clone, Debug)]
pub struct ProposeRequest<'a> {
    pub customer_id: &'a str,
    /// Existing conversation, or `None` to open a new one with `channel`.
    pub conversation_id: Option<i64>,
    pub channel: &'a str,
    pub tool: ToolName,
    pub args: &'a Value,
    pub proposed_by: &'a str,
}

impl Desk {
    /// Judges a write and, if policy allows it, stores it as a pending proposal. Nothing in the
    /// shop changes. A policy refusal is recorded in the audit log and returned as an error;
    /// arguments that fail the schema are refused before anything is stored.
    pub fn propose(&mut self, req: &ProposeRequest<'_>) -> Result<i64, DeskError> {
        let call = parse_write(req.tool, req.args)?;
        let now = self.clock.now_ms();
        let expiry_ms = self.gate_policy()?.expiry_ms;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(conversation) = req.conversation_id {
            let expected = conversations::customer_of(&tx, conversation)?
                .ok_or_else(|| DeskError::NotFound(format!("conversation {conversation}")))?;
            if expected != req.customer_id {
                return Err(DeskError::ConversationCustomerMismatch {
                    conversation,
                    expected,
                    given: req.customer_id.to_owned(),
                });
            }
        }
        let facts = gather_facts(&SqlShop(&tx), req.customer_id, &call)?;
        if facts.customer.is_none() {
            return Err(DeskError::UnknownCustomer(req.customer_id.to_owned()));
        }
        let effect = match evaluate(&facts, &call) {
            Ok(effect) => effect,
            Err(violation) => {
                let payload = json!({
                    "customer_id": req.customer_id,
                    "conversation_id": req.conversation_id,
                    "tool": req.tool,
                    "args": call.args_json(),
                    "violation": violation,
                });
                audit_log::append(
                    &tx,
                    now,
                    req.proposed_by,
                    AuditKind::ProposalRefused,
                    &AuditSubject::Customer(req.customer_id.to_owned()),
                    &payload,
                )?;
                // A refusal is recorded too, so commit it.
                tx.commit()?;
                tracing::info!(tool = %req.tool, code = violation.code.as_str(), "proposal refused by policy");
                return Err(DeskError::Policy(violation));
            }
        };
        let preview_json = serde_json::to_value(&effect.preview).unwrap_or(Value::Null);
        ToolSchemas::global().check(req.tool, Side::Output, &preview_json)?;
        let conversation_id = match req.conversation_id {
            Some(id) => id,
            None => conversations::create(&tx, req.customer_id, req.channel, now)?,
        };
        let id = record(
            &tx,
            &Judged {
                conversation_id,
                customer_id: req.customer_id,
                call: &call,
                effect: &effect,
                proposed_by: req.proposed_by,
                now_ms: now,
                expiry_ms,
            },
        )?;
        tx.commit()?;
        Ok(id)
    }
}

/// Judges a write for `customer_id` on the facts in the caller's transaction: the effect
/// policy gives it, or the violation.
pub(crate) fn judge(
    tx: &Connection,
    customer_id: &str,
    call: &WriteCall,
) -> Result<Result<Effect, PolicyViolation>, DeskError> {
    let facts = gather_facts(&SqlShop(tx), customer_id, call)?;
    Ok(evaluate(&facts, call))
}

/// A write that policy has judged, inside the caller's transaction, on the facts as they are
/// in that transaction.
#[derive(Debug)]
pub(crate) struct Judged<'a> {
    pub conversation_id: i64,
    pub customer_id: &'a str,
    pub call: &'a WriteCall,
    pub effect: &'a Effect,
    pub proposed_by: &'a str,
    pub now_ms: i64,
    pub expiry_ms: i64,
}

/// Stores a judged write as a pending proposal, with its audit record. No re-parsing and no
/// second policy run: the judgement is the one made in this transaction.
pub(crate) fn record(tx: &Connection, j: &Judged<'_>) -> Result<i64, DeskError> {
    let tool = j.call.tool();
    let args = j.call.args_json();
    let id = proposals::insert(
        tx,
        &NewProposal {
            conversation_id: j.conversation_id,
            customer_id: j.customer_id,
            tool: tool.as_str(),
            args: &args,
            preview: &j.effect.preview,
            subject: &j.effect.subject,
            fingerprint: &j.effect.fingerprint,
            proposed_by: j.proposed_by,
            created_at_ms: j.now_ms,
            expires_at_ms: j.now_ms + j.expiry_ms,
        },
    )?;
    let payload = json!({
        "conversation_id": j.conversation_id,
        "customer_id": j.customer_id,
        "tool": tool,
        "args": args,
        "preview": j.effect.preview,
        "fingerprint": j.effect.fingerprint,
    });
    audit_log::append(
        tx,
        j.now_ms,
        j.proposed_by,
        AuditKind::ProposalCreated,
        &AuditSubject::Proposal(id),
        &payload,
    )?;
    tracing::info!(proposal = id, tool = %tool, "proposal created");
    Ok(id)
}
