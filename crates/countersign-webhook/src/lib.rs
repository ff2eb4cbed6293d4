//! Replies to chat and widget conversations go to the team's webhook: one JSON POST per reply,
//! signed, retried, idempotent.
//!
//! - **Signed**: `X-Countersign-Signature: v1=<hex>`, HMAC-SHA256 under the shared secret
//!   (kept in the OS keychain) over `"{timestamp}.{body}"`, with `X-Countersign-Timestamp`
//!   (Unix seconds) so a receiver can refuse replays ([`verify`] is the receiver's check).
//! - **Idempotent**: `Idempotency-Key` is the reply's message id, and the body carries it: a
//!   receiver that saw it already answers 2xx and does nothing (a retry after a lost answer).
//! - **Retried**: transport errors, timeouts, 408, 429 and 5xx, with exponential backoff and
//!   jitter, honouring `Retry-After`; any other 4xx is the receiver refusing this reply, which
//!   no retry mends ([`WebhookError::Rejected`], for a person).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use backon::{ExponentialBuilder, Retryable};
use countersign_core::Secret;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-countersign-signature";
pub const TIMESTAMP_HEADER: &str = "x-countersign-timestamp";

/// The longest `Retry-After` we sit through before the next attempt.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Where replies go and how hard to try.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    pub url: String,
    pub timeout: Duration,
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl WebhookSettings {
    pub fn new(url: &str) -> WebhookSettings {
        WebhookSettings {
            url: url.to_owned(),
            timeout: Duration::from_secs(15),
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// One reply, as the receiver gets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// Ours, unique per reply (derived from the proposal that approved it): the receiver
    /// dedupes on it.
    pub message_id: String,
    pub conversation_id: i64,
    /// `chat` or `widget`.
    pub channel: String,
    /// The chat session or widget form the reply answers.
    pub thread: Option<String>,
    pub text: String,
}

/// The receiver accepted the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub attempts: u32,
    pub status: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook URL must be http:// or https://")]
    Config,
    #[error("the receiver refused the reply (HTTP {status}); a retry would not help")]
    Rejected { status: u16, attempts: u32 },
    #[error("the receiver did not take the reply after {attempts} attempts ({last})")]
    Unavailable { attempts: u32, last: String },
}

impl WebhookError {
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::Config => "webhook_config",
            WebhookError::Rejected { .. } => "webhook_rejected",
            WebhookError::Unavailable { .. } => "webhook_unavailable",
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &Secret, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    let mut m = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// The receiver's check: the signature is ours, over these bytes, and not older (or newer)
/// than `tolerance_s` seconds. Compared in constant time.
pub fn verify(
    secret: &Secret,
    timestamp: i64,
    body: &[u8],
    signature: &str,
    now_s: i64,
    tolerance_s: i64,
) -> bool {
    if (now_s - timestamp).abs() > tolerance_s {
        return false;
    }
    let Some(hex_sig) = signature.strip_prefix("v1=") else {
        return false;
    };
    let Ok(bytes) = hex::decode(hex_sig) else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&bytes).is_ok()
}

/// What one attempt came to.
#[derive(Debug)]
enum Attempt {
    /// Worth another try, maybe after the receiver's `Retry-After`.
    Retry {
        why: String,
        retry_after: Option<Duration>,
    },
    Rejected(u16),
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    countersign_core::retry_after::parse(value, SystemTime::now())
}

/// Sends `reply` until the receiver takes it (2xx), refuses it (other 4xx) or the retries run
/// out. Each attempt is signed afresh with the time `now_s` gives (a retry minutes later must
/// not look like a replay).
pub async fn deliver(
    http: &reqwest::Client,
    settings: &WebhookSettings,
    secret: &Secret,
    reply: &Reply,
    now_s: impl Fn() -> i64,
) -> Result<Delivered, WebhookError> {
    if !(settings.url.starts_with("http://") || settings.url.starts_with("https://")) {
        return Err(WebhookError::Config);
    }
    let body = serde_json::to_vec(reply).unwrap_or_default();
    let attempts = AtomicU32::new(0);
    let attempt = || async {
        attempts.fetch_add(1, Ordering::Relaxed);
        let timestamp = now_s();
        let sent = http
            .post(&settings.url)
            .timeout(settings.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", &reply.message_id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, sign(secret, timestamp, &body))
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
            Ok(r) => {
                let status = r.status().as_u16();
                if matches!(status, 408 | 429) || r.status().is_server_error() {
                    Err(Attempt::Retry {
                        why: format!("HTTP {status}"),
                        retry_after: retry_after(r.headers()),
                    })
                } else {
                    Err(Attempt::Rejected(status))
                }
            }
            // Without the URL: it may carry a token in its query.
            Err(e) => Err(Attempt::Retry {
                why: e.without_url().to_string(),
                retry_after: None,
            }),
        }
    };
    let backoff = ExponentialBuilder::default()
        .with_min_delay(settings.base_delay)
        .with_max_delay(settings.max_delay)
        .with_max_times(usize::try_from(settings.max_retries).unwrap_or(usize::MAX))
        .with_jitter();
    let outcome = attempt
        .retry(backoff)
        .when(|a| matches!(a, Attempt::Retry { .. }))
        .adjust(|a, computed| {
            let computed = computed?;
            Some(match a {
                Attempt::Retry {
                    retry_after: Some(asked),
                    ..
                } => (*asked).min(MAX_RETRY_AFTER),
                _ => computed,
            })
        })
        .await;
    let attempts = attempts.load(Ordering::Relaxed);
    match outcome {
        Ok(status) => {
            tracing::info!(
                conversation = reply.conversation_id,
                attempts,
                status,
                "webhook reply delivered"
            );
            Ok(Delivered { attempts, status })
        }
        Err(Attempt::Rejected(status)) => Err(WebhookError::Rejected { status, attempts }),
        Err(Attempt::Retry { why, .. }) => Err(WebhookError::Unavailable {
            attempts,
            last: why,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_bytes_key_and_time() {
        let key = Secret::new("whsec-test-1".into());
        let body = br#"{"message_id":"m1"}"#;
        let sig = sign(&key, 1_000, body);
        assert!(verify(&key, 1_000, body, &sig, 1_010, 300));
        assert!(!verify(
            &key,
            1_000,
            b"{\"message_id\":\"m2\"}",
            &sig,
            1_010,
            300
        ));
        assert!(
            !verify(&key, 1_001, body, &sig, 1_010, 300),
            "timestamp is signed"
        );
        assert!(!verify(
            &Secret::new("other".into()),
            1_000,
            body,
            &sig,
            1_010,
            300
        ));
        assert!(
            !verify(&key, 1_000, body, &sig, 2_000, 300),
            "too old: a replay"
        );
        assert!(!verify(&key, 1_000, body, "v1=zz", 1_010, 300));
        assert!(!verify(
            &key,
            1_000,
            body,
            sig.trim_start_matches("v1="),
            1_010,
            300
        ));
    }
}
