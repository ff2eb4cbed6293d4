//! Syncs captured eval cases to the team's eval store in the background: right after a decision
//! (the commands nudge it) and every [`TICK`]. A round sends batches in order until one cannot
//! go now; after a failed round it waits longer (doubling up to [`MAX_WAIT`]) so an unreachable
//! receiver is not hammered — decisions made meanwhile wait for that, only a person's "Sync
//! now" or a settings change cuts it short. Nothing is lost while offline: the cases wait in the outbox, which is what
//! the window shows (pending, parked, the last error). The token is read from the keychain for
//! each round, in Rust, and lives only in the request.
//!
//! Like the other workers, it runs on its own thread, runtime and writer.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use countersign_store::Desk;
use countersign_sync::{Endpoint, Mode, SyncSettings};
use tauri::{AppHandle, Manager};

use crate::secrets::SYNC_TOKEN;
use crate::state::AppState;

/// How often to sync when nothing nudges the syncer.
const TICK: Duration = Duration::from_secs(60);
/// The longest wait after failed rounds.
const MAX_WAIT: Duration = Duration::from_secs(30 * 60);

pub fn spawn(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("eval-syncer".into())
        .spawn(move || run(&app));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the eval syncer");
    }
}

fn run(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some((runtime, mut desk)) = crate::reply_sender::worker_setup(&state, "eval syncer") else {
        return;
    };
    let mut wait = TICK;
    loop {
        let started = Instant::now();
        loop {
            let nudged = state
                .wake_syncer
                .wait(wait.saturating_sub(started.elapsed()));
            let urgent = state.sync_urgent.swap(false, Ordering::SeqCst);
            let backing_off = wait > TICK && started.elapsed() < wait;
            if !nudged || urgent || !backing_off {
                break;
            }
        }
        wait = match round(&runtime, &state, &mut desk) {
            Round::Idle | Round::Synced => TICK,
            Round::Failed => (wait * 2).min(MAX_WAIT),
        };
    }
}

enum Round {
    Idle,
    Synced,
    Failed,
}

fn round(runtime: &tokio::runtime::Runtime, state: &AppState, desk: &mut Desk) -> Round {
    let target = match desk.sync_target() {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                "the eval syncer could not read its settings"
            );
            return Round::Failed;
        }
    };
    if target.endpoint.is_empty() {
        return Round::Idle;
    }
    match desk.sync_status() {
        Ok(s) if s.pending == 0 => return Round::Idle,
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(code = e.code(), "the eval syncer could not read the outbox");
            return Round::Failed;
        }
    }
    let endpoint = match Endpoint::parse(&target.endpoint) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(code = e.code(), "the sync endpoint is not usable");
            return Round::Failed;
        }
    };
    // No token, no request: the window shows that none is set.
    let Some(token) = state.secrets.for_worker(SYNC_TOKEN) else {
        return Round::Idle;
    };
    let mut settings = SyncSettings::new(endpoint, token);
    settings.redact = target.redact;
    match runtime.block_on(countersign_sync::sync(desk, &settings, Mode::Round)) {
        Ok(report) if report.failed_attempts == 0 => {
            if report.cases_sent > 0 {
                tracing::info!(
                    cases = report.cases_sent,
                    batches = report.batches_sent,
                    "eval cases synced"
                );
            }
            Round::Synced
        }
        Ok(report) => {
            tracing::warn!(
                failed = report.failed_attempts,
                pending = report.pending,
                "eval sync round had failures"
            );
            Round::Failed
        }
        Err(e) => {
            tracing::warn!(code = e.code(), "eval sync round failed");
            Round::Failed
        }
    }
}
