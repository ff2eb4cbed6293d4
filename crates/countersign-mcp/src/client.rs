//! The MCP client: rmcp behind our own [`ToolServer`] trait.
//!
//! This module and `shop_server.rs` are the only ones that name rmcp's types; a revision of the
//! protocol or of the SDK is their change. Everything leaves here as `tool.rs`'s types and
//! [`McpError`].
//!
//! Two decisions live here:
//! - **Fresh listings.** `tools/list` is sent directly, page by page, instead of through the
//!   SDK's cached listing: the catalogue's rug-pull check must compare against what the server
//!   says now, and the SDK may answer from a cache (or, on an error, from a stale one).
//! - **Sent or not.** A call that times out before the SDK accepted it was never handed to the
//!   server ([`McpError::Timeout`]); after that, no answer is [`McpError::OutcomeUnknown`] and
//!   the SDK's cancellation notice goes out. Nothing here retries a call.

use std::future::Future;
use std::pin::Pin;
use std::process::Stdio;
use std::time::{Duration, Instant};

use countersign_core::Secret;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientCapabilities, ClientConfig, ClientRequest,
    Implementation, ListToolsRequest, PaginatedRequestParams, ServerResult,
};
use rmcp::service::{PeerRequestOptions, RoleClient, RunningService, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::ServiceExt;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use crate::error::{McpError, Operation};
use crate::server::{ServerName, ServerSpec, Timeouts, TransportSpec};
use crate::tool::{ListedTool, ToolCall, ToolHints, ToolOutput};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A server of tools: all the rest of Countersign needs of MCP. Tests and the store use it as
/// `dyn ToolServer`; [`RmcpServer`] is the real one.
pub trait ToolServer: Send + Sync {
    /// Every tool the server lists now (all pages), never a cached listing.
    fn list_tools(&self) -> BoxFuture<'_, Result<Vec<ListedTool>, McpError>>;
    /// One `tools/call` with exactly these arguments. Never retried.
    fn call_tool<'a>(&'a self, call: &'a ToolCall) -> BoxFuture<'a, Result<ToolOutput, McpError>>;
}

/// A connected server, over stdio or streamable HTTP.
pub struct RmcpServer {
    name: ServerName,
    service: RunningService<RoleClient, ClientConfig>,
    timeouts: Timeouts,
    /// Kept to scrub it from error details; never logged.
    token: Option<Secret>,
}

impl std::fmt::Debug for RmcpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RmcpServer")
            .field("name", &self.name)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

/// A listing longer than this many pages is a server that never stops paging.
const MAX_LIST_PAGES: usize = 100;

fn client_info() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("countersign", env!("CARGO_PKG_VERSION")),
    )
}

/// Connects to a server and completes the MCP handshake within `timeouts.connect`. `token` is
/// the bearer token of an HTTP server (from the keychain or the environment); a stdio server
/// takes none.
pub async fn connect(
    spec: &ServerSpec,
    token: Option<&Secret>,
    timeouts: Timeouts,
) -> Result<RmcpServer, McpError> {
    let started = Instant::now();
    let service = match &spec.transport {
        TransportSpec::Stdio { program, args } => {
            connect_stdio(&spec.name, program, args, timeouts.connect).await?
        }
        TransportSpec::Http { url } => connect_http(url, token, timeouts.connect).await?,
    };
    tracing::info!(
        server = %spec.name,
        ms = started.elapsed().as_millis() as u64,
        "MCP server connected"
    );
    Ok(RmcpServer {
        name: spec.name.clone(),
        service,
        timeouts,
        token: token.cloned(),
    })
}

async fn connect_stdio(
    name: &ServerName,
    program: &str,
    args: &[String],
    within: Duration,
) -> Result<RunningService<RoleClient, ClientConfig>, McpError> {
    let mut command = tokio::process::Command::new(program);
    command.args(args).kill_on_drop(true);
    let (transport, stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| McpError::Spawn(format!("{program}: {e}")))?;
    if let Some(stderr) = stderr {
        // The server's own log, for diagnosis; at debug level, as it may say anything.
        let server = name.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(server = %server, "server stderr: {line}");
            }
        });
    }
    match tokio::time::timeout(within, client_info().serve(transport)).await {
        Err(_) => Err(McpError::Timeout {
            operation: Operation::Connect,
            after: within,
        }),
        Ok(Err(e)) => Err(McpError::Unreachable(e.to_string())),
        Ok(Ok(service)) => Ok(service),
    }
}

async fn connect_http(
    url: &str,
    token: Option<&Secret>,
    within: Duration,
) -> Result<RunningService<RoleClient, ClientConfig>, McpError> {
    // reqwest is built without a default TLS provider; ring is the workspace's. Installing it
    // twice is harmless (the second call reports the first is in place).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .connect_timeout(within)
        .build()
        .map_err(|e| McpError::Config(format!("HTTP client: {e}")))?;
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token.expose().to_owned());
    }
    let transport = StreamableHttpClientTransport::with_client(http, config);
    match tokio::time::timeout(within, client_info().serve(transport)).await {
        Err(_) => Err(McpError::Timeout {
            operation: Operation::Connect,
            after: within,
        }),
        Ok(Err(e)) if e.auth_challenge().is_some() => Err(McpError::Unauthorized),
        Ok(Err(e)) => Err(McpError::Unreachable(e.to_string()).scrubbed(token)),
        Ok(Ok(service)) => Ok(service),
    }
}

fn hints(annotations: Option<&rmcp::model::ToolAnnotations>) -> ToolHints {
    annotations
        .map(|a| ToolHints {
            read_only: a.read_only_hint,
            destructive: a.destructive_hint,
            idempotent: a.idempotent_hint,
            open_world: a.open_world_hint,
        })
        .unwrap_or_default()
}

fn listed(tool: rmcp::model::Tool) -> ListedTool {
    ListedTool {
        hints: hints(tool.annotations.as_ref()),
        name: tool.name.into_owned(),
        title: tool.title,
        description: tool.description.map(|d| d.into_owned()),
        input_schema: Value::Object((*tool.input_schema).clone()),
    }
}

fn output(result: rmcp::model::CallToolResult) -> ToolOutput {
    ToolOutput {
        is_error: result.is_error.unwrap_or(false),
        content: result
            .content
            .iter()
            .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
            .collect(),
        structured: result.structured_content,
    }
}

impl RmcpServer {
    pub fn name(&self) -> &ServerName {
        &self.name
    }

    /// Ends the session (and a stdio server's process).
    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }

    async fn list_all(&self) -> Result<Vec<ListedTool>, McpError> {
        let peer = self.service.peer();
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let request = ClientRequest::ListToolsRequest(match cursor.take() {
                None => ListToolsRequest {
                    method: Default::default(),
                    params: None,
                    extensions: Default::default(),
                },
                Some(c) => ListToolsRequest::with_param(
                    PaginatedRequestParams::default().with_cursor(Some(c)),
                ),
            });
            let handle = peer
                .send_request_with_option(request, PeerRequestOptions::no_options())
                .await
                .map_err(|e| self.service_error(Operation::ListTools, e))?;
            match handle.await_response().await {
                Ok(ServerResult::ListToolsResult(page)) => {
                    tools.extend(page.tools.into_iter().map(listed));
                    match page.next_cursor {
                        Some(next) => cursor = Some(next.to_string()),
                        None => return Ok(tools),
                    }
                }
                Ok(_) => {
                    return Err(McpError::Protocol(
                        "tools/list was answered with another kind of result".into(),
                    ))
                }
                Err(e) => return Err(self.service_error(Operation::ListTools, e)),
            }
        }
        Err(McpError::Protocol(format!(
            "tools/list did not end after {MAX_LIST_PAGES} pages"
        )))
    }

    /// A failure of a request that has no side effect (or was never sent).
    fn service_error(&self, operation: Operation, e: ServiceError) -> McpError {
        let token = self.token.as_ref();
        match e {
            ServiceError::McpError(data) => McpError::Rejected {
                operation,
                code: data.code.0,
                message: data.message.into_owned(),
            }
            .scrubbed(token),
            ServiceError::Timeout { timeout } => McpError::Timeout {
                operation,
                after: timeout,
            },
            e if e.auth_challenge().is_some() => McpError::Unauthorized,
            ServiceError::TransportClosed => McpError::Unreachable("the connection closed".into()),
            e @ ServiceError::TransportSend(_) => {
                McpError::Unreachable(e.to_string()).scrubbed(token)
            }
            other => McpError::Protocol(other.to_string()).scrubbed(token),
        }
    }

    async fn call(&self, call: &ToolCall) -> Result<ToolOutput, McpError> {
        let started = Instant::now();
        let limit = self.timeouts.call;
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(
            CallToolRequestParams::new(call.name.clone()).with_arguments(call.arguments.clone()),
        ));
        // Stage 1: hand the request to the SDK. Until this returns, nothing was sent.
        let handle = match tokio::time::timeout(
            limit,
            self.service
                .peer()
                .send_request_with_option(request, PeerRequestOptions::with_timeout(limit)),
        )
        .await
        {
            Err(_) => {
                return Err(McpError::Timeout {
                    operation: Operation::CallTool,
                    after: limit,
                })
            }
            Ok(Err(e)) => return Err(self.service_error(Operation::CallTool, e)),
            Ok(Ok(handle)) => handle,
        };
        tracing::info!(server = %self.name, tool = %call.name, "tools/call sent");
        // Stage 2: the answer. The SDK's own timeout sends the cancellation notice; ours is a
        // backstop in case that machinery itself stalls.
        let unknown = |detail: String| McpError::OutcomeUnknown {
            tool: call.name.clone(),
            detail,
        };
        let answer =
            match tokio::time::timeout(limit + Duration::from_secs(5), handle.await_response())
                .await
            {
                Err(_) => Err(unknown(format!("no answer within {limit:?}"))),
                Ok(Ok(ServerResult::CallToolResult(result))) => Ok(output(result)),
                // A bare `{}` result: the tool ran and said nothing.
                Ok(Ok(ServerResult::EmptyResult(_))) => Ok(ToolOutput {
                    is_error: false,
                    content: Vec::new(),
                    structured: None,
                }),
                // A task, an input request or anything else: the call was accepted but has not
                // completed as far as we can tell.
                Ok(Ok(_)) => Err(unknown(
                    "the server answered with something other than a result (a task or an \
                     input request), which Countersign does not follow"
                        .into(),
                )),
                // A JSON-RPC error is the server's definite refusal.
                Ok(Err(ServiceError::McpError(data))) => Err(McpError::Rejected {
                    operation: Operation::CallTool,
                    code: data.code.0,
                    message: data.message.into_owned(),
                }),
                // 401/403: refused at the door, before the tool was reached.
                Ok(Err(e)) if e.auth_challenge().is_some() => Err(McpError::Unauthorized),
                Ok(Err(ServiceError::Timeout { timeout })) => {
                    Err(unknown(format!("no answer within {timeout:?}")))
                }
                Ok(Err(e)) => Err(unknown(e.to_string())),
            };
        let ms = started.elapsed().as_millis() as u64;
        match &answer {
            Ok(out) => tracing::info!(
                server = %self.name, tool = %call.name, ms, is_error = out.is_error,
                "tools/call answered"
            ),
            Err(e) => tracing::warn!(
                server = %self.name, tool = %call.name, ms, code = e.code(),
                "tools/call failed"
            ),
        }
        answer.map_err(|e| e.scrubbed(self.token.as_ref()))
    }
}

impl ToolServer for RmcpServer {
    fn list_tools(&self) -> BoxFuture<'_, Result<Vec<ListedTool>, McpError>> {
        Box::pin(async move {
            let limit = self.timeouts.list;
            match tokio::time::timeout(limit, self.list_all()).await {
                Err(_) => Err(McpError::Timeout {
                    operation: Operation::ListTools,
                    after: limit,
                }),
                Ok(r) => r,
            }
        })
    }

    fn call_tool<'a>(&'a self, call: &'a ToolCall) -> BoxFuture<'a, Result<ToolOutput, McpError>> {
        Box::pin(self.call(call))
    }
}
