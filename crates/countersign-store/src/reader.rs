//! The read side of a workspace: a read-only SQLite connection and the clock, for everything
//! the app shows. Under WAL a reader sees the last committed transaction and never takes the
//! write lock, so reads (queue refreshes, searches, exports) neither wait for an approval nor
//! hold one up. Writes go through [`crate::Desk`].

use std::path::Path;
use std::sync::Arc;

use countersign_core::Clock;
use countersign_pipeline::Caps;
use rusqlite::Connection;
use serde_json::Value;

use crate::audit_log::{self, VerifyReport};
use crate::conversations;
use crate::db;
use crate::desk::DB_FILE;
use crate::error::DeskError;
use crate::views::Views;
use crate::workspace::{self, GatePolicy, ProviderSettings};

pub struct DeskReader {
    pub(crate) conn: Connection,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DeskReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskReader").finish_non_exhaustive()
    }
}

impl DeskReader {
    /// Opens the workspace in `data_dir` read-only. It must exist: [`crate::Desk::open`]
    /// creates, seeds and migrates it.
    pub fn open(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<DeskReader, DeskError> {
        let path = data_dir.join(DB_FILE);
        if !path.exists() {
            return Err(DeskError::NotFound(format!(
                "workspace {}",
                data_dir.display()
            )));
        }
        Ok(DeskReader {
            conn: db::open_read_only(&path)?,
            clock,
        })
    }

    /// Read models as of now.
    pub fn views(&self) -> Views<'_> {
        Views::new(&self.conn, self.clock.now_ms())
    }

    pub fn gate_policy(&self) -> Result<GatePolicy, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::GATE_POLICY)?.unwrap_or_default())
    }

    pub fn planner_caps(&self) -> Result<Caps, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::PLANNER_CAPS)?.unwrap_or_default())
    }

    /// The shop, read-only (a planner working off the window reads through this).
    pub fn shop(&self) -> crate::SqlShop<'_> {
        crate::SqlShop(&self.conn)
    }

    pub fn knowledge(&self) -> crate::SqlKnowledgeBase<'_> {
        crate::SqlKnowledgeBase(&self.conn)
    }

    pub fn provider_settings(&self) -> Result<ProviderSettings, DeskError> {
        workspace::provider(&self.conn)
    }

    /// Where this workspace's shop came from.
    pub fn shop_source(&self) -> Result<Value, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::SHOP_SOURCE)?.unwrap_or(Value::Null))
    }

    /// The conversation's customer, if the conversation exists.
    pub fn conversation_customer(&self, id: i64) -> Result<Option<String>, DeskError> {
        conversations::customer_of(&self.conn, id)
    }

    pub fn verify_audit(&self) -> Result<VerifyReport, DeskError> {
        audit_log::verify(&self.conn)
    }

    // The mailbox's settings and state, read without the writer (the app's status page).

    pub fn mailbox_settings(&self) -> Result<Option<crate::MailboxSettings>, DeskError> {
        workspace::get(&self.conn, &workspace::MAILBOX)
    }

    pub fn mailbox_status(&self) -> Result<crate::MailboxStatus, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::MAILBOX_STATUS)?.unwrap_or_default())
    }

    pub fn mail_counts(&self) -> Result<crate::MailCounts, DeskError> {
        crate::mail_messages::counts(&self.conn)
    }

    pub fn quarantined_mail(&self) -> Result<Vec<crate::QuarantinedMail>, DeskError> {
        crate::mail_messages::quarantined(&self.conn)
    }

    pub fn outbox_counts(&self) -> Result<crate::OutboxCounts, DeskError> {
        crate::reply_sends::counts(&self.conn)
    }

    pub fn webhook_target(&self) -> Result<Option<crate::WebhookTarget>, DeskError> {
        workspace::get(&self.conn, &workspace::WEBHOOK)
    }
}
