//! Watches the workspace for new proposals (from this window or from another process, such as
//! `countersign ingest` or a channel poller), emits `queue-changed`, updates the badge and
//! notifies when the window is not focused — one notification per batch, not per proposal.
//! Its tick is also where expiries are written down: reads already show an overdue proposal as
//! expired, and the tick records it (one transaction, only when there is one to record).

use std::time::Duration;

use countersign_store::DeskError;
use tauri::{AppHandle, Emitter, Manager};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;

use crate::events::{QueueChanged, QUEUE_CHANGED};
use crate::state::AppState;

/// New proposals arriving within this window become one notification.
const POLL: Duration = Duration::from_millis(1000);

pub fn spawn(app: AppHandle) {
    std::thread::spawn(move || {
        let state = app.state::<AppState>();
        let mut last_id = state
            .read_blocking(|r| r.views().latest_proposal_id())
            .unwrap_or(0);
        let mut last_counts = None;
        loop {
            std::thread::sleep(POLL);
            let tick = state.read_blocking(|r| {
                let v = r.views();
                Ok::<_, DeskError>((
                    v.any_overdue()?,
                    v.state_counts()?,
                    v.open_proposals_after(last_id)?,
                    v.planning()?.len(),
                ))
            });
            let (overdue, counts, new, planning) = match tick {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "queue watcher could not read the workspace");
                    continue;
                }
            };
            if overdue {
                match state.write_blocking(|desk| desk.record_expiries()) {
                    Ok(n) => tracing::info!(proposals = n, "recorded expiries"),
                    Err(e) => tracing::warn!(error = %e, "could not record expiries"),
                }
            }
            if let Some(p) = new.last() {
                last_id = p.id;
            }
            // A request admitted by another process (`countersign ingest --queue`) shows as
            // planning before the planner worker has touched it.
            let counts = (counts, planning);
            if last_counts.as_ref() == Some(&counts) && new.is_empty() {
                continue;
            }
            let open = (counts.0.get("pending").copied().unwrap_or(0)
                + counts.0.get("escalated").copied().unwrap_or(0)) as usize;
            let event = QueueChanged {
                open,
                counts: counts.0.clone(),
                planning,
                new_proposals: new.iter().map(|p| p.id).collect(),
            };
            if let Err(e) = app.emit(QUEUE_CHANGED, &event) {
                tracing::warn!(error = %e, "could not emit queue-changed");
            }
            let window = app.get_webview_window("main");
            if let Some(w) = &window {
                // Not every platform has a badge (most Linux desktops do not); that is fine.
                let _ = w.set_badge_count(if open > 0 { Some(open as i64) } else { None });
            }
            let focused = window
                .as_ref()
                .and_then(|w| w.is_focused().ok())
                .unwrap_or(false);
            if !new.is_empty() && !focused {
                notify(&app, &new);
            }
            last_counts = Some(counts);
        }
    });
}
fn notify(app: &AppHandle, new: &[countersign_store::Proposal]) {
    let (title, body) = match new {
        [one] => (
            "Approval waiting".to_owned(),
            format!(
                "{} — conversation {}",
                one.preview.summary, one.conversation_id
            ),
        ),
        many => (
            format!("{} approvals waiting", many.len()),
            format!(
                "Newest: {} — conversation {}",
                many[many.len() - 1].preview.summary,
                many[many.len() - 1].conversation_id
            ),
        ),
    };
    let conversation_id = new[new.len() - 1].conversation_id;
    show(app, title, body, conversation_id);
}

/// Linux: through notify-rust, so a click on the notification opens the conversation.
#[cfg(target_os = "linux")]
fn show(app: &AppHandle, title: String, body: String, conversation_id: i64) {
    let shown = notify_rust::Notification::new()
        .appname("Countersign")
        .summary(&title)
        .body(&body)
        .action("default", "Open")
        .show();
    let handle = match shown {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "could not show a notification");
            return;
        }
    };
    let app = app.clone();
    std::thread::spawn(move || {
        handle.wait_for_action(|action| {
            if action == "default" {
                open_conversation(&app, conversation_id);
            }
        });
    });
}

/// Elsewhere: the notification plugin (no click callback on desktop platforms yet).
#[cfg(not(target_os = "linux"))]
fn show(app: &AppHandle, title: String, body: String, _conversation_id: i64) {
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(error = %e, "could not show a notification");
    }
}

#[cfg(target_os = "linux")]
fn open_conversation(app: &AppHandle, conversation_id: i64) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    if let Err(e) = app.emit(
        crate::events::OPEN_CONVERSATION,
        crate::events::OpenConversation { conversation_id },
    ) {
        tracing::warn!(error = %e, "could not emit open-conversation");
    }
}
