//! The client around a provider: the per-attempt timeout, retries with exponential backoff and
//! jitter that honour `Retry-After`, and the provider's circuit breaker. Every adapter gets the
//! same policy because the adapters only ever make one attempt.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use countersign_core::Secret;

use crate::anthropic::AnthropicMessages;
use crate::breaker::{Breaker, BreakerState};
use crate::chat::{ChatRequest, ChatResponse, Message};
use crate::error::{AttemptError, LlmError};
use crate::openai::OpenAiChat;
use crate::provider::{ChatProvider, ProviderKind};

/// The longest wait a `Retry-After` can impose: a longer one is cut to this and the retry goes
/// ahead (the provider may refuse again; the retries then run out and the call fails).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The connect timeout of clients built by [`connect`]: an unreachable host should fail fast
/// even when answers are allowed to take long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSettings {
    /// How long one attempt may take, answer included.
    pub timeout: Duration,
    /// Attempts after the first, for retryable failures only.
    pub max_retries: u32,
    /// The first backoff delay; it doubles per retry, plus jitter.
    pub base_delay: Duration,
    /// The cap on a computed backoff delay (a provider's `Retry-After` may exceed it).
    pub max_delay: Duration,
}

impl Default for ClientSettings {
    fn default() -> ClientSettings {
        ClientSettings {
            timeout: Duration::from_secs(30),
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// One breaker per provider endpoint, shared by every conversation that uses it: a provider
/// that is down is down for all of them.
pub type SharedBreaker = Arc<Mutex<Breaker>>;

/// The app's breakers, keyed by (kind, base URL, model).
#[derive(Debug)]
pub struct Breakers {
    failures_to_open: u32,
    cool_down: Duration,
    map: Mutex<HashMap<(ProviderKind, String, String), SharedBreaker>>,
}

impl Default for Breakers {
    /// Five consecutive failures open a breaker for thirty seconds.
    fn default() -> Breakers {
        Breakers::new(5, Duration::from_secs(30))
    }
}

impl Breakers {
    pub fn new(failures_to_open: u32, cool_down: Duration) -> Breakers {
        Breakers {
            failures_to_open,
            cool_down,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The breaker of this endpoint, created closed on first use.
    pub fn get(&self, kind: ProviderKind, base_url: &str, model: &str) -> SharedBreaker {
        // The base URL is normalised so `.../v1` and `.../v1/` share a breaker.
        let key = (
            kind,
            base_url.trim().trim_end_matches('/').to_owned(),
            model.to_owned(),
        );
        lock(&self.map)
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Mutex::new(Breaker::new(
                    self.failures_to_open,
                    self.cool_down,
                )))
            })
            .clone()
    }
}

/// A model call that succeeded, with what it cost to get there.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    pub response: ChatResponse,
    /// HTTP attempts made (1 when the first one succeeded).
    pub attempts: u32,
    /// Wall time of the whole call, backoff included.
    pub latency_us: u64,
    /// The breaker after the call.
    pub breaker: BreakerState,
}

/// A model call that failed after the retries it was allowed.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub error: LlmError,
    /// HTTP attempts made (0 when the breaker refused the call).
    pub attempts: u32,
    pub latency_us: u64,
    pub breaker: BreakerState,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[derive(Clone)]
pub struct LlmClient {
    provider: Arc<dyn ChatProvider>,
    settings: ClientSettings,
    breaker: SharedBreaker,
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("kind", &self.provider.kind())
            .field("model", &self.provider.model())
            .field("settings", &self.settings)
            .field("breaker", &self.breaker_state())
            .finish()
    }
}

/// Why one step of the retry loop stopped.
enum Step {
    /// The breaker refused before any HTTP was sent.
    Refused,
    Attempt(AttemptError),
}

impl LlmClient {
    pub fn new(
        provider: Arc<dyn ChatProvider>,
        settings: ClientSettings,
        breaker: SharedBreaker,
    ) -> LlmClient {
        LlmClient {
            provider,
            settings,
            breaker,
        }
    }

    pub fn provider(&self) -> &Arc<dyn ChatProvider> {
        &self.provider
    }

    pub fn settings(&self) -> ClientSettings {
        self.settings
    }

    pub fn breaker_state(&self) -> BreakerState {
        lock(&self.breaker).state()
    }

    /// Whether a call now would pass the breaker (without taking a half-open probe).
    pub fn would_admit(&self) -> bool {
        lock(&self.breaker).would_admit(Instant::now())
    }

    /// One model call: attempts with timeout, retries and breaker as set up.
    pub async fn chat(&self, request: &ChatRequest) -> Result<Exchange, Failure> {
        let started = Instant::now();
        let attempts = AtomicU32::new(0);
        let last_error: Mutex<Option<AttemptError>> = Mutex::new(None);
        let kind = self.provider.kind().as_str();

        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.settings.base_delay)
            .with_max_delay(self.settings.max_delay)
            .with_max_times(usize::try_from(self.settings.max_retries).unwrap_or(usize::MAX))
            .with_jitter();

        let outcome = (|| self.attempt(request, &attempts, &last_error))
            .retry(backoff)
            .when(|step| matches!(step, Step::Attempt(e) if e.is_retryable()))
            .adjust(|step, computed| {
                // `None` means the retries are used up; a Retry-After must not add one.
                let computed = computed?;
                Some(match step {
                    Step::Attempt(e) => e
                        .retry_after()
                        .map_or(computed, |asked| asked.min(MAX_RETRY_AFTER)),
                    Step::Refused => computed,
                })
            })
            .notify(|step, delay| {
                if let Step::Attempt(e) = step {
                    tracing::debug!(
                        provider = kind,
                        error = label(e),
                        status = status(e),
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "retrying the model call"
                    );
                }
            })
            .await;

        let attempts = attempts.load(Ordering::Relaxed);
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let breaker = self.breaker_state();
        match outcome {
            Ok(response) => {
                tracing::info!(
                    provider = kind,
                    attempts,
                    latency_us,
                    breaker = breaker.name(),
                    "model call answered"
                );
                Ok(Exchange {
                    response,
                    attempts,
                    latency_us,
                    breaker,
                })
            }
            Err(step) => {
                // When this call's own failures opened the breaker, the failure that did it is
                // the one worth reporting, not the refusal that followed.
                let last = lock(&last_error).take();
                let error = match (step, last) {
                    (Step::Attempt(e), _) | (Step::Refused, Some(e)) => final_error(e, attempts),
                    (Step::Refused, None) => LlmError::BreakerOpen,
                };
                tracing::warn!(
                    provider = kind,
                    code = error.code(),
                    attempts,
                    latency_us,
                    breaker = breaker.name(),
                    "model call failed"
                );
                Err(Failure {
                    error,
                    attempts,
                    latency_us,
                    breaker,
                })
            }
        }
    }

    async fn attempt(
        &self,
        request: &ChatRequest,
        attempts: &AtomicU32,
        last_error: &Mutex<Option<AttemptError>>,
    ) -> Result<ChatResponse, Step> {
        if lock(&self.breaker).admit(Instant::now()).is_err() {
            return Err(Step::Refused);
        }
        attempts.fetch_add(1, Ordering::Relaxed);
        let result = tokio::time::timeout(self.settings.timeout, self.provider.chat(request))
            .await
            .unwrap_or(Err(AttemptError::Timeout(self.settings.timeout)));
        {
            let mut breaker = lock(&self.breaker);
            match &result {
                Err(e) if e.counts_against_breaker() => breaker.record_failure(Instant::now()),
                // Any answer, a refusal of our key or request included, shows the provider is
                // up; it must not leave a half-open probe hanging either.
                _ => breaker.record_success(),
            }
        }
        if let Err(e) = &result {
            tracing::debug!(
                provider = self.provider.kind().as_str(),
                error = label(e),
                status = status(e),
                "model call attempt failed"
            );
            *lock(last_error) = Some(e.clone());
        }
        result.map_err(Step::Attempt)
    }
}

fn final_error(error: AttemptError, attempts: u32) -> LlmError {
    match error {
        AttemptError::Unauthorized(status) => LlmError::Unauthorized(status),
        AttemptError::RateLimited { .. } => LlmError::RateLimited { attempts },
        AttemptError::Timeout(_) => LlmError::Timeout { attempts },
        e @ (AttemptError::Transport(_) | AttemptError::Server { .. }) => LlmError::Unavailable {
            attempts,
            last: e.to_string(),
        },
        AttemptError::Rejected { status, message } => LlmError::Rejected { status, message },
        AttemptError::BadResponse(message) => LlmError::BadResponse(message),
    }
}

/// A name for logs: the error's kind, never its message (which may quote a body).
fn label(error: &AttemptError) -> &'static str {
    match error {
        AttemptError::Transport(_) => "transport",
        AttemptError::Timeout(_) => "timeout",
        AttemptError::Unauthorized(_) => "unauthorized",
        AttemptError::RateLimited { .. } => "rate_limited",
        AttemptError::Server { .. } => "server",
        AttemptError::Rejected { .. } => "rejected",
        AttemptError::BadResponse(_) => "bad_response",
    }
}

fn status(error: &AttemptError) -> u16 {
    match error {
        AttemptError::Unauthorized(s)
        | AttemptError::Server { status: s, .. }
        | AttemptError::Rejected { status: s, .. } => *s,
        AttemptError::RateLimited { .. } => 429,
        _ => 0,
    }
}

/// The breaker's state is plain data that stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Builds the provider the settings describe. The base URL is checked here so a typo shows up
/// as a settings error, not as a transport failure on the first conversation.
pub fn connect(
    kind: ProviderKind,
    base_url: &str,
    model: &str,
    key: Option<Secret>,
    timeout: Duration,
) -> Result<Arc<dyn ChatProvider>, LlmError> {
    let base_url = base_url.trim();
    let base_url = if base_url.is_empty() {
        kind.default_base_url()
    } else {
        base_url
    };
    // The URL is not echoed: it may carry credentials in its userinfo or query.
    let url = reqwest::Url::parse(base_url)
        .map_err(|_| LlmError::Config("the base URL is not a valid URL".into()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(LlmError::Config(
            "the base URL must be an http:// or https:// address".into(),
        ));
    }
    let model = model.trim();
    if model.is_empty() {
        return Err(LlmError::Config("no model is set".into()));
    }
    let key = key.filter(|k| !k.expose().trim().is_empty());
    let http = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        // A backstop only: the client's own per-attempt timeout normally fires first and
        // reports a timeout rather than a transport failure.
        .timeout(timeout + Duration::from_secs(5))
        // A redirect would carry `x-api-key` (which reqwest does not strip) to another host.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("countersign/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| LlmError::Config("the HTTP client could not be built".into()))?;
    Ok(match kind {
        ProviderKind::Openai => Arc::new(OpenAiChat::new(base_url, model, key, http)),
        ProviderKind::Anthropic => {
            let key = key.ok_or(LlmError::MissingApiKey)?;
            Arc::new(AnthropicMessages::new(base_url, model, key, http))
        }
    })
}

/// The "Test connection" button: the smallest call that proves the URL, key and model work.
pub async fn test_connection(client: &LlmClient) -> Result<Exchange, Failure> {
    let request = ChatRequest {
        system: String::new(),
        messages: vec![Message::User("Reply with the word OK".into())],
        tools: Vec::new(),
        max_tokens: 16,
    };
    client.chat(&request).await
}
