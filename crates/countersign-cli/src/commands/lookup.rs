//! `lookup`: runs a read tool with staff scope and prints its JSON result.

use countersign_shop::{Scope, ToolName};

use super::parse_json;
use crate::error::desk;
use crate::invocation::Invocation;
use crate::output::json_out;

pub fn lookup(ctx: &Invocation, tool: ToolName, args: &str) -> anyhow::Result<()> {
    let args = parse_json(args)?;
    let value = ctx
        .open()?
        .lookup(tool, &args, &Scope::Staff)
        .map_err(desk)?;
    json_out(&value)
}
