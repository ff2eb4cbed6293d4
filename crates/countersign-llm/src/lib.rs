//! LLM providers, written on reqwest: one small trait ([`ChatProvider`]) with two adapters —
//! OpenAI Chat Completions (which also covers Ollama, vLLM, llama.cpp, LM Studio, OpenRouter and
//! other compatible gateways) and Anthropic Messages — and a [`LlmClient`] that adds the request
//! timeout, retries with exponential backoff and jitter that honour `Retry-After`, and a circuit
//! breaker per provider.
//!
//! This crate speaks the wire formats and nothing more: it never runs a tool. A tool call comes
//! back as data ([`ToolCall`]), and the caller (the agent loop) decides what happens to it.

mod anthropic;
mod breaker;
mod chat;
mod client;
mod error;
mod openai;
mod provider;
mod wire;

pub use anthropic::{AnthropicMessages, ANTHROPIC_VERSION};
pub use breaker::{Breaker, BreakerState};
pub use client::{
    connect, test_connection, Breakers, ClientSettings, Exchange, Failure, LlmClient,
    SharedBreaker, MAX_RETRY_AFTER,
};
pub use openai::OpenAiChat;

pub use chat::{
    ChatRequest, ChatResponse, Message, StopReason, ToolArgs, ToolCall, ToolResult, ToolSpec, Usage,
};
pub use error::{AttemptError, LlmError};
pub use provider::{BoxFuture, ChatProvider, ProviderKind};
