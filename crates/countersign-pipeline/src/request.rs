//! One incoming support request, whatever channel it came from.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Channel {
    Email,
    Chat,
    Widget,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Widget => "widget",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "email" => Ok(Channel::Email),
            "chat" => Ok(Channel::Chat),
            "widget" => Ok(Channel::Widget),
            other => Err(format!("unknown channel `{other}` (email, chat or widget)")),
        }
    }
}

/// A request, with the customer's new words kept apart from everything that is only data:
/// quoted replies, forwarded messages and text hidden in HTML never become instructions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Request {
    pub channel: Option<Channel>,
    /// The identity the channel vouches for: the email sender, or the address the chat or
    /// widget session authenticated. Never taken from the body.
    pub sender: Option<String>,
    pub subject: Option<String>,
    /// What the customer wrote now.
    pub body: String,
    pub quoted: Vec<String>,
    pub forwarded: Vec<String>,
    /// Text present in the HTML but invisible to a reader (display:none, zero-size, …).
    pub hidden: Vec<String>,
    /// Message-ID or chat session, to thread follow-ups.
    pub thread: Option<String>,
    /// Earlier messages of the conversation, oldest first, when this is a follow-up: data for
    /// the planner and the reviewer, never instructions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Turn>,
}

/// Who wrote an earlier message of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Speaker {
    Customer,
    /// Our reply, as sent.
    Support,
}

/// One earlier message of the conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Turn {
    pub from: Speaker,
    pub at_ms: i64,
    pub text: String,
}

/// Malformed input. Nothing is stored for it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("not an RFC 5322 message: {0}")]
    Email(String),
    #[error("not a {channel} payload: {message}")]
    Json {
        channel: &'static str,
        message: String,
    },
    #[error("the request has no text from the customer")]
    Empty,
    #[error("the request is larger than {0} bytes")]
    TooLarge(usize),
}

impl RequestError {
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Email(_) => "malformed_email",
            RequestError::Json { .. } => "malformed_payload",
            RequestError::Empty => "empty_request",
            RequestError::TooLarge(_) => "request_too_large",
        }
    }
}

/// Inputs above this are refused before parsing: no support message is this long, and a
/// bound keeps the guard's and planner's work bounded.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
