//! The Chat Completions adapter against a loopback server answering in the documented shapes.
#![allow(clippy::unwrap_used)]

use countersign_core::Secret;
use countersign_llm::{
    ChatProvider, ChatRequest, Message, OpenAiChat, StopReason, ToolArgs, ToolCall, ToolResult,
    ToolSpec, Usage,
};
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request() -> ChatRequest {
    ChatRequest {
        system: "You draft replies for a support agent.".into(),
        messages: vec![Message::User("Where is order 1042?".into())],
        tools: vec![ToolSpec {
            name: "lookup_order".into(),
            description: "Look an order up by id.".into(),
            parameters: json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}),
        }],
        max_tokens: 256,
    }
}

/// A `chat.completion` object as the API reference shows it.
fn completion(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1677652288,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": {
            "prompt_tokens": 9,
            "completion_tokens": 12,
            "total_tokens": 21,
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            }
        }
    })
}

async fn serve(body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn provider(server: &MockServer, key: Option<&str>) -> OpenAiChat {
    // The trailing slash is deliberate: users paste base URLs with and without one.
    OpenAiChat::new(
        &format!("{}/v1/", server.uri()),
        "gpt-4o-mini",
        key.map(|k| Secret::new(k.into())),
        reqwest::Client::new(),
    )
}

async fn sent_body(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    requests[0].body_json().unwrap()
}

#[tokio::test]
async fn text_answer() {
    let server = serve(completion(
        json!({"role": "assistant", "content": "It shipped on Monday.", "refusal": null, "annotations": []}),
        "stop",
    ))
    .await;
    let response = provider(&server, Some("sk-test"))
        .chat(&request())
        .await
        .unwrap();
    assert_eq!(response.text.as_deref(), Some("It shipped on Monday."));
    assert!(response.calls.is_empty());
    assert_eq!(response.stop, StopReason::EndTurn);
    assert_eq!(response.model, "gpt-4o-mini-2024-07-18");
    assert_eq!(
        response.usage,
        Usage {
            input: 9,
            output: 12,
            cache_read: 0,
            cache_write: 0
        }
    );
}

#[tokio::test]
async fn parallel_tool_calls() {
    let server = serve(completion(
        json!({
            "role": "assistant",
            "content": null,
            "refusal": null,
            "tool_calls": [
                {"id": "call_abc", "type": "function",
                 "function": {"name": "lookup_order", "arguments": "{\"id\":\"1042\"}"}},
                {"id": "call_def", "type": "function",
                 "function": {"name": "lookup_order", "arguments": "{\"id\":\"1043\"}"}}
            ]
        }),
        "tool_calls",
    ))
    .await;
    let response = provider(&server, None).chat(&request()).await.unwrap();
    assert_eq!(response.stop, StopReason::ToolUse);
    assert_eq!(response.text, None);
    assert_eq!(
        response.calls,
        vec![
            ToolCall {
                id: "call_abc".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Json(json!({"id": "1042"}))
            },
            ToolCall {
                id: "call_def".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Json(json!({"id": "1043"}))
            },
        ]
    );
}

#[tokio::test]
async fn malformed_arguments_are_kept_raw() {
    let server = serve(completion(
        json!({
            "role": "assistant",
            "content": null,
            "tool_calls": [{"id": "call_abc", "type": "function",
                "function": {"name": "lookup_order", "arguments": "{\"id\": \"1042\""}}]
        }),
        "tool_calls",
    ))
    .await;
    let response = provider(&server, None).chat(&request()).await.unwrap();
    match &response.calls[0].args {
        ToolArgs::Invalid { raw, error } => {
            assert_eq!(raw, "{\"id\": \"1042\"");
            assert!(!error.is_empty());
        }
        other => panic!("expected invalid arguments, got {other:?}"),
    }
}

#[tokio::test]
async fn ollama_object_arguments_and_missing_ids() {
    // Ollama's compatible endpoint: arguments as an object, and some local servers omit ids.
    let server = serve(json!({
        "id": "chatcmpl-310",
        "object": "chat.completion",
        "created": 1733000000,
        "model": "qwen2.5:7b",
        "system_fingerprint": "fp_ollama",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"type": "function", "function": {"name": "lookup_order", "arguments": {"id": "1042"}}},
                    {"type": "function", "function": {"name": "lookup_order", "arguments": {"id": "7"}}}
                ]
            },
            "finish_reason": "tool_calls"
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    }))
    .await;
    let response = provider(&server, None).chat(&request()).await.unwrap();
    assert_eq!(response.text, None, "empty content is no text");
    assert_eq!(response.calls[0].id, "call_0");
    assert_eq!(response.calls[1].id, "call_1");
    assert_eq!(
        response.calls[0].args,
        ToolArgs::Json(json!({"id": "1042"}))
    );
    assert_eq!(response.model, "qwen2.5:7b");
}

#[tokio::test]
async fn cached_tokens_are_not_counted_twice() {
    let mut body = completion(json!({"role": "assistant", "content": "Hi"}), "stop");
    body["usage"] = json!({
        "prompt_tokens": 2006,
        "completion_tokens": 300,
        "total_tokens": 2306,
        "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0}
    });
    let server = serve(body).await;
    let response = provider(&server, None).chat(&request()).await.unwrap();
    assert_eq!(
        response.usage,
        Usage {
            input: 86,
            output: 300,
            cache_read: 1920,
            cache_write: 0
        }
    );
}

#[tokio::test]
async fn refusal_field_is_a_refusal() {
    let server = serve(completion(
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."}),
        "stop",
    ))
    .await;
    let response = provider(&server, None).chat(&request()).await.unwrap();
    assert_eq!(response.stop, StopReason::Refusal);
    assert_eq!(response.text.as_deref(), Some("I can't help with that."));
}

#[tokio::test]
async fn content_filter_and_length_and_unknown_reasons() {
    for (reason, expected) in [
        ("content_filter", StopReason::Refusal),
        ("length", StopReason::MaxTokens),
        ("something_new", StopReason::Other("something_new".into())),
    ] {
        let server = serve(completion(
            json!({"role": "assistant", "content": "partial"}),
            reason,
        ))
        .await;
        let response = provider(&server, None).chat(&request()).await.unwrap();
        assert_eq!(response.stop, expected, "{reason}");
    }
}

#[tokio::test]
async fn bearer_header_only_with_a_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(
            json!({"role": "assistant", "content": "ok"}),
            "stop",
        )))
        .expect(1)
        .mount(&server)
        .await;
    provider(&server, Some("sk-test-key"))
        .chat(&request())
        .await
        .unwrap();
    server.verify().await;

    let keyless = serve(completion(
        json!({"role": "assistant", "content": "ok"}),
        "stop",
    ))
    .await;
    provider(&keyless, None).chat(&request()).await.unwrap();
    // An empty key from the settings form is no key either.
    provider(&keyless, Some("  "))
        .chat(&request())
        .await
        .unwrap();
    let requests = keyless.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in requests {
        assert!(r.headers.get("authorization").is_none());
    }
}

#[tokio::test]
async fn request_body_shape() {
    let server = serve(completion(
        json!({"role": "assistant", "content": "ok"}),
        "stop",
    ))
    .await;
    let mut req = request();
    req.messages.push(Message::Assistant {
        text: Some("Let me check.".into()),
        calls: vec![
            ToolCall {
                id: "call_1".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Json(json!({"id": "1042"})),
            },
            ToolCall {
                id: "call_2".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Invalid {
                    raw: "{\"id\":".into(),
                    error: "EOF".into(),
                },
            },
        ],
    });
    req.messages.push(Message::ToolResults(vec![
        ToolResult {
            call_id: "call_1".into(),
            content: "{\"status\":\"shipped\"}".into(),
            is_error: false,
        },
        ToolResult {
            call_id: "call_2".into(),
            content: "arguments are not valid JSON".into(),
            is_error: true,
        },
    ]));
    provider(&server, None).chat(&req).await.unwrap();
    let body = sent_body(&server).await;
    assert_eq!(body["model"], "gpt-4o-mini");
    // A compatible server (here, loopback) reads `max_tokens`.
    assert_eq!(body["max_tokens"], 256);
    assert!(body.get("max_completion_tokens").is_none());
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(
        messages[0],
        json!({"role": "system", "content": "You draft replies for a support agent."})
    );
    assert_eq!(
        messages[1],
        json!({"role": "user", "content": "Where is order 1042?"})
    );
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["content"], "Let me check.");
    let calls = messages[2]["tool_calls"].as_array().unwrap();
    assert_eq!(
        calls[0],
        json!({"id": "call_1", "type": "function",
               "function": {"name": "lookup_order", "arguments": "{\"id\":\"1042\"}"}})
    );
    assert!(calls[0]["function"]["arguments"].is_string());
    // Broken arguments go back as `{}` (local servers refuse a history they cannot parse); the
    // tool result says what was wrong.
    assert_eq!(calls[1]["function"]["arguments"], "{}");
    assert_eq!(
        messages[3],
        json!({"role": "tool", "tool_call_id": "call_1", "content": "{\"status\":\"shipped\"}"})
    );
    assert_eq!(messages[4]["tool_call_id"], "call_2");
    assert_eq!(
        body["tools"],
        json!([{"type": "function", "function": {
            "name": "lookup_order",
            "description": "Look an order up by id.",
            "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
        }}])
    );
}

#[tokio::test]
async fn no_tools_key_without_tools() {
    let server = serve(completion(
        json!({"role": "assistant", "content": "ok"}),
        "stop",
    ))
    .await;
    let mut req = request();
    req.tools.clear();
    provider(&server, None).chat(&req).await.unwrap();
    let body = sent_body(&server).await;
    assert!(body.get("tools").is_none());
}

#[tokio::test]
async fn unreadable_body_is_a_bad_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    let err = provider(&server, None).chat(&request()).await.unwrap_err();
    assert!(
        matches!(err, countersign_llm::AttemptError::BadResponse(_)),
        "{err:?}"
    );
}
