//! What both adapters share on the wire: endpoint joining, sending one POST, turning an HTTP
//! status into an [`AttemptError`], reading `Retry-After`, and keeping the key out of messages.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use crate::error::AttemptError;

/// Error messages reach the UI; a body that echoes half a prompt must not become a wall of text.
const MAX_MESSAGE_CHARS: usize = 300;

/// Joins a base URL and a path so `.../v1` and `.../v1/` both work: users paste either.
pub(crate) fn endpoint(base_url: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base_url.trim().trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Sends one request and returns the body of a 2xx answer; every other outcome becomes the
/// [`AttemptError`] that decides whether the client retries. `secret` is only used to scrub
/// messages: some servers echo the key back in their error text.
pub(crate) async fn send(
    request: RequestBuilder,
    body: &Value,
    secret: Option<&str>,
) -> Result<Vec<u8>, AttemptError> {
    let response = request
        .json(body)
        .send()
        .await
        .map_err(|e| AttemptError::Transport(describe_transport(&e)))?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| AttemptError::Transport(describe_transport(&e)))?;
    if status.is_success() {
        return Ok(bytes.to_vec());
    }
    Err(status_error(status, &headers, &bytes, secret))
}

/// The status mapping the retry policy and the breaker rely on.
pub(crate) fn status_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secret: Option<&str>,
) -> AttemptError {
    let code = status.as_u16();
    match code {
        401 | 403 => AttemptError::Unauthorized(code),
        429 => AttemptError::RateLimited {
            retry_after: retry_after(headers, SystemTime::now()),
        },
        // 529 is Anthropic's "overloaded"; it is not in the 5xx range of `is_server_error`.
        500..=599 => AttemptError::Server {
            status: code,
            retry_after: retry_after(headers, SystemTime::now()),
        },
        400..=499 => AttemptError::Rejected {
            status: code,
            message: redact(error_message(body), secret),
        },
        // Redirects are not followed (a redirect would carry the key to another host), so a
        // 3xx means the base URL points at the wrong place.
        300..=399 => AttemptError::Rejected {
            status: code,
            message: "the provider redirected the request; check the base URL".into(),
        },
        _ => AttemptError::BadResponse(format!("unexpected HTTP status {code}")),
    }
}

/// The human part of an error body. OpenAI and Anthropic nest it at `error.message`, Ollama
/// sends `{"error": "..."}`; anything else is shown truncated.
fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    let found = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error"))
            .or_else(|| v.get("message"))
            .or_else(|| v.get("detail"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let message = found.unwrap_or_else(|| text.trim().to_owned());
    if message.is_empty() {
        "no reason given".into()
    } else {
        truncate(message)
    }
}

pub(crate) fn truncate(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

pub(crate) fn redact(message: String, secret: Option<&str>) -> String {
    match secret {
        // A very short "key" would redact ordinary words; such a key is not a real one anyway.
        Some(s) if s.len() >= 8 => message.replace(s, "[redacted]"),
        _ => message,
    }
}

/// How long the provider asked us to wait. OpenAI also sends `retry-after-ms`, which is more
/// precise; `Retry-After` may be seconds or an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    countersign_core::retry_after::parse(header("retry-after")?, now)
}

/// A transport failure in words, without the URL (it may carry credentials in its query) and
/// never with headers: reqwest's messages hold neither once the URL is stripped.
fn describe_transport(error: &reqwest::Error) -> String {
    let what = if error.is_connect() {
        "could not connect"
    } else if error.is_timeout() {
        "the connection timed out"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut off"
    } else {
        "the request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    let message = if causes.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {}", causes.join(": "))
    };
    truncate(message)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn endpoint_tolerates_trailing_slashes() {
        assert_eq!(
            endpoint("http://localhost:11434/v1/", "/chat/completions"),
            "http://localhost:11434/v1/chat/completions"
        );
        assert_eq!(
            endpoint("https://api.anthropic.com", "v1/messages"),
            "https://api.anthropic.com/v1/messages"
        );
    }

    #[test]
    fn retry_after_in_seconds_milliseconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")]), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "20"), ("retry-after-ms", "1500")]),
                now
            ),
            Some(Duration::from_millis(1500))
        );
        // Wed, 21 Oct 2015 07:28:00 GMT is 1_445_412_480; ten seconds later:
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:10 GMT")]),
                now
            ),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]),
                now
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn status_mapping() {
        let h = headers(&[("retry-after", "3")]);
        let s = |c: u16| StatusCode::from_u16(c).unwrap();
        assert_eq!(
            status_error(s(401), &h, b"", None),
            AttemptError::Unauthorized(401)
        );
        assert_eq!(
            status_error(s(403), &h, b"", None),
            AttemptError::Unauthorized(403)
        );
        assert_eq!(
            status_error(s(429), &h, b"", None),
            AttemptError::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert_eq!(
            status_error(s(529), &HeaderMap::new(), b"", None),
            AttemptError::Server {
                status: 529,
                retry_after: None
            }
        );
        assert_eq!(
            status_error(
                s(400),
                &h,
                br#"{"error":{"message":"bad model","type":"invalid_request_error"}}"#,
                None
            ),
            AttemptError::Rejected {
                status: 400,
                message: "bad model".into()
            }
        );
        assert_eq!(
            status_error(s(404), &h, br#"{"error":"model 'x' not found"}"#, None),
            AttemptError::Rejected {
                status: 404,
                message: "model 'x' not found".into()
            }
        );
    }

    #[test]
    fn messages_are_redacted_and_truncated() {
        let body = br#"{"error":{"message":"key sk-secret-123456 is not valid"}}"#;
        let err = status_error(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body,
            Some("sk-secret-123456"),
        );
        assert!(!err.to_string().contains("sk-secret-123456"));
        let long = "é".repeat(1000);
        assert!(truncate(long).chars().count() <= MAX_MESSAGE_CHARS + 1);
    }
}
