//! Settings kept by the core (policy, caps, provider) and credentials kept by the keychain.
//! API keys are write-only: the UI can set or clear one and ask whether one is set, nothing more.
//! The keychain is a D-Bus round trip on Linux: it runs on the blocking pool like the database.

use std::time::Duration;

use countersign_core::{Secret, SecretStore};
use countersign_llm::{Breakers, ClientSettings, LlmError};
use countersign_pipeline::Caps;
use countersign_store::{GatePolicy, ProviderSettings};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::secrets::PROVIDER_KEY;
use crate::state::AppState;

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
    let key = Secret::new(key);
    if key.expose().trim().is_empty() {
        return Err(IpcError::new("invalid_setting", "the API key is empty"));
    }
    // The key decides where requests go and who pays: a supervisor's, like the provider.
    state
        .change_credential(PROVIDER_KEY, "change the provider's credentials", Some(key))
        .await
}

#[tauri::command]
pub async fn api_key_clear(state: State<'_, AppState>) -> Result<(), IpcError> {
    state
        .change_credential(PROVIDER_KEY, "change the provider's credentials", None)
        .await
}

/// What "Test connection" found: the provider answered with this model.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ConnectionTest {
    pub model: String,
    pub latency_ms: f64,
    pub attempts: u32,
}

/// One small model call with the saved provider settings and the keychain's key (read here, in
/// Rust, at call time). A failure is the provider error's code (`missing_api_key`,
/// `provider_unauthorized`, ...). The answer is quick: one retry and a short timeout.
#[tauri::command]
pub async fn settings_test_connection(
    state: State<'_, AppState>,
) -> Result<ConnectionTest, IpcError> {
    let secrets = state.secrets;
    let client = state
        .read(move |r| {
            let settings = r.provider_settings()?;
            let key = secrets.provider_key();
            let client = ClientSettings {
                timeout: Duration::from_secs(15),
                max_retries: 1,
                ..ClientSettings::default()
            };
            // A breaker of its own: a test always asks the provider, even while the planner's
            // breaker for it is open.
            countersign_agent::provider_client(&settings, key, &Breakers::default(), client)?
                .ok_or_else(|| LlmError::Config("no provider is selected".into()).into())
        })
        .await?;
    let exchange = countersign_llm::test_connection(&client)
        .await
        .map_err(|f| IpcError::from(f.error))?;
    Ok(ConnectionTest {
        model: client.provider().model().to_owned(),
        latency_ms: exchange.latency_us as f64 / 1000.0,
        attempts: exchange.attempts,
    })
}
