//! The team's own systems (MCP servers): the configured servers with their tools and our
//! classes, and decisions on calls to them. The steps are the core's
//! (`countersign_store::approve_on_server`); this passes them through on the writer, off the
//! main thread, with an HTTP server's token from the keychain.

use countersign_core::Role;
use countersign_core::{Secret, SecretStore};
use countersign_mcp::policy::PolicyFile;
use countersign_mcp::{
    classify, connect, relist_workspace, HintTrust, ServerName, ServerSpec, ServerStatus,
    ServerSummary, Timeouts, ToolClass, ToolHash, ToolServer, TransportSpec, WorkspaceFiles,
};
use countersign_store::{approve_on_server, ExternalOutcome, ToolSettingsChange};
use serde_json::Value;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::{off_main, AppState};

/// The keychain entry of a tool server's bearer token.
pub(crate) fn token_name(server: &ServerName) -> String {
    format!("mcp-token-{server}")
}

/// Every configured server with its listed tools and their classes, as last listed (nothing
/// is connected: `countersign tools list` and every approval list them again).
#[tauri::command]
pub async fn tool_servers_list(state: State<'_, AppState>) -> Result<Vec<ServerSummary>, IpcError> {
    let files = WorkspaceFiles::new(&state.data_dir);
    off_main(move || Ok(files.summaries()?)).await
}

/// Connects to every configured server and lists its tools again (the catalogue is saved):
/// each server's status, for the settings screen.
#[tauri::command]
pub async fn tool_servers_refresh(
    state: State<'_, AppState>,
) -> Result<Vec<ServerStatus>, IpcError> {
    let files = WorkspaceFiles::new(&state.data_dir);
    let secrets = state.secrets;
    off_main(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| IpcError::new("internal", e.to_string()))?;
        Ok(runtime.block_on(relist_workspace(
            &files,
            |name| secrets.for_worker(&token_name(name)),
            Timeouts::default(),
        ))?)
    })
    .await
}

/// A supervisor adds a team system (a command started over stdio, or a streamable HTTP URL),
/// or replaces the one of that name. Its tools are listed by "connect and list tools again";
/// every new one starts as a write.
#[tauri::command]
pub async fn tool_server_add(
    state: State<'_, AppState>,
    name: String,
    command: Option<String>,
    url: Option<String>,
    trust_read_only_hints: bool,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    let files = WorkspaceFiles::new(&state.data_dir);
    state
        .write(move |desk| {
            let name = ServerName::new(name.trim())?;
            let transport = TransportSpec::from_command_or_url(command.as_deref(), url.as_deref())?;
            let spec = ServerSpec {
                name,
                transport,
                trust_read_only_hints,
            };
            desk.change_tool_settings(&by, ToolSettingsChange::Server(&spec), || {
                files.put_server(spec.clone()).map_err(IpcError::from)
            })?;
            Ok(())
        })
        .await
}

/// The team systems' policy file as written, for the editor.
#[tauri::command]
pub async fn tool_policy_get(state: State<'_, AppState>) -> Result<String, IpcError> {
    let files = WorkspaceFiles::new(&state.data_dir);
    off_main(move || Ok(files.policy_text()?)).await
}

/// The team systems' policy as the form edits it: servers, tools and their rules, typed.
#[tauri::command]
pub async fn tool_policy_form_get(state: State<'_, AppState>) -> Result<PolicyFile, IpcError> {
    let files = WorkspaceFiles::new(&state.data_dir);
    off_main(move || Ok(files.policy_file()?)).await
}

/// A supervisor saves the policy from the form: written as TOML, then refused or saved (and
/// audited) exactly like text typed into the editor.
#[tauri::command]
pub async fn tool_policy_form_set(
    state: State<'_, AppState>,
    policy: PolicyFile,
) -> Result<(), IpcError> {
    let text = policy
        .to_toml()
        .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
    tool_policy_set(state, text).await
}

/// A supervisor replaces the policy file; text that does not parse or validate is refused and
/// nothing is written.
#[tauri::command]
pub async fn tool_policy_set(state: State<'_, AppState>, text: String) -> Result<(), IpcError> {
    let by = state.operator.clone();
    let files = WorkspaceFiles::new(&state.data_dir);
    state
        .write(move |desk| {
            desk.change_tool_settings(&by, ToolSettingsChange::Policy(&text), || {
                files.save_policy_text(&text).map_err(IpcError::from)
            })?;
            Ok(())
        })
        .await
}

/// A supervisor classifies a tool as read, write or forbidden: the definition they reviewed,
/// named by its hash (a tool whose definition changed since it was shown is refused, to be
/// reviewed again). The core refuses anyone else before the catalogue is touched.
#[tauri::command]
pub async fn tool_classify(
    state: State<'_, AppState>,
    server: String,
    tool: String,
    hash: String,
    class: ToolClass,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    let files = WorkspaceFiles::new(&state.data_dir);
    state
        .write(move |desk| {
            let server = ServerName::new(&server)?;
            let hash = ToolHash(hash);
            let change = ToolSettingsChange::ToolClass {
                server: &server,
                tool: &tool,
                class,
                hash: &hash,
            };
            desk.change_tool_settings(&by, change, || {
                files.update_catalogue(|catalogue| {
                    let classified = classify(
                        &catalogue,
                        &server,
                        &tool,
                        &hash,
                        class,
                        Role::Supervisor,
                        &by,
                    )
                    .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
                    Ok::<_, IpcError>((classified, ()))
                })
            })?;
            Ok(())
        })
        .await
}

/// Approves a call to a team's system and sends it, once; `edited_args` are re-checked first.
/// On a connection of its own, not the window's writer: the server's answers (the listing, an
/// edit's ownership read, the call itself) are waited for between the approval's transactions,
/// never inside one, so the window, the planner and the mail poller go on writing meanwhile
/// (SQLite orders the two writers). The claim is committed before the call is sent: exactly
/// once, as from the CLI.
#[tauri::command]
pub async fn external_approve(
    state: State<'_, AppState>,
    id: i64,
    edited_args: Option<Value>,
) -> Result<ExternalOutcome, IpcError> {
    let by = state.operator.clone();
    let files = WorkspaceFiles::new(&state.data_dir);
    let secrets = state.secrets;
    let open = state.desk_opener();
    let outcome = off_main(move || {
        let desk = &mut open.open()?;
        let call = desk.show_external(id)?.call;
        let name = ServerName::new(&call.server)?;
        let spec = files
            .servers()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| IpcError::new("not_found", format!("no tool server named {name}")))?;
        let token = secrets.get(&token_name(&name))?;
        let trust = if spec.trust_read_only_hints {
            HintTrust::TrustReadOnly
        } else {
            HintTrust::Untrusted
        };
        let policy = files.policy()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| IpcError::new("internal", e.to_string()))?;
        runtime.block_on(async {
            let server = connect(&spec, token.as_ref(), Timeouts::default()).await?;
            let result = async {
                let listed = server.list_tools().await?;
                let catalogue = files.merge_listing(&name, &listed, trust)?.catalogue;
                let approved = approve_on_server(
                    desk,
                    &server,
                    &catalogue,
                    &policy,
                    id,
                    &by,
                    edited_args.as_ref(),
                )
                .await?;
                Ok::<_, IpcError>(approved.outcome)
            }
            .await;
            server.close().await;
            result
        })
    })
    .await?;
    // The decision's eval case waits in the sync outbox.
    state.wake_syncer.notify();
    Ok(outcome)
}

/// A person settles a call whose outcome was unknown, after checking the system.
#[tauri::command]
pub async fn external_resolve(
    state: State<'_, AppState>,
    id: i64,
    ran: bool,
    note: String,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.resolve_external(id, &by, ran, &note)?))
        .await
}

/// Stores an HTTP tool server's bearer token in the OS keychain: a supervisor's, like the
/// provider's key (the token decides what the server lets us do). Never written to the
/// workspace, logged or sent back.
#[tauri::command]
pub async fn tool_server_token_set(
    state: State<'_, AppState>,
    server: String,
    token: String,
) -> Result<(), IpcError> {
    let actor = state.operator.clone();
    let name = ServerName::new(&server)?;
    let token = Secret::new(token);
    if token.expose().trim().is_empty() {
        return Err(IpcError::new("invalid_setting", "the token is empty"));
    }
    let secrets = state.secrets;
    state
        .write(move |desk| {
            desk.require_supervisor(&actor, "change a team system's credentials")?;
            let entry = token_name(&name);
            secrets.set(&entry, &token)?;
            Ok(desk.record_credential_change(&actor, &entry, true)?)
        })
        .await
}

#[tauri::command]
pub async fn tool_server_token_clear(
    state: State<'_, AppState>,
    server: String,
) -> Result<(), IpcError> {
    let actor = state.operator.clone();
    let name = ServerName::new(&server)?;
    let secrets = state.secrets;
    state
        .write(move |desk| {
            desk.require_supervisor(&actor, "change a team system's credentials")?;
            let entry = token_name(&name);
            secrets.delete(&entry)?;
            Ok(desk.record_credential_change(&actor, &entry, false)?)
        })
        .await
}
