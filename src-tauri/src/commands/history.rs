//! Supervisor history, exports, the audit check and metrics.

use countersign_store::{DailyMetrics, ExportFormat, HistoryEntry, HistoryFilter, VerifyReport};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub fn history_list(
    state: State<'_, AppState>,
    filter: HistoryFilter,
) -> Result<Vec<HistoryEntry>, IpcError> {
    Ok(state.desk().history_filtered(&filter)?)
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ExportResult {
    /// Where the file was written (the workspace's `exports/` folder).
    pub path: String,
    pub rows: usize,
}

#[tauri::command]
pub fn history_export(
    state: State<'_, AppState>,
    filter: HistoryFilter,
    format: ExportFormat,
) -> Result<ExportResult, IpcError> {
    let text = state.desk().export_history(&filter, format)?;
    let dir = state.data_dir.join("exports");
    std::fs::create_dir_all(&dir).map_err(|e| IpcError::new("io", e.to_string()))?;
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Jsonl => "jsonl",
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = dir.join(format!("history-{stamp}.{ext}"));
    std::fs::write(&path, &text).map_err(|e| IpcError::new("io", e.to_string()))?;
    let rows = match format {
        ExportFormat::Csv => text.lines().count().saturating_sub(1),
        ExportFormat::Jsonl => text.lines().count(),
    };
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
    })
}

#[tauri::command]
pub fn audit_verify(state: State<'_, AppState>) -> Result<VerifyReport, IpcError> {
    Ok(state.desk().verify_audit()?)
}

#[tauri::command]
pub fn metrics_daily(state: State<'_, AppState>, days: u32) -> Result<Vec<DailyMetrics>, IpcError> {
    Ok(state.desk().daily_metrics(days.min(365))?)
}
