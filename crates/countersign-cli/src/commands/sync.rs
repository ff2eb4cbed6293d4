//! `sync` and `sync status`: the eval outbox to the team's eval store.

use std::time::Duration;

use countersign_core::Secret;
use countersign_store::SyncTarget;
use countersign_sync::{Endpoint, Mode, SyncError, SyncSettings};

use crate::error::{bad, desk};
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// The environment variable the CLI reads the receiver's bearer token from (the app uses the
/// OS keychain).
pub const TOKEN_ENV: &str = "COUNTERSIGN_SYNC_TOKEN";
/// Where cases go when `--endpoint` is not given.
pub const ENDPOINT_ENV: &str = "COUNTERSIGN_SYNC_ENDPOINT";

#[derive(Debug)]
pub struct SyncFlags {
    pub once: bool,
    pub endpoint: Option<String>,
    pub batch_size: usize,
    pub no_redact: bool,
    pub min_delay_ms: u64,
    pub json: bool,
}

fn sync_err(e: SyncError) -> anyhow::Error {
    if e.is_bad_input() {
        bad(e.code(), &e)
    } else {
        anyhow::Error::new(e)
    }
}

/// `sync`: every pending batch once (`--once`), or until the outbox is empty. The receiver is
/// `--endpoint`, else `$COUNTERSIGN_SYNC_ENDPOINT`, else the workspace's (`sync set`).
pub fn run(ctx: &Invocation, f: &SyncFlags) -> anyhow::Result<()> {
    let mut desk_ = ctx.open()?;
    let target = desk_.sync_target().map_err(desk)?;
    let Some(endpoint) = f
        .endpoint
        .clone()
        .or_else(|| std::env::var(ENDPOINT_ENV).ok())
        .or_else(|| Some(target.endpoint.clone()).filter(|e| !e.is_empty()))
    else {
        return Err(bad(
            "no_endpoint",
            format!("pass --endpoint URL, set {ENDPOINT_ENV}, or `countersign sync set URL`"),
        ));
    };
    let endpoint = Endpoint::parse(&endpoint).map_err(sync_err)?;
    let token = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            bad(
                "no_token",
                format!("set {TOKEN_ENV} to the receiver's token"),
            )
        })?;
    let mut settings = SyncSettings::new(endpoint, Secret::new(token));
    settings.batch_size = f.batch_size.max(1);
    settings.redact = target.redact && !f.no_redact;
    settings.min_delay = Duration::from_millis(f.min_delay_ms.max(1));
    let mode = if f.once { Mode::Once } else { Mode::UntilEmpty };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime
        .block_on(countersign_sync::sync(&mut desk_, &settings, mode))
        .map_err(sync_err)?;
    if f.json {
        return json_out(&report);
    }
    out(format!(
        "sent {} case(s) in {} batch(es) · {} failed attempt(s) · {} parked batch(es) · pending {} · parked {}",
        report.cases_sent,
        report.batches_sent,
        report.failed_attempts,
        report.batches_parked,
        report.pending,
        report.parked
    ))
}

/// `sync set URL [--no-redact]` or `sync set --off`: a supervisor's setting.
pub fn set(ctx: &Invocation, endpoint: &str, redact: bool) -> anyhow::Result<()> {
    let target = SyncTarget {
        endpoint: endpoint.to_owned(),
        redact,
    };
    let mut desk_ = ctx.open()?;
    desk_.set_sync_target(&ctx.actor, &target).map_err(desk)?;
    let stored = desk_.sync_target().map_err(desk)?;
    if stored.endpoint.is_empty() {
        return out("Sync is off: cases stay in the outbox.");
    }
    out(format!(
        "Cases go to {}{}.",
        stored.endpoint,
        if stored.redact {
            ", redacted"
        } else {
            " as they are (not redacted)"
        }
    ))
}

/// `sync requeue BATCH`: a parked batch goes out again with the next sync.
pub fn requeue(ctx: &Invocation, batch: &str) -> anyhow::Result<()> {
    ctx.open()?
        .requeue_eval_batch(batch, &ctx.actor)
        .map_err(desk)?;
    out(format!(
        "Batch {batch} will be sent again with the next sync."
    ))
}

/// `sync status`: pending and parked counts, the parked batches and the newest error.
pub fn status(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let status = ctx.open()?.sync_status().map_err(desk)?;
    if json {
        return json_out(&status);
    }
    out(format!(
        "pending {} · parked {}",
        status.pending, status.parked
    ))?;
    if let Some(e) = &status.last_error {
        out(format!("last error: {e}"))?;
    }
    for b in &status.parked_batches {
        out(format!(
            "  parked {} ({} case(s)): {}",
            b.id,
            b.cases,
            b.error.as_deref().unwrap_or("")
        ))?;
    }
    Ok(())
}
