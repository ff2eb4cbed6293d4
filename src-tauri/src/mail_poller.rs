//! Takes the team's mailbox in: every [`INTERVAL`], at start and at once when nudged (settings
//! saved, "Check now"), it polls with the workspace's settings and the keychain's password.
//! Each message is admitted once (or quarantined with its reason) by `countersign-intake`; the
//! admitted requests wait as `planning`, and the planner worker plans them. How each poll went
//! is recorded in the workspace (`mailbox_status`), so the window shows a server that is down
//! with its error; nothing is marked seen on the server before the desk stored it, so a failed
//! poll loses nothing and the next one takes up where it stopped.
//!
//! The poll future holds the desk across network waits: it runs on this thread's own
//! current-thread runtime with a writer of its own ([`AppState::open_desk`]), never the window's.

use std::time::Duration;

use countersign_core::{Clock, SystemClock};
use countersign_intake::IntakeError;
use countersign_store::{Desk, MailFault, MailboxStatus};
use tauri::{AppHandle, Manager};

use crate::secrets::MAIL_PASSWORD;
use crate::state::AppState;

/// Between polls while the server answers.
const INTERVAL: Duration = Duration::from_secs(30);
/// The first wait after a failed poll; doubled per failure up to [`INTERVAL`].
const FIRST_RETRY: Duration = Duration::from_secs(2);

pub fn spawn(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("mail-poller".into())
        .spawn(move || run(&app));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the mail poller");
    }
}

fn run(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some((runtime, mut desk)) = crate::reply_sender::worker_setup(&state, "mail poller") else {
        return;
    };
    let mut wait = Duration::ZERO;
    loop {
        state.wake_poller.wait(wait);
        wait = match poll(&runtime, &state, &mut desk) {
            Polled::Ok | Polled::NotConfigured => INTERVAL,
            Polled::Failed => {
                if wait >= INTERVAL || wait.is_zero() {
                    FIRST_RETRY
                } else {
                    (wait * 2).min(INTERVAL)
                }
            }
        };
    }
}

enum Polled {
    Ok,
    NotConfigured,
    Failed,
}

fn poll(runtime: &tokio::runtime::Runtime, state: &AppState, desk: &mut Desk) -> Polled {
    match desk.mailbox_settings() {
        Ok(Some(_)) => {}
        Ok(None) => return Polled::NotConfigured,
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                "the mail poller could not read the settings"
            );
            return Polled::Failed;
        }
    }
    let now = SystemClock.now_ms();
    let Some(password) = state.secrets.for_worker(MAIL_PASSWORD) else {
        // Say so where the agent looks, instead of polling with nothing.
        let status = MailboxStatus {
            last_poll_ms: Some(now),
            connected: false,
            last_error: Some(MailFault {
                code: "missing_mail_password".into(),
                message: "no mailbox password is set: a supervisor sets it in Settings → Mailbox"
                    .into(),
            }),
        };
        if let Err(e) = desk.record_mail_poll(&status) {
            tracing::warn!(code = e.code(), "could not record the mailbox status");
        }
        return Polled::Failed;
    };
    match runtime.block_on(countersign_intake::poll(desk, &password, now)) {
        Ok(report) => {
            if !report.admitted.is_empty() {
                tracing::info!(
                    admitted = report.admitted.len(),
                    follow_ups = report.follow_ups,
                    "mail admitted; the planner worker takes it from here"
                );
            }
            Polled::Ok
        }
        Err(IntakeError::NotConfigured) => Polled::NotConfigured,
        // Recorded in the mailbox status by `poll` (the window shows it); logged by code.
        Err(e) => {
            tracing::warn!(code = e.code(), "mailbox poll failed");
            Polled::Failed
        }
    }
}
