//! Opening the database and applying migrations.
//!
//! Each table's schema lives next to the code that uses it; this file only orders them. All
//! pending migrations run in one transaction, and a database newer than this build is refused
//! rather than half-understood.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::DeskError;

/// Ordered migrations. Append only: a shipped entry never changes.
const MIGRATIONS: &[&str] = &[
    crate::workspace::SCHEMA_V1,
    crate::conversations::SCHEMA_V1,
    crate::proposals::SCHEMA_V1,
    crate::shop_store::SCHEMA_V1,
    crate::audit_log::SCHEMA_V1,
    crate::conversations::SCHEMA_V2,
    crate::knowledge::SCHEMA_V2,
    crate::audit_log::SCHEMA_V2,
    crate::trace_steps::SCHEMA_V3,
    crate::staff::SCHEMA_V4,
    crate::trace_steps::SCHEMA_V5,
    crate::conversations::SCHEMA_V5,
    crate::mail_messages::SCHEMA_V6,
    crate::replies::SCHEMA_V7,
    crate::reply_sends::SCHEMA_V7,
    crate::thread::SCHEMA_V7,
    crate::eval_capture::SCHEMA_V8,
    crate::eval_outbox::SCHEMA_V8,
    crate::csat::SCHEMA_V9,
    crate::external_calls::SCHEMA_V10,
    crate::eval_outbox::SCHEMA_V11,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn open(path: &Path) -> Result<Connection, DeskError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a decision reported as recorded survives a power cut.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// A migrated database in memory, for throwaway workspaces (eval runs): nothing about it is
/// durable, so it needs neither a journal on disk nor a sync per commit.
pub fn open_in_memory() -> Result<Connection, DeskError> {
    let mut conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// A read-only connection to an existing, migrated workspace, for the app's reads: under WAL
/// it reads the last committed state without ever waiting for (or blocking) the writer, and
/// SQLite itself refuses any write through it.
pub fn open_read_only(path: &Path) -> Result<Connection, DeskError> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(DeskError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < SCHEMA_VERSION {
        return Err(crate::error::corrupt(
            path.display(),
            format!("schema version {found}; open it for writing first to migrate it"),
        ));
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), DeskError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(DeskError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(open(&path).unwrap());
        drop(open(&path).unwrap()); // idempotent
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = open(&path).unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
    }

    /// A batch parked before `refused_status` existed kept its HTTP
    /// status only in its words; the migration reads it from there once, so a requeue after
    /// the upgrade still names it.
    #[test]
    fn refused_status_is_taken_from_a_parked_batchs_stored_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        let before = MIGRATIONS
            .iter()
            .position(|m| *m == crate::eval_outbox::SCHEMA_V11)
            .unwrap();
        for sql in &MIGRATIONS[..before] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", before as i64)
            .unwrap();
        tx.execute_batch(
            "INSERT INTO eval_batches (id, formed_at, attempts, last_error, failed_at, parked_at)
             VALUES ('parked', 1, 1, 'HTTP 422: unprocessable', 2, 2),
                    ('failing', 1, 3, 'HTTP 503: try later', 2, NULL),
                    ('odd', 1, 1, 'connection reset', 2, 2);",
        )
        .unwrap();
        tx.commit().unwrap();
        drop(conn);
        let conn = open(&path).unwrap();
        let status = |id: &str| -> Option<i64> {
            conn.query_row(
                "SELECT refused_status FROM eval_batches WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(status("parked"), Some(422));
        // Not parked: retried, not refused. No status in its words: none invented.
        assert_eq!(status("failing"), None);
        assert_eq!(status("odd"), None);
    }

    #[test]
    fn a_failing_migration_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("t.db")).unwrap();
        // A table one migration wants to create already exists: the whole batch must roll back.
        conn.execute_batch("CREATE TABLE audit_log (x INTEGER)")
            .unwrap();
        assert!(migrate(&mut conn).is_err());
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 0);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'proposals'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
    }
}
