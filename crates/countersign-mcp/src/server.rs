//! How to reach a tool server: its name, its transport, and how long to wait for it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::McpError;

/// A server's name in the workspace: what the catalogue and the policy file key on and what
/// the planner sees as the tool's prefix. Letters, digits, `-` and `_`, at most 64.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServerName(String);

impl ServerName {
    pub fn new(name: &str) -> Result<ServerName, McpError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(ServerName(name.to_owned()))
        } else {
            Err(McpError::Config(format!(
                "a server name is 1 to 64 letters, digits, `-` or `_`, not {name:?}"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ServerName {
    type Error = McpError;
    fn try_from(s: String) -> Result<Self, McpError> {
        ServerName::new(&s)
    }
}

impl From<ServerName> for String {
    fn from(n: ServerName) -> String {
        n.0
    }
}

impl std::fmt::Display for ServerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a server is reached. Credentials are not here: an HTTP server's bearer token is passed
/// to `connect` from the keychain (app) or the environment (CLI), never stored with the spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum TransportSpec {
    /// A command started as a child process, speaking MCP over its stdin and stdout.
    Stdio {
        program: String,
        #[serde(default)]
        args: Vec<String>,
    },
    /// A streamable HTTP endpoint.
    Http { url: String },
}

impl TransportSpec {
    /// What a person gave to reach a server: a command line or a URL, exactly one of them
    /// (blank counts as not given).
    pub fn from_command_or_url(
        command: Option<&str>,
        url: Option<&str>,
    ) -> Result<TransportSpec, McpError> {
        fn given(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        match (given(command), given(url)) {
            (Some(c), None) => TransportSpec::from_command_line(c),
            (None, Some(u)) => TransportSpec::http(u),
            _ => Err(McpError::Config(
                "give a command line or a URL (exactly one of them)".into(),
            )),
        }
    }

    /// A stdio transport from a command line, split as a POSIX shell would split it (quotes,
    /// no expansion).
    pub fn from_command_line(line: &str) -> Result<TransportSpec, McpError> {
        let words = shlex::split(line)
            .ok_or_else(|| McpError::Config("the command line has an unclosed quote".into()))?;
        let mut words = words.into_iter();
        let program = words
            .next()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| McpError::Config("the command line is empty".into()))?;
        Ok(TransportSpec::Stdio {
            program,
            args: words.collect(),
        })
    }

    /// An HTTP transport: `https://`, or plain `http://` to this machine only (a bearer token
    /// and customers' data never cross a network unencrypted).
    pub fn http(url: &str) -> Result<TransportSpec, McpError> {
        let lower = url.to_ascii_lowercase();
        let host = |rest: &str| -> String {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let authority = authority.rsplit('@').next().unwrap_or("");
            if let Some(v6) = authority.strip_prefix('[') {
                v6.split(']').next().unwrap_or("").to_owned()
            } else {
                authority.split(':').next().unwrap_or("").to_owned()
            }
        };
        let ok = match (
            lower.strip_prefix("https://"),
            lower.strip_prefix("http://"),
        ) {
            (Some(rest), _) => !host(rest).is_empty(),
            (None, Some(rest)) => {
                let h = host(rest);
                if h.is_empty() {
                    false
                } else if h == "localhost"
                    || h.parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
                {
                    true
                } else {
                    return Err(McpError::Config(format!(
                        "plain http:// is only for a server on this machine; use https:// for {h}"
                    )));
                }
            }
            _ => false,
        };
        if !ok {
            return Err(McpError::Config(format!(
                "an MCP server URL starts with http:// or https:// and names a host, not {url:?}"
            )));
        }
        Ok(TransportSpec::Http {
            url: url.to_owned(),
        })
    }
}

/// One configured server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSpec {
    pub name: ServerName,
    #[serde(flatten)]
    pub transport: TransportSpec,
    /// An administrator's decision to let this server's `readOnlyHint` classify its new tools
    /// as reads (see `catalogue.rs`). Off unless set.
    #[serde(default)]
    pub trust_read_only_hints: bool,
}

/// How long to wait. A call's timeout is the one that matters most: past it, a sent call's
/// outcome is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Starting the process or opening the connection, and the initialize handshake.
    pub connect: Duration,
    /// One `tools/list` (all pages).
    pub list: Duration,
    /// One `tools/call`, from the moment it is handed to the server.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(20),
            list: Duration::from_secs(10),
            call: Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names() {
        for ok in ["shop", "billing-prod", "a_1"] {
            assert!(ServerName::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "two words", "a/b", "ü", &"x".repeat(65)] {
            assert_eq!(
                ServerName::new(bad).map_err(|e| e.code()),
                Err("mcp_config"),
                "{bad}"
            );
        }
    }

    #[test]
    fn command_lines_split_like_a_shell() {
        assert_eq!(
            TransportSpec::from_command_line(r#"node "my server.js" --root '/tmp/a b'"#).unwrap(),
            TransportSpec::Stdio {
                program: "node".into(),
                args: vec!["my server.js".into(), "--root".into(), "/tmp/a b".into()],
            }
        );
        assert!(TransportSpec::from_command_line("  ").is_err());
        assert!(TransportSpec::from_command_line("node 'open").is_err());
    }

    #[test]
    fn urls_are_http_or_https() {
        assert!(TransportSpec::http("http://127.0.0.1:8080/mcp").is_ok());
        assert!(TransportSpec::http("https://mcp.example.com/").is_ok());
        assert!(TransportSpec::http("http://localhost:9/mcp").is_ok());
        assert!(TransportSpec::http("http://[::1]:9/mcp").is_ok());
        assert!(TransportSpec::http("ftp://example.com").is_err());
        assert!(TransportSpec::http("http://").is_err());
        assert!(TransportSpec::http("https://").is_err());
        assert!(
            TransportSpec::http("http://mcp.example.com/").is_err(),
            "no bearer token over plain http to another machine"
        );
        assert!(TransportSpec::http("http://127.0.0.1.example.com/").is_err());
    }

    #[test]
    fn a_spec_round_trips_as_json() {
        let spec = ServerSpec {
            name: ServerName::new("fs").unwrap(),
            transport: TransportSpec::Stdio {
                program: "npx".into(),
                args: vec!["server".into()],
            },
            trust_read_only_hints: false,
        };
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["transport"], "stdio");
        assert_eq!(serde_json::from_value::<ServerSpec>(json).unwrap(), spec);
        assert!(serde_json::from_value::<ServerSpec>(
            serde_json::json!({"name": "bad name", "transport": "http", "url": "http://x.example"})
        )
        .is_err());
    }
}
