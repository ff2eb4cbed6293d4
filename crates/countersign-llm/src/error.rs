//! Errors: one attempt's failure ([`AttemptError`], which decides whether to retry) and the
//! call's failure ([`LlmError`], with a stable code the UI and the CLI match on).

use std::time::Duration;

/// How one HTTP attempt failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttemptError {
    #[error("could not reach the provider: {0}")]
    Transport(String),
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    /// 401 or 403: the key is wrong or lacks access. Never retried.
    #[error("the provider refused the API key (HTTP {0})")]
    Unauthorized(u16),
    /// 429: retried after `Retry-After` when the provider sends one.
    #[error("the provider is rate limiting (HTTP 429)")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx (and 529, Anthropic's "overloaded"): retried.
    #[error("the provider failed (HTTP {status})")]
    Server {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// Any other 4xx: our request is wrong; retrying cannot help.
    #[error("the provider rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    /// A 2xx whose body is not the provider's format.
    #[error("the provider's answer could not be read: {0}")]
    BadResponse(String),
}

impl AttemptError {
    /// Transport failures, timeouts, 429 and 5xx may pass; the rest will not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AttemptError::Transport(_)
                | AttemptError::Timeout(_)
                | AttemptError::RateLimited { .. }
                | AttemptError::Server { .. }
        )
    }

    /// What the provider asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AttemptError::RateLimited { retry_after }
            | AttemptError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Failures that count against the circuit breaker: the provider is unwell, not our request.
    pub fn counts_against_breaker(&self) -> bool {
        self.is_retryable()
    }
}

/// Why a model call failed, after retries. `code()` is stable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("no API key is set for the provider")]
    MissingApiKey,
    #[error("the keychain is locked: unlock it to use the provider")]
    KeychainLocked,
    #[error("the provider refused the API key (HTTP {0})")]
    Unauthorized(u16),
    #[error("the provider is rate limiting; gave up after {attempts} attempts")]
    RateLimited { attempts: u32 },
    #[error("the provider did not answer in time; gave up after {attempts} attempts")]
    Timeout { attempts: u32 },
    #[error("the provider is unavailable ({last}); gave up after {attempts} attempts")]
    Unavailable { attempts: u32, last: String },
    #[error("the provider rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("the provider's answer could not be read: {0}")]
    BadResponse(String),
    #[error("the provider's circuit breaker is open after repeated failures; retrying at the next cool-down")]
    BreakerOpen,
    #[error("the provider settings are not usable: {0}")]
    Config(String),
}

impl LlmError {
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::MissingApiKey => "missing_api_key",
            LlmError::KeychainLocked => "keychain_locked",
            LlmError::Unauthorized(_) => "provider_unauthorized",
            LlmError::RateLimited { .. } => "provider_rate_limited",
            LlmError::Timeout { .. } => "provider_timeout",
            LlmError::Unavailable { .. } => "provider_unavailable",
            LlmError::Rejected { .. } => "provider_rejected",
            LlmError::BadResponse(_) => "provider_bad_response",
            LlmError::BreakerOpen => "provider_breaker_open",
            LlmError::Config(_) => "provider_config",
        }
    }

    /// Every code, for the generated IPC catalogue.
    pub const CODES: [&'static str; 10] = [
        "missing_api_key",
        "keychain_locked",
        "provider_unauthorized",
        "provider_rate_limited",
        "provider_timeout",
        "provider_unavailable",
        "provider_rejected",
        "provider_bad_response",
        "provider_breaker_open",
        "provider_config",
    ];
}
