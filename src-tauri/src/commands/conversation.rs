//! One conversation, for review.

use countersign_store::ConversationView;
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn conversation_detail(
    state: State<'_, AppState>,
    conversation_id: i64,
) -> Result<ConversationView, IpcError> {
    state
        .read(move |r| Ok(r.views().conversation(conversation_id)?))
        .await
}
