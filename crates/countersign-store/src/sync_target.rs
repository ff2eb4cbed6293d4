//! Where captured eval cases are synced to, a supervisor's setting: the receiver's URL and
//! whether cases leave redacted (on unless a supervisor turns it off). The bearer token is not
//! here: it lives in the OS keychain (`COUNTERSIGN_SYNC_TOKEN` for the CLI).

use countersign_core::{AuditKind, AuditSubject};
use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};

use crate::audit_log;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::workspace::{self, Setting};

const SYNC_TARGET: Setting<SyncTarget> = Setting::new("sync_target");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncTarget {
    /// Empty: sync is off.
    pub endpoint: String,
    pub redact: bool,
}

impl Default for SyncTarget {
    fn default() -> Self {
        SyncTarget {
            endpoint: String::new(),
            redact: true,
        }
    }
}

impl crate::reader::DeskReader {
    pub fn sync_target(&self) -> Result<SyncTarget, DeskError> {
        Ok(workspace::get(&self.conn, &SYNC_TARGET)?.unwrap_or_default())
    }
}

impl Desk {
    pub fn sync_target(&self) -> Result<SyncTarget, DeskError> {
        Ok(workspace::get(&self.conn, &SYNC_TARGET)?.unwrap_or_default())
    }

    /// Sets where cases go (an empty endpoint turns sync off); a supervisor's change, audited.
    pub fn set_sync_target(&mut self, by: &str, target: &SyncTarget) -> Result<(), DeskError> {
        let endpoint = if target.endpoint.trim().is_empty() {
            String::new()
        } else {
            crate::outbound_url::checked(&target.endpoint, "sync endpoint")?
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor =
            crate::staff::require_supervisor(&tx, by, "change where eval cases are synced")?;
        let stored = SyncTarget {
            endpoint,
            redact: target.redact,
        };
        workspace::set(&tx, &SYNC_TARGET, &stored)?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            AuditKind::SyncChanged,
            &AuditSubject::Workspace,
            &serde_json::json!(SyncTarget {
                endpoint: crate::outbound_url::for_the_record(&stored.endpoint),
                redact: stored.redact,
            }),
        )?;
        tx.commit()?;
        Ok(())
    }
}
