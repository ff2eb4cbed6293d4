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
    /// The OS user name, as the default for who is deciding until one is set in Settings.
    pub default_actor: String,
}

#[tauri::command]
pub async fn workspace_summary(state: State<'_, AppState>) -> Result<WorkspaceSummary, IpcError> {
    state
        .read(|r| {
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
                default_actor: std::env::var("USER")
                    .or_else(|_| std::env::var("USERNAME"))
                    .unwrap_or_else(|_| "agent".into()),
            })
        })
        .await
}
