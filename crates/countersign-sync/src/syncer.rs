//! The syncer: takes the outbox's batches in order and POSTs each until the receiver
//! acknowledges it (2xx) or refuses it for good (parked).
//!
//! Every outcome is written to the store before the next step, so a process killed at any
//! point resumes where it was: a batch sent but not acknowledged goes out again with the same
//! `Idempotency-Key` and the same bytes (batches are formed once, redaction is deterministic).

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use countersign_core::Secret;
use countersign_store::{Desk, EvalBatch};
use serde::Serialize;

use crate::endpoint::Endpoint;
use crate::error::SyncError;
use crate::redact::Redactor;

/// The longest `Retry-After` we sit through; a receiver asking for more is asked again then.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// How a run goes through the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One attempt per pending batch, then stop.
    Once,
    /// A background round: batches in order until one cannot be sent now, then stop (the
    /// receiver is down or busy: the next round, later, tries again). A refused batch is
    /// parked and the round goes on.
    Round,
    /// Retry each batch with backoff until the outbox is empty (parked batches aside).
    UntilEmpty,
}

#[derive(Clone, Debug)]
pub struct SyncSettings {
    pub endpoint: Endpoint,
    pub token: Secret,
    pub batch_size: usize,
    /// On by default: cases leave the machine with emails, phones and cards replaced.
    pub redact: bool,
    pub min_delay: Duration,
    pub max_delay: Duration,
    pub request_timeout: Duration,
}

impl SyncSettings {
    pub fn new(endpoint: Endpoint, token: Secret) -> SyncSettings {
        SyncSettings {
            endpoint,
            token,
            batch_size: 100,
            redact: true,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub batches_sent: usize,
    pub cases_sent: usize,
    pub batches_parked: usize,
    pub failed_attempts: usize,
    /// Cases still waiting (not parked) when the run ended.
    pub pending: i64,
    pub parked: i64,
}

/// What one attempt came to.
#[derive(Debug)]
enum Attempt {
    Acknowledged(u16),
    Retry {
        why: String,
        retry_after: Option<Duration>,
    },
    /// Refused for good, with the HTTP status and the receiver's words.
    Refused(u16, String),
}

/// The batch as sent: one case per line, redacted with one redactor for the whole batch.
fn ndjson(batch: &EvalBatch, redact: bool) -> Vec<u8> {
    let mut redactor = Redactor::new();
    let mut body = Vec::new();
    for case in &batch.cases {
        let line = if redact {
            redactor.case(&case.body)
        } else {
            case.body.clone()
        };
        body.extend_from_slice(line.to_string().as_bytes());
        body.push(b'\n');
    }
    body
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    countersign_core::retry_after::parse(value, SystemTime::now())
}

async fn attempt(
    http: &reqwest::Client,
    settings: &SyncSettings,
    batch: &EvalBatch,
    body: Vec<u8>,
) -> Attempt {
    let sent = http
        .post(settings.endpoint.url().clone())
        .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
        .bearer_auth(settings.token.expose())
        .header("idempotency-key", &batch.id)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Attempt::Acknowledged(r.status().as_u16()),
        Ok(r) => {
            let status = r.status();
            if matches!(status.as_u16(), 408 | 429) || status.is_server_error() {
                Attempt::Retry {
                    why: format!("HTTP {}", status.as_u16()),
                    retry_after: retry_after(r.headers()),
                }
            } else {
                // The receiver's own words help the person who unparks it; bounded, as the
                // body is the receiver's and could be anything.
                let text = r.text().await.unwrap_or_default();
                // A receiver that echoes the request must not put the token on a screen.
                let text = text.replace(settings.token.expose(), "[token]");
                let text: String = text.chars().take(300).collect();
                Attempt::Refused(
                    status.as_u16(),
                    format!("HTTP {}: {}", status.as_u16(), text.trim()),
                )
            }
        }
        // Without the URL: it may carry a token in its query.
        Err(e) => Attempt::Retry {
            why: e.without_url().to_string(),
            retry_after: None,
        },
    }
}

fn client(settings: &SyncSettings) -> Result<reqwest::Client, SyncError> {
    reqwest::Client::builder()
        .timeout(settings.request_timeout)
        .connect_timeout(Duration::from_secs(10))
        // A redirect would resend the token somewhere nobody configured.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SyncError::Client(e.to_string()))
}

/// Runs the outbox once through (`Mode::Once`) or until it is empty (`Mode::UntilEmpty`).
pub async fn sync(
    desk: &mut Desk,
    settings: &SyncSettings,
    mode: Mode,
) -> Result<SyncReport, SyncError> {
    let http = client(settings)?;
    let mut report = SyncReport::default();
    // In `Once` mode a failed batch stays pending and the walk moves on past it.
    let mut after = None;
    while let Some(batch) = desk.next_eval_batch(after, settings.batch_size)? {
        if mode != Mode::UntilEmpty {
            after = Some(batch.seq);
        }
        let body = ndjson(&batch, settings.redact);
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(settings.min_delay)
            .with_max_delay(settings.max_delay)
            .without_max_times()
            .with_jitter()
            .build();
        loop {
            match attempt(&http, settings, &batch, body.clone()).await {
                Attempt::Acknowledged(status) => {
                    desk.ack_eval_batch(&batch.id)?;
                    report.batches_sent += 1;
                    report.cases_sent += batch.cases.len();
                    tracing::info!(batch = %batch.id, cases = batch.cases.len(), status, "eval batch acknowledged");
                    break;
                }
                Attempt::Refused(status, why) => {
                    desk.park_eval_batch(&batch.id, status, &why)?;
                    report.batches_parked += 1;
                    break;
                }
                Attempt::Retry { why, retry_after } => {
                    desk.eval_batch_failed(&batch.id, &why)?;
                    report.failed_attempts += 1;
                    if mode == Mode::Round {
                        tracing::warn!(batch = %batch.id, error = %why, "eval batch not sent; round ends");
                        let status = desk.sync_status()?;
                        report.pending = status.pending;
                        report.parked = status.parked;
                        return Ok(report);
                    }
                    if mode == Mode::Once {
                        tracing::warn!(batch = %batch.id, error = %why, "eval batch not sent; left pending");
                        break;
                    }
                    let backoff = delays.next().unwrap_or(settings.max_delay);
                    let wait = match retry_after {
                        Some(asked) => asked.min(MAX_RETRY_AFTER).max(backoff),
                        None => backoff,
                    };
                    tracing::warn!(batch = %batch.id, error = %why, wait_ms = wait.as_millis() as u64, "eval batch will be retried");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    let status = desk.sync_status()?;
    report.pending = status.pending;
    report.parked = status.parked;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::RETRY_AFTER,
            "7".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        h.insert(
            reqwest::header::RETRY_AFTER,
            past.parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
