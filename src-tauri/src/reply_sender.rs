//! Sends approved replies: right after an approval (the approve command nudges it) and every
//! [`TICK`] while the outbox holds a reply that is due (retries are scheduled by the outbox, with
//! backoff). Delivery is `countersign-intake`'s: email at most once (the Sent folder is the
//! record), chat and widget to the signed webhook; a send that failed for good or may have gone
//! out waits for a person in the queue. Secrets are read from the keychain for each round, in
//! Rust, and live only in the delivery.
//!
//! Like the poller, it runs on its own thread, runtime and writer, so a slow server never holds
//! the window's writer.

use std::time::Duration;

use countersign_intake::{deliver_due, Outbound};
use countersign_store::{Desk, DeskError};
use tauri::{AppHandle, Manager};

use crate::secrets::{MAIL_PASSWORD, WEBHOOK_SECRET};
use crate::state::AppState;

/// How often to look for a reply whose retry is due.
const TICK: Duration = Duration::from_secs(10);

pub fn spawn(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("reply-sender".into())
        .spawn(move || run(&app));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the reply sender");
    }
}

/// A worker's current-thread runtime and its own writer, retried until the workspace opens.
pub(crate) fn worker_setup(
    state: &AppState,
    what: &str,
) -> Option<(tokio::runtime::Runtime, Desk)> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, worker = what, "could not start a runtime");
            return None;
        }
    };
    loop {
        match state.open_desk() {
            Ok(d) => return Some((runtime, d)),
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    worker = what,
                    "could not open the workspace"
                );
                std::thread::sleep(TICK);
            }
        }
    }
}

fn run(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some((runtime, mut desk)) = worker_setup(&state, "reply sender") else {
        return;
    };
    loop {
        let nudged = state.wake_sender.wait(TICK);
        match due(&desk) {
            Ok(true) => {}
            Ok(false) if !nudged => continue,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "the reply sender could not read the outbox"
                );
                continue;
            }
        }
        send(app, &runtime, &state, &mut desk);
    }
}

/// Whether any approved reply waits to go out (due now or later: the claim decides).
fn due(desk: &Desk) -> Result<bool, DeskError> {
    Ok(desk.outbox_counts()?.queued > 0)
}

fn send(app: &AppHandle, runtime: &tokio::runtime::Runtime, state: &AppState, desk: &mut Desk) {
    let settings = desk
        .mailbox_settings()
        .and_then(|m| Ok((m, desk.webhook_target()?)));
    let (mailbox, webhook) = match settings {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                "the reply sender could not read the settings"
            );
            return;
        }
    };
    // Only the secrets of channels that are configured: no keychain prompt for nothing.
    let password = mailbox
        .as_ref()
        .and_then(|_| state.secrets.for_worker(MAIL_PASSWORD));
    let secret = webhook
        .as_ref()
        .and_then(|_| state.secrets.for_worker(WEBHOOK_SECRET));
    let outbound = Outbound {
        mail: mailbox.as_ref().zip(password.as_ref()),
        webhook: webhook.as_ref().zip(secret.as_ref()),
    };
    match runtime.block_on(deliver_due(desk, &outbound)) {
        Ok(report) => {
            let any = report.sent.len()
                + report.already_sent.len()
                + report.retrying.len()
                + report.failed.len()
                + report.uncertain.len();
            if any > 0 {
                // The review shows the send's state: tell the window it changed.
                crate::events::announce(app, state);
                tracing::info!(
                    sent = report.sent.len(),
                    already_sent = report.already_sent.len(),
                    retrying = report.retrying.len(),
                    failed = report.failed.len(),
                    uncertain = report.uncertain.len(),
                    "delivery round"
                );
            }
        }
        Err(e) => tracing::warn!(code = e.code(), "delivery round failed"),
    }
}
