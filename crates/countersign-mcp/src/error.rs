//! Why talking to an MCP server failed, with a stable `code()` the UI and the CLI match on.
//!
//! The line that matters most is between [`McpError::OutcomeUnknown`] and everything else: a
//! `tools/call` that was handed to the server and then timed out or lost its connection may
//! have run. It is reported for a person to check and is never retried; every other error
//! means the call did not run (or, for [`McpError::Rejected`], the server answered that it
//! would not).
//!
//! No variant carries a token or argument values: details come from transport errors and
//! server replies, and the bearer token is scrubbed from them before they are kept.

use std::time::Duration;

use countersign_core::Secret;

/// Which step of talking to a server an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Connect,
    ListTools,
    CallTool,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Connect => "connect",
            Operation::ListTools => "tools/list",
            Operation::CallTool => "tools/call",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// The server's settings cannot be used as they are (an empty command line, a URL that is
    /// not http(s), a server name with spaces…).
    #[error("the MCP server settings are not usable: {0}")]
    Config(String),
    /// The command of a stdio server could not be started.
    #[error("could not start the MCP server's command: {0}")]
    Spawn(String),
    /// Could not connect, the handshake failed, or the connection closed before a request was
    /// handed to it.
    #[error("could not reach the MCP server: {0}")]
    Unreachable(String),
    /// HTTP 401/403: the token is missing, wrong or lacks access.
    #[error("the MCP server refused the credentials")]
    Unauthorized,
    /// Connecting or listing did not finish in time. Never used for a call that was sent:
    /// that is [`McpError::OutcomeUnknown`].
    #[error("the MCP server did not answer {operation} within {after:?}")]
    Timeout {
        operation: Operation,
        after: Duration,
    },
    /// A `tools/call` was handed to the server and no answer came (timeout or lost connection).
    /// The tool may or may not have run: a person checks before anything is sent again.
    #[error("`{tool}` was sent to the MCP server but no answer came ({detail}); it may or may not have run")]
    OutcomeUnknown { tool: String, detail: String },
    /// The server answered with a JSON-RPC error (unknown tool, invalid parameters…).
    #[error("the MCP server refused {operation}: {message} (JSON-RPC {code})")]
    Rejected {
        operation: Operation,
        code: i32,
        message: String,
    },
    /// The server said something we cannot use (an unexpected reply, a task or an input
    /// request where a result was expected, an unusable tool listing).
    #[error("the MCP server's answer could not be used: {0}")]
    Protocol(String),
}

impl McpError {
    pub fn code(&self) -> &'static str {
        match self {
            McpError::Config(_) => "mcp_config",
            McpError::Spawn(_) => "mcp_spawn_failed",
            McpError::Unreachable(_) => "mcp_unreachable",
            McpError::Unauthorized => "mcp_unauthorized",
            McpError::Timeout { .. } => "mcp_timeout",
            McpError::OutcomeUnknown { .. } => "mcp_outcome_unknown",
            McpError::Rejected { .. } => "mcp_rejected",
            McpError::Protocol(_) => "mcp_protocol",
        }
    }

    /// Every code, for the generated IPC catalogue.
    pub const CODES: [&'static str; 8] = [
        "mcp_config",
        "mcp_spawn_failed",
        "mcp_unreachable",
        "mcp_unauthorized",
        "mcp_timeout",
        "mcp_outcome_unknown",
        "mcp_rejected",
        "mcp_protocol",
    ];

    /// Reconnecting and trying again later may help. Never true for an unknown outcome: a
    /// retry could run a write twice.
    pub fn is_transient(&self) -> bool {
        matches!(self, McpError::Unreachable(_) | McpError::Timeout { .. })
    }

    /// The same error with the token removed from its details, should a server or a transport
    /// error have echoed it. Short tokens are left alone: replacing two letters everywhere
    /// would garble the message and protect nothing.
    pub(crate) fn scrubbed(self, token: Option<&Secret>) -> McpError {
        let Some(secret) = token.map(Secret::expose).filter(|s| s.len() >= 4) else {
            return self;
        };
        let scrub = |s: String| s.replace(secret, "[redacted]");
        match self {
            McpError::Config(d) => McpError::Config(scrub(d)),
            McpError::Spawn(d) => McpError::Spawn(scrub(d)),
            McpError::Unreachable(d) => McpError::Unreachable(scrub(d)),
            McpError::OutcomeUnknown { tool, detail } => McpError::OutcomeUnknown {
                tool,
                detail: scrub(detail),
            },
            McpError::Rejected {
                operation,
                code,
                message,
            } => McpError::Rejected {
                operation,
                code,
                message: scrub(message),
            },
            McpError::Protocol(d) => McpError::Protocol(scrub(d)),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        let mut codes = McpError::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), McpError::CODES.len());
    }

    #[test]
    fn an_unknown_outcome_is_never_transient() {
        let e = McpError::OutcomeUnknown {
            tool: "refund".into(),
            detail: "timeout".into(),
        };
        assert!(!e.is_transient());
        assert_eq!(e.code(), "mcp_outcome_unknown");
    }

    #[test]
    fn scrubbing_removes_an_echoed_token() {
        let e = McpError::Unreachable("401 for Bearer tok-abc-123".into())
            .scrubbed(Some(&Secret::new("tok-abc-123".into())));
        assert!(!format!("{e} {e:?}").contains("tok-abc"));
    }
}
