//! Eval sync: where captured cases go (a supervisor's setting), the receiver's token in the OS
//! keychain (write-only from the window), what waits in the outbox, and a person's hand on it
//! (sync now, send a parked batch again).

use countersign_core::{Secret, SecretStore};
use countersign_store::{SyncStatus, SyncTarget};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::secrets::SYNC_TOKEN;
use crate::state::{off_main, AppState};

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SyncPage {
    pub target: SyncTarget,
    pub token_set: bool,
    pub status: SyncStatus,
}

#[tauri::command]
pub async fn sync_get(state: State<'_, AppState>) -> Result<SyncPage, IpcError> {
    let (target, status) = state
        .read(|r| Ok((r.sync_target()?, r.sync_status()?)))
        .await?;
    let secrets = state.secrets;
    let token_set = off_main(move || Ok(secrets.is_set(SYNC_TOKEN)?)).await?;
    Ok(SyncPage {
        target,
        token_set,
        status,
    })
}

/// Sets the receiver (https, or plain http to this machine: the core checks); an empty
/// endpoint turns sync off.
#[tauri::command]
pub async fn sync_set(state: State<'_, AppState>, target: SyncTarget) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.set_sync_target(&by, &target)?))
        .await?;
    state.sync_now();
    Ok(())
}

/// Stores the receiver's bearer token in the OS keychain; never written to the workspace or
/// sent back.
#[tauri::command]
pub async fn sync_token_set(state: State<'_, AppState>, token: String) -> Result<(), IpcError> {
    let token = Secret::new(token);
    if token.expose().trim().is_empty() {
        return Err(IpcError::new("invalid_setting", "the token is empty"));
    }
    state
        .change_credential(
            SYNC_TOKEN,
            "change the eval sync's credentials",
            Some(token),
        )
        .await?;
    state.sync_now();
    Ok(())
}

#[tauri::command]
pub async fn sync_token_clear(state: State<'_, AppState>) -> Result<(), IpcError> {
    state
        .change_credential(SYNC_TOKEN, "change the eval sync's credentials", None)
        .await
}

/// Syncs now instead of at the next round.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.sync_now();
    Ok(())
}

/// A parked batch goes out again (same id and cases), at once.
#[tauri::command]
pub async fn sync_requeue(state: State<'_, AppState>, batch: String) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.requeue_eval_batch(&batch, &by)?))
        .await?;
    state.sync_now();
    Ok(())
}
