//! The workspace as a whole.

use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct WorkspaceSummary {
    pub open_proposals: usize,
    pub escalated: usize,
    /// The workspace runs on the generated demo shop.
    pub demo: bool,
    pub shop_source: String,
}

#[tauri::command]
pub fn workspace_summary(state: State<'_, AppState>) -> Result<WorkspaceSummary, IpcError> {
    let mut desk = state.desk();
    let counts = desk.queue_counts()?;
    let source = desk.shop_source()?;
    let demo = source["kind"] == "demo";
    Ok(WorkspaceSummary {
        open_proposals: counts.open,
        escalated: counts.escalated,
        demo,
        shop_source: if demo {
            "generated demo shop".to_owned()
        } else {
            source.to_string()
        },
    })
}
