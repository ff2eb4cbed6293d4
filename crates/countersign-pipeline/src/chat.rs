//! Chat and widget JSON payloads → [`Request`].
//!
//! Chat: `{"session_id", "identity"?, "messages": [{"from": "customer"|"agent", "text"}]}`.
//! Widget: `{"form_id"?, "identity"?, "topic"?, "order_id"?, "message"}`.
//! `identity` is what the session authenticated (an email address); absent means anonymous.

use serde::Deserialize;

use crate::request::{Channel, Request, RequestError, MAX_INPUT_BYTES};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatPayload {
    session_id: String,
    #[serde(default)]
    identity: Option<String>,
    messages: Vec<ChatMessage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatMessage {
    from: ChatRole,
    text: String,
}

#[derive(Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum ChatRole {
    Customer,
    Agent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WidgetPayload {
    #[serde(default)]
    form_id: Option<String>,
    #[serde(default)]
    identity: Option<String>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    order_id: Option<String>,
    message: String,
}

fn json_err(channel: &'static str, e: serde_json::Error) -> RequestError {
    RequestError::Json {
        channel,
        message: e.to_string(),
    }
}

fn identity(raw: Option<String>) -> Option<String> {
    raw.map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
}

pub fn parse_chat(raw: &[u8]) -> Result<Request, RequestError> {
    if raw.len() > MAX_INPUT_BYTES {
        return Err(RequestError::TooLarge(MAX_INPUT_BYTES));
    }
    let p: ChatPayload = serde_json::from_slice(raw).map_err(|e| json_err("chat", e))?;
    // The latest customer turn is the request; earlier turns are context, like quoted mail.
    let customer: Vec<&str> = p
        .messages
        .iter()
        .filter(|m| m.from == ChatRole::Customer)
        .map(|m| m.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let Some((last, earlier)) = customer.split_last() else {
        return Err(RequestError::Empty);
    };
    Ok(Request {
        channel: Some(Channel::Chat),
        sender: identity(p.identity),
        subject: None,
        body: (*last).to_owned(),
        quoted: earlier.iter().map(|s| (*s).to_owned()).collect(),
        forwarded: Vec::new(),
        hidden: Vec::new(),
        thread: Some(p.session_id),
        history: Vec::new(),
    })
}

pub fn parse_widget(raw: &[u8]) -> Result<Request, RequestError> {
    if raw.len() > MAX_INPUT_BYTES {
        return Err(RequestError::TooLarge(MAX_INPUT_BYTES));
    }
    let p: WidgetPayload = serde_json::from_slice(raw).map_err(|e| json_err("widget", e))?;
    if p.message.trim().is_empty() {
        return Err(RequestError::Empty);
    }
    // A form field naming the order is the customer's words too; keep it in the body.
    let body = match p
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(order) => format!("{}\n(Order: {order})", p.message.trim()),
        None => p.message.trim().to_owned(),
    };
    Ok(Request {
        channel: Some(Channel::Widget),
        sender: identity(p.identity),
        subject: p.topic,
        body,
        quoted: Vec::new(),
        forwarded: Vec::new(),
        hidden: Vec::new(),
        thread: p.form_id,
        history: Vec::new(),
    })
}

/// Parses raw input for `channel`.
pub fn parse(channel: Channel, raw: &[u8]) -> Result<Request, RequestError> {
    match channel {
        Channel::Email => crate::email::parse_email(raw),
        Channel::Chat => parse_chat(raw),
        Channel::Widget => parse_widget(raw),
    }
}
