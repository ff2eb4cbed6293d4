//! Where chat and widget replies go: the webhook's URL (a supervisor's) and its signing secret
//! in the OS keychain (write-only from the window).

use countersign_core::{Secret, SecretStore};
use countersign_store::WebhookTarget;
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::secrets::WEBHOOK_SECRET;
use crate::state::{off_main, AppState};

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct WebhookPage {
    pub target: Option<WebhookTarget>,
    pub secret_set: bool,
}

#[tauri::command]
pub async fn webhook_get(state: State<'_, AppState>) -> Result<WebhookPage, IpcError> {
    let target = state.read(|desk| Ok(desk.webhook_target()?)).await?;
    let secrets = state.secrets;
    let secret_set = off_main(move || Ok(secrets.is_set(WEBHOOK_SECRET)?)).await?;
    Ok(WebhookPage { target, secret_set })
}

/// Sets the URL (https, or plain http to this machine only: the core checks), as the operator.
#[tauri::command]
pub async fn webhook_set(state: State<'_, AppState>, url: String) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| {
            Ok(desk.set_webhook_target(
                &by,
                &WebhookTarget {
                    url: url.trim().to_owned(),
                },
            )?)
        })
        .await?;
    state.wake_sender.notify();
    Ok(())
}

/// Stores the signing secret in the OS keychain; never written to the workspace or sent back.
#[tauri::command]
pub async fn webhook_secret_set(
    state: State<'_, AppState>,
    secret: String,
) -> Result<(), IpcError> {
    let secret = Secret::new(secret);
    if secret.expose().trim().is_empty() {
        return Err(IpcError::new(
            "invalid_setting",
            "the signing secret is empty",
        ));
    }
    state
        .change_credential(
            WEBHOOK_SECRET,
            "change the webhook's credentials",
            Some(secret),
        )
        .await?;
    state.wake_sender.notify();
    Ok(())
}

#[tauri::command]
pub async fn webhook_secret_clear(state: State<'_, AppState>) -> Result<(), IpcError> {
    state
        .change_credential(WEBHOOK_SECRET, "change the webhook's credentials", None)
        .await
}
