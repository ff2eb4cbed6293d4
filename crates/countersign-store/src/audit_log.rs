//! The append-only, hash-chained audit log.
//!
//! Every proposal, refusal and decision appends one record in the same transaction as the
//! change it describes, so the log and the state cannot disagree. Triggers refuse UPDATE and
//! DELETE; the hash chain catches what the triggers cannot (someone editing the file itself).

use countersign_core::audit_chain::{record_hash, AuditRecord, ChainBreak, ChainVerifier, GENESIS};
use countersign_core::{AuditKind, AuditSubject};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use crate::error::{corrupt, DeskError};

pub(crate) const SCHEMA_V1: &str = "
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_subject ON audit_log (subject);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// Full-text index of the audit log, filled by a trigger so no writer can forget it. The log
/// itself stays the source of truth; the index holds no data of its own (contentless).
pub(crate) const SCHEMA_V2: &str = "
CREATE VIRTUAL TABLE audit_fts USING fts5 (actor, kind, subject, payload, content = '', tokenize = 'unicode61');
INSERT INTO audit_fts (rowid, actor, kind, subject, payload) SELECT seq, actor, kind, subject, payload FROM audit_log;
CREATE TRIGGER audit_log_fts AFTER INSERT ON audit_log BEGIN
    INSERT INTO audit_fts (rowid, actor, kind, subject, payload) VALUES (NEW.seq, NEW.actor, NEW.kind, NEW.subject, NEW.payload);
END;
";

/// Appends one record. Must run inside the transaction of the change it records.
pub(crate) fn append(
    conn: &Connection,
    at_ms: i64,
    actor: &str,
    kind: AuditKind,
    subject: &AuditSubject,
    payload: &Value,
) -> Result<i64, DeskError> {
    let kind = kind.as_str();
    let subject = subject.to_string();
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let seq = prev_seq + 1;
    let payload = payload.to_string();
    let record = AuditRecord {
        seq,
        at_ms,
        actor,
        kind,
        subject: &subject,
        payload: &payload,
    };
    let hash = record_hash(&prev_hash, &record);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, kind, subject, payload, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute((
        seq, at_ms, actor, kind, &subject, &payload, &prev_hash, &hash,
    ))?;
    Ok(seq)
}

/// The outcome of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifyReport {
    /// Records checked (up to the first break).
    pub records: i64,
    pub ok: bool,
    /// The first altered, removed or reordered record.
    pub first_break: Option<ChainBreak>,
}

pub(crate) fn verify(conn: &Connection) -> Result<VerifyReport, DeskError> {
    let mut stmt = conn.prepare("SELECT seq, at, actor, kind, subject, payload, prev_hash, hash FROM audit_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut verifier = ChainVerifier::default();
    let mut records = 0;
    while let Some(row) = rows.next()? {
        // Read as raw bytes: a flipped byte may no longer be valid UTF-8, and that is tampering
        // to report, not a storage error.
        let text = |i: usize| -> Result<String, rusqlite::Error> {
            let v = row.get_ref(i)?;
            Ok(match v {
                rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                    String::from_utf8_lossy(b).into_owned()
                }
                rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                rusqlite::types::ValueRef::Real(f) => f.to_string(),
                rusqlite::types::ValueRef::Null => String::new(),
            })
        };
        let seq: i64 = row.get(0)?;
        let at: i64 = row.get(1).unwrap_or(i64::MIN);
        let (actor, kind, subject, payload, prev, hash) =
            (text(2)?, text(3)?, text(4)?, text(5)?, text(6)?, text(7)?);
        let record = AuditRecord {
            seq,
            at_ms: at,
            actor: &actor,
            kind: &kind,
            subject: &subject,
            payload: &payload,
        };
        if let Err(b) = verifier.check(&record, &prev, &hash) {
            return Ok(VerifyReport {
                records,
                ok: false,
                first_break: Some(b),
            });
        }
        records += 1;
    }
    Ok(VerifyReport {
        records,
        ok: true,
        first_break: None,
    })
}

/// One audit record, for history views.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub kind: AuditKind,
    pub subject: String,
    pub payload: Value,
}

pub(crate) fn entries_for(
    conn: &Connection,
    subject: &AuditSubject,
) -> Result<Vec<AuditEntry>, DeskError> {
    let mut stmt = conn.prepare_cached("SELECT seq, at, actor, kind, subject, payload FROM audit_log WHERE subject = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([subject.to_string()], read_entry)?;
    entries(rows)
}

/// The newest `limit` records about `subject`, newest first (and whether older ones exist).
pub(crate) fn newest_for(
    conn: &Connection,
    subject: &AuditSubject,
    limit: u32,
) -> Result<(Vec<AuditEntry>, bool), DeskError> {
    let mut stmt = conn.prepare_cached("SELECT seq, at, actor, kind, subject, payload FROM audit_log WHERE subject = ?1 ORDER BY seq DESC LIMIT ?2")?;
    let rows = stmt.query_map((subject.to_string(), i64::from(limit) + 1), read_entry)?;
    let mut out = entries(rows)?;
    let more = out.len() > limit as usize;
    out.truncate(limit as usize);
    Ok((out, more))
}

type RawEntry = (i64, i64, String, String, String, String);

fn read_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn entries(
    rows: impl Iterator<Item = rusqlite::Result<RawEntry>>,
) -> Result<Vec<AuditEntry>, DeskError> {
    let mut out = Vec::new();
    for row in rows {
        let (seq, at_ms, actor, kind, subject, payload) = row?;
        out.push(AuditEntry {
            seq,
            at_ms,
            actor,
            kind: AuditKind::parse(&kind)
                .ok_or_else(|| corrupt(format!("audit record {seq}"), &kind))?,
            subject,
            payload: serde_json::from_str(&payload).unwrap_or(Value::String(payload)),
        });
    }
    Ok(out)
}
