//! Anthropic Messages. Tool calls are `tool_use` content blocks and their results go back as
//! `tool_result` blocks in a user turn; roles must alternate, so adjacent turns of one role are
//! merged before sending.

use countersign_core::Secret;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::{ChatRequest, ChatResponse, Message, StopReason, ToolArgs, ToolCall, Usage};
use crate::error::AttemptError;
use crate::provider::{BoxFuture, ChatProvider, ProviderKind};
use crate::wire;

/// The API version the wire shapes here were written against.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// A Messages endpoint (`{base_url}/v1/messages`).
#[derive(Debug)]
pub struct AnthropicMessages {
    url: String,
    model: String,
    api_key: Secret,
    http: reqwest::Client,
}

impl AnthropicMessages {
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Secret,
        http: reqwest::Client,
    ) -> AnthropicMessages {
        AnthropicMessages {
            url: wire::endpoint(base_url, "v1/messages"),
            model: model.to_owned(),
            api_key,
            http,
        }
    }

    async fn call(&self, request: &ChatRequest) -> Result<ChatResponse, AttemptError> {
        let body = request_body(&self.model, request);
        let builder = self
            .http
            .post(&self.url)
            .header("x-api-key", self.api_key.expose())
            .header("anthropic-version", ANTHROPIC_VERSION);
        let bytes = wire::send(builder, &body, Some(self.api_key.expose())).await?;
        parse_response(&bytes, &self.model)
    }
}

impl ChatProvider for AnthropicMessages {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, AttemptError>> {
        Box::pin(self.call(request))
    }
}

pub(crate) fn request_body(model: &str, request: &ChatRequest) -> Value {
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for message in &request.messages {
        let (role, blocks) = match message {
            Message::User(text) => ("user", vec![json!({"type": "text", "text": text})]),
            Message::Assistant { text, calls } => {
                let mut blocks = Vec::with_capacity(calls.len() + 1);
                // The API rejects empty text blocks.
                if let Some(text) = text.as_deref().filter(|t| !t.is_empty()) {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                for call in calls {
                    // `input` must be an object: a call whose arguments did not parse goes back
                    // as `{}`, and its error result tells the model what was wrong.
                    let input = match &call.args {
                        ToolArgs::Json(v) if v.is_object() => v.clone(),
                        _ => json!({}),
                    };
                    blocks.push(json!({
                        "type": "tool_use",
                        "id": call.id,
                        "name": call.name,
                        "input": input,
                    }));
                }
                ("assistant", blocks)
            }
            Message::ToolResults(results) => (
                "user",
                results
                    .iter()
                    .map(|r| {
                        json!({
                            "type": "tool_result",
                            "tool_use_id": r.call_id,
                            "content": r.content,
                            "is_error": r.is_error,
                        })
                    })
                    .collect(),
            ),
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|(role, mut blocks)| {
            // In a user turn the tool results must come before any text.
            blocks.sort_by_key(|b| b["type"] != "tool_result");
            json!({"role": role, "content": blocks})
        })
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.parameters,
                })
            })
            .collect();
    }
    body
}

#[derive(Deserialize)]
struct WireMessage {
    content: Vec<Block>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    model: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// Thinking, server tools and whatever comes next: not ours to interpret.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u32,
    #[serde(default)]
    output_tokens: u32,
    #[serde(default)]
    cache_read_input_tokens: Option<u32>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u32>,
}

pub(crate) fn parse_response(
    bytes: &[u8],
    requested_model: &str,
) -> Result<ChatResponse, AttemptError> {
    let message: WireMessage = serde_json::from_slice(bytes).map_err(|e| {
        AttemptError::BadResponse(wire::truncate(format!("not a Messages answer: {e}")))
    })?;
    let mut text = String::new();
    let mut calls = Vec::new();
    for block in message.content {
        match block {
            Block::Text { text: t } => text.push_str(&t),
            Block::ToolUse { id, name, input } => calls.push(ToolCall {
                id,
                name,
                args: ToolArgs::Json(if input.is_null() { json!({}) } else { input }),
            }),
            Block::Other => {}
        }
    }
    let stop = match message.stop_reason.as_deref() {
        Some("end_turn") | Some("stop_sequence") => StopReason::EndTurn,
        Some("tool_use") => StopReason::ToolUse,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("refusal") => StopReason::Refusal,
        other => StopReason::Other(other.unwrap_or("").to_owned()),
    };
    // Anthropic already reports `input_tokens` without the cached part.
    let usage = message.usage.map_or_else(Usage::default, |u| Usage {
        input: u.input_tokens,
        output: u.output_tokens,
        cache_read: u.cache_read_input_tokens.unwrap_or(0),
        cache_write: u.cache_creation_input_tokens.unwrap_or(0),
    });
    Ok(ChatResponse {
        text: (!text.is_empty()).then_some(text),
        calls,
        stop,
        usage,
        model: message
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| requested_model.to_owned()),
    })
}
