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
            ToolSettingsChange::Server(spec) => match &spec.transport {
                TransportSpec::Stdio { program, args } => json!({
                    "server": spec.name.as_str(),
                    "trust_read_only_hints": spec.trust_read_only_hints,
                    "transport": "stdio",
                    "program": program,
                    "args": redact_args(args),
                }),
                TransportSpec::Http { url } => json!({
                    "server": spec.name.as_str(),
                    "trust_read_only_hints": spec.trust_read_only_hints,
                    "transport": "http",
                    "url": crate::outbound_url::for_the_record(url),
                }),
            },
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

/// Words of a setting's name that say its value is a credential.
const SECRET_WORDS: [&str; 6] = ["key", "token", "secret", "pass", "auth", "cookie"];

fn names_a_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| name.contains(w))
}

/// A command's arguments with credentials withheld, since the audit log is append-only and
/// cannot be scrubbed later: `NAME=value` (as `env` takes it) and `--flag=value` whose name
/// says it is one, the argument after such a `--flag`, a header (`Authorization: Bearer …`,
/// `X-Api-Key: …`) whose name says so, and the argument after `-H`/`--header` when that is
/// one, and a URL's credentials and query values. A bare token passed as a plain argument cannot be told from a word; the README says
/// to keep tokens in the keychain.
fn redact_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut withhold_next = false;
    for arg in args {
        if std::mem::take(&mut withhold_next) {
            out.push(redact_header(arg).unwrap_or_else(|| "[withheld]".to_owned()));
            continue;
        }
        if arg.contains("://") {
            out.push(crate::outbound_url::for_the_record(arg));
            continue;
        }
        if let Some(header) = redact_header(arg) {
            out.push(header);
            continue;
        }
        match arg.split_once('=') {
            Some((name, _)) if !name.is_empty() && names_a_credential(name) => {
                out.push(format!("{name}=[withheld]"));
            }
            None if arg.starts_with('-') && names_a_credential(arg) => {
                withhold_next = true;
                out.push(arg.clone());
            }
            _ => out.push(arg.clone()),
        }
    }
    out
}

/// `Name: value` (alone, or after `--header=`) with the value withheld when the name says it
/// is a credential; `None` for anything else.
fn redact_header(arg: &str) -> Option<String> {
    let (prefix, header) = match arg.split_once('=') {
        Some((flag, rest)) if flag.starts_with('-') => (format!("{flag}="), rest),
        _ => (String::new(), arg),
    };
    let (name, _) = header.split_once(':')?;
    let name = name.trim();
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (is_name && (names_a_credential(name) || name.eq_ignore_ascii_case("authorization")))
        .then(|| format!("{prefix}{name}: [withheld]"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_server_address_are_withheld_from_the_log() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            redact_args(&args(&[
                "BILLING_API_KEY=sk-123",
                "GITHUB_TOKEN=ghp_1",
                "db_password=hunter2",
                "STATE_DIR=/tmp/x",
                "--api-key=sk-1",
                "--auth-token",
                "abc",
                "--port",
                "8080",
                "server.py",
                "-H",
                "Authorization: Bearer abc",
                "--header=X-Api-Key: k1",
                "--header",
                "Accept: text/plain",
                "http://localhost:3000",
                "https://u:p@db.example.com/x?sslkey=1",
            ])),
            args(&[
                "BILLING_API_KEY=[withheld]",
                "GITHUB_TOKEN=[withheld]",
                "db_password=[withheld]",
                "STATE_DIR=/tmp/x",
                "--api-key=[withheld]",
                "--auth-token",
                "[withheld]",
                "--port",
                "8080",
                "server.py",
                "-H",
                "Authorization: [withheld]",
                "--header=X-Api-Key: [withheld]",
                "--header",
                "Accept: text/plain",
                "http://localhost:3000/",
                "https://withheld@db.example.com/x?sslkey=[withheld]",
            ])
        );
    }
}
