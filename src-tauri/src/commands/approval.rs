//! Decisions on proposals. The gate, the policy and the roles are the core's; this only passes
//! the decision through, on the writer, off the main thread.

use countersign_shop::ToolName;
use countersign_store::{Execution, ProposeRequest};
use serde_json::Value;
use tauri::State;

use crate::commands::ActorInput;
use crate::ipc_error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn approve_proposal(
    state: State<'_, AppState>,
    id: i64,
    actor: ActorInput,
    edited_args: Option<Value>,
) -> Result<Execution, IpcError> {
    let actor = actor.into_actor()?;
    state
        .write(move |desk| Ok(desk.approve(id, &actor, edited_args.as_ref())?))
        .await
}

#[tauri::command]
pub async fn reject_proposal(
    state: State<'_, AppState>,
    id: i64,
    actor: ActorInput,
    reason: String,
) -> Result<(), IpcError> {
    let actor = actor.into_actor()?;
    state
        .write(move |desk| Ok(desk.reject(id, &actor, &reason)?))
        .await
}

#[tauri::command]
pub async fn escalate_proposal(
    state: State<'_, AppState>,
    id: i64,
    actor: ActorInput,
    note: Option<String>,
) -> Result<(), IpcError> {
    let actor = actor.into_actor()?;
    state
        .write(move |desk| Ok(desk.escalate(id, &actor, note.as_deref())?))
        .await
}

/// A person proposes an action by hand, in an existing conversation: same schema, policy,
/// gate and log as the planner's proposals.
#[tauri::command]
pub async fn propose_action(
    state: State<'_, AppState>,
    conversation_id: i64,
    tool: ToolName,
    args: Value,
    actor: ActorInput,
) -> Result<i64, IpcError> {
    let actor = actor.into_actor()?;
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
                proposed_by: &actor.name,
            })?)
        })
        .await
}
