//! The approval queue.

use std::collections::BTreeMap;

use countersign_store::{PlanningConversation, Proposal, QueueFilter};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct QueuePage {
    pub items: Vec<Proposal>,
    /// Requests still being planned, oldest first: shown as "Planning…" until settled.
    pub planning: Vec<PlanningConversation>,
    pub counts: BTreeMap<String, i64>,
}

/// The open queue and the counts per state, as of one moment, from one read connection. A
/// proposal past its expiry is not in it and counts as expired; nothing is written.
#[tauri::command]
pub async fn queue_list(
    state: State<'_, AppState>,
    filter: QueueFilter,
) -> Result<QueuePage, IpcError> {
    state
        .read(move |r| {
            let views = r.views();
            Ok(QueuePage {
                items: views.queue_filtered(&filter)?,
                planning: views.planning()?,
                counts: views.state_counts()?,
            })
        })
        .await
}
