//! `mcp serve`: the demo shop's tools as an MCP server, over stdio or streamable HTTP — the
//! reference server a team copies, and what the end-to-end tests connect to.
//!
//! It keeps its own shop (`mcp-shop.json`) and call ledger (`mcp-shop-calls.jsonl`) in the
//! workspace directory: it stands for the team's system, whose writes Countersign requests
//! after approval, so it does not write into the desk's database.

use std::net::SocketAddr;

use anyhow::Context;
use countersign_core::Secret;
use countersign_mcp::shop_server::{serve_http, serve_stdio, ShopServer};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::Shop;
use countersign_store::ShopSeed;

use crate::error::bad;
use crate::invocation::Invocation;
use crate::output::out;

/// With this set, the HTTP server requires `Authorization: Bearer <value>`.
pub const SERVE_TOKEN_ENV: &str = "COUNTERSIGN_MCP_SERVE_TOKEN";

pub fn serve(ctx: &Invocation, http: Option<SocketAddr>) -> anyhow::Result<()> {
    let seed: Shop = match &ctx.seed {
        ShopSeed::Demo => generate(DEMO_SEED, &DemoSize::DEFAULT),
        ShopSeed::Loaded(shop) => (**shop).clone(),
        ShopSeed::TauFile(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad("invalid_shop", format!("{}: {e}", path.display())))?;
            Shop::from_tau_json(&text)
                .map_err(|e| bad("invalid_shop", format!("{}: {e}", path.display())))?
        }
    };
    let server =
        ShopServer::open(&ctx.data_dir, || seed).map_err(|e| bad("invalid_workspace", e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match http {
        None => runtime
            .block_on(serve_stdio(server))
            .map_err(anyhow::Error::new),
        Some(addr) => runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            let token = std::env::var(SERVE_TOKEN_ENV).ok().map(Secret::new);
            let running = serve_http(server, listener, token);
            // The one line a caller reads to find the port (`--http 127.0.0.1:0`).
            out(format!("listening on {}", running.url()))?;
            running.wait().await;
            Ok(())
        }),
    }
}
