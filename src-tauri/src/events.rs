//! Typed events from the core to the UI. Names are constants shared with `ui/src/lib/ipc.ts`.

use std::collections::BTreeMap;

use countersign_store::InboxCounts;
use serde::Serialize;

pub const QUEUE_CHANGED: &str = "queue-changed";
pub const OPEN_CONVERSATION: &str = "open-conversation";

/// The queue changed (here or in another process on the same workspace).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct QueueChanged {
    pub open: usize,
    pub counts: BTreeMap<String, i64>,
    /// Requests admitted and not planned yet ("Planning…" in the queue).
    pub planning: usize,
    /// Proposals that arrived since the last event.
    pub new_proposals: Vec<i64>,
    /// Conversations waiting for a person: what the badge and notifications count.
    pub waiting: InboxCounts,
    /// Conversations that started waiting since the last event (new, or the customer wrote
    /// again).
    pub new_conversations: Vec<i64>,
}

/// Show this conversation: the user clicked the notification about it.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct OpenConversation {
    pub conversation_id: i64,
}
