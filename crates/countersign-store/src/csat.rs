//! Customer satisfaction per conversation: entered by a person in the app, or imported from a
//! survey tool's CSV. A score is 1–5 with an optional comment; a later score for the same
//! conversation replaces the earlier one (a customer may change their mind), and each change
//! is audited and becomes an eval case of its own (so the eval store hears of it), in the
//! transaction that records it.
//!
//! Exported cases carry their conversation's current score as `csat` (DESIGN "Eval case"):
//! the join is made when cases are read for export, not by rewriting captured cases, so a
//! synced case's body never changes under its id.

use countersign_core::{AuditKind, AuditSubject};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::json;

use crate::audit_log;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::eval_capture::{self, Label};

pub(crate) const SCHEMA_V9: &str = "
CREATE TABLE csat (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id),
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT,
    source          TEXT NOT NULL CHECK (source IN ('app', 'import')),
    recorded_by     TEXT NOT NULL,
    recorded_at     INTEGER NOT NULL
) STRICT;
";

/// Where a score came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CsatSource {
    App,
    Import,
}

impl CsatSource {
    fn as_str(self) -> &'static str {
        match self {
            CsatSource::App => "app",
            CsatSource::Import => "import",
        }
    }
}

/// A conversation's current score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Csat {
    pub conversation_id: i64,
    pub score: u8,
    pub comment: Option<String>,
    pub source: CsatSource,
    pub recorded_by: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub recorded_at_ms: i64,
}

/// Which conversation an imported row is about: its id, or the Message-ID of any mail in it
/// (the customer's, or our reply's, with or without angle brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsatTarget {
    Conversation(i64),
    MessageId(String),
}

/// One row of an import, with its line in the file for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsatRow {
    pub line: usize,
    pub target: CsatTarget,
    pub score: i64,
    pub comment: Option<String>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CsatImport {
    pub rows: usize,
    /// Scores recorded (new or changed).
    pub recorded: usize,
    /// Rows that repeat a conversation's current score and comment: nothing to record.
    pub unchanged: usize,
}

fn validate(score: i64, comment: Option<&str>) -> Result<(u8, Option<String>), String> {
    if !(1..=5).contains(&score) {
        return Err(format!("a score is 1 to 5, not {score}"));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 4000) {
        return Err("a comment is at most 4,000 characters".to_owned());
    }
    Ok((score as u8, comment.map(str::to_owned)))
}

fn conversation_of(conn: &Connection, target: &CsatTarget) -> Result<Option<i64>, DeskError> {
    Ok(match target {
        CsatTarget::Conversation(id) => conn
            .prepare_cached("SELECT id FROM conversations WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
        CsatTarget::MessageId(raw) => {
            let id = raw.trim().trim_start_matches('<').trim_end_matches('>');
            conn.prepare_cached(
                "SELECT conversation_id FROM conversation_messages WHERE message_id = ?1
                 UNION ALL
                 SELECT conversation_id FROM mail_messages
                  WHERE message_id = ?1 AND conversation_id IS NOT NULL
                 UNION ALL
                 SELECT conversation_id FROM reply_sends WHERE message_id = ?1
                 LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?
        }
    })
}

pub(crate) fn get(conn: &Connection, conversation_id: i64) -> Result<Option<Csat>, DeskError> {
    Ok(conn
        .prepare_cached(
            "SELECT conversation_id, score, comment, source, recorded_by, recorded_at
             FROM csat WHERE conversation_id = ?1",
        )?
        .query_row([conversation_id], |r| {
            let source: String = r.get(3)?;
            Ok(Csat {
                conversation_id: r.get(0)?,
                score: r.get(1)?,
                comment: r.get(2)?,
                source: if source == "import" {
                    CsatSource::Import
                } else {
                    CsatSource::App
                },
                recorded_by: r.get(4)?,
                recorded_at_ms: r.get(5)?,
            })
        })
        .optional()?)
}

/// Records one score in the caller's transaction; `false` when it repeats the current one.
fn record(
    tx: &Connection,
    now_ms: i64,
    by: &str,
    conversation_id: i64,
    score: u8,
    comment: Option<&str>,
    source: CsatSource,
) -> Result<bool, DeskError> {
    if let Some(current) = get(tx, conversation_id)? {
        if current.score == score && current.comment.as_deref() == comment {
            return Ok(false);
        }
    }
    tx.prepare_cached(
        "INSERT INTO csat (conversation_id, score, comment, source, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (conversation_id) DO UPDATE SET score = excluded.score,
             comment = excluded.comment, source = excluded.source,
             recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
    )?
    .execute(rusqlite::params![
        conversation_id,
        score,
        comment,
        source.as_str(),
        by,
        now_ms
    ])?;
    // The comment is the customer's words: the audit record keeps that there was one, the
    // table keeps what it says.
    audit_log::append(
        tx,
        now_ms,
        by,
        AuditKind::CsatRecorded,
        &AuditSubject::Conversation(conversation_id),
        &json!({"score": score, "source": source, "comment": comment.is_some()}),
    )?;
    eval_capture::capture(
        tx,
        conversation_id,
        None,
        now_ms,
        &Label::Csat { score, comment },
    )?;
    Ok(true)
}

impl Desk {
    /// Records a conversation's CSAT as entered by `by` in the app (or the CLI).
    pub fn record_csat(
        &mut self,
        by: &str,
        conversation_id: i64,
        score: i64,
        comment: Option<&str>,
    ) -> Result<Csat, DeskError> {
        let (score, comment) = validate(score, comment).map_err(DeskError::InvalidCsat)?;
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let by = &crate::staff::actor_in(&tx, by)?.name;
        if conversation_of(&tx, &CsatTarget::Conversation(conversation_id))?.is_none() {
            return Err(DeskError::NotFound(format!(
                "conversation {conversation_id}"
            )));
        }
        record(
            &tx,
            now,
            by,
            conversation_id,
            score,
            comment.as_deref(),
            CsatSource::App,
        )?;
        let stored = get(&tx, conversation_id)?
            .ok_or_else(|| DeskError::NotFound(format!("conversation {conversation_id}")))?;
        tx.commit()?;
        tracing::info!(conversation = conversation_id, "csat recorded");
        Ok(stored)
    }

    /// Imports survey rows, all or nothing: every row is checked (score, comment, a
    /// conversation it names) before any is recorded, and the first problems are reported
    /// with their lines. Importing the same file again records nothing new.
    pub fn import_csat(&mut self, by: &str, rows: &[CsatRow]) -> Result<CsatImport, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let by = &crate::staff::actor_in(&tx, by)?.name;
        let mut problems = Vec::new();
        let mut resolved = Vec::with_capacity(rows.len());
        // A conversation rated twice in one file is a question for a person (which score is
        // right?), and recording both would make a second import record again.
        let mut seen: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for row in rows {
            let checked = validate(row.score, row.comment.as_deref());
            let conversation = conversation_of(&tx, &row.target)?;
            if let (Ok(_), Some(id)) = (&checked, conversation) {
                if let Some(first) = seen.insert(id, row.line) {
                    problems.push(format!(
                        "line {}: conversation {id} is rated again (first on line {first})",
                        row.line
                    ));
                    continue;
                }
            }
            match (checked, conversation) {
                (Ok((score, comment)), Some(id)) => resolved.push((id, score, comment)),
                (Err(e), _) => problems.push(format!("line {}: {e}", row.line)),
                (_, None) => problems.push(format!(
                    "line {}: no conversation {}",
                    row.line,
                    match &row.target {
                        CsatTarget::Conversation(id) => format!("with id {id}"),
                        CsatTarget::MessageId(m) => format!("has the message {m}"),
                    }
                )),
            }
        }
        if !problems.is_empty() {
            let more = problems.len().saturating_sub(5);
            let mut message = problems.into_iter().take(5).collect::<Vec<_>>().join("; ");
            if more > 0 {
                message.push_str(&format!("; and {more} more"));
            }
            return Err(DeskError::InvalidCsat(format!(
                "nothing imported: {message}"
            )));
        }
        let mut report = CsatImport {
            rows: rows.len(),
            ..CsatImport::default()
        };
        for (id, score, comment) in resolved {
            if record(
                &tx,
                now,
                by,
                id,
                score,
                comment.as_deref(),
                CsatSource::Import,
            )? {
                report.recorded += 1;
            } else {
                report.unchanged += 1;
            }
        }
        tx.commit()?;
        tracing::info!(
            rows = report.rows,
            recorded = report.recorded,
            "csat imported"
        );
        Ok(report)
    }

    /// A conversation's current score, if any.
    pub fn csat(&self, conversation_id: i64) -> Result<Option<Csat>, DeskError> {
        get(&self.conn, conversation_id)
    }
}
