//! Settings kept by the core (policy, caps, provider) and credentials kept by the keychain.
//! API keys are write-only: the UI can set or clear one and ask whether one is set, nothing more.
//! The keychain is a D-Bus round trip on Linux: it runs on the blocking pool like the database.

use countersign_core::{Secret, SecretStore};
use countersign_pipeline::Caps;
use countersign_store::{GatePolicy, ProviderSettings};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

const PROVIDER_KEY: &str = "llm-provider-api-key";

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Settings {
    pub policy: GatePolicy,
    pub caps: Caps,
    pub provider: ProviderSettings,
    pub api_key_set: bool,
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Result<Settings, IpcError> {
    let secrets = state.secrets;
    state
        .read(move |r| {
            Ok(Settings {
                policy: r.gate_policy()?,
                caps: r.planner_caps()?,
                provider: r.provider_settings()?,
                api_key_set: secrets.is_set(PROVIDER_KEY)?,
            })
        })
        .await
}

#[tauri::command]
pub async fn settings_set_policy(
    state: State<'_, AppState>,
    policy: GatePolicy,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.set_gate_policy(&by, &policy)?))
        .await
}

#[tauri::command]
pub async fn settings_set_caps(state: State<'_, AppState>, caps: Caps) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.set_planner_caps(&by, &caps)?))
        .await
}

#[tauri::command]
pub async fn settings_set_provider(
    state: State<'_, AppState>,
    provider: ProviderSettings,
) -> Result<(), IpcError> {
    let actor = state.operator.clone();
    state
        .write(move |desk| Ok(desk.set_provider_settings(&provider, &actor)?))
        .await
}

/// Stores the key in the OS keychain. It is never written to the workspace, logged or sent back.
#[tauri::command]
pub async fn api_key_set(state: State<'_, AppState>, key: String) -> Result<(), IpcError> {
    let actor = state.operator.clone();
    let key = Secret::new(key);
    if key.expose().trim().is_empty() {
        return Err(IpcError::new("invalid_setting", "the API key is empty"));
    }
    let secrets = state.secrets;
    state
        .write(move |desk| {
            secrets.set(PROVIDER_KEY, &key)?;
            Ok(desk.record_credential_change(&actor, PROVIDER_KEY, true)?)
        })
        .await
}

#[tauri::command]
pub async fn api_key_clear(state: State<'_, AppState>) -> Result<(), IpcError> {
    let actor = state.operator.clone();
    let secrets = state.secrets;
    state
        .write(move |desk| {
            secrets.delete(PROVIDER_KEY)?;
            Ok(desk.record_credential_change(&actor, PROVIDER_KEY, false)?)
        })
        .await
}
