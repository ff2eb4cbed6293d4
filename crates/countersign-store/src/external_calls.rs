//! External calls: a write to one of the team's MCP servers, waiting in the same queue as the
//! demo shop's proposals. Each row extends one `proposals` row (same id, expiry, decisions,
//! executions and audit subject) with what only an external call has: the server, the tool and
//! the catalogued definition it was checked against, the exact argument bytes, their hash, the
//! policy's verdict, and what happened when it was sent.
//!
//! The `proposals` row names its tool [`EXTERNAL_TOOL`]; the shop's readers skip such rows, this
//! module reads them.

use countersign_core::ProposalState;
use countersign_mcp::policy::Verdict;
use countersign_mcp::{canonical_bytes, ArgsHash, ToolHash};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{corrupt, DeskError};

/// The `tool` of a `proposals` row that is an external call.
pub(crate) const EXTERNAL_TOOL: &str = "external_call";

pub(crate) const SCHEMA_V10: &str = "
CREATE TABLE external_calls (
    proposal_id        INTEGER PRIMARY KEY REFERENCES proposals (id),
    server             TEXT NOT NULL,
    tool               TEXT NOT NULL,
    tool_hash          TEXT NOT NULL,
    -- The canonical JSON bytes of exactly what is sent, idempotency key included.
    arguments          BLOB NOT NULL,
    args_hash          TEXT NOT NULL,
    verdict            TEXT NOT NULL,
    -- Set by the approving transaction; an approval of other bytes than the checked ones
    -- cannot be stored.
    approved_args_hash TEXT CHECK (approved_args_hash IS NULL OR approved_args_hash = args_hash),
    outcome            TEXT NOT NULL DEFAULT 'awaiting' CHECK (outcome IN
                         ('awaiting', 'claimed', 'succeeded', 'failed', 'not_sent',
                          'outcome_unknown', 'resolved_ran', 'resolved_not_run')),
    result             TEXT,
    error_code         TEXT,
    latency_ms         INTEGER,
    finished_at        INTEGER
) STRICT;
CREATE INDEX external_calls_outcome ON external_calls (outcome);

-- The approval binds the arguments: once a call has left `awaiting` they never change.
CREATE TRIGGER external_calls_arguments_frozen
BEFORE UPDATE OF arguments, args_hash, tool_hash, verdict ON external_calls
WHEN OLD.outcome != 'awaiting'
BEGIN SELECT RAISE(ABORT, 'an approved external call keeps its arguments'); END;

-- A call is claimed for sending only with its execution row, which itself needs a recorded
-- approval (`executions_need_recorded_approval`), and only with the approved hash set.
CREATE TRIGGER external_calls_claim_needs_execution
BEFORE UPDATE OF outcome ON external_calls
WHEN NEW.outcome = 'claimed' AND (
    OLD.outcome != 'awaiting'
    OR NEW.approved_args_hash IS NULL
    OR NOT EXISTS (SELECT 1 FROM executions WHERE proposal_id = NEW.proposal_id))
BEGIN SELECT RAISE(ABORT, 'no external call is sent without its approval and execution'); END;

CREATE TRIGGER external_calls_no_delete BEFORE DELETE ON external_calls
BEGIN SELECT RAISE(ABORT, 'external calls are never deleted'); END;
";

/// What became of an external call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExternalOutcome {
    /// Not approved yet (or closed without approval: see the proposal's state).
    Awaiting,
    /// Approved and handed to execution; no result recorded yet. Found after a crash, it is
    /// treated like an unknown outcome: it may have been sent.
    Claimed,
    Succeeded,
    /// The server answered with an error: the call did not do its work.
    Failed,
    /// Refused before sending (the arguments changed, the server could not be reached).
    NotSent,
    /// Sent, and no answer came: a person finds out whether it ran.
    OutcomeUnknown,
    /// A person checked: it ran.
    ResolvedRan,
    /// A person checked: it did not run.
    ResolvedNotRun,
}

impl ExternalOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ExternalOutcome::Awaiting => "awaiting",
            ExternalOutcome::Claimed => "claimed",
            ExternalOutcome::Succeeded => "succeeded",
            ExternalOutcome::Failed => "failed",
            ExternalOutcome::NotSent => "not_sent",
            ExternalOutcome::OutcomeUnknown => "outcome_unknown",
            ExternalOutcome::ResolvedRan => "resolved_ran",
            ExternalOutcome::ResolvedNotRun => "resolved_not_run",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ExternalOutcome> {
        use ExternalOutcome::*;
        [
            Awaiting,
            Claimed,
            Succeeded,
            Failed,
            NotSent,
            OutcomeUnknown,
            ResolvedRan,
            ResolvedNotRun,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    /// Whether a person must find out what happened.
    pub fn needs_a_person(self) -> bool {
        matches!(
            self,
            ExternalOutcome::Claimed | ExternalOutcome::OutcomeUnknown
        )
    }
}

/// An external call with its proposal's queue fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExternalCall {
    pub proposal_id: i64,
    pub conversation_id: i64,
    pub customer_id: String,
    pub server: String,
    pub tool: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub tool_hash: ToolHash,
    /// Exactly what is sent, the idempotency key included.
    pub arguments: Map<String, Value>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub args_hash: ArgsHash,
    pub verdict: Verdict,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub approved_args_hash: Option<ArgsHash>,
    pub outcome: ExternalOutcome,
    pub result: Option<Value>,
    pub error_code: Option<String>,
    pub latency_ms: Option<i64>,
    pub proposed_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    /// Where it is shown (`show_external`, the conversation view) an open call past its expiry
    /// reads as expired.
    pub state: ProposalState,
    pub decided_by: Option<String>,
}

const COLUMNS: &str = "p.id, p.conversation_id, p.customer_id, e.server, e.tool, e.tool_hash,
    e.arguments, e.args_hash, e.verdict, e.approved_args_hash, e.outcome, e.result, e.error_code,
    e.latency_ms, p.proposed_by, p.created_at, p.expires_at, p.state, p.decided_by";

fn from_row(r: &Row<'_>) -> Result<Result<ExternalCall, DeskError>, rusqlite::Error> {
    let id: i64 = r.get(0)?;
    let arguments: Vec<u8> = r.get(6)?;
    let verdict: String = r.get(8)?;
    let outcome: String = r.get(10)?;
    let result: Option<String> = r.get(11)?;
    let state: String = r.get(17)?;
    let what = || format!("external call {id}");
    let parsed = (|| {
        let arguments: Map<String, Value> =
            serde_json::from_slice(&arguments).map_err(|e| corrupt(what(), e))?;
        Ok(ExternalCall {
            proposal_id: id,
            conversation_id: r.get(1)?,
            customer_id: r.get(2)?,
            server: r.get(3)?,
            tool: r.get(4)?,
            tool_hash: ToolHash(r.get(5)?),
            arguments,
            args_hash: ArgsHash(r.get(7)?),
            verdict: serde_json::from_str(&verdict).map_err(|e| corrupt(what(), e))?,
            approved_args_hash: r.get::<_, Option<String>>(9)?.map(ArgsHash),
            outcome: ExternalOutcome::parse(&outcome).ok_or_else(|| corrupt(what(), &outcome))?,
            result: result.map(|r| serde_json::from_str(&r).unwrap_or(Value::String(r))),
            error_code: r.get(12)?,
            latency_ms: r.get(13)?,
            proposed_by: r.get(14)?,
            created_at_ms: r.get(15)?,
            expires_at_ms: r.get(16)?,
            state: ProposalState::parse(&state).ok_or_else(|| corrupt(what(), &state))?,
            decided_by: r.get(18)?,
        })
    })();
    Ok(parsed)
}

fn collect(
    rows: impl Iterator<Item = Result<Result<ExternalCall, DeskError>, rusqlite::Error>>,
) -> Result<Vec<ExternalCall>, DeskError> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Whether proposal `id` is an external call.
pub(crate) fn is_external(conn: &Connection, id: i64) -> Result<bool, DeskError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM external_calls WHERE proposal_id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<ExternalCall, DeskError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM external_calls e JOIN proposals p ON p.id = e.proposal_id
                 WHERE e.proposal_id = ?1"
            ),
            [id],
            from_row,
        )
        .optional()?;
    row.ok_or_else(|| DeskError::NotFound(format!("external call {id}")))?
}

/// External calls still open at `now_ms`: escalated first, then oldest.
pub(crate) fn open_at(conn: &Connection, now_ms: i64) -> Result<Vec<ExternalCall>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM external_calls e JOIN proposals p ON p.id = e.proposal_id
         WHERE p.state IN ('pending', 'escalated') AND p.expires_at > ?1
         ORDER BY p.state = 'escalated' DESC, p.id"
    ))?;
    let rows = stmt.query_map([now_ms], from_row)?;
    collect(rows)
}

/// A conversation's external calls, oldest first, as recorded (readers apply expiry).
pub(crate) fn of_conversation(
    conn: &Connection,
    conversation_id: i64,
) -> Result<Vec<ExternalCall>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM external_calls e JOIN proposals p ON p.id = e.proposal_id
         WHERE p.conversation_id = ?1 ORDER BY p.id"
    ))?;
    let rows = stmt.query_map([conversation_id], from_row)?;
    collect(rows)
}

/// Approved calls whose outcome a person must find out, oldest first.
pub(crate) fn needing_a_person(conn: &Connection) -> Result<Vec<ExternalCall>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM external_calls e JOIN proposals p ON p.id = e.proposal_id
         WHERE e.outcome IN ('claimed', 'outcome_unknown') ORDER BY p.id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    collect(rows)
}

pub(crate) struct NewExternalCall<'a> {
    pub proposal_id: i64,
    pub server: &'a str,
    pub tool: &'a str,
    pub tool_hash: &'a ToolHash,
    pub arguments: &'a Map<String, Value>,
    pub args_hash: &'a ArgsHash,
    pub verdict: &'a Verdict,
}

pub(crate) fn insert(conn: &Connection, c: &NewExternalCall<'_>) -> Result<(), DeskError> {
    conn.execute(
        "INSERT INTO external_calls (proposal_id, server, tool, tool_hash, arguments, args_hash, verdict)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            c.proposal_id,
            c.server,
            c.tool,
            c.tool_hash.0,
            canonical_bytes(&Value::Object(c.arguments.clone())),
            c.args_hash.0,
            serde_json::to_string(c.verdict).map_err(|e| corrupt("verdict", e))?,
        ],
    )?;
    Ok(())
}

/// Replaces the arguments of an awaiting call with re-checked ones (an edit at approval).
pub(crate) fn set_checked_arguments(
    conn: &Connection,
    id: i64,
    arguments: &Map<String, Value>,
    args_hash: &ArgsHash,
    verdict: &Verdict,
) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE external_calls SET arguments = ?2, args_hash = ?3, verdict = ?4 WHERE proposal_id = ?1",
        rusqlite::params![
            id,
            canonical_bytes(&Value::Object(arguments.clone())),
            args_hash.0,
            serde_json::to_string(verdict).map_err(|e| corrupt("verdict", e))?,
        ],
    )?;
    Ok(())
}

/// Marks an approved call as handed to execution, bound to `approved` (the triggers check
/// the execution row and the hash).
pub(crate) fn claim(conn: &Connection, id: i64, approved: &ArgsHash) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE external_calls SET approved_args_hash = ?2, outcome = 'claimed' WHERE proposal_id = ?1",
        (id, &approved.0),
    )?;
    Ok(())
}

pub(crate) struct Finished<'a> {
    pub outcome: ExternalOutcome,
    pub result: Option<&'a Value>,
    pub error_code: Option<&'a str>,
    pub latency_ms: Option<i64>,
    pub at_ms: i64,
}

/// Records what happened to a call, moving it from `from` only: a second report of the same
/// call changes nothing and says so (`false`).
pub(crate) fn finish(
    conn: &Connection,
    id: i64,
    from: &[ExternalOutcome],
    f: &Finished<'_>,
) -> Result<bool, DeskError> {
    let from: Vec<&str> = from.iter().map(|o| o.as_str()).collect();
    let changed = conn.execute(
        "UPDATE external_calls SET outcome = ?2, result = coalesce(?3, result),
             error_code = coalesce(?4, error_code), latency_ms = coalesce(?5, latency_ms),
             finished_at = ?6
         WHERE proposal_id = ?1 AND outcome IN (SELECT value FROM json_each(?7))",
        rusqlite::params![
            id,
            f.outcome.as_str(),
            f.result.map(Value::to_string),
            f.error_code,
            f.latency_ms,
            f.at_ms,
            serde_json::to_string(&from).map_err(|e| corrupt("outcomes", e))?,
        ],
    )?;
    Ok(changed == 1)
}
