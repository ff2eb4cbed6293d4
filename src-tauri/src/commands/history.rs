//! Supervisor history, exports, the audit check and metrics: all reads, on the read pool.

use std::io::BufWriter;

use countersign_export::ExportFormat;
use countersign_store::{
    DailyMetrics, HistoryFilter, HistoryPage, SettingsChanges, VerifyReport, WorkReport,
};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

/// A page of decisions, newest first (`filter.limit` of them, and whether more match).
#[tauri::command]
pub async fn history_list(
    state: State<'_, AppState>,
    filter: HistoryFilter,
) -> Result<HistoryPage, IpcError> {
    let hooks = state.test_hooks;
    state
        .read(move |r| {
            hooks.history_delay();
            Ok(r.views().history(&filter)?)
        })
        .await
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ExportResult {
    /// Where the file was written (the workspace's `exports/` folder).
    pub path: String,
    pub rows: usize,
}

/// Every decision matching the filter (its limit is ignored), rendered by countersign-export
/// into the workspace's `exports/` folder.
#[tauri::command]
pub async fn history_export(
    state: State<'_, AppState>,
    filter: HistoryFilter,
    format: ExportFormat,
) -> Result<ExportResult, IpcError> {
    let dir = state.data_dir.join("exports");
    state
        .read(move |r| {
            let all = HistoryFilter {
                limit: None,
                ..filter
            };
            let entries = r.views().history(&all)?.entries;
            let io = |e: std::io::Error| IpcError::new("io", e.to_string());
            std::fs::create_dir_all(&dir).map_err(io)?;
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            let path = dir.join(format!("history-{stamp}.{}", format.extension()));
            let file = std::fs::File::create(&path).map_err(io)?;
            let rows = countersign_export::write(&entries, format, BufWriter::new(file))?;
            Ok(ExportResult {
                path: path.display().to_string(),
                rows,
            })
        })
        .await
}

#[tauri::command]
pub async fn audit_verify(state: State<'_, AppState>) -> Result<VerifyReport, IpcError> {
    state.read(|r| Ok(r.verify_audit()?)).await
}

/// The newest settings changes (limits, provider, mailbox, credentials, roles, sync, the team
/// systems), newest first, for the history screen.
#[tauri::command]
pub async fn settings_changes_list(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<SettingsChanges, IpcError> {
    // Bounded whatever the window asks: the screen shows a page, not the whole log.
    let limit = limit.min(1_000);
    state
        .read(move |r| Ok(r.views().settings_changes(limit)?))
        .await
}

/// The figures over real work (precision, edit and rejection rates, escalations, resolution,
/// CSAT, effort) for conversations of the last `days` days, overall and per planner.
#[tauri::command]
pub async fn metrics_work(state: State<'_, AppState>, days: u32) -> Result<WorkReport, IpcError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let since = now - i64::from(days.clamp(1, 365)) * 86_400_000;
    state
        .read(move |r| Ok(r.views().work_metrics(since, now + 1)?))
        .await
}

#[tauri::command]
pub async fn metrics_daily(
    state: State<'_, AppState>,
    days: u32,
) -> Result<Vec<DailyMetrics>, IpcError> {
    state
        .read(move |r| Ok(r.views().daily_metrics(days.min(365))?))
        .await
}
