//! Proposals, the decisions people make on them, and executions (at most one per proposal).

use countersign_core::{DecisionKind, ProposalState, Role};
use countersign_shop::{Money, Preview, Subject, ToolName};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use crate::error::{corrupt, DeskError};

pub(crate) const SCHEMA_V1: &str = "
CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    customer_id     TEXT NOT NULL,
    tool            TEXT NOT NULL,
    args            TEXT NOT NULL,
    preview         TEXT NOT NULL,
    amount_cents    INTEGER NOT NULL,
    subject         TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    proposed_by     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN
                      ('pending', 'escalated', 'executed', 'rejected', 'expired', 'invalidated')),
    decided_at      INTEGER,
    decided_by      TEXT,
    reason          TEXT
) STRICT;
CREATE INDEX proposals_open ON proposals (state, expires_at);

CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    kind        TEXT NOT NULL CHECK (kind IN
                  ('approved', 'rejected', 'escalated', 'expired', 'invalidated', 'refused')),
    actor       TEXT NOT NULL,
    role        TEXT,
    at          INTEGER NOT NULL,
    reason      TEXT,
    edited_args TEXT
) STRICT;
CREATE INDEX decisions_proposal ON decisions (proposal_id);
CREATE INDEX decisions_at ON decisions (at);

-- One row per executed proposal: the primary key is the idempotency key. `applied` is 0 only
-- inside the executing transaction; the shop's triggers allow writes only while it is.
CREATE TABLE executions (
    proposal_id INTEGER PRIMARY KEY REFERENCES proposals (id),
    subject     TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    executed_at INTEGER NOT NULL,
    approved_by TEXT NOT NULL,
    applied     INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TRIGGER executions_need_recorded_approval BEFORE INSERT ON executions
WHEN NOT EXISTS (SELECT 1 FROM decisions WHERE proposal_id = NEW.proposal_id AND kind = 'approved')
BEGIN SELECT RAISE(ABORT, 'no execution without a recorded approval'); END;
";

/// A stored proposal.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Proposal {
    pub id: i64,
    pub conversation_id: i64,
    pub customer_id: String,
    pub tool: ToolName,
    pub args: Value,
    pub preview: Preview,
    pub amount: Money,
    pub subject: Subject,
    #[serde(skip)]
    pub fingerprint: String,
    pub proposed_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub state: ProposalState,
    pub decided_at_ms: Option<i64>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
}

const COLUMNS: &str =
    "id, conversation_id, customer_id, tool, args, preview, amount_cents, subject, fingerprint,
    proposed_by, created_at, expires_at, state, decided_at, decided_by, reason";

/// The rows these readers type as shop proposals: an external call's row names no shop tool
/// (`external_calls.rs` reads those).
const SHOP: &str = "tool != 'external_call'";

fn from_row(r: &Row<'_>) -> Result<Result<Proposal, DeskError>, rusqlite::Error> {
    let id: i64 = r.get(0)?;
    let tool: String = r.get(3)?;
    let args: String = r.get(4)?;
    let preview: String = r.get(5)?;
    let state: String = r.get(12)?;
    let subject: String = r.get(7)?;
    let parsed = (|| {
        Ok(Proposal {
            id,
            conversation_id: r.get(1)?,
            customer_id: r.get(2)?,
            tool: tool
                .parse()
                .map_err(|e| corrupt(format!("proposal {id}"), e))?,
            args: serde_json::from_str(&args).map_err(|e| corrupt(format!("proposal {id}"), e))?,
            preview: serde_json::from_str(&preview)
                .map_err(|e| corrupt(format!("proposal {id}"), e))?,
            amount: Money::from_cents(r.get(6)?),
            subject: subject
                .parse()
                .map_err(|e| corrupt(format!("proposal {id}"), e))?,
            fingerprint: r.get(8)?,
            proposed_by: r.get(9)?,
            created_at_ms: r.get(10)?,
            expires_at_ms: r.get(11)?,
            state: ProposalState::parse(&state)
                .ok_or_else(|| corrupt(format!("proposal {id}"), &state))?,
            decided_at_ms: r.get(13)?,
            decided_by: r.get(14)?,
            reason: r.get(15)?,
        })
    })();
    Ok(parsed)
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Proposal, DeskError> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM proposals WHERE id = ?1 AND {SHOP}"),
            [id],
            from_row,
        )
        .optional()?;
    row.ok_or_else(|| DeskError::NotFound(format!("proposal {id}")))?
}

/// Open proposals (the shop's and external calls alike) whose expiry has passed at `now_ms`,
/// oldest first, as `(id, expires_at_ms)`: what the watcher records as expired.
pub(crate) fn overdue_at(conn: &Connection, now_ms: i64) -> Result<Vec<(i64, i64)>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, expires_at FROM proposals
         WHERE state IN ('pending', 'escalated') AND expires_at <= ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([now_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// Named reads. Time is passed in: an open proposal past its expiry reads as expired here
// (the watcher records the expiry later; approval refuses it either way), so a refresh never
// has to write.

/// Proposals still open at `now_ms`: escalated first, then highest amount at stake, then oldest.
pub(crate) fn open_at(conn: &Connection, now_ms: i64) -> Result<Vec<Proposal>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM proposals
         WHERE state IN ('pending', 'escalated') AND expires_at > ?1 AND {SHOP}
         ORDER BY state = 'escalated' DESC, amount_cents DESC, id"
    ))?;
    let rows = stmt.query_map([now_ms], from_row)?;
    collect(rows)
}

/// Proposals newer than `after` still open at `now_ms`, oldest first.
pub(crate) fn open_after(
    conn: &Connection,
    after: i64,
    now_ms: i64,
) -> Result<Vec<Proposal>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM proposals
         WHERE id > ?1 AND state IN ('pending', 'escalated') AND expires_at > ?2 AND {SHOP}
         ORDER BY id"
    ))?;
    let rows = stmt.query_map([after, now_ms], from_row)?;
    collect(rows)
}

/// A conversation's proposals, oldest first, as of `now_ms`.
pub(crate) fn of_conversation(
    conn: &Connection,
    conversation_id: i64,
    now_ms: i64,
) -> Result<Vec<Proposal>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM proposals WHERE conversation_id = ?1 AND {SHOP} ORDER BY id"
    ))?;
    let rows = stmt.query_map([conversation_id], from_row)?;
    let mut out = collect(rows)?;
    for p in &mut out {
        p.state = state_at(p.state, p.expires_at_ms, now_ms);
    }
    Ok(out)
}

/// How many proposals are in each state at `now_ms` (every state present, zero when none).
pub(crate) fn state_counts_at(
    conn: &Connection,
    now_ms: i64,
) -> Result<Vec<(ProposalState, i64)>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT CASE WHEN state IN ('pending', 'escalated') AND expires_at <= ?1
                     THEN 'expired' ELSE state END, count(*)
         FROM proposals GROUP BY 1",
    )?;
    let rows = stmt.query_map([now_ms], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out: Vec<(ProposalState, i64)> = ProposalState::ALL.iter().map(|s| (*s, 0)).collect();
    for row in rows {
        let (state, n) = row?;
        let state =
            ProposalState::parse(&state).ok_or_else(|| corrupt("proposal state", &state))?;
        if let Some(slot) = out.iter_mut().find(|(s, _)| *s == state) {
            slot.1 = n;
        }
    }
    Ok(out)
}

/// Whether any proposal is still recorded open past its expiry (the watcher then records it).
pub(crate) fn any_overdue(conn: &Connection, now_ms: i64) -> Result<bool, DeskError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM proposals
                            WHERE state IN ('pending', 'escalated') AND expires_at <= ?1)",
        )?
        .query_row([now_ms], |r| r.get(0))?)
}

/// The newest proposal id (0 when none).
pub(crate) fn latest_id(conn: &Connection) -> Result<i64, DeskError> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM proposals")?
        .query_row([], |r| r.get(0))?)
}

/// A proposal's decisions, oldest first.
pub(crate) fn decisions_of(
    conn: &Connection,
    proposal_id: i64,
) -> Result<Vec<Decision>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, proposal_id, kind, actor, role, at, reason, edited_args FROM decisions
         WHERE proposal_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([proposal_id], decision_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The state a reader shows: open past its expiry is expired, whatever is recorded yet.
pub(crate) fn state_at(recorded: ProposalState, expires_at_ms: i64, now_ms: i64) -> ProposalState {
    if recorded.is_open() && now_ms >= expires_at_ms {
        ProposalState::Expired
    } else {
        recorded
    }
}

fn collect(
    rows: impl Iterator<Item = Result<Result<Proposal, DeskError>, rusqlite::Error>>,
) -> Result<Vec<Proposal>, DeskError> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub(crate) struct NewProposal<'a> {
    pub conversation_id: i64,
    pub customer_id: &'a str,
    /// A shop tool's name, or [`crate::external_calls::EXTERNAL_TOOL`].
    pub tool: &'a str,
    pub args: &'a Value,
    pub preview: &'a Preview,
    pub subject: &'a Subject,
    pub fingerprint: &'a str,
    pub proposed_by: &'a str,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

pub(crate) fn insert(conn: &Connection, p: &NewProposal<'_>) -> Result<i64, DeskError> {
    conn.execute(
        "INSERT INTO proposals (conversation_id, customer_id, tool, args, preview, amount_cents, subject,
             fingerprint, proposed_by, created_at, expires_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending')",
        rusqlite::params![
            p.conversation_id,
            p.customer_id,
            p.tool,
            p.args.to_string(),
            serde_json::to_string(p.preview).map_err(|e| corrupt("preview", e))?,
            p.preview.amount.cents(),
            p.subject.to_string(),
            p.fingerprint,
            p.proposed_by,
            p.created_at_ms,
            p.expires_at_ms,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn set_state(
    conn: &Connection,
    id: i64,
    state: ProposalState,
    at_ms: i64,
    by: &str,
    reason: Option<&str>,
) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE proposals SET state = ?2, decided_at = ?3, decided_by = ?4, reason = ?5 WHERE id = ?1",
        (id, state.as_str(), at_ms, by, reason),
    )?;
    Ok(())
}

/// The arguments an approval of an external call bound (its edit, re-checked).
pub(crate) fn set_args(conn: &Connection, id: i64, args: &Value) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE proposals SET args = ?2 WHERE id = ?1",
        (id, args.to_string()),
    )?;
    Ok(())
}

/// What an executed edit leaves behind: the arguments and preview that actually ran.
pub(crate) fn set_executed_args(
    conn: &Connection,
    id: i64,
    args: &Value,
    preview: &Preview,
) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE proposals SET args = ?2, preview = ?3, amount_cents = ?4 WHERE id = ?1",
        (
            id,
            args.to_string(),
            serde_json::to_string(preview).map_err(|e| corrupt("preview", e))?,
            preview.amount.cents(),
        ),
    )?;
    Ok(())
}

/// A decision as recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Decision {
    pub id: i64,
    pub proposal_id: i64,
    pub kind: DecisionKind,
    pub actor: String,
    pub role: Option<Role>,
    pub at_ms: i64,
    pub reason: Option<String>,
    pub edited_args: Option<Value>,
}

pub(crate) struct NewDecision<'a> {
    pub proposal_id: i64,
    pub kind: DecisionKind,
    pub actor: &'a str,
    pub role: Option<Role>,
    pub at_ms: i64,
    pub reason: Option<&'a str>,
    pub edited_args: Option<&'a Value>,
}

pub(crate) fn record_decision(conn: &Connection, d: &NewDecision<'_>) -> Result<i64, DeskError> {
    conn.execute(
        "INSERT INTO decisions (proposal_id, kind, actor, role, at, reason, edited_args) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![d.proposal_id, d.kind.as_str(), d.actor, d.role.map(Role::as_str), d.at_ms, d.reason, d.edited_args.map(|v| v.to_string())],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A decision from a row of `id, proposal_id, kind, actor, role, at, reason, edited_args`.
pub(crate) fn decision_from_row(r: &Row<'_>) -> Result<Decision, rusqlite::Error> {
    let id: i64 = r.get(0)?;
    let kind: String = r.get(2)?;
    let role: Option<String> = r.get(4)?;
    let edited: Option<String> = r.get(7)?;
    // A value the schema's CHECK constraints would have refused: the file was altered.
    let bad = |column: usize, value: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("decision {id}: unknown value `{value}`").into(),
        )
    };
    Ok(Decision {
        id,
        proposal_id: r.get(1)?,
        kind: DecisionKind::parse(&kind).ok_or_else(|| bad(2, &kind))?,
        actor: r.get(3)?,
        role: match role {
            Some(role) => Some(role.parse().map_err(|_| bad(4, &role))?),
            None => None,
        },
        at_ms: r.get(5)?,
        reason: r.get(6)?,
        edited_args: edited.and_then(|e| serde_json::from_str(&e).ok()),
    })
}

/// Opens the execution (the shop's triggers now allow writes to its subject), for the caller
/// to write the shop and then [`close_execution`], all in one transaction.
pub(crate) fn open_execution(
    conn: &Connection,
    proposal_id: i64,
    subject: &Subject,
    customer_id: &str,
    at_ms: i64,
    by: &str,
) -> Result<(), DeskError> {
    conn.execute(
        "INSERT INTO executions (proposal_id, subject, customer_id, executed_at, approved_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        (proposal_id, subject.to_string(), customer_id, at_ms, by),
    )?;
    Ok(())
}

pub(crate) fn close_execution(conn: &Connection, proposal_id: i64) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE executions SET applied = 1 WHERE proposal_id = ?1",
        [proposal_id],
    )?;
    Ok(())
}

pub(crate) fn execution_count(conn: &Connection) -> Result<i64, DeskError> {
    Ok(conn.query_row("SELECT count(*) FROM executions", [], |r| r.get(0))?)
}

/// How a conversation's actions stand (the reply is counted apart: the seed's trace record
/// speaks of actions).
#[derive(Debug, Default)]
pub(crate) struct ConversationCounts {
    pub proposed: i64,
    pub executed: i64,
    pub escalated: i64,
}

pub(crate) fn counts_in_conversation(
    conn: &Connection,
    conversation_id: i64,
) -> Result<ConversationCounts, DeskError> {
    Ok(conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE state = 'executed'), count(*) FILTER (WHERE state = 'escalated')
         FROM proposals WHERE conversation_id = ?1 AND tool != 'send_reply'",
        [conversation_id],
        |r| {
            Ok(ConversationCounts {
                proposed: r.get(0)?,
                executed: r.get(1)?,
                escalated: r.get(2)?,
            })
        },
    )?)
}
