//! OpenAI Chat Completions. The same wire format is served by Ollama, vLLM, llama.cpp,
//! LM Studio and most gateways, so the parser is lenient where those servers differ from OpenAI
//! (arguments as an object, missing call ids) and strict only where meaning would be lost.

use countersign_core::Secret;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::{
    ChatRequest, ChatResponse, Message, StopReason, ToolArgs, ToolCall, ToolSpec, Usage,
};
use crate::error::AttemptError;
use crate::provider::{BoxFuture, ChatProvider, ProviderKind};
use crate::wire;

/// A Chat Completions endpoint (`{base_url}/chat/completions`).
#[derive(Debug)]
pub struct OpenAiChat {
    url: String,
    model: String,
    /// Which name the output limit goes under (see [`TokenLimit`]).
    limit: TokenLimit,
    /// Optional because local servers (Ollama, llama.cpp) take none.
    api_key: Option<Secret>,
    http: reqwest::Client,
}

impl OpenAiChat {
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<Secret>,
        http: reqwest::Client,
    ) -> OpenAiChat {
        OpenAiChat {
            url: wire::endpoint(base_url, "chat/completions"),
            model: model.to_owned(),
            limit: TokenLimit::for_base_url(base_url),
            // An empty key field in the settings means "no key", not "send `Bearer `".
            api_key: api_key.filter(|k| !k.expose().trim().is_empty()),
            http,
        }
    }

    async fn call(&self, request: &ChatRequest) -> Result<ChatResponse, AttemptError> {
        let body = request_body(&self.model, request, self.limit);
        let mut builder = self.http.post(&self.url);
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key.expose());
        }
        let secret = self.api_key.as_ref().map(Secret::expose);
        let bytes = wire::send(builder, &body, secret).await?;
        parse_response(&bytes, &self.model)
    }
}

impl ChatProvider for OpenAiChat {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
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

/// The name of the output limit. OpenAI's own API deprecated `max_tokens` and refuses it for its
/// reasoning models (o-series, GPT-5), asking for `max_completion_tokens`; compatible servers
/// (Ollama, vLLM, llama.cpp) read `max_tokens`. Chosen by host, so neither breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenLimit {
    MaxTokens,
    MaxCompletionTokens,
}

impl TokenLimit {
    pub(crate) fn for_base_url(base_url: &str) -> TokenLimit {
        let host = base_url
            .split_once("://")
            .map_or(base_url, |(_, rest)| rest)
            .split(['/', ':', '?'])
            .next()
            .unwrap_or("");
        if host.eq_ignore_ascii_case("api.openai.com") {
            TokenLimit::MaxCompletionTokens
        } else {
            TokenLimit::MaxTokens
        }
    }

    fn key(self) -> &'static str {
        match self {
            TokenLimit::MaxTokens => "max_tokens",
            TokenLimit::MaxCompletionTokens => "max_completion_tokens",
        }
    }
}

/// The request body.
pub(crate) fn request_body(model: &str, request: &ChatRequest, limit: TokenLimit) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(json!({"role": "system", "content": request.system}));
    }
    for message in &request.messages {
        match message {
            Message::User(text) => messages.push(json!({"role": "user", "content": text})),
            Message::Assistant { text, calls } => {
                let mut m = json!({"role": "assistant", "content": text});
                // OpenAI rejects an empty `tool_calls` array, so it is left out instead.
                if !calls.is_empty() {
                    m["tool_calls"] = calls.iter().map(wire_call).collect();
                }
                messages.push(m);
            }
            Message::ToolResults(results) => {
                for r in results {
                    messages.push(json!({
                        "role": "tool",
                        "tool_call_id": r.call_id,
                        "content": r.content,
                    }));
                }
            }
        }
    }
    let mut body = json!({
        "model": model,
        "messages": messages,
    });
    body[limit.key()] = json!(request.max_tokens);
    if !request.tools.is_empty() {
        body["tools"] = request.tools.iter().map(wire_tool).collect();
    }
    body
}

fn wire_call(call: &ToolCall) -> Value {
    // Broken JSON goes back as `{}`: Ollama and vLLM parse the history's arguments and answer a
    // whole request 400 for one bad call. The tool result tells the model what was wrong.
    let arguments = match &call.args {
        ToolArgs::Json(v) => v.to_string(),
        ToolArgs::Invalid { .. } => "{}".to_owned(),
    };
    json!({
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    })
}

fn wire_tool(tool: &ToolSpec) -> Value {
    json!({
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    })
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    model: Option<String>,
}

#[derive(Deserialize)]
struct Choice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    tool_calls: Option<Vec<WireCall>>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct WireCall {
    #[serde(default)]
    id: Option<String>,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u32>,
}

pub(crate) fn parse_response(
    bytes: &[u8],
    requested_model: &str,
) -> Result<ChatResponse, AttemptError> {
    let completion: Completion = serde_json::from_slice(bytes).map_err(|e| {
        AttemptError::BadResponse(wire::truncate(format!(
            "not a Chat Completions answer: {e}"
        )))
    })?;
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(AttemptError::BadResponse(
            "the answer has no choices".into(),
        ));
    };
    let message = choice.message;
    let calls: Vec<ToolCall> = message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, c)| ToolCall {
            // Some local servers leave the id out; the result must still point at its call.
            id: c
                .id
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| format!("call_{i}")),
            name: c.function.name,
            args: parse_arguments(c.function.arguments),
        })
        .collect();
    let content = message.content.and_then(content_text);
    let refusal = message.refusal.filter(|r| !r.is_empty());
    let stop = if refusal.is_some() {
        StopReason::Refusal
    } else {
        match choice.finish_reason.as_deref() {
            // Older Ollama reports `stop` even when it made calls: the calls are what counts.
            Some("stop") | None if !calls.is_empty() => StopReason::ToolUse,
            Some("stop") => StopReason::EndTurn,
            Some("tool_calls") | Some("function_call") => StopReason::ToolUse,
            Some("length") => StopReason::MaxTokens,
            Some("content_filter") => StopReason::Refusal,
            other => StopReason::Other(other.unwrap_or("").to_owned()),
        }
    };
    let usage = completion.usage.map_or_else(Usage::default, |u| {
        let cached = u
            .prompt_tokens_details
            .and_then(|d| d.cached_tokens)
            .unwrap_or(0);
        Usage {
            input: u.prompt_tokens.saturating_sub(cached),
            output: u.completion_tokens,
            cache_read: cached,
            cache_write: 0,
        }
    });
    Ok(ChatResponse {
        // The refusal text is what the reviewer needs to see when there is no content.
        text: content.or(refusal),
        calls,
        stop,
        usage,
        model: completion
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| requested_model.to_owned()),
    })
}

/// `content` is a string for OpenAI; some gateways send an array of text parts.
fn content_text(content: Value) -> Option<String> {
    let text = match content {
        Value::String(s) => s,
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<String>(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// OpenAI sends arguments as a JSON string that may not parse; Ollama sends an object.
fn parse_arguments(arguments: Option<Value>) -> ToolArgs {
    match arguments {
        Some(Value::String(raw)) => {
            // A call without parameters comes back as "" from some servers.
            if raw.trim().is_empty() {
                return ToolArgs::Json(json!({}));
            }
            match serde_json::from_str(&raw) {
                Ok(v) => ToolArgs::Json(v),
                Err(e) => ToolArgs::Invalid {
                    raw,
                    error: e.to_string(),
                },
            }
        }
        None | Some(Value::Null) => ToolArgs::Json(json!({})),
        Some(v) => ToolArgs::Json(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_itself_gets_max_completion_tokens_and_compatible_servers_max_tokens() {
        let req = ChatRequest {
            system: String::new(),
            messages: Vec::new(),
            tools: Vec::new(),
            max_tokens: 64,
        };
        for (url, key) in [
            ("https://api.openai.com/v1", "max_completion_tokens"),
            ("https://API.OPENAI.COM:443/v1/", "max_completion_tokens"),
            ("http://localhost:11434/v1", "max_tokens"),
            ("https://openrouter.ai/api/v1", "max_tokens"),
            ("https://api.openai.com.evil.test/v1", "max_tokens"),
        ] {
            let body = request_body("m", &req, TokenLimit::for_base_url(url));
            assert_eq!(body[key], 64, "{url}");
            assert_eq!(body.as_object().map(|o| o.len()), Some(3), "{url}: {body}");
        }
    }
}
