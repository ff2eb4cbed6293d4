//! Typed events from the core to the UI. Names are constants shared with `ui/src/lib/ipc.ts`.

use std::collections::BTreeMap;

use countersign_store::{DeskError, InboxCounts};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

use crate::state::AppState;

pub const QUEUE_CHANGED: &str = "queue-changed";
pub const OPEN_CONVERSATION: &str = "open-conversation";

/// The queue changed (here or in another process on the same workspace).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct QueueChanged {
    pub open: usize,
    pub counts: BTreeMap<String, i64>,
    /// Requests admitted and not planned yet ("Planning…" in the queue).
    pub planning: usize,
    /// Proposals that arrived since the last event.
    pub new_proposals: Vec<i64>,
    /// Conversations waiting for a person: what the badge and notifications count.
    pub waiting: InboxCounts,
    /// Conversations that started waiting since the last event (new, or the customer wrote
    /// again).
    pub new_conversations: Vec<i64>,
}

/// Show this conversation: the user clicked the notification about it.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct OpenConversation {
    pub conversation_id: i64,
}

/// Tells the window the queue changed (a request started or finished planning, a reply went
/// out). New proposals and conversations are the watcher's to announce and notify about.
pub fn announce(app: &AppHandle, state: &AppState) {
    let counts = state.read_blocking(|r| {
        let v = r.views();
        Ok::<_, DeskError>((v.state_counts()?, v.planning()?.len(), v.inbox_counts()?))
    });
    let (counts, planning, waiting) = match counts {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(code = e.code(), "could not read the queue's counts");
            return;
        }
    };
    let open = (counts.get("pending").copied().unwrap_or(0)
        + counts.get("escalated").copied().unwrap_or(0)) as usize;
    let event = QueueChanged {
        open,
        counts,
        planning,
        new_proposals: Vec::new(),
        waiting,
        new_conversations: Vec::new(),
    };
    if let Err(e) = app.emit(QUEUE_CHANGED, &event) {
        tracing::warn!(error = %e, "could not emit queue-changed");
    }
}

/// Brings the main window to the front.
pub fn show_window(app: &tauri::AppHandle) {
    use tauri::Manager;
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Shows the window and asks it to open a conversation (a notification or the tray clicked).
pub fn open_conversation(app: &tauri::AppHandle, conversation_id: i64) {
    use tauri::Emitter;
    show_window(app);
    if let Err(e) = app.emit(OPEN_CONVERSATION, OpenConversation { conversation_id }) {
        tracing::warn!(error = %e, "could not emit open-conversation");
    }
}
