//! The model as the loop sees it: one call, its accounting, or why it failed. The provider
//! client (`countersign-llm`) is the real one; tests may script answers here, at the edge.

use countersign_llm::{BoxFuture, ChatRequest, ChatResponse, LlmError};

/// One answered model call, with what it took.
#[derive(Clone, Debug)]
pub struct ModelReply {
    pub response: ChatResponse,
    pub attempts: u32,
    pub latency_us: u64,
    /// The provider's circuit breaker after the call: `closed`, `open` or `half_open`.
    pub breaker: String,
}

/// A model call that failed after retries.
#[derive(Clone, Debug)]
pub struct ModelFailure {
    pub error: LlmError,
    pub attempts: u32,
    pub latency_us: u64,
    pub breaker: String,
}

pub trait Model: Send + Sync {
    /// `openai` or `anthropic`.
    fn provider(&self) -> &str;
    fn model(&self) -> &str;
    /// Whether a call would be let through now (`Err(code)`: the breaker is open).
    fn ready(&self) -> Result<(), String>;
    fn call<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ModelReply, ModelFailure>>;
}
