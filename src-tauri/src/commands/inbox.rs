//! The queue of conversations: each conversation waiting for a person, with its reply, its open
//! actions and what it waits for, and how many wait (what the badge and notifications count).

use countersign_store::{InboxCounts, InboxItem};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct InboxPage {
    /// Most urgent first (the core's order); conversations still being planned included.
    pub items: Vec<InboxItem>,
    pub counts: InboxCounts,
}

/// The waiting conversations and their counts, as of one moment, from one read connection.
#[tauri::command]
pub async fn inbox_list(state: State<'_, AppState>) -> Result<InboxPage, IpcError> {
    state
        .read(|r| {
            let views = r.views();
            Ok(InboxPage {
                items: views.inbox()?,
                counts: views.inbox_counts()?,
            })
        })
        .await
}
