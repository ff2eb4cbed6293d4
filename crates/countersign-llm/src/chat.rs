//! The provider-neutral shape of one model call: what we send and what comes back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tool the model may call: its name, what it is for, and the JSON schema of its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// A JSON Schema object (`{"type": "object", "properties": ...}`).
    pub parameters: Value,
}

/// One turn of the conversation with the model.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Text from our side (the request, fenced as data, or a correction).
    User(String),
    /// What the model said before: its text and the tool calls it made.
    Assistant {
        text: Option<String>,
        calls: Vec<ToolCall>,
    },
    /// The results of the tool calls of the previous assistant turn, one per call.
    ToolResults(Vec<ToolResult>),
}

/// The arguments of a tool call. OpenAI-compatible servers send them as a JSON string that
/// may not parse; the raw text is kept so the model can be told what was wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolArgs {
    Json(Value),
    Invalid { raw: String, error: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    /// The provider's id for the call, echoed in its result.
    pub id: String,
    pub name: String,
    pub args: ToolArgs,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolResult {
    pub call_id: String,
    /// What the tool returned (JSON text), or why the call was refused.
    pub content: String,
    pub is_error: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
}

/// Why the model stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It finished its answer (OpenAI `stop`, Anthropic `end_turn` / `stop_sequence`).
    EndTurn,
    /// It wants tool results (OpenAI `tool_calls`, Anthropic `tool_use`).
    ToolUse,
    /// It ran out of output tokens (OpenAI `length`, Anthropic `max_tokens`).
    MaxTokens,
    /// It declined (Anthropic `refusal`, OpenAI `content_filter` or a `refusal` message).
    Refusal,
    /// Anything else the provider reported, verbatim.
    Other(String),
}

/// Tokens as the provider counted them. `input` excludes cached tokens where the provider
/// reports them apart (Anthropic); for OpenAI `cache_read` is the cached part of the prompt and
/// is subtracted from `input`, so the four never double count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: u32,
    pub output: u32,
    pub cache_read: u32,
    pub cache_write: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChatResponse {
    pub text: Option<String>,
    pub calls: Vec<ToolCall>,
    pub stop: StopReason,
    pub usage: Usage,
    /// The model that answered, as the provider names it.
    pub model: String,
}
