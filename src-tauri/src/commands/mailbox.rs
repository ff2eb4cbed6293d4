//! The team's mailbox: its settings (a supervisor's), its password in the OS keychain
//! (write-only from the window, like the API key), and how it is doing: the last poll, the
//! last error, the outbox and the quarantined messages. Saving the settings or asking to check
//! now nudges the poller.

use countersign_core::{Secret, SecretStore};
use countersign_store::{
    MailCounts, MailboxSettings, MailboxStatus, OutboxCounts, QuarantinedMail,
};
use serde::Serialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::secrets::MAIL_PASSWORD;
use crate::state::AppState;

/// Everything the mailbox section and the status line show. No secret: only whether one is set.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct MailboxPage {
    pub settings: Option<MailboxSettings>,
    pub password_set: bool,
    pub status: MailboxStatus,
    pub counts: MailCounts,
    /// Approved replies by state: queued (on their way), failed and uncertain (a person decides).
    pub outbox: OutboxCounts,
    pub quarantined: Vec<QuarantinedMail>,
}

#[tauri::command]
pub async fn mailbox_get(state: State<'_, AppState>) -> Result<MailboxPage, IpcError> {
    let secrets = state.secrets;
    let page = state
        .read(|desk| {
            Ok(MailboxPage {
                settings: desk.mailbox_settings()?,
                password_set: false,
                status: desk.mailbox_status()?,
                counts: desk.mail_counts()?,
                outbox: desk.outbox_counts()?,
                quarantined: desk.quarantined_mail()?,
            })
        })
        .await?;
    let password_set = crate::state::off_main(move || Ok(secrets.is_set(MAIL_PASSWORD)?)).await?;
    Ok(MailboxPage {
        password_set,
        ..page
    })
}

/// Saves the mailbox settings, checked as the mail crate will use them (`none` only for a
/// server on this machine), as the operator (a supervisor); then polls soon.
#[tauri::command]
pub async fn mailbox_set(
    state: State<'_, AppState>,
    settings: MailboxSettings,
) -> Result<(), IpcError> {
    let settings = MailboxSettings {
        imap_host: settings.imap_host.trim().to_owned(),
        smtp_host: settings.smtp_host.trim().to_owned(),
        user: settings.user.trim().to_owned(),
        from: settings.from.trim().to_owned(),
        folder: settings.folder.trim().to_owned(),
        ..settings
    };
    countersign_intake::validate(&settings)
        .map_err(|e| IpcError::new("invalid_setting", e.to_string()))?;
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.set_mailbox_settings(&by, &settings)?))
        .await?;
    state.wake_poller.notify();
    Ok(())
}

/// Stores the mailbox password in the OS keychain. It is never written to the workspace,
/// logged or sent back.
#[tauri::command]
pub async fn mail_password_set(
    state: State<'_, AppState>,
    password: String,
) -> Result<(), IpcError> {
    let password = Secret::new(password);
    if password.expose().is_empty() {
        return Err(IpcError::new("invalid_setting", "the password is empty"));
    }
    // The password reads and sends the team's mail: a supervisor's, like the settings.
    state
        .change_credential(
            MAIL_PASSWORD,
            "change the mailbox's credentials",
            Some(password),
        )
        .await?;
    state.wake_poller.notify();
    state.wake_sender.notify();
    Ok(())
}

#[tauri::command]
pub async fn mail_password_clear(state: State<'_, AppState>) -> Result<(), IpcError> {
    state
        .change_credential(MAIL_PASSWORD, "change the mailbox's credentials", None)
        .await
}

/// Polls now instead of at the next interval (and sends what is due).
#[tauri::command]
pub async fn mailbox_check_now(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.wake_poller.notify();
    state.wake_sender.notify();
    Ok(())
}
