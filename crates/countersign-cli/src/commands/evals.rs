//! Measuring the desk: `eval`, `tau-replay`, and `export-shop` for τ-format tooling.

use std::path::Path;

use countersign_evals::eval::{load_files, run_with, seed_of, EvalError, RunOptions};
use countersign_evals::tau_replay::ReplayError;
use countersign_pipeline::Caps;
use countersign_store::{ProviderSettings, ShopSeed};

use crate::commands::eval_export::parse_since;
use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// `eval`: each case in a fresh workspace; nothing executes.
pub fn eval(ctx: &Invocation, cases: &Path, json: bool, jobs: Option<u16>) -> anyhow::Result<()> {
    let shop = match &ctx.seed {
        ShopSeed::TauFile(p) => Some(p.clone()),
        _ => None,
    };
    // Each case runs in a fresh workspace, so the planner comes from the flags alone.
    let agent = ctx.agent(ProviderSettings::default(), Caps::default());
    let mut options = RunOptions::default();
    if let Some(jobs) = jobs {
        options.jobs = usize::from(jobs);
    }
    let eval_error = |e: EvalError| {
        if e.is_bad_input() {
            bad(e.code(), &e)
        } else {
            anyhow::Error::new(e)
        }
    };
    let loaded = load_files(&[cases]).map_err(eval_error)?;
    let seed = seed_of(shop.as_deref()).map_err(eval_error)?;
    let report = run_with(&loaded, &seed, &agent, options).map_err(eval_error)?;
    if json {
        return json_out(&report);
    }
    let o = &report.overall;
    out(format!(
        "{}/{} passed · action precision {:.3} · recall {:.3} · must-not-include violations {} · unapproved side effects {}",
        o.passed, o.cases, o.action_precision, o.action_recall, o.must_not_include_violations, o.unapproved_side_effects
    ))?;
    let planners: Vec<String> = o
        .by_planner
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    out(format!(
        "planners: {} · tokens in {} out {} · cost {}",
        planners.join(", "),
        o.input_tokens_total,
        o.output_tokens_total,
        o.cost_usd_total
            .map_or("n/a (no priced model)".to_owned(), |c| format!("${c:.4}"))
    ))?;
    for r in report.results.iter().filter(|r| !r.pass) {
        out(format!("  FAIL {}: {}", r.id, r.reasons.join("; ")))?;
    }
    Ok(())
}

/// `evals replay`: the captured decisions through today's planner, policy and limits.
pub fn replay(
    ctx: &Invocation,
    since: Option<&str>,
    jobs: Option<u16>,
    json: bool,
) -> anyhow::Result<()> {
    let since_ms = since.map(parse_since).transpose()?.unwrap_or(0);
    let desk_ = ctx.open()?;
    let settings = desk_.provider_settings().map_err(desk)?;
    let agent = ctx.agent(settings, Caps::default());
    let cases = desk_.eval_cases(since_ms).map_err(desk)?;
    let jobs = jobs.map_or(RunOptions::default().jobs, usize::from);
    let report = countersign_evals::replay::replay(&desk_, &cases, &agent, jobs)?;
    if json {
        return json_out(&report);
    }
    out(format!(
        "{} decisions in {} conversations replayed against {}: {} would go differently",
        report.decisions,
        report.conversations,
        report.shop,
        report.flips.len()
    ))?;
    for f in &report.flips {
        out(format!(
            "  case {} · conversation {} · {} {} {} by {} → {}: {}",
            f.case_id,
            f.conversation_id,
            f.decided,
            f.tool,
            f.args,
            f.decided_by.as_deref().unwrap_or("?"),
            serde_json::to_value(f.now)?.as_str().unwrap_or_default(),
            f.detail
        ))?;
    }
    for n in &report.not_replayable {
        out(format!(
            "  not replayed: case {} (conversation {}): {}",
            n.case_id, n.conversation_id, n.why
        ))?;
    }
    Ok(())
}

/// `tau-replay`: τ-bench tasks' write actions (and policy-violating mutations) through the gate.
pub fn tau_replay(db: &Path, tasks: &Path, json: bool) -> anyhow::Result<()> {
    let report = countersign_evals::tau_replay::replay(db, tasks).map_err(|e| {
        if e.is_bad_input() {
            bad(replay_code(&e), &e)
        } else {
            anyhow::Error::new(e)
        }
    })?;
    if json {
        return json_out(&report);
    }
    out(format!(
        "{} tasks, {} write actions: {} accepted, {} rejected; {} mutations: {} rejected, {} accepted",
        report.tasks,
        report.write_actions,
        report.accepted,
        report.rejected.len(),
        report.mutations,
        report.mutations_rejected,
        report.mutations_accepted.len()
    ))
}

/// `export-shop`: the workspace's shop as a τ-format db.json.
pub fn export_shop(ctx: &Invocation) -> anyhow::Result<()> {
    json_out(&ctx.open()?.export_shop().map_err(desk)?)
}

/// A stable code per replay error, as `EvalError::code` gives for `eval` (the evals crate's
/// `ReplayError` has none yet). Exhaustive, so a new variant needs a decision here.
fn replay_code(e: &ReplayError) -> &'static str {
    match e {
        ReplayError::Read(..) => "unreadable_file",
        ReplayError::Shop(..) => "invalid_shop",
        ReplayError::Task { .. } => "invalid_task",
        ReplayError::Desk(d) => d.code(),
        ReplayError::Temp(_) => "io",
    }
}
