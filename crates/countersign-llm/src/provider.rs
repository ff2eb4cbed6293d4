//! The provider port: one model call, one HTTP attempt. Retries, the timeout and the breaker
//! are the client's ([`crate::LlmClient`]), so every adapter gets them the same way.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::chat::{ChatRequest, ChatResponse};
use crate::error::AttemptError;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which wire format a provider speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// OpenAI Chat Completions with `tools`: OpenAI, Ollama, vLLM, llama.cpp server, LM Studio,
    /// OpenRouter and compatible gateways.
    Openai,
    /// Anthropic Messages with `tool_use` / `tool_result` blocks.
    Anthropic,
}

impl ProviderKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }

    /// Where the provider lives when the settings name no base URL.
    pub const fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Openai => "https://api.openai.com/v1",
            ProviderKind::Anthropic => "https://api.anthropic.com",
        }
    }
}

/// One model call as one HTTP attempt. Implementations translate [`ChatRequest`] to the wire
/// format and the answer back; they neither retry nor sleep.
pub trait ChatProvider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    fn model(&self) -> &str;
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, AttemptError>>;
}
