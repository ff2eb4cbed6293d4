//! The Countersign desktop shell. Thin by design: it opens the workspace, hands commands to the
//! core and turns core errors into `{code, message}`. Business logic lives in `crates/`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod ipc_error;
mod state;

use tauri::Manager;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("COUNTERSIGN_LOG"))
        .init();
    let app = tauri::Builder::default()
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let state = state::AppState::open(&data_dir)?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::workspace::workspace_summary
        ])
        .run(tauri::generate_context!());
    if let Err(e) = app {
        tracing::error!(error = %e, "Countersign stopped with an error");
        std::process::exit(1);
    }
}
