//! The client's policy against a loopback server: which failures are retried, how long it
//! waits, when the breaker opens and closes, and that the key never shows up in an error.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_core::Secret;
use countersign_llm::{
    connect, test_connection, Breaker, BreakerState, Breakers, ChatRequest, ClientSettings,
    LlmClient, Message, ProviderKind, SharedBreaker,
};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-leak-0123456789abcdef";

/// Tiny computed delays: any long wait in a test can only come from `Retry-After`.
fn settings(max_retries: u32) -> ClientSettings {
    ClientSettings {
        timeout: Duration::from_secs(5),
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    }
}

fn breaker(failures_to_open: u32, cool_down: Duration) -> SharedBreaker {
    Arc::new(Mutex::new(Breaker::new(failures_to_open, cool_down)))
}

fn client(server: &MockServer, settings: ClientSettings, breaker: SharedBreaker) -> LlmClient {
    let provider = connect(
        ProviderKind::Openai,
        &format!("{}/v1", server.uri()),
        "gpt-test",
        Some(Secret::new(KEY.into())),
        settings.timeout,
    )
    .unwrap();
    LlmClient::new(provider, settings, breaker)
}

fn request() -> ChatRequest {
    ChatRequest {
        system: "sys".into(),
        messages: vec![Message::User("hello".into())],
        tools: Vec::new(),
        max_tokens: 64,
    }
}

fn ok_body() -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-test",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
    })
}

async fn respond(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST"))
        .respond_with(template)
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn unauthorized_is_not_retried_and_does_not_trip_the_breaker() {
    let server = MockServer::start().await;
    respond(
        &server,
        ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}})),
    )
    .await;
    let client = client(&server, settings(3), breaker(1, Duration::from_secs(60)));
    let failure = client.chat(&request()).await.unwrap_err();
    assert_eq!(failure.error.code(), "provider_unauthorized");
    assert_eq!(failure.attempts, 1);
    assert_eq!(received(&server).await, 1);
    assert_eq!(
        failure.breaker,
        BreakerState::Closed {
            consecutive_failures: 0
        }
    );
}

#[tokio::test]
async fn rejected_request_is_not_retried() {
    let server = MockServer::start().await;
    respond(
        &server,
        ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "Unknown parameter: 'foo'.", "type": "invalid_request_error"}})),
    )
    .await;
    let failure = client(&server, settings(3), breaker(5, Duration::from_secs(60)))
        .chat(&request())
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), "provider_rejected");
    assert!(failure.error.to_string().contains("Unknown parameter"));
    assert_eq!(failure.attempts, 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    respond(&server, ResponseTemplate::new(200).set_body_json(ok_body())).await;

    let started = Instant::now();
    let exchange = client(&server, settings(3), breaker(5, Duration::from_secs(60)))
        .chat(&request())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(exchange.attempts, 2);
    assert_eq!(received(&server).await, 2);
    assert_eq!(exchange.response.text.as_deref(), Some("OK"));
    // The computed backoff is at most 4 ms: only Retry-After explains a one-second wait.
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(exchange.latency_us >= 950_000);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn rate_limit_that_persists_is_reported_as_such() {
    let server = MockServer::start().await;
    respond(&server, ResponseTemplate::new(429)).await;
    let failure = client(&server, settings(2), breaker(10, Duration::from_secs(60)))
        .chat(&request())
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), "provider_rate_limited");
    assert_eq!(failure.attempts, 3);
}

#[tokio::test]
async fn server_errors_open_the_breaker_and_a_probe_closes_it() {
    let server = MockServer::start().await;
    respond(&server, ResponseTemplate::new(500)).await;
    let cool_down = Duration::from_millis(300);
    let shared = breaker(4, cool_down);
    let client = client(&server, settings(1), shared.clone());

    let first = client.chat(&request()).await.unwrap_err();
    assert_eq!(first.error.code(), "provider_unavailable");
    assert_eq!(first.attempts, 2);
    assert!(
        first.error.to_string().contains("HTTP 500"),
        "{}",
        first.error
    );
    assert_eq!(
        first.breaker,
        BreakerState::Closed {
            consecutive_failures: 2
        }
    );

    let second = client.chat(&request()).await.unwrap_err();
    assert_eq!(second.error.code(), "provider_unavailable");
    assert_eq!(
        second.breaker,
        BreakerState::Open {
            consecutive_failures: 4
        }
    );
    assert_eq!(received(&server).await, 4);

    let refused = client.chat(&request()).await.unwrap_err();
    assert_eq!(refused.error.code(), "provider_breaker_open");
    assert_eq!(refused.attempts, 0);
    assert_eq!(received(&server).await, 4, "an open breaker sends nothing");

    tokio::time::sleep(cool_down + Duration::from_millis(50)).await;
    server.reset().await;
    respond(&server, ResponseTemplate::new(200).set_body_json(ok_body())).await;
    let probe = client.chat(&request()).await.unwrap();
    assert_eq!(probe.attempts, 1);
    assert_eq!(
        probe.breaker,
        BreakerState::Closed {
            consecutive_failures: 0
        }
    );
    assert_eq!(
        shared.lock().unwrap().state(),
        BreakerState::Closed {
            consecutive_failures: 0
        }
    );
}

#[tokio::test]
async fn a_failed_probe_reopens_without_a_second_request() {
    let server = MockServer::start().await;
    respond(&server, ResponseTemplate::new(503)).await;
    let cool_down = Duration::from_millis(200);
    let client = client(&server, settings(3), breaker(2, cool_down));

    let tripped = client.chat(&request()).await.unwrap_err();
    // The second failure opened the breaker, which refused the third attempt: the failure
    // reported is the provider's, not the refusal.
    assert_eq!(tripped.error.code(), "provider_unavailable");
    assert_eq!(tripped.attempts, 2);

    tokio::time::sleep(cool_down + Duration::from_millis(50)).await;
    let probe = client.chat(&request()).await.unwrap_err();
    assert_eq!(probe.error.code(), "provider_unavailable");
    assert_eq!(
        probe.attempts, 1,
        "half-open lets exactly one probe through"
    );
    assert_eq!(probe.breaker.name(), "open");
    assert_eq!(received(&server).await, 3);
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = MockServer::start().await;
    respond(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(ok_body())
            .set_delay(Duration::from_millis(800)),
    )
    .await;
    let mut s = settings(1);
    s.timeout = Duration::from_millis(100);
    let started = Instant::now();
    let failure = client(&server, s, breaker(5, Duration::from_secs(60)))
        .chat(&request())
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), "provider_timeout");
    assert_eq!(failure.attempts, 2);
    assert!(started.elapsed() < Duration::from_millis(700));
}

#[tokio::test]
async fn unreachable_provider_is_unavailable() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let provider = connect(
        ProviderKind::Openai,
        &format!("http://127.0.0.1:{port}/v1"),
        "gpt-test",
        Some(Secret::new(KEY.into())),
        Duration::from_secs(2),
    )
    .unwrap();
    let client = LlmClient::new(provider, settings(1), breaker(5, Duration::from_secs(60)));
    let failure = client.chat(&request()).await.unwrap_err();
    assert_eq!(failure.error.code(), "provider_unavailable");
    assert_eq!(failure.attempts, 2);
    assert!(!failure.to_string().contains(KEY));
}

#[tokio::test]
async fn anthropic_overloaded_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(529).set_body_json(
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    respond(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
            "content": [{"type": "text", "text": "OK"}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 1}
        })),
    )
    .await;
    let provider = connect(
        ProviderKind::Anthropic,
        &server.uri(),
        "claude-test",
        Some(Secret::new(KEY.into())),
        Duration::from_secs(5),
    )
    .unwrap();
    let exchange = LlmClient::new(provider, settings(2), breaker(5, Duration::from_secs(60)))
        .chat(&request())
        .await
        .unwrap();
    assert_eq!(exchange.attempts, 2);
    assert_eq!(exchange.response.text.as_deref(), Some("OK"));
}

#[tokio::test]
async fn the_key_never_shows_in_errors() {
    let echo = json!({"error": {"message": format!("Incorrect API key provided: {KEY}")}});
    for template in [
        ResponseTemplate::new(401).set_body_json(echo.clone()),
        ResponseTemplate::new(400).set_body_json(echo.clone()),
        ResponseTemplate::new(422).set_body_string(format!("bad key {KEY}")),
        ResponseTemplate::new(500).set_body_json(echo.clone()),
        ResponseTemplate::new(200).set_body_string(format!("not json {KEY}")),
    ] {
        let server = MockServer::start().await;
        respond(&server, template).await;
        let client = client(&server, settings(1), breaker(5, Duration::from_secs(60)));
        let failure = client.chat(&request()).await.unwrap_err();
        for text in [
            failure.to_string(),
            format!("{failure:?}"),
            failure.error.to_string(),
            format!("{client:?}"),
        ] {
            assert!(!text.contains(KEY), "{text}");
        }
    }
}

#[test]
fn adapters_do_not_print_the_key() {
    let openai = countersign_llm::OpenAiChat::new(
        "https://api.openai.com/v1",
        "gpt-4o",
        Some(Secret::new(KEY.into())),
        reqwest::Client::new(),
    );
    let anthropic = countersign_llm::AnthropicMessages::new(
        "https://api.anthropic.com",
        "claude",
        Secret::new(KEY.into()),
        reqwest::Client::new(),
    );
    assert!(!format!("{openai:?} {anthropic:?}").contains(KEY));
}

#[tokio::test]
async fn test_connection_sends_a_tiny_request() {
    let server = MockServer::start().await;
    respond(&server, ResponseTemplate::new(200).set_body_json(ok_body())).await;
    let exchange = test_connection(&client(
        &server,
        settings(0),
        breaker(5, Duration::from_secs(60)),
    ))
    .await
    .unwrap();
    assert_eq!(exchange.response.text.as_deref(), Some("OK"));
    let body: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(body["max_tokens"], 16);
    assert!(body.get("tools").is_none());
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Reply with the word OK"}])
    );
}

#[test]
fn connect_validates_the_settings() {
    let code = |kind, url: &str, model: &str, key: Option<&str>| {
        connect(
            kind,
            url,
            model,
            key.map(|k| Secret::new(k.into())),
            Duration::from_secs(5),
        )
        .err()
        .map(|e| e.code())
    };
    use ProviderKind::{Anthropic, Openai};
    assert_eq!(
        code(Openai, "http://localhost:11434/v1", "llama3", None),
        None
    );
    assert_eq!(
        code(Openai, "", "gpt-4o", Some("sk-x")),
        None,
        "default URL"
    );
    assert_eq!(
        code(Openai, "ftp://example.com/v1", "m", None),
        Some("provider_config")
    );
    assert_eq!(
        code(Openai, "file:///etc/passwd", "m", None),
        Some("provider_config")
    );
    assert_eq!(
        code(Openai, "not a url", "m", None),
        Some("provider_config")
    );
    assert_eq!(
        code(Openai, "https://api.openai.com/v1", " ", None),
        Some("provider_config")
    );
    assert_eq!(
        code(Anthropic, "https://api.anthropic.com", "claude", None),
        Some("missing_api_key")
    );
    assert_eq!(
        code(Anthropic, "https://api.anthropic.com", "claude", Some("")),
        Some("missing_api_key")
    );
    assert_eq!(
        code(Anthropic, "https://api.anthropic.com", "claude", Some(KEY)),
        None
    );
    let err = connect(
        Openai,
        &format!("ftp://user:{KEY}@example.com"),
        "m",
        None,
        Duration::from_secs(5),
    )
    .err()
    .unwrap();
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[test]
fn breakers_are_shared_per_endpoint() {
    let breakers = Breakers::new(3, Duration::from_secs(10));
    let a = breakers.get(ProviderKind::Openai, "http://localhost:11434/v1", "llama3");
    let b = breakers.get(ProviderKind::Openai, "http://localhost:11434/v1/", "llama3");
    let c = breakers.get(ProviderKind::Openai, "http://localhost:11434/v1", "qwen2.5");
    let d = breakers.get(
        ProviderKind::Anthropic,
        "http://localhost:11434/v1",
        "llama3",
    );
    assert!(Arc::ptr_eq(&a, &b));
    assert!(!Arc::ptr_eq(&a, &c));
    assert!(!Arc::ptr_eq(&a, &d));
}
