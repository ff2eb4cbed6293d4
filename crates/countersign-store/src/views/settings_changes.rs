//! Changes to the workspace's settings, for a supervisor's review beside the decisions: every
//! audit record about the workspace itself — approval limits, the provider, caps, the mailbox,
//! credentials (that they changed and by whom, never their values), roles, eval sync, the team
//! systems' servers, classes and policy — newest first.

use countersign_core::AuditSubject;
use serde::Serialize;

use super::Views;
use crate::audit_log::{self, AuditEntry};
use crate::error::DeskError;

/// The newest settings changes, and whether older ones exist.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsChanges {
    pub entries: Vec<AuditEntry>,
    pub more: bool,
}

impl Views<'_> {
    /// The newest `limit` settings changes, newest first.
    pub fn settings_changes(&self, limit: u32) -> Result<SettingsChanges, DeskError> {
        let (entries, more) = audit_log::newest_for(self.conn, &AuditSubject::Workspace, limit)?;
        Ok(SettingsChanges { entries, more })
    }
}
