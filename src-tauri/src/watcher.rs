//! Watches the workspace for conversations that start waiting for a person (from this window or
//! from another process, such as `countersign ingest`, the mail poller or a channel adapter),
//! emits `queue-changed`, updates the badge with the number of waiting conversations and
//! notifies when the window is not focused — one notification per batch, not per conversation.
//! Its tick is also where expiries are written down: reads already show an overdue proposal as
//! expired, and the tick records it (one transaction, only when there is one to record).

use std::collections::BTreeSet;
use std::time::Duration;

use countersign_store::{DeskError, InboxItem, Waiting};
use tauri::{AppHandle, Emitter, Manager};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;

use crate::events::{QueueChanged, QUEUE_CHANGED};
use crate::state::AppState;

/// Conversations that start waiting within this window become one notification.
const POLL: Duration = Duration::from_millis(1000);

/// The conversations a person is asked to look at (not the ones still being planned).
fn waiting_ids(inbox: &[InboxItem]) -> BTreeSet<i64> {
    inbox
        .iter()
        .filter(|i| i.waiting != Waiting::Planning)
        .map(|i| i.conversation_id)
        .collect()
}

pub fn spawn(app: AppHandle) {
    std::thread::spawn(move || {
        let state = app.state::<AppState>();
        let mut last_id = state
            .read_blocking(|r| r.views().latest_proposal_id())
            .unwrap_or(0);
        // What waits at start is not news: only conversations that start waiting later notify.
        let mut last_waiting = state
            .read_blocking(|r| r.views().inbox())
            .map(|i| waiting_ids(&i))
            .unwrap_or_default();
        let mut last_seen = None;
        loop {
            std::thread::sleep(POLL);
            let tick = state.read_blocking(|r| {
                let v = r.views();
                Ok::<_, DeskError>((
                    v.any_overdue()?,
                    v.state_counts()?,
                    v.open_proposals_after(last_id)?,
                    v.planning()?.len(),
                    v.inbox()?,
                    v.inbox_counts()?,
                ))
            });
            let (overdue, counts, new, planning, inbox, waiting) = match tick {
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
            let now_waiting = waiting_ids(&inbox);
            let arrived: Vec<&InboxItem> = inbox
                .iter()
                .filter(|i| now_waiting.contains(&i.conversation_id))
                .filter(|i| !last_waiting.contains(&i.conversation_id))
                .collect();
            last_waiting = now_waiting;
            // A request admitted by another process (`countersign ingest --queue`) shows as
            // planning before the planner worker has touched it; a reply's send state changes
            // with no proposal changing: the whole inbox is compared.
            let seen = (counts, planning, inbox.clone());
            if last_seen.as_ref() == Some(&seen) && new.is_empty() && arrived.is_empty() {
                continue;
            }
            let (counts, ..) = &seen;
            let open = (counts.get("pending").copied().unwrap_or(0)
                + counts.get("escalated").copied().unwrap_or(0)) as usize;
            let event = QueueChanged {
                open,
                counts: counts.clone(),
                planning,
                new_proposals: new.iter().map(|p| p.id).collect(),
                waiting,
                new_conversations: arrived.iter().map(|i| i.conversation_id).collect(),
            };
            if let Err(e) = app.emit(QUEUE_CHANGED, &event) {
                tracing::warn!(error = %e, "could not emit queue-changed");
            }
            let window = app.get_webview_window("main");
            if let Some(w) = &window {
                // Not every platform has a badge (most Linux desktops do not); that is fine.
                let n = waiting.waiting as i64;
                let _ = w.set_badge_count(if n > 0 { Some(n) } else { None });
            }
            crate::tray::set_waiting(&app, waiting.waiting as i64);
            let focused = window
                .as_ref()
                .and_then(|w| w.is_focused().ok())
                .unwrap_or(false);
            if !arrived.is_empty() && !focused {
                notify(&app, &arrived);
            }
            last_seen = Some(seen);
        }
    });
}

/// What a waiting conversation is about, in a line: its first action, else its subject, else
/// the start of its reply.
fn about(item: &InboxItem) -> String {
    if let Some(a) = item.actions.first() {
        return a.preview.summary.clone();
    }
    if let Some(s) = &item.subject {
        return s.clone();
    }
    match &item.reply {
        Some(r) => r.text.chars().take(60).collect(),
        None => "a message".to_owned(),
    }
}

fn notify(app: &AppHandle, arrived: &[&InboxItem]) {
    let newest = arrived[arrived.len() - 1];
    let (title, body) = match arrived {
        [one] => (
            "1 conversation waiting".to_owned(),
            format!("{} — conversation {}", about(one), one.conversation_id),
        ),
        many => (
            format!("{} conversations waiting", many.len()),
            format!(
                "Newest: {} — conversation {}",
                about(newest),
                newest.conversation_id
            ),
        ),
    };
    show(app, title, body, newest.conversation_id);
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
                crate::events::open_conversation(&app, conversation_id);
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
