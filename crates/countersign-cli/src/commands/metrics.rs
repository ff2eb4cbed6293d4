//! `metrics`: the figures over real work, from stored decisions.

use crate::commands::eval_export::parse_since;
use crate::error::desk;
use crate::invocation::Invocation;
use crate::output::{json_out, out};

const DAY_MS: i64 = 86_400_000;

/// `--until` names the last day included: a bare date reaches to its end.
fn parse_until(text: &str) -> anyhow::Result<i64> {
    let at = parse_since(text)?;
    Ok(if text.len() == 10 { at + DAY_MS } else { at })
}

pub fn metrics(
    ctx: &Invocation,
    since: Option<&str>,
    until: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let since_ms = since.map(parse_since).transpose()?.unwrap_or(0);
    let until_ms = until.map(parse_until).transpose()?.unwrap_or(i64::MAX);
    let report = ctx
        .open()?
        .views()
        .work_metrics(since_ms, until_ms)
        .map_err(desk)?;
    if json {
        return json_out(&report);
    }
    let pct = |r: Option<f64>| r.map_or("n/a".to_owned(), |r| format!("{:.1}%", r * 100.0));
    for (name, m) in std::iter::once(("overall", &report.overall))
        .chain(report.by_planner.iter().map(|(p, m)| (p.as_str(), m)))
    {
        out(format!(
            "{name}: {} conversation(s) · action precision {} · action edits {} · reply edits {} · approval required {} · escalated {} · blocked {} · flagged {} · resolved {}",
            m.conversations,
            pct(m.action_precision),
            pct(m.action_edit_rate),
            pct(m.reply_edit_rate),
            pct(m.approval_required_rate),
            pct(m.escalation_rate),
            pct(m.block_rate),
            pct(m.flag_rate),
            pct(m.resolution_rate),
        ))?;
    }
    Ok(())
}
