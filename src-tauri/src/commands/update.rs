//! Updates: the check and the signature verification are `countersign-update`'s (tested against
//! a loopback server); Tauri's updater plugin only installs bytes that passed that verification.
//! Where to look and which key to trust come from `plugins.updater` in `tauri.conf.json`.

use std::time::Duration;

use countersign_update::{Checker, CheckerConfig};
use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::UpdaterExt;

use crate::ipc_error::IpcError;

/// The running version and, when there is one, the newer release for this platform.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct UpdateStatus {
    pub current_version: String,
    pub available: Option<UpdateInfo>,
}

/// What is new in a release, as its `latest.json` says.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct UpdateInfo {
    pub version: String,
    pub notes: Option<String>,
    /// RFC 3339, as published.
    pub pub_date: Option<String>,
}

/// How this copy was installed, for the `<os>-<arch>-<installer>` key of `latest.json`: the
/// bundle type the Tauri bundler patched into the binary (none in a build from source), the
/// same answer Tauri's updater plugin uses to choose how to install.
fn installer() -> Option<&'static str> {
    use tauri::utils::config::BundleType;
    Some(match tauri::utils::platform::bundle_type()? {
        BundleType::Deb => "deb",
        BundleType::Rpm => "rpm",
        BundleType::AppImage => "appimage",
        BundleType::Msi => "msi",
        BundleType::Nsis => "nsis",
        BundleType::App | BundleType::Dmg => "app",
    })
}

fn checker<R: Runtime>(app: &AppHandle<R>) -> Result<Checker, IpcError> {
    let config = app.config();
    let updater = config.plugins.0.get("updater");
    let pubkey = updater
        .and_then(|u| u.get("pubkey"))
        .and_then(|k| k.as_str())
        .unwrap_or_default()
        .to_owned();
    let endpoints = updater
        .and_then(|u| u.get("endpoints"))
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(Checker::new(CheckerConfig {
        endpoints,
        pubkey,
        current_version: app.package_info().version.to_string(),
        targets: countersign_update::current_targets(installer()),
        timeout: Duration::from_secs(20),
    })?)
}

/// Asks the update server whether a newer version exists (at start and from Help).
#[tauri::command]
pub async fn update_check<R: Runtime>(app: AppHandle<R>) -> Result<UpdateStatus, IpcError> {
    let checker = checker(&app)?;
    let available = checker.check().await?;
    match &available {
        Some(u) => tracing::info!(version = %u.version, target = %u.target, "update available"),
        None => tracing::info!("no update available"),
    }
    Ok(UpdateStatus {
        current_version: app.package_info().version.to_string(),
        available: available.map(|u| UpdateInfo {
            version: u.version,
            notes: u.notes,
            pub_date: u.pub_date,
        }),
    })
}

/// Downloads the newer release, refuses it unless its signature verifies against the app's
/// key, installs it and restarts the app.
#[tauri::command]
pub async fn update_install<R: Runtime>(app: AppHandle<R>) -> Result<(), IpcError> {
    let checker = checker(&app)?;
    let Some(update) = checker.check().await? else {
        return Err(IpcError::new(
            "update_none",
            "no newer version is available",
        ));
    };
    let bytes = checker.download(&update).await.inspect_err(|e| {
        tracing::warn!(code = e.code(), version = %update.version, "update refused");
    })?;
    // The plugin installs; it must be looking at the very release whose bytes were verified.
    let plugin_check = app
        .updater_builder()
        .target(update.target.clone())
        .build()
        .map_err(install_failed)?
        .check()
        .await
        .map_err(install_failed)?;
    let Some(plugin_update) = plugin_check
        .filter(|p| p.download_url.as_str() == update.url && p.signature == update.signature)
    else {
        return Err(IpcError::new(
            "update_changed",
            "the release changed while it was being downloaded; check again",
        ));
    };
    plugin_update.install(&bytes).map_err(install_failed)?;
    tracing::info!(version = %update.version, "update installed; restarting");
    app.restart()
}

fn install_failed(e: tauri_plugin_updater::Error) -> IpcError {
    tracing::error!(error = %e, "update install failed");
    IpcError::new(
        "update_install_failed",
        format!("the update could not be installed: {e}"),
    )
}
