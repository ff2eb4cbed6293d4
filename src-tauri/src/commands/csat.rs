//! Customer satisfaction: a score typed in for a conversation, or a survey tool's CSV (the
//! page reads the chosen file and sends its text; parsing and the all-or-nothing import are
//! the core's).

use countersign_store::{parse_csat_csv, Csat, CsatImport};
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn csat_set(
    state: State<'_, AppState>,
    conversation_id: i64,
    score: i64,
    comment: Option<String>,
) -> Result<Csat, IpcError> {
    let by = state.operator.clone();
    let stored = state
        .write(move |desk| Ok(desk.record_csat(&by, conversation_id, score, comment.as_deref())?))
        .await?;
    // The score is an eval case waiting to be synced.
    state.wake_syncer.notify();
    Ok(stored)
}

#[tauri::command]
pub async fn csat_import(state: State<'_, AppState>, csv: String) -> Result<CsatImport, IpcError> {
    let by = state.operator.clone();
    let report = state
        .write(move |desk| {
            let rows = parse_csat_csv(&csv).map_err(|e| IpcError::new(e.code(), e.to_string()))?;
            Ok(desk.import_csat(&by, &rows)?)
        })
        .await?;
    state.wake_syncer.notify();
    Ok(report)
}
