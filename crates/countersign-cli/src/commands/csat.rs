//! `csat set` and `csat import`: customer satisfaction per conversation, typed in or imported
//! from a survey tool's CSV (format in `countersign_store::parse_csat_csv`).

use std::path::Path;

use countersign_store::parse_csat_csv;

use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// `csat set CONVERSATION SCORE [--comment TEXT]`.
pub fn set(
    ctx: &Invocation,
    conversation: i64,
    score: i64,
    comment: Option<&str>,
) -> anyhow::Result<()> {
    let stored = ctx
        .open()?
        .record_csat(&ctx.actor, conversation, score, comment)
        .map_err(desk)?;
    out(format!(
        "Conversation {} rated {} of 5.",
        stored.conversation_id, stored.score
    ))
}

/// `csat import FILE.csv [--json]`: all rows or none.
pub fn import(ctx: &Invocation, file: &Path, json: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        bad(
            "unreadable_file",
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    let rows = parse_csat_csv(&text).map_err(|e| {
        bad(
            e.code(),
            format!("{}: {e}; nothing imported", file.display()),
        )
    })?;
    let report = ctx.open()?.import_csat(&ctx.actor, &rows).map_err(desk)?;
    if json {
        return json_out(&report);
    }
    out(format!(
        "{} rows: {} scores recorded, {} unchanged.",
        report.rows, report.recorded, report.unchanged
    ))
}
