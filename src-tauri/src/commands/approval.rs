//! Decisions on proposals. The gate, the policy and the roles are the core's; this only passes
//! the decision through, on the writer, off the main thread. Who decides is the operator the
//! shell signed in (the OS account, `AppState::operator`), never a name or role from the page.

use countersign_shop::ToolName;
use countersign_store::{Execution, ProposeRequest};
use serde_json::Value;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn approve_proposal(
    state: State<'_, AppState>,
    id: i64,
    edited_args: Option<Value>,
) -> Result<Execution, IpcError> {
    let by = state.operator.clone();
    let execution = state
        .write(move |desk| Ok(desk.approve(id, &by, edited_args.as_ref())?))
        .await?;
    // An approved reply waits in the outbox: send it now rather than at the sender's next tick;
    // the decision's eval case waits in the sync outbox.
    state.wake_sender.notify();
    state.wake_syncer.notify();
    Ok(execution)
}

#[tauri::command]
pub async fn reject_proposal(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.reject(id, &by, &reason)?))
        .await?;
    state.wake_syncer.notify();
    Ok(())
}

#[tauri::command]
pub async fn escalate_proposal(
    state: State<'_, AppState>,
    id: i64,
    note: Option<String>,
) -> Result<(), IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| Ok(desk.escalate(id, &by, note.as_deref())?))
        .await?;
    state.wake_syncer.notify();
    Ok(())
}

/// A person proposes an action by hand, in an existing conversation: same schema, policy,
/// gate and log as the planner's proposals.
#[tauri::command]
pub async fn propose_action(
    state: State<'_, AppState>,
    conversation_id: i64,
    tool: ToolName,
    args: Value,
) -> Result<i64, IpcError> {
    let by = state.operator.clone();
    state
        .write(move |desk| {
            let customer = desk
                .conversation_customer(conversation_id)?
                .ok_or_else(|| {
                    IpcError::new(
                        "not_found",
                        format!("conversation {conversation_id} not found"),
                    )
                })?;
            Ok(desk.propose(&ProposeRequest {
                customer_id: &customer,
                conversation_id: Some(conversation_id),
                channel: "manual",
                tool,
                args: &args,
                proposed_by: &by,
            })?)
        })
        .await
}
