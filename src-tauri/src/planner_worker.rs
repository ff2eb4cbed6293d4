//! Plans admitted requests off the window. A request recorded with `countersign ingest --queue`
//! (or by any other process on the workspace) waits as `planning`; this thread claims it, plans
//! it with the workspace's agent — which may ask the LLM and take seconds — and settles it
//! through the writer, then tells the window (`queue-changed`). The window never waits on the
//! network: commands keep answering from the read pool while a plan is in flight.
//!
//! The plan future borrows a SQLite connection (the reader's), so it is not `Send`: it runs on
//! this thread's own current-thread tokio runtime, with this thread's own read-only connection.
//! The API key is read from the keychain for each plan, in Rust, and lives only in the provider
//! client; logs carry ids and codes, never text.

use std::time::Duration;

use countersign_agent::{
    default_client_settings, model_access, Agent, ExternalLimits, ExternalTools,
};
use countersign_mcp::{Timeouts, WorkspaceFiles};
use countersign_store::{Claimed, DeskError, DeskReader, Provider};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How long a claim holds before another worker may take the conversation over (this one
/// died). Longer than a plan's worst case: the agent's deadline (5 minutes, checked before each
/// model call) plus one last call with all its retries (about 7 minutes at worst).
const LEASE_MS: i64 = 15 * 60 * 1000;
/// How long to wait before looking again when nothing is waiting.
const IDLE: Duration = Duration::from_millis(300);
/// Ticks between attempts to take over a claim another planner holds (about 30 s).
const HELD_RETRY_TICKS: u32 = 100;

pub fn spawn(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("planner".into())
        .spawn(move || run(&app));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the planner worker");
    }
}

fn run(app: &AppHandle) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "the planner worker could not start its runtime");
            return;
        }
    };
    let state = app.state::<AppState>();
    let reader = loop {
        match state.open_reader() {
            Ok(r) => break r,
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "the planner worker could not open the workspace"
                );
                std::thread::sleep(IDLE * 10);
            }
        }
    };
    let mut held_ticks = 0u32;
    loop {
        // Look on the read connection first: claiming takes the write lock, which an idle
        // desk should not take three times a second.
        match reader.views().planning() {
            Ok(waiting) if waiting.is_empty() => {
                std::thread::sleep(IDLE);
                continue;
            }
            // All held by planners at work (the CLI, another window): try for a lapsed claim
            // now and then, not on every tick.
            Ok(waiting) if waiting.iter().all(|p| p.claimed) => {
                held_ticks += 1;
                if held_ticks < HELD_RETRY_TICKS {
                    std::thread::sleep(IDLE);
                    continue;
                }
                held_ticks = 0;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "the planner worker could not read the queue"
                );
                std::thread::sleep(IDLE);
                continue;
            }
        }
        match state.write_blocking(|desk| desk.claim_planning(LEASE_MS)) {
            Ok(Some(claimed)) => {
                crate::events::announce(app, &state);
                plan_one(&runtime, &state, &reader, &claimed);
                crate::events::announce(app, &state);
            }
            Ok(None) => std::thread::sleep(IDLE),
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "the planner worker could not claim a request"
                );
                std::thread::sleep(IDLE);
            }
        }
    }
}

fn plan_one(
    runtime: &tokio::runtime::Runtime,
    state: &AppState,
    reader: &DeskReader,
    claimed: &Claimed,
) {
    let id = claimed.conversation_id;
    let setup =
        state.read_blocking(|r| Ok::<_, DeskError>((r.provider_settings()?, r.planner_caps()?)));
    let (settings, caps) = match setup {
        Ok(s) => s,
        Err(e) => {
            // The claim lapses after its lease and the request is planned again then.
            tracing::warn!(
                conversation = id,
                code = e.code(),
                "could not read the planner settings"
            );
            return;
        }
    };
    // No keychain round trip for a workspace without a provider.
    let key = if settings.kind == Provider::None {
        Ok(None)
    } else {
        state.secrets.provider_key()
    };
    let access = model_access(&settings, key, &state.breakers, default_client_settings());
    let mut agent = Agent::for_workspace(&settings, caps, access);
    if !agent.never_asks_a_model() {
        agent.external = team_tools(runtime, state);
    }
    let routed = runtime.block_on(agent.plan_claimed(reader, claimed));
    let settled = state.write_blocking(|desk| desk.settle_claimed(claimed, &routed.settlement()));
    match settled {
        Ok(ingested) => tracing::info!(
            conversation = id,
            planner = routed.planner.as_str(),
            outcome = ingested.outcome.as_str(),
            proposals = ingested.proposals.len(),
            external = routed.external.len(),
            "planned"
        ),
        // Another worker (another app on the same workspace) settled it first: that is fine.
        Err(DeskError::AlreadySettled(_)) => {
            tracing::info!(conversation = id, "already planned elsewhere");
        }
        Err(e) => tracing::warn!(
            conversation = id,
            code = e.code(),
            "could not record the plan"
        ),
    }
}

/// The workspace's team systems for this plan, connected and listed now (a stdio server is
/// started per plan: plans are seconds apart at most, and a server never outlives its plan).
/// Files that cannot be read leave the planner with the shop's tools, logged.
fn team_tools(
    runtime: &tokio::runtime::Runtime,
    state: &AppState,
) -> Option<std::sync::Arc<ExternalTools>> {
    let files = WorkspaceFiles::new(&state.data_dir);
    let connected = runtime.block_on(ExternalTools::connect_workspace(
        &files,
        |name| {
            state
                .secrets
                .for_worker(&crate::commands::tools::token_name(name))
        },
        Timeouts::default(),
        ExternalLimits::default(),
    ));
    match connected {
        Ok(tools) => tools.map(|(tools, _unavailable)| std::sync::Arc::new(tools)),
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                "the team systems' files are unusable; not offered"
            );
            None
        }
    }
}
