//! A supervisor's changes to the team systems' configuration — a server added or replaced, a
//! tool classified, the policy replaced — recorded in the audit log. The configuration itself
//! is in the workspace's files (`countersign_mcp::WorkspaceFiles`); the change is written
//! inside the transaction that records it, so a change on disk is a change in the log: the
//! record commits only after the file is in place, and a failed write rolls the record back.
//! (A crash between the rename and the commit is the one gap; it leaves the file newer than
//! the log, never the log ahead of the file.)

use countersign_core::{AuditKind, AuditSubject};
use countersign_mcp::{ServerName, ServerSpec, ToolClass, ToolHash, TransportSpec};
use rusqlite::TransactionBehavior;
use serde_json::{json, Value};

use crate::audit_log;
use crate::desk::Desk;
use crate::error::DeskError;

/// One change to the team systems' configuration, as the audit log records it.
#[derive(Clone, Copy, Debug)]
pub enum ToolSettingsChange<'a> {
    /// A server added, or the one of that name replaced.
    Server(&'a ServerSpec),
    /// A supervisor's class for the tool definition they reviewed (named by its hash).
    ToolClass {
        server: &'a ServerName,
        tool: &'a str,
        class: ToolClass,
        hash: &'a ToolHash,
    },
    /// The policy file replaced by this text (kept whole: a reviewer sees what was allowed).
    Policy(&'a str),
}

impl ToolSettingsChange<'_> {
    fn kind(&self) -> AuditKind {
        match self {
            ToolSettingsChange::Server(_) => AuditKind::ToolServerChanged,
            ToolSettingsChange::ToolClass { .. } => AuditKind::ToolClassified,
            ToolSettingsChange::Policy(_) => AuditKind::ToolPolicyChanged,
        }
    }

    /// What the permission error names.
    fn what(&self) -> &'static str {
        match self {
            ToolSettingsChange::Server(_) => "add a team system",
            ToolSettingsChange::ToolClass { .. } => "classify a team system's tools",
            ToolSettingsChange::Policy(_) => "change the team systems' policy",
        }
    }

    fn details(&self) -> Value {
        match self {
            ToolSettingsChange::Server(spec) => {
                let (transport, address) = match &spec.transport {
                    TransportSpec::Stdio { program, args } => {
                        let mut words = vec![program.clone()];
                        words.extend(args.iter().cloned());
                        ("stdio", words.join(" "))
                    }
                    TransportSpec::Http { url } => ("http", url.clone()),
                };
                json!({
                    "server": spec.name.as_str(),
                    "transport": transport,
                    "address": address,
                    "trust_read_only_hints": spec.trust_read_only_hints,
                })
            }
            ToolSettingsChange::ToolClass {
                server,
                tool,
                class,
                hash,
            } => json!({
                "server": server.as_str(),
                "tool": tool,
                "class": class.as_str(),
                "hash": hash.0,
            }),
            ToolSettingsChange::Policy(text) => json!({ "text": text }),
        }
    }
}

impl Desk {
    /// Makes `change` with `write` (which writes the file) and records it, as one step: only a
    /// supervisor's change is written at all, and the audit record commits only if `write`
    /// succeeded. `write`'s error comes back as it is.
    pub fn change_tool_settings<T, E: From<DeskError>>(
        &mut self,
        by: &str,
        change: ToolSettingsChange<'_>,
        write: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(DeskError::from)?;
        let actor = crate::staff::require_supervisor(&tx, by, change.what())?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            change.kind(),
            &AuditSubject::Workspace,
            &change.details(),
        )?;
        let written = write()?;
        tx.commit().map_err(DeskError::from)?;
        tracing::info!(kind = change.kind().as_str(), by = %actor.name, "tool settings changed");
        Ok(written)
    }
}
