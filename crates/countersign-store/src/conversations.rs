//! Conversations: one authenticated customer each.

use rusqlite::{Connection, OptionalExtension};

use crate::error::DeskError;

pub(crate) const SCHEMA_V1: &str = "
CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
";

/// What the pipeline made of an incoming request, and its step trace.
pub(crate) const SCHEMA_V2: &str = "
ALTER TABLE conversations ADD COLUMN request TEXT;
ALTER TABLE conversations ADD COLUMN guard TEXT;
ALTER TABLE conversations ADD COLUMN intent TEXT;
ALTER TABLE conversations ADD COLUMN outcome TEXT;
ALTER TABLE conversations ADD COLUMN reply TEXT;
ALTER TABLE conversations ADD COLUMN handoff TEXT;
ALTER TABLE conversations ADD COLUMN citations TEXT;

CREATE TABLE trace_steps (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    stage           TEXT NOT NULL,
    tool            TEXT,
    args            TEXT,
    result          TEXT,
    ok              INTEGER NOT NULL,
    latency_us      INTEGER NOT NULL,
    tokens          INTEGER NOT NULL,
    cost_usd        REAL NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) STRICT;
CREATE INDEX proposals_conversation ON proposals (conversation_id);
";

/// Which planner decided each conversation and why; and the planning claim of a conversation
/// still `planning` (admitted, waiting for a planner that may take seconds): a worker claims it
/// before it plans, and a claim older than the lease is taken over (its worker died).
pub(crate) const SCHEMA_V5: &str = "
ALTER TABLE conversations ADD COLUMN planner TEXT;
ALTER TABLE conversations ADD COLUMN route_reason TEXT;
ALTER TABLE conversations ADD COLUMN planning_claimed_at INTEGER;
UPDATE conversations SET planner = 'rules' WHERE outcome IS NOT NULL AND outcome != 'block';
CREATE INDEX conversations_planning ON conversations (outcome) WHERE outcome = 'planning';
";

/// The outcome of a conversation admitted but not planned yet.
pub(crate) const PLANNING: &str = "planning";

pub(crate) fn create(
    conn: &Connection,
    customer_id: &str,
    channel: &str,
    now_ms: i64,
) -> Result<i64, DeskError> {
    conn.execute(
        "INSERT INTO conversations (customer_id, channel, created_at) VALUES (?1, ?2, ?3)",
        (customer_id, channel, now_ms),
    )?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn customer_of(conn: &Connection, id: i64) -> Result<Option<String>, DeskError> {
    Ok(conn
        .query_row(
            "SELECT customer_id FROM conversations WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// What the pipeline made of one request, as the conversation stores it.
#[derive(Debug)]
pub(crate) struct IngestedRow<'a> {
    pub customer_id: &'a str,
    pub channel: &'a str,
    pub created_at_ms: i64,
    pub request: &'a str,
    pub guard: &'a str,
    pub intent: Option<&'a str>,
    pub outcome: &'a str,
    pub reply: Option<&'a str>,
    pub handoff: Option<&'a str>,
    pub citations: &'a str,
    pub planner: Option<&'a str>,
    pub route_reason: Option<&'a str>,
}

pub(crate) fn insert_ingested(conn: &Connection, row: &IngestedRow<'_>) -> Result<i64, DeskError> {
    conn.prepare_cached(
        "INSERT INTO conversations (customer_id, channel, created_at, request, guard, intent, outcome, reply, handoff, citations, planner, route_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(rusqlite::params![
        row.customer_id,
        row.channel,
        row.created_at_ms,
        row.request,
        row.guard,
        row.intent,
        row.outcome,
        row.reply,
        row.handoff,
        row.citations,
        row.planner,
        row.route_reason,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Fills in a conversation that was `planning`; `false` when it was not (already settled).
pub(crate) fn settle(
    conn: &Connection,
    id: i64,
    row: &IngestedRow<'_>,
    generation: Option<i64>,
) -> Result<bool, DeskError> {
    let n = conn
        .prepare_cached(
            "UPDATE conversations SET customer_id = ?2, intent = ?3, outcome = ?4, reply = ?5,
                 handoff = ?6, citations = ?7, planner = ?8, route_reason = ?9,
                 planning_claimed_at = NULL
             WHERE id = ?1 AND outcome = 'planning' AND (?10 IS NULL OR planning_gen = ?10)",
        )?
        .execute(rusqlite::params![
            id,
            row.customer_id,
            row.intent,
            row.outcome,
            row.reply,
            row.handoff,
            row.citations,
            row.planner,
            row.route_reason,
            generation,
        ])?;
    Ok(n == 1)
}

/// A follow-up arrived: the conversation takes the new request (with its history) and is
/// planned again, or stays blocked when the guard blocked the follow-up.
pub(crate) fn reopen(
    conn: &Connection,
    id: i64,
    request: &str,
    guard: &str,
    blocked: bool,
) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE conversations SET request = ?2, guard = ?3, outcome = ?4, intent = NULL, reply = NULL,
             handoff = NULL, citations = '[]', planner = NULL, route_reason = NULL,
             planning_claimed_at = NULL, closed_at = NULL, closed_by = NULL,
             planning_gen = planning_gen + 1
         WHERE id = ?1",
        (id, request, guard, if blocked { "block" } else { PLANNING }),
    )?;
    Ok(())
}

/// Marks a conversation as claimed by the caller as of `now_ms`.
pub(crate) fn hold_claim(conn: &Connection, id: i64, now_ms: i64) -> Result<(), DeskError> {
    conn.execute(
        "UPDATE conversations SET planning_claimed_at = ?2 WHERE id = ?1",
        (id, now_ms),
    )?;
    Ok(())
}

/// Claims the oldest `planning` conversation nobody holds (or whose claim is older than
/// `lease_ms`): its id and stored request.
pub(crate) fn claim_planning(
    conn: &Connection,
    now_ms: i64,
    lease_ms: i64,
) -> Result<Option<(i64, String, i64)>, DeskError> {
    let found: Option<(i64, String, i64)> = conn
        .prepare_cached(
            "SELECT id, request, planning_gen FROM conversations
             WHERE outcome = 'planning'
               AND (planning_claimed_at IS NULL OR planning_claimed_at < ?1)
             ORDER BY id LIMIT 1",
        )?
        .query_row([now_ms - lease_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((id, _, _)) = &found {
        hold_claim(conn, *id, now_ms)?;
    }
    Ok(found)
}

/// A conversation admitted and not planned yet, as the queue lists it.
pub(crate) struct PlanningRow {
    pub id: i64,
    pub channel: String,
    pub created_at_ms: i64,
    pub request: Option<String>,
    pub claimed_at_ms: Option<i64>,
}

/// Every conversation still `planning`, oldest first.
pub(crate) fn planning(conn: &Connection) -> Result<Vec<PlanningRow>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel, created_at, request, planning_claimed_at FROM conversations
         WHERE outcome = 'planning' ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(PlanningRow {
            id: r.get(0)?,
            channel: r.get(1)?,
            created_at_ms: r.get(2)?,
            request: r.get(3)?,
            claimed_at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn outcome_of(conn: &Connection, id: i64) -> Result<Option<String>, DeskError> {
    Ok(conn
        .query_row(
            "SELECT outcome FROM conversations WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// A conversation row as stored; the JSON columns are parsed by the view that shows them.
pub(crate) struct StoredConversation {
    pub customer_id: String,
    pub channel: String,
    pub created_at_ms: i64,
    pub request: Option<String>,
    pub guard: Option<String>,
    pub intent: Option<String>,
    pub outcome: Option<String>,
    pub reply: Option<String>,
    pub handoff: Option<String>,
    pub citations: Option<String>,
    pub planner: Option<String>,
    pub route_reason: Option<String>,
    pub closed_at_ms: Option<i64>,
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Option<StoredConversation>, DeskError> {
    Ok(conn
        .prepare_cached(
            "SELECT customer_id, channel, created_at, request, guard, intent, outcome, reply, handoff, citations, planner, route_reason, closed_at
             FROM conversations WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(StoredConversation {
                customer_id: r.get(0)?,
                channel: r.get(1)?,
                created_at_ms: r.get(2)?,
                request: r.get(3)?,
                guard: r.get(4)?,
                intent: r.get(5)?,
                outcome: r.get(6)?,
                reply: r.get(7)?,
                handoff: r.get(8)?,
                citations: r.get(9)?,
                planner: r.get(10)?,
                route_reason: r.get(11)?,
                closed_at_ms: r.get(12)?,
            })
        })
        .optional()?)
}
