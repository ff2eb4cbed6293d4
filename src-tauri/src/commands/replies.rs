//! The reply to a conversation: its text saved as revisions, its approval (the revision the
//! person read, and their confirmation after the core showed what the text claims that did not
//! happen), a person's own reply, closing a conversation, and settling a send that failed or may
//! have gone out. The gate is the core's; the reply sender is nudged after each approval so the
//! reply goes out at once.

use countersign_core::SecretStore;
use countersign_intake::settle_sent_copy;
use countersign_store::{QueuedReply, ReplyApproval, ReplyRevision, SendResolution, SendState};
use serde::Deserialize;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::secrets::MAIL_PASSWORD;
use crate::state::{off_main, AppState};

/// Saves a new text for an open reply, as the operator.
#[tauri::command]
pub async fn reply_revise(
    state: State<'_, AppState>,
    id: i64,
    text: String,
) -> Result<ReplyRevision, IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.revise_reply(id, &by, &text)?))
        .await
}

/// Approves reply `id`: `seen_revision` is the revision the screen showed (a newer one saved
/// meanwhile refuses with `stale_revision`), `confirm` says the person read the conflicts the
/// core reported (`reply_contradicts_outcomes`) and sends anyway.
#[tauri::command]
pub async fn reply_approve(
    state: State<'_, AppState>,
    id: i64,
    seen_revision: Option<i64>,
    confirm: bool,
) -> Result<QueuedReply, IpcError> {
    let by = state.operator.clone();
    let queued = state
        .write(move |desk| {
            Ok(desk.approve_reply(
                id,
                &by,
                &ReplyApproval {
                    seen_revision,
                    confirm,
                },
            )?)
        })
        .await?;
    state.wake_sender.notify();
    state.wake_syncer.notify();
    Ok(queued)
}

/// A person's own reply in a conversation (its draft rejected, or none): a new proposal,
/// approved like any other. Returns its id.
#[tauri::command]
pub async fn reply_write(
    state: State<'_, AppState>,
    conversation_id: i64,
    text: String,
) -> Result<i64, IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.write_reply(conversation_id, &by, &text)?))
        .await
}

/// Nothing (more) to send: the conversation leaves the queue until the customer writes again.
#[tauri::command]
pub async fn conversation_close(
    state: State<'_, AppState>,
    conversation_id: i64,
    reason: String,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.close_conversation(conversation_id, &by, &reason)?))
        .await
}

/// How a person settles a send that failed or may have gone out.
#[derive(Clone, Copy, Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SendDecision {
    /// The customer got it: record it as sent.
    WentOut,
    /// It did not go out: send it again.
    SendAgain,
}

/// Settles reply `id`'s failed or uncertain send. For an uncertain mail the Sent folder's copy
/// is settled first (kept, or removed so the next delivery sends), then the desk records the
/// decision and the sender is nudged.
#[tauri::command]
pub async fn reply_send_resolve(
    state: State<'_, AppState>,
    id: i64,
    decision: SendDecision,
) -> Result<(), IpcError> {
    let (send, settings) = state
        .write(move |desk| Ok((desk.reply_send(id)?, desk.mailbox_settings()?)))
        .await?;
    let send = send
        .ok_or_else(|| IpcError::new("not_found", format!("reply {id} has not been approved")))?;
    let went_out = matches!(decision, SendDecision::WentOut);
    if send.channel == "email" && send.state == SendState::Uncertain {
        let settings = settings
            .ok_or_else(|| IpcError::new("mailbox_not_configured", "no mailbox is configured"))?;
        let secrets = state.secrets;
        let password = off_main(move || Ok(secrets.get(MAIL_PASSWORD)?))
            .await?
            .ok_or_else(|| {
                IpcError::new(
                    "missing_mail_password",
                    "no mailbox password is set: a supervisor sets it in Settings → Mailbox",
                )
            })?;
        settle_sent_copy(&settings, &password, &send.message_id, went_out).await?;
    }
    let by = state.operator.clone();
    let resolution = if went_out {
        SendResolution::WentOut
    } else {
        SendResolution::SendAgain
    };
    state
        .write(move |desk| Ok(desk.resolve_reply_send(id, &by, resolution)?))
        .await?;
    state.wake_sender.notify();
    state.wake_syncer.notify();
    Ok(())
}
