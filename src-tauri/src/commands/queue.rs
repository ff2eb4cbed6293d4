//! The approval queue.

use std::collections::BTreeMap;

use countersign_store::{Proposal, QueueFilter};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct QueuePage {
    pub items: Vec<Proposal>,
    pub counts: BTreeMap<String, i64>,
}

#[tauri::command]
pub fn queue_list(state: State<'_, AppState>, filter: QueueFilter) -> Result<QueuePage, IpcError> {
    let mut desk = state.desk();
    let items = desk.queue_filtered(&filter)?;
    Ok(QueuePage {
        items,
        counts: desk.state_counts()?,
    })
}
