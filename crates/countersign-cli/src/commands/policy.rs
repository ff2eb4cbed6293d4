//! `policy show` and `policy limit`: who may approve how much (the approval limits a
//! supervisor sets; the app's Settings → Policy edits the same record).

use countersign_shop::{Money, ToolKind, ToolName};

use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// `policy show [--json]`.
pub fn show(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let policy = ctx.open()?.gate_policy().map_err(desk)?;
    if json {
        return json_out(&policy);
    }
    out(format!(
        "Proposals expire after {} minutes.",
        policy.expiry_ms / 60_000
    ))?;
    out("An agent may approve, up to (a supervisor above it, and for any action not listed):")?;
    for (tool, limit) in &policy.limits.agent {
        out(format!("  {:<34} {limit}", tool.as_str()))?;
    }
    Ok(())
}

/// `policy limit TOOL (AMOUNT | --supervisor-only)`: a supervisor's change, recorded in the
/// audit log.
pub fn limit(
    ctx: &Invocation,
    tool: ToolName,
    amount: Option<&str>,
    supervisor_only: bool,
) -> anyhow::Result<()> {
    if tool.kind() != ToolKind::Write {
        return Err(bad(
            "invalid_setting",
            format!("{tool} has no amount to limit: only write actions do"),
        ));
    }
    let mut desk_ = ctx.open()?;
    let mut policy = desk_.gate_policy().map_err(desk)?;
    let said = match (amount, supervisor_only) {
        (Some(text), false) => {
            let limit = parse_dollars(text).ok_or_else(|| {
                bad(
                    "invalid_amount",
                    format!("`{text}` is not an amount in dollars (like 250 or 99.50)"),
                )
            })?;
            policy.limits.agent.insert(tool, limit);
            format!("Agents may now approve {tool} up to {limit}.")
        }
        (None, true) => {
            policy.limits.agent.remove(&tool);
            format!("Only a supervisor may now approve {tool}.")
        }
        _ => {
            return Err(bad(
                "invalid_setting",
                "give an amount or --supervisor-only (one of them)",
            ))
        }
    };
    desk_.set_gate_policy(&ctx.actor, &policy).map_err(desk)?;
    out(said)
}

/// Whole dollars or dollars and cents, never negative: `250`, `99.5`, `99.50`.
fn parse_dollars(text: &str) -> Option<Money> {
    let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse::<i64>().ok()?,
    };
    Some(Money::from_cents(
        whole
            .parse::<i64>()
            .ok()?
            .checked_mul(100)?
            .checked_add(cents)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_parse_exactly_or_not_at_all() {
        let c = |n| Some(Money::from_cents(n));
        for (text, want) in [
            ("250", c(25_000)),
            ("99.5", c(9_950)),
            ("99.50", c(9_950)),
            ("0", c(0)),
            (" 12 ", c(1_200)),
            ("-5", None),
            ("1.234", None),
            ("1e3", None),
            ("", None),
            (".5", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_dollars(text), want, "{text}");
        }
    }
}
