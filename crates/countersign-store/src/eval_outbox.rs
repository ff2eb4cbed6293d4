//! The eval sync outbox: every captured case waits here until a receiver acknowledged it.
//!
//! A case is queued in the transaction that captured it ([`crate::eval_capture`]). The syncer
//! takes cases in batches; a batch is formed once and stored (its id, which is the request's
//! `Idempotency-Key`, and its cases), so after a crash or a restart the same cases go out again
//! under the same key. A batch leaves the outbox only when acknowledged; one the receiver
//! refused for good is parked for a person, never dropped and never retried by itself.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use countersign_core::{AuditKind, AuditSubject};

use crate::audit_log;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::eval_capture::{case_from_row, EvalCase, CASE_COLUMNS};

pub(crate) const SCHEMA_V8: &str = "
CREATE TABLE eval_batches (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    formed_at  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    failed_at  INTEGER,
    parked_at  INTEGER,
    acked_at   INTEGER
) STRICT;

-- A case waiting to be synced; `batch_seq` is set once, when its batch is formed.
CREATE TABLE eval_outbox (
    case_seq  INTEGER PRIMARY KEY REFERENCES eval_cases (seq),
    batch_seq INTEGER REFERENCES eval_batches (seq)
) STRICT;
CREATE INDEX eval_outbox_batch ON eval_outbox (batch_seq);
";

/// The HTTP status a receiver refused a batch with, kept apart from its words so the audit
/// record of a requeue can name it without reading them. Batches parked before the column
/// existed take it from their stored error ("HTTP 422: …", as the syncer wrote it then).
pub(crate) const SCHEMA_V11: &str = "
ALTER TABLE eval_batches ADD COLUMN refused_status INTEGER;
UPDATE eval_batches SET refused_status = CAST(substr(last_error, 6, 3) AS INTEGER)
 WHERE parked_at IS NOT NULL AND last_error GLOB 'HTTP [0-9][0-9][0-9]*';
";

pub(crate) fn enqueue(tx: &Connection, case_seq: i64) -> Result<(), DeskError> {
    tx.prepare_cached("INSERT INTO eval_outbox (case_seq) VALUES (?1)")?
        .execute([case_seq])?;
    Ok(())
}

/// A batch of cases to POST under one `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalBatch {
    /// Stable for the batch's life: the `Idempotency-Key`.
    pub id: String,
    /// Order of formation; `next_eval_batch(after)` walks batches by it.
    pub seq: i64,
    pub attempts: i64,
    pub cases: Vec<EvalCase>,
}

/// A batch a receiver refused for good, waiting for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ParkedBatch {
    pub id: String,
    pub cases: i64,
    pub error: Option<String>,
    pub parked_at_ms: i64,
}

/// What the outbox holds, for `sync status` and the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    /// Cases not yet acknowledged and not parked.
    pub pending: i64,
    /// Cases in parked batches.
    pub parked: i64,
    pub parked_batches: Vec<ParkedBatch>,
    /// The newest failure (retried or parked), if any batch is still unacknowledged.
    pub last_error: Option<String>,
    pub last_error_at_ms: Option<i64>,
}

fn cases_of(conn: &Connection, batch_seq: i64) -> Result<Vec<EvalCase>, DeskError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CASE_COLUMNS} FROM eval_outbox o JOIN eval_cases c ON c.seq = o.case_seq
         WHERE o.batch_seq = ?1 ORDER BY c.seq"
    ))?;
    let rows = stmt.query_map([batch_seq], case_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn batch_seq_of(conn: &Connection, id: &str) -> Result<i64, DeskError> {
    conn.prepare_cached("SELECT seq FROM eval_batches WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| DeskError::NotFound(format!("eval batch {id}")))
}

impl Desk {
    /// The next batch to send: the oldest formed, unacknowledged, unparked batch after `after`
    /// (a batch seq), or else a new one of up to `max_cases` queued cases, oldest first. `None`
    /// when nothing is left. A batch is formed once: its id and cases never change.
    pub fn next_eval_batch(
        &mut self,
        after: Option<i64>,
        max_cases: usize,
    ) -> Result<Option<EvalBatch>, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let formed: Option<(i64, String, i64)> = tx
            .prepare_cached(
                "SELECT seq, id, attempts FROM eval_batches
                 WHERE acked_at IS NULL AND parked_at IS NULL AND seq > ?1 ORDER BY seq LIMIT 1",
            )?
            .query_row([after.unwrap_or(0)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        if let Some((seq, id, attempts)) = formed {
            let cases = cases_of(&tx, seq)?;
            return Ok(Some(EvalBatch {
                id,
                seq,
                attempts,
                cases,
            }));
        }
        let waiting: Vec<i64> = tx
            .prepare_cached(
                "SELECT case_seq FROM eval_outbox WHERE batch_seq IS NULL ORDER BY case_seq LIMIT ?1",
            )?
            .query_map([max_cases.max(1) as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if waiting.is_empty() {
            return Ok(None);
        }
        let seq: i64 = tx
            .prepare_cached("SELECT coalesce(max(seq), 0) + 1 FROM eval_batches")?
            .query_row([], |r| r.get(0))?;
        // The workspace id keeps keys from two laptops apart at one receiver.
        let id = format!("{}-batch-{seq}", crate::replies::workspace_id(&tx)?);
        tx.prepare_cached("INSERT INTO eval_batches (seq, id, formed_at) VALUES (?1, ?2, ?3)")?
            .execute((seq, &id, now))?;
        for case_seq in &waiting {
            tx.prepare_cached("UPDATE eval_outbox SET batch_seq = ?1 WHERE case_seq = ?2")?
                .execute((seq, case_seq))?;
        }
        let cases = cases_of(&tx, seq)?;
        tx.commit()?;
        tracing::info!(batch = %id, cases = cases.len(), "eval batch formed");
        Ok(Some(EvalBatch {
            id,
            seq,
            attempts: 0,
            cases,
        }))
    }

    /// The receiver acknowledged batch `id`: its cases leave the outbox.
    pub fn ack_eval_batch(&mut self, id: &str) -> Result<(), DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = batch_seq_of(&tx, id)?;
        tx.execute("DELETE FROM eval_outbox WHERE batch_seq = ?1", [seq])?;
        tx.execute(
            "UPDATE eval_batches SET acked_at = ?2, attempts = attempts + 1 WHERE seq = ?1",
            (seq, now),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An attempt at batch `id` failed and will be retried.
    pub fn eval_batch_failed(&mut self, id: &str, error: &str) -> Result<(), DeskError> {
        let now = self.clock.now_ms();
        let seq = batch_seq_of(&self.conn, id)?;
        self.conn.execute(
            "UPDATE eval_batches SET attempts = attempts + 1, last_error = ?2, failed_at = ?3 WHERE seq = ?1",
            (seq, error, now),
        )?;
        Ok(())
    }

    /// The receiver refused batch `id` for good, with HTTP `status`: it waits for a person.
    pub fn park_eval_batch(&mut self, id: &str, status: u16, error: &str) -> Result<(), DeskError> {
        let now = self.clock.now_ms();
        let seq = batch_seq_of(&self.conn, id)?;
        self.conn.execute(
            "UPDATE eval_batches SET attempts = attempts + 1, last_error = ?2, failed_at = ?3, parked_at = ?3, refused_status = ?4 WHERE seq = ?1",
            (seq, error, now, status),
        )?;
        tracing::warn!(batch = %id, "eval batch parked");
        Ok(())
    }

    /// A person (`by`) sends a parked batch again (the receiver was fixed): it rejoins the
    /// pending batches with the same id and cases, so the receiver still dedupes it. Recorded
    /// in the audit log (`sync.requeued`, with the batch's id and the HTTP status it was
    /// refused with — not the receiver's words, which could echo case data into a log that
    /// cannot be scrubbed): cases leave the machine again on a person's word. Anyone on the
    /// staff may: where cases go, and whether redacted, is still the supervisor's setting.
    pub fn requeue_eval_batch(&mut self, id: &str, by: &str) -> Result<(), DeskError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::actor_in(&tx, by)?;
        let seq = batch_seq_of(&tx, id)?;
        let refused_with: Option<u16> = tx
            .query_row(
                "SELECT refused_status FROM eval_batches WHERE seq = ?1 AND parked_at IS NOT NULL AND acked_at IS NULL",
                [seq],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| DeskError::NotFound(format!("parked eval batch {id}")))?;
        tx.execute(
            "UPDATE eval_batches SET parked_at = NULL, refused_status = NULL WHERE seq = ?1",
            [seq],
        )?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            AuditKind::SyncRequeued,
            &AuditSubject::Workspace,
            &serde_json::json!({ "batch": id, "refused_with": refused_with }),
        )?;
        tx.commit()?;
        tracing::info!(batch = %id, "parked eval batch requeued");
        Ok(())
    }

    /// Pending and parked counts, the parked batches and the newest error.
    pub fn sync_status(&self) -> Result<SyncStatus, DeskError> {
        status(&self.conn)
    }
}

impl crate::reader::DeskReader {
    pub fn sync_status(&self) -> Result<SyncStatus, DeskError> {
        status(&self.conn)
    }
}

fn status(conn: &Connection) -> Result<SyncStatus, DeskError> {
    let (pending, parked): (i64, i64) = conn.query_row(
        "SELECT count(*) FILTER (WHERE b.parked_at IS NULL), count(*) FILTER (WHERE b.parked_at IS NOT NULL)
         FROM eval_outbox o LEFT JOIN eval_batches b ON b.seq = o.batch_seq",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let parked_batches = conn
        .prepare(
            "SELECT b.id, (SELECT count(*) FROM eval_outbox o WHERE o.batch_seq = b.seq), b.last_error, b.parked_at
             FROM eval_batches b WHERE b.parked_at IS NOT NULL AND b.acked_at IS NULL ORDER BY b.seq",
        )?
        .query_map([], |r| {
            Ok(ParkedBatch {
                id: r.get(0)?,
                cases: r.get(1)?,
                error: r.get(2)?,
                parked_at_ms: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let last: Option<(Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT last_error, failed_at FROM eval_batches
             WHERE acked_at IS NULL AND failed_at IS NOT NULL ORDER BY failed_at DESC, seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (last_error, last_error_at_ms) = last.unwrap_or((None, None));
    Ok(SyncStatus {
        pending,
        parked,
        parked_batches,
        last_error,
        last_error_at_ms,
    })
}
