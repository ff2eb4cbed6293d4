//! Export formats of the decision history: CSV for spreadsheets, JSON Lines for tools. The
//! store reads the entries (one query, every match); this renders them, streaming into any
//! writer, so the desktop app and the CLI export the same bytes and a new column never
//! touches storage.

use std::io::Write;

use countersign_store::HistoryEntry;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    /// The file extension for this format.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("could not render the export: {0}")]
    Render(String),
}

impl ExportError {
    /// The stable code, as for every error that reaches a person.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Io(_) => "io",
            ExportError::Render(_) => "export_failed",
        }
    }
}

/// CSV columns, in order. `tool` is a shop tool's name or `<server>/<tool>` for a call to one
/// of the team's systems, whose outcome is `external_outcome` (empty for the shop's).
pub const CSV_HEADER: [&str; 13] = [
    "at_ms",
    "decision",
    "actor",
    "role",
    "proposal_id",
    "conversation_id",
    "tool",
    "customer_id",
    "summary",
    "reason",
    "state",
    "args",
    "external_outcome",
];

/// Writes `entries` to `out` in `format`; returns how many entries (rows) it wrote.
pub fn write(
    entries: &[HistoryEntry],
    format: ExportFormat,
    out: impl Write,
) -> Result<usize, ExportError> {
    match format {
        ExportFormat::Jsonl => write_jsonl(entries, out),
        ExportFormat::Csv => write_csv(entries, out),
    }
}

fn write_jsonl(entries: &[HistoryEntry], mut out: impl Write) -> Result<usize, ExportError> {
    for e in entries {
        serde_json::to_writer(&mut out, e).map_err(|e| ExportError::Render(e.to_string()))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(entries.len())
}

fn write_csv(entries: &[HistoryEntry], out: impl Write) -> Result<usize, ExportError> {
    let render = |e: csv::Error| ExportError::Render(e.to_string());
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(render)?;
    for e in entries {
        let d = &e.decision;
        w.write_record([
            d.at_ms.to_string(),
            d.kind.as_str().to_owned(),
            d.actor.clone(),
            d.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            d.proposal_id.to_string(),
            e.conversation_id.to_string(),
            e.tool.clone(),
            e.customer_id.clone(),
            e.summary.clone(),
            d.reason.clone().unwrap_or_default(),
            e.state.as_str().to_owned(),
            e.args.to_string(),
            e.external_outcome
                .map(|o| o.as_str().to_owned())
                .unwrap_or_default(),
        ])
        .map_err(render)?;
    }
    w.flush()?;
    Ok(entries.len())
}
