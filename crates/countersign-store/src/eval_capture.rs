//! Every human decision becomes an eval case (DESIGN.md "Eval case"), written in the deciding
//! transaction: a decision that is committed has its case, and one that rolls back has none.
//!
//! The case carries the documented fields (`input`, `channel`, `from`, `subject`, `expect`,
//! `expected_actions`, …) so `countersign eval` runs it as is, plus the label itself: the
//! decision (`decision`), the actions a person refused (`must_not_actions`) and how the
//! conversation resolved (`resolution`). `countersign eval` ignores the extra fields.
//!
//! Each case is queued for sync ([`crate::eval_outbox`]) in the same transaction, so an offline
//! laptop loses nothing.

use countersign_core::{DecisionKind, ProposalState};
use countersign_pipeline::{Channel, Request};
use countersign_shop::ToolName;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::{json, Value};

use crate::conversations;
use crate::desk::Desk;
use crate::error::{corrupt, DeskError};
use crate::proposals::{self, Proposal};

pub(crate) const SCHEMA_V8: &str = "
-- One eval case per human decision (and per customer follow-up). `body` is the case as JSON,
-- exactly as exported and synced; `id` is the case's `\"id\"`, unique across workspaces.
CREATE TABLE eval_cases (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    decision_id     INTEGER REFERENCES decisions (id),
    decision_kind   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    body            TEXT NOT NULL
) STRICT;
CREATE INDEX eval_cases_created ON eval_cases (created_at);
";

/// What a person decided, as the case labels it.
#[derive(Debug)]
pub(crate) enum Label<'a> {
    /// An action approved and executed; `original_args` differ from the executed ones when the
    /// person edited it (the diff is the label).
    Approved {
        proposal: &'a Proposal,
        original_args: &'a Value,
        edited: bool,
    },
    Rejected {
        proposal: &'a Proposal,
        reason: &'a str,
    },
    Escalated {
        proposal: &'a Proposal,
        note: Option<&'a str>,
    },
    /// A reply approved: the draft as proposed and the text as sent.
    Reply {
        proposal: &'a Proposal,
        draft: &'a str,
        sent: &'a str,
    },
    /// The customer wrote again after the reply.
    Reopened,
    /// The customer's satisfaction score (1–5), entered or imported.
    Csat { score: u8, comment: Option<&'a str> },
    /// A decision on a call to a team system's tool (MCP): approved (maybe with edited
    /// arguments), rejected or escalated. Its tool is named `<server>/<tool>`.
    External {
        kind: DecisionKind,
        call: &'a crate::ExternalCall,
        /// The arguments as proposed, when an approval edited them.
        proposed_args: Option<&'a Value>,
        reason: Option<&'a str>,
    },
}

/// How an external call's tool is named in eval cases.
fn external_tool(call: &crate::ExternalCall) -> String {
    format!("{}/{}", call.server, call.tool)
}

/// How the case's conversation resolved, as far as this decision tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    ResolvedAsDrafted,
    ResolvedAfterEdits,
    Escalated,
    Reopened,
}

impl Label<'_> {
    /// The stored decision kind (the `decisions` vocabulary, plus `reopened`).
    fn kind(&self) -> &'static str {
        match self {
            Label::Approved { .. } | Label::Reply { .. } => DecisionKind::Approved.as_str(),
            Label::Rejected { .. } => DecisionKind::Rejected.as_str(),
            Label::Escalated { .. } => DecisionKind::Escalated.as_str(),
            Label::Reopened => "reopened",
            Label::Csat { .. } => "csat",
            Label::External { kind, .. } => kind.as_str(),
        }
    }

    fn resolution(&self) -> Option<Resolution> {
        match self {
            Label::Approved { edited: false, .. } => Some(Resolution::ResolvedAsDrafted),
            Label::Approved { edited: true, .. } => Some(Resolution::ResolvedAfterEdits),
            Label::Reply { draft, sent, .. } if draft == sent => {
                Some(Resolution::ResolvedAsDrafted)
            }
            Label::Reply { .. } => Some(Resolution::ResolvedAfterEdits),
            Label::Escalated { .. } => Some(Resolution::Escalated),
            Label::Reopened => Some(Resolution::Reopened),
            Label::External {
                kind: DecisionKind::Approved,
                proposed_args,
                ..
            } => Some(if proposed_args.is_some() {
                Resolution::ResolvedAfterEdits
            } else {
                Resolution::ResolvedAsDrafted
            }),
            Label::External {
                kind: DecisionKind::Escalated,
                ..
            } => Some(Resolution::Escalated),
            Label::Rejected { .. } | Label::Csat { .. } | Label::External { .. } => None,
        }
    }

    fn decision(&self) -> Value {
        match self {
            Label::Approved {
                proposal,
                original_args,
                edited,
            } => json!({
                "kind": self.kind(), "proposal_id": proposal.id, "tool": proposal.tool,
                "proposed_args": original_args,
                "corrected_args": edited.then_some(&proposal.args),
            }),
            Label::Rejected { proposal, reason } => json!({
                "kind": self.kind(), "proposal_id": proposal.id, "tool": proposal.tool,
                "proposed_args": proposal.args, "reason": reason,
            }),
            Label::Escalated { proposal, note } => json!({
                "kind": self.kind(), "proposal_id": proposal.id, "tool": proposal.tool,
                "proposed_args": proposal.args, "reason": note,
            }),
            Label::Reply {
                proposal,
                draft,
                sent,
            } => json!({
                "kind": self.kind(), "proposal_id": proposal.id, "tool": ToolName::SendReply,
                "draft": draft, "sent": sent,
            }),
            Label::Reopened => json!({"kind": self.kind()}),
            Label::Csat { score, comment } => {
                json!({"kind": self.kind(), "score": score, "comment": comment})
            }
            Label::External {
                call,
                proposed_args,
                reason,
                ..
            } => json!({
                "kind": self.kind(), "proposal_id": call.proposal_id, "tool": external_tool(call),
                "server": call.server,
                "proposed_args": proposed_args.cloned().unwrap_or_else(|| Value::Object(call.arguments.clone())),
                "corrected_args": proposed_args.map(|_| Value::Object(call.arguments.clone())),
                "reason": reason,
            }),
        }
    }

    fn behavior(&self) -> String {
        match self {
            Label::Approved {
                proposal,
                edited: false,
                ..
            } => format!("{} approved as proposed", proposal.tool),
            Label::Approved { proposal, .. } => {
                format!("{} approved with corrected arguments", proposal.tool)
            }
            Label::Rejected { proposal, reason } => {
                format!("{} must not be done: {reason}", proposal.tool)
            }
            Label::Escalated {
                proposal,
                note: Some(note),
            } => format!("{} needs a supervisor: {note}", proposal.tool),
            Label::Escalated { proposal, .. } => format!("{} needs a supervisor", proposal.tool),
            Label::Reply { draft, sent, .. } if draft == sent => "reply sent as drafted".into(),
            Label::Reply { .. } => "reply sent after edits".into(),
            Label::Reopened => "the customer wrote again after the reply".into(),
            Label::Csat { score, .. } => {
                format!("the customer rated the conversation {score} of 5")
            }
            Label::External {
                kind,
                call,
                proposed_args,
                reason,
            } => {
                let tool = external_tool(call);
                match (kind, proposed_args, reason) {
                    (DecisionKind::Approved, None, _) => format!("{tool} approved as proposed"),
                    (DecisionKind::Approved, Some(_), _) => {
                        format!("{tool} approved with corrected arguments")
                    }
                    (DecisionKind::Rejected, _, Some(r)) => format!("{tool} must not be done: {r}"),
                    (DecisionKind::Escalated, _, Some(r)) => {
                        format!("{tool} needs a supervisor: {r}")
                    }
                    (DecisionKind::Escalated, _, None) => format!("{tool} needs a supervisor"),
                    (k, _, _) => format!("{tool} {}", k.as_str()),
                }
            }
        }
    }
}

/// Writes the case for one decision in the caller's transaction and queues it for sync.
/// Returns the case's id.
pub(crate) fn capture(
    tx: &Connection,
    conversation_id: i64,
    decision_id: Option<i64>,
    now_ms: i64,
    label: &Label<'_>,
) -> Result<String, DeskError> {
    let stored = conversations::get(tx, conversation_id)?
        .ok_or_else(|| DeskError::NotFound(format!("conversation {conversation_id}")))?;
    // A proposal made by hand has no request: its case has no input, only the label.
    let request: Option<Request> = match stored.request.as_deref() {
        Some(text) => serde_json::from_str(text).map_err(|e| corrupt("conversation request", e))?,
        None => None,
    };
    let channel = request
        .as_ref()
        .and_then(|r| r.channel)
        .or_else(|| parse_channel(&stored.channel))
        .unwrap_or(Channel::Email);
    let mut expected_actions = Vec::new();
    let mut must_not_actions = Vec::new();
    for p in proposals::of_conversation(tx, conversation_id, now_ms)? {
        // The reply is judged by `expect` and the text checks, never as an action (DESIGN).
        if p.tool == ToolName::SendReply {
            continue;
        }
        match p.state {
            ProposalState::Executed => {
                expected_actions.push(json!({"tool": p.tool, "args": p.args}));
            }
            ProposalState::Rejected => {
                must_not_actions.push(json!({"tool": p.tool, "args": p.args, "reason": p.reason}))
            }
            _ => {}
        }
    }
    // The team systems' calls, named `<server>/<tool>`, with the arguments as sent.
    for c in crate::external_calls::of_conversation(tx, conversation_id)? {
        let tool = external_tool(&c);
        match c.state {
            ProposalState::Executed => {
                expected_actions.push(json!({"tool": tool, "args": c.arguments}));
            }
            ProposalState::Rejected => {
                must_not_actions.push(json!({"tool": tool, "args": c.arguments}))
            }
            _ => {}
        }
    }
    // A conversation still planning, or one with a draft, is judged as a reply.
    let expect = stored
        .outcome
        .as_deref()
        .filter(|o| matches!(*o, "escalate" | "block"))
        .unwrap_or("reply");
    let seq: i64 = tx
        .prepare_cached("SELECT coalesce(max(seq), 0) + 1 FROM eval_cases")?
        .query_row([], |r| r.get(0))?;
    let id = format!("{}-{seq}", crate::replies::workspace_id(tx)?);
    let case = json!({
        "id": id,
        "input": request.as_ref().map(|r| r.body.as_str()).unwrap_or_default(),
        "channel": channel,
        "from": request.as_ref().and_then(|r| r.sender.as_deref()),
        "subject": request.as_ref().and_then(|r| r.subject.as_deref()),
        "expected_behavior": label.behavior(),
        "expected_actions": expected_actions,
        "expect": expect,
        "must_include": [],
        "must_not_include": [],
        "risk_category": null,
        "csat": crate::csat::get(tx, conversation_id)?.map(|c| c.score),
        "must_not_actions": must_not_actions,
        "resolution": label.resolution(),
        "conversation_id": conversation_id,
        "decision": label.decision(),
    });
    tx.prepare_cached(
        "INSERT INTO eval_cases (seq, id, conversation_id, decision_id, decision_kind, created_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute((
        seq,
        &id,
        conversation_id,
        decision_id,
        label.kind(),
        now_ms,
        case.to_string(),
    ))?;
    crate::eval_outbox::enqueue(tx, seq)?;
    tracing::debug!(case = %id, conversation = conversation_id, "eval case captured");
    Ok(id)
}

fn parse_channel(s: &str) -> Option<Channel> {
    serde_json::from_value(Value::String(s.to_owned())).ok()
}

/// A captured case as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalCase {
    pub id: String,
    pub conversation_id: i64,
    pub decision_id: Option<i64>,
    pub decision_kind: String,
    pub created_at_ms: i64,
    pub body: Value,
}

pub(crate) fn case_from_row(r: &rusqlite::Row<'_>) -> Result<EvalCase, rusqlite::Error> {
    let body: String = r.get(5)?;
    Ok(EvalCase {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        decision_id: r.get(2)?,
        decision_kind: r.get(3)?,
        created_at_ms: r.get(4)?,
        body: serde_json::from_str(&body).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

pub(crate) const CASE_COLUMNS: &str =
    "c.id, c.conversation_id, c.decision_id, c.decision_kind, c.created_at, c.body";

/// Cases created at or after `since_ms`, oldest first.
pub(crate) fn since(conn: &Connection, since_ms: i64) -> Result<Vec<EvalCase>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CASE_COLUMNS} FROM eval_cases c WHERE c.created_at >= ?1 ORDER BY c.seq"
    ))?;
    let rows = stmt.query_map([since_ms], case_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Desk {
    /// The captured eval cases created at or after `since_ms` (epoch ms), oldest first, each
    /// with its conversation's current CSAT as `csat` (joined here: a score given after the
    /// case was captured still reaches an export; the stored, synced body never changes).
    pub fn eval_cases(&self, since_ms: i64) -> Result<Vec<EvalCase>, DeskError> {
        let mut cases = since(&self.conn, since_ms)?;
        let mut scores = std::collections::HashMap::new();
        for case in &mut cases {
            let score = match scores.get(&case.conversation_id) {
                Some(s) => *s,
                None => {
                    let s = crate::csat::get(&self.conn, case.conversation_id)?.map(|c| c.score);
                    scores.insert(case.conversation_id, s);
                    s
                }
            };
            if let (Some(score), Some(body)) = (score, case.body.as_object_mut()) {
                body.insert("csat".to_owned(), json!(score));
            }
        }
        Ok(cases)
    }
}
