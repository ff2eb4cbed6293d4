//! The shop server's transports: stdio, and streamable HTTP with an optional bearer token.

use std::convert::Infallible;
use std::net::SocketAddr;

use countersign_core::Secret;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::Service;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::ServiceExt;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::ShopServer;
use crate::error::McpError;

/// Serves on this process's stdin and stdout until the client closes them.
pub async fn serve_stdio(server: ShopServer) -> Result<(), McpError> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| McpError::Unreachable(e.to_string()))?;
    let _ = running.waiting().await;
    Ok(())
}

/// A running HTTP server; dropping it stops it.
#[derive(Debug)]
pub struct HttpServer {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl HttpServer {
    /// The MCP endpoint's URL.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Runs until stopped (the CLI's foreground server).
    pub async fn wait(self) {
        let _ = (&mut { self }.task).await;
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.cancel();
        self.task.abort();
    }
}

fn token_digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// Whether the request carries the bearer token. Compared as digests, so the comparison's
/// time does not depend on how much of the token a guess got right.
fn authorized(req: &Request<Incoming>, expected: &[u8; 32]) -> bool {
    req.headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| &token_digest(t.trim()) == expected)
}

/// Serves streamable HTTP on `listener` (any path) until the returned server is dropped. With
/// a `token`, every request must carry it as `Authorization: Bearer`; others get 401.
pub fn serve_http(server: ShopServer, listener: TcpListener, token: Option<Secret>) -> HttpServer {
    let addr = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let stop = CancellationToken::new();
    let config = StreamableHttpServerConfig::default().with_cancellation_token(stop.child_token());
    let mcp = TowerToHyperService::new(StreamableHttpService::new(
        move || Ok(server.clone()),
        LocalSessionManager::default().into(),
        config,
    ));
    let expected = token.map(|t| token_digest(t.expose()));
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = stopped.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                },
            };
            let mcp = mcp.clone();
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let mcp = mcp.clone();
                async move {
                    if let Some(expected) = &expected {
                        if !authorized(&req, expected) {
                            tracing::info!("refused a request without the bearer token");
                            let body = Full::new(Bytes::from_static(b"unauthorized"))
                                .map_err(|never| match never {})
                                .boxed();
                            let mut res = Response::new(body);
                            *res.status_mut() = StatusCode::UNAUTHORIZED;
                            res.headers_mut().insert(
                                hyper::header::WWW_AUTHENTICATE,
                                hyper::header::HeaderValue::from_static("Bearer"),
                            );
                            return Ok::<_, Infallible>(res);
                        }
                    }
                    mcp.call(req).await
                }
            });
            let stopped = stopped.clone();
            tokio::spawn(async move {
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    _ = conn => {}
                    _ = stopped.cancelled() => {}
                }
            });
        }
    });
    HttpServer { addr, stop, task }
}
