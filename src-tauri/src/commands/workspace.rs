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
    /// Who is at this desktop (the OS account), as decisions record it.
    pub operator: String,
    /// Their role, as an administrator assigned it (`countersign staff set`); agent if none.
    pub role: countersign_core::Role,
}

#[tauri::command]
pub async fn workspace_summary(state: State<'_, AppState>) -> Result<WorkspaceSummary, IpcError> {
    let operator = state.operator.clone();
    state
        .read(move |r| {
            let counts = r.views().queue_counts()?;
            let source = r.shop_source()?;
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
                role: r.actor(&operator)?.role,
                operator,
            })
        })
        .await
}
