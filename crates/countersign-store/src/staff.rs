//! Staff and their roles: the authority an approval is judged under.
//!
//! A role is assigned by an administrator (`countersign staff set NAME --role supervisor`, on
//! the workspace's machine; on the planned team server, by its admin API) and recorded in the
//! audit log. A person nobody assigned is an agent. The desktop and the CLI name who is acting
//! (the OS account); they never say what that person may do — the core looks it up here.

use countersign_core::{AuditKind, AuditSubject, Role};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::json;

use crate::audit_log;
use crate::desk::{Actor, Desk};
use crate::error::DeskError;
use crate::reader::DeskReader;

pub(crate) const SCHEMA_V4: &str = "
CREATE TABLE staff (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('agent', 'supervisor')),
    assigned_by TEXT NOT NULL,
    assigned_at INTEGER NOT NULL
) STRICT;
";

/// One person's assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffMember {
    pub name: String,
    pub role: Role,
    pub assigned_by: String,
    pub assigned_at_ms: i64,
}

pub(crate) fn role_of(conn: &Connection, name: &str) -> Result<Role, DeskError> {
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM staff WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    match role {
        None => Ok(Role::Agent),
        Some(r) => r
            .parse()
            .map_err(|_| crate::error::corrupt(format!("staff {name}"), &r)),
    }
}

/// The person named, with their role; an empty name is nobody.
pub(crate) fn actor_in(conn: &Connection, name: &str) -> Result<Actor, DeskError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DeskError::ActorRequired);
    }
    Ok(Actor {
        name: name.to_owned(),
        role: role_of(conn, name)?,
    })
}

/// The person acting, if they are a supervisor; `NotPermitted` otherwise. Read inside the
/// caller's transaction, like every role check.
pub(crate) fn require_supervisor(
    conn: &Connection,
    by: &str,
    what: &'static str,
) -> Result<Actor, DeskError> {
    let actor = actor_in(conn, by)?;
    if actor.role != Role::Supervisor {
        return Err(DeskError::NotPermitted {
            who: actor.name,
            what,
        });
    }
    Ok(actor)
}

fn list(conn: &Connection) -> Result<Vec<StaffMember>, DeskError> {
    let mut stmt = conn
        .prepare_cached("SELECT name, role, assigned_by, assigned_at FROM staff ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, role, assigned_by, assigned_at_ms) = row?;
        let role = role
            .parse()
            .map_err(|_| crate::error::corrupt(format!("staff {name}"), &role))?;
        out.push(StaffMember {
            name,
            role,
            assigned_by,
            assigned_at_ms,
        });
    }
    Ok(out)
}

impl Desk {
    /// Who `name` is to the gate: their assigned role, or agent.
    pub fn actor(&self, name: &str) -> Result<Actor, DeskError> {
        actor_in(&self.conn, name)
    }

    pub fn staff(&self) -> Result<Vec<StaffMember>, DeskError> {
        list(&self.conn)
    }

    /// Assigns `name` a role, as `by`, recorded in the audit log. Only a supervisor may assign
    /// roles — except the very first supervisor of a workspace, which whoever administers the
    /// workspace's files assigns (on a desktop they could edit the file anyway; the team server
    /// will authenticate its administrators).
    pub fn assign_role(&mut self, by: &str, name: &str, role: Role) -> Result<(), DeskError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DeskError::ActorRequired);
        }
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let bootstrap: bool = tx.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM staff WHERE role = 'supervisor')",
            [],
            |r| r.get(0),
        )?;
        if !bootstrap {
            require_supervisor(&tx, by, "assign roles")?;
        }
        tx.execute(
            "INSERT INTO staff (name, role, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET role = ?2, assigned_by = ?3, assigned_at = ?4",
            (name, role.as_str(), by, now),
        )?;
        audit_log::append(
            &tx,
            now,
            by,
            AuditKind::StaffRoleSet,
            &AuditSubject::Workspace,
            &json!({"name": name, "role": role}),
        )?;
        tx.commit()?;
        tracing::info!(role = role.as_str(), "staff role assigned");
        Ok(())
    }
}

impl DeskReader {
    /// Who `name` is to the gate, read-only (for showing it; the gate reads it again when it
    /// decides).
    pub fn actor(&self, name: &str) -> Result<Actor, DeskError> {
        actor_in(&self.conn, name)
    }
}
