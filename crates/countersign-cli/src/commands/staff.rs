//! `staff set` and `staff list`: roles are an administrator's assignment, not a flag.

use countersign_core::Role;

use crate::error::desk;
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// `staff set NAME --role ROLE`: recorded in the audit log as done by `--actor`.
pub fn set(ctx: &Invocation, name: &str, role: Role) -> anyhow::Result<()> {
    ctx.open()?
        .assign_role(&ctx.actor, name, role)
        .map_err(desk)?;
    out(format!("{} is now {}.", name.trim(), role.as_str()))
}

/// `staff list [--json]`.
pub fn list(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let staff = ctx.open()?.staff().map_err(desk)?;
    if json {
        return json_out(&staff);
    }
    if staff.is_empty() {
        return out("No roles assigned: everyone is an agent.");
    }
    for m in staff {
        out(format!(
            "{:<24} {:<10} assigned by {}",
            m.name,
            m.role.as_str(),
            m.assigned_by
        ))?;
    }
    Ok(())
}
