//! The Messages adapter against a loopback server answering in the documented shapes.
#![allow(clippy::unwrap_used)]

use countersign_core::Secret;
use countersign_llm::{
    AnthropicMessages, AttemptError, ChatProvider, ChatRequest, Message, StopReason, ToolArgs,
    ToolCall, ToolResult, ToolSpec, Usage,
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
        max_tokens: 1024,
    }
}

/// A Message object as the API reference shows it.
fn message(content: Value, stop_reason: &str, usage: Value) -> Value {
    json!({
        "id": "msg_01Aq9w938a90dw8q",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": usage
    })
}

fn usage() -> Value {
    json!({"input_tokens": 478, "output_tokens": 71})
}

async fn serve(body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn provider(server: &MockServer) -> AnthropicMessages {
    AnthropicMessages::new(
        &server.uri(),
        "claude-sonnet-4-5",
        Secret::new("sk-ant-test-key".into()),
        reqwest::Client::new(),
    )
}

#[tokio::test]
async fn text_and_tool_use_blocks() {
    let server = serve(message(
        json!([
            {"type": "text", "text": "I'll look that up. "},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "lookup_order",
             "input": {"id": "1042"}},
            {"type": "tool_use", "id": "toolu_01B", "name": "lookup_order", "input": {"id": "1043"}}
        ]),
        "tool_use",
        usage(),
    ))
    .await;
    let response = provider(&server).chat(&request()).await.unwrap();
    assert_eq!(response.text.as_deref(), Some("I'll look that up. "));
    assert_eq!(response.stop, StopReason::ToolUse);
    assert_eq!(response.model, "claude-sonnet-4-5-20250929");
    assert_eq!(
        response.calls,
        vec![
            ToolCall {
                id: "toolu_01A09q90qw90lq917835lq9".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Json(json!({"id": "1042"}))
            },
            ToolCall {
                id: "toolu_01B".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Json(json!({"id": "1043"}))
            },
        ]
    );
    assert_eq!(
        response.usage,
        Usage {
            input: 478,
            output: 71,
            cache_read: 0,
            cache_write: 0
        }
    );
}

#[tokio::test]
async fn stop_reasons() {
    for (reason, expected) in [
        ("end_turn", StopReason::EndTurn),
        ("stop_sequence", StopReason::EndTurn),
        ("max_tokens", StopReason::MaxTokens),
        ("refusal", StopReason::Refusal),
        ("pause_turn", StopReason::Other("pause_turn".into())),
    ] {
        let server = serve(message(
            json!([{"type": "text", "text": "..."}]),
            reason,
            usage(),
        ))
        .await;
        let response = provider(&server).chat(&request()).await.unwrap();
        assert_eq!(response.stop, expected, "{reason}");
    }
}

#[tokio::test]
async fn refusal_may_come_with_no_content() {
    let server = serve(message(json!([]), "refusal", usage())).await;
    let response = provider(&server).chat(&request()).await.unwrap();
    assert_eq!(response.stop, StopReason::Refusal);
    assert_eq!(response.text, None);
}

#[tokio::test]
async fn cache_usage_fields() {
    let server = serve(message(
        json!([{"type": "text", "text": "Hi"}]),
        "end_turn",
        json!({
            "input_tokens": 21,
            "cache_creation_input_tokens": 188086,
            "cache_read_input_tokens": 1200,
            "output_tokens": 393,
            "service_tier": "standard"
        }),
    ))
    .await;
    let response = provider(&server).chat(&request()).await.unwrap();
    assert_eq!(
        response.usage,
        Usage {
            input: 21,
            output: 393,
            cache_read: 1200,
            cache_write: 188086
        }
    );
}

#[tokio::test]
async fn unknown_blocks_are_skipped() {
    let server = serve(message(
        json!([
            {"type": "thinking", "thinking": "Let me think.", "signature": "abc"},
            {"type": "text", "text": "Done."}
        ]),
        "end_turn",
        usage(),
    ))
    .await;
    let response = provider(&server).chat(&request()).await.unwrap();
    assert_eq!(response.text.as_deref(), Some("Done."));
}

#[tokio::test]
async fn request_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test-key"))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message(
            json!([{"type": "text", "text": "ok"}]),
            "end_turn",
            usage(),
        )))
        .expect(1)
        .mount(&server)
        .await;

    let mut req = request();
    req.messages.push(Message::Assistant {
        text: Some("Checking.".into()),
        calls: vec![
            ToolCall {
                id: "toolu_1".into(),
                name: "lookup_order".into(),
                args: ToolArgs::Json(json!({"id": "1042"})),
            },
            ToolCall {
                id: "toolu_2".into(),
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
            call_id: "toolu_1".into(),
            content: "{\"status\":\"shipped\"}".into(),
            is_error: false,
        },
        ToolResult {
            call_id: "toolu_2".into(),
            content: "arguments are not valid JSON".into(),
            is_error: true,
        },
    ]));
    // A correction right after the results: two user turns in a row must be merged.
    req.messages
        .push(Message::User("Answer in one sentence.".into()));
    provider(&server).chat(&req).await.unwrap();
    server.verify().await;

    let requests = server.received_requests().await.unwrap();
    let body: Value = requests[0].body_json().unwrap();
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["max_tokens"], 1024);
    assert_eq!(body["system"], "You draft replies for a support agent.");
    assert_eq!(
        body["tools"],
        json!([{
            "name": "lookup_order",
            "description": "Look an order up by id.",
            "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
        }])
    );
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert_eq!(
        messages[0],
        json!({"role": "user", "content": [{"type": "text", "text": "Where is order 1042?"}]})
    );
    assert_eq!(
        messages[1],
        json!({"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "lookup_order", "input": {"id": "1042"}},
            {"type": "tool_use", "id": "toolu_2", "name": "lookup_order", "input": {}}
        ]})
    );
    assert_eq!(
        messages[2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "{\"status\":\"shipped\"}", "is_error": false},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "arguments are not valid JSON", "is_error": true},
            {"type": "text", "text": "Answer in one sentence."}
        ]})
    );
}

#[tokio::test]
async fn no_system_or_tools_keys_when_empty() {
    let server = serve(message(
        json!([{"type": "text", "text": "OK"}]),
        "end_turn",
        usage(),
    ))
    .await;
    let mut req = request();
    req.system.clear();
    req.tools.clear();
    provider(&server).chat(&req).await.unwrap();
    let body: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert!(body.get("system").is_none());
    assert!(body.get("tools").is_none());
}

#[tokio::test]
async fn error_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"}
        })))
        .mount(&server)
        .await;
    let err = provider(&server).chat(&request()).await.unwrap_err();
    assert_eq!(
        err,
        AttemptError::Rejected {
            status: 400,
            message: "max_tokens: Field required".into()
        }
    );

    let overloaded = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(529).set_body_json(json!({
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"}
        })))
        .mount(&overloaded)
        .await;
    let err = provider(&overloaded).chat(&request()).await.unwrap_err();
    assert_eq!(
        err,
        AttemptError::Server {
            status: 529,
            retry_after: None
        }
    );
    assert!(err.is_retryable());
}
