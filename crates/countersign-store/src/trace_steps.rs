//! The step trace of each conversation: one row per guard check, tool call or model call.

use countersign_pipeline::TraceStep;
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::error::DeskError;

// The table itself was created with the conversations' second migration (conversations.rs).

/// A step's cost may be "not applicable" (the rules planner is not billed): NULL, not 0. Rows
/// written before this migration all came from the rules planner, so their 0 becomes NULL.
pub(crate) const SCHEMA_V3: &str = "
CREATE TABLE trace_steps_v3 (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    stage           TEXT NOT NULL,
    tool            TEXT,
    args            TEXT,
    result          TEXT,
    ok              INTEGER NOT NULL,
    latency_us      INTEGER NOT NULL,
    tokens          INTEGER NOT NULL,
    cost_usd        REAL,
    PRIMARY KEY (conversation_id, seq)
) STRICT;
INSERT INTO trace_steps_v3
    SELECT conversation_id, seq, stage, tool, args, result, ok, latency_us, tokens,
           CASE WHEN cost_usd = 0 AND tokens = 0 THEN NULL ELSE cost_usd END
    FROM trace_steps;
DROP TABLE trace_steps;
ALTER TABLE trace_steps_v3 RENAME TO trace_steps;
";

/// Which planner took each step, a model call's accounting and a draft's validation findings
/// (both JSON). Rows from before were all the rules planner's, except the guard's.
pub(crate) const SCHEMA_V5: &str = "
ALTER TABLE trace_steps ADD COLUMN planner TEXT;
ALTER TABLE trace_steps ADD COLUMN model_call TEXT;
ALTER TABLE trace_steps ADD COLUMN findings TEXT;
UPDATE trace_steps SET planner = 'rules' WHERE stage != 'guard';
";

pub(crate) fn insert_all(
    conn: &Connection,
    conversation_id: i64,
    steps: &[TraceStep],
) -> Result<(), DeskError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO trace_steps (conversation_id, seq, stage, tool, args, result, ok, latency_us, tokens, cost_usd, planner, model_call, findings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    // A conversation planned again (a follow-up) continues its numbering.
    let first: i64 = conn
        .prepare_cached(
            "SELECT coalesce(max(seq) + 1, 0) FROM trace_steps WHERE conversation_id = ?1",
        )?
        .query_row([conversation_id], |r| r.get(0))?;
    for (seq, s) in steps.iter().enumerate() {
        stmt.execute(rusqlite::params![
            conversation_id,
            first + seq as i64,
            s.stage,
            s.tool.map(|t| t.as_str()),
            s.args.as_ref().map(Value::to_string),
            s.result.as_ref().map(Value::to_string),
            s.ok,
            s.latency_us as i64,
            i64::from(s.tokens),
            s.cost_usd,
            s.planner.map(|p| p.as_str()),
            s.model_call.as_ref().map(|m| json!(m).to_string()),
            (!s.findings.is_empty()).then(|| json!(s.findings).to_string()),
        ])?;
    }
    Ok(())
}

/// The totals of a conversation's steps.
#[derive(Debug, Default)]
pub(crate) struct StepTotals {
    pub tools: Vec<String>,
    pub steps: usize,
    pub latency_us: i64,
    pub tokens: i64,
    /// `None` when no step had a cost (not applicable).
    pub cost_usd: Option<f64>,
}

pub(crate) fn totals(conn: &Connection, conversation_id: i64) -> Result<StepTotals, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT tool, latency_us, tokens, cost_usd FROM trace_steps WHERE conversation_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([conversation_id], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<f64>>(3)?,
        ))
    })?;
    let mut t = StepTotals::default();
    for row in rows {
        let (tool, latency, tokens, cost) = row?;
        t.steps += 1;
        t.latency_us += latency;
        t.tokens += tokens;
        if let Some(c) = cost {
            t.cost_usd = Some(t.cost_usd.unwrap_or(0.0) + c);
        }
        if let Some(tool) = tool {
            t.tools.push(tool);
        }
    }
    Ok(t)
}

/// A conversation's steps, in order.
pub(crate) fn list(conn: &Connection, conversation_id: i64) -> Result<Vec<TraceStep>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT stage, tool, args, result, ok, latency_us, tokens, cost_usd, planner, model_call, findings FROM trace_steps WHERE conversation_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([conversation_id], |r| {
        let tool: Option<String> = r.get(1)?;
        let args: Option<String> = r.get(2)?;
        let result: Option<String> = r.get(3)?;
        Ok(TraceStep {
            stage: r.get(0)?,
            tool: tool.and_then(|t| t.parse().ok()),
            args: args.and_then(|a| serde_json::from_str(&a).ok()),
            result: result.and_then(|a| serde_json::from_str(&a).ok()),
            ok: r.get(4)?,
            latency_us: r.get::<_, i64>(5)? as u64,
            tokens: r.get::<_, i64>(6)? as u32,
            cost_usd: r.get(7)?,
            planner: r
                .get::<_, Option<String>>(8)?
                .and_then(|p| serde_json::from_value(Value::String(p)).ok()),
            model_call: r
                .get::<_, Option<String>>(9)?
                .and_then(|m| serde_json::from_str(&m).ok()),
            findings: r
                .get::<_, Option<String>>(10)?
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
