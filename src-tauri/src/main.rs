//! The Countersign desktop shell. Thin by design: it opens the workspace, hands commands to the
//! core, turns core errors into `{code, message}` and implements the core's ports (keychain,
//! notifications) and the window's desktop habits (size and position remembered, Ctrl +/-
//! zoom, a tray icon with the waiting count). Business logic lives in `crates/`. Every command is `async` and does its
//! work on the blocking pool (`state.rs`), so nothing a command does runs on the main thread.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod commands;
mod credentials;
mod eval_syncer;
mod events;
mod ipc_error;
mod mail_poller;
mod planner_worker;
mod reply_sender;
mod secrets;
mod state;
mod test_hooks;
mod tray;
mod wake;
mod watcher;

use tauri::Manager;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("COUNTERSIGN_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let state = state::AppState::open(&data_dir)?;
            app.manage(state);
            watcher::spawn(app.handle().clone());
            planner_worker::spawn(app.handle().clone());
            mail_poller::spawn(app.handle().clone());
            reply_sender::spawn(app.handle().clone());
            eval_syncer::spawn(app.handle().clone());
            // A desktop without a tray (no status notifier host) still runs the app.
            if let Err(e) = tray::create(app.handle()) {
                tracing::warn!(error = %e, "no tray icon");
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::workspace::workspace_summary,
            commands::queue::queue_list,
            commands::inbox::inbox_list,
            commands::replies::reply_revise,
            commands::replies::reply_approve,
            commands::replies::reply_write,
            commands::replies::reply_send_resolve,
            commands::replies::conversation_close,
            commands::mailbox::mailbox_get,
            commands::mailbox::mailbox_set,
            commands::mailbox::mail_password_set,
            commands::mailbox::mail_password_clear,
            commands::mailbox::mailbox_check_now,
            commands::webhook::webhook_get,
            commands::webhook::webhook_set,
            commands::webhook::webhook_secret_set,
            commands::webhook::webhook_secret_clear,
            commands::conversation::conversation_detail,
            commands::customers::customers_lookup,
            commands::approval::approve_proposal,
            commands::approval::reject_proposal,
            commands::approval::escalate_proposal,
            commands::approval::propose_action,
            commands::history::history_list,
            commands::history::history_export,
            commands::history::audit_verify,
            commands::history::settings_changes_list,
            commands::history::metrics_daily,
            commands::history::metrics_work,
            commands::settings::settings_get,
            commands::settings::settings_set_policy,
            commands::settings::settings_set_caps,
            commands::settings::settings_set_provider,
            commands::settings::settings_test_connection,
            commands::settings::api_key_set,
            commands::settings::api_key_clear,
            commands::update::update_check,
            commands::update::update_install,
            commands::sync::sync_get,
            commands::sync::sync_set,
            commands::sync::sync_token_set,
            commands::sync::sync_token_clear,
            commands::sync::sync_now,
            commands::sync::sync_requeue,
            commands::csat::csat_set,
            commands::csat::csat_import,
            commands::tools::tool_servers_list,
            commands::tools::tool_servers_refresh,
            commands::tools::tool_classify,
            commands::tools::tool_server_add,
            commands::tools::tool_policy_get,
            commands::tools::tool_policy_set,
            commands::tools::tool_policy_form_get,
            commands::tools::tool_policy_form_set,
            commands::tools::external_approve,
            commands::tools::external_resolve,
            commands::tools::tool_server_token_set,
            commands::tools::tool_server_token_clear,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = app {
        tracing::error!(error = %e, "Countersign stopped with an error");
        std::process::exit(1);
    }
}
