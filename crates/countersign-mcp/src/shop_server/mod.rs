//! The demo shop as an MCP server (`countersign mcp serve`): a reference for teams putting
//! their own system behind MCP, and the server the end-to-end path is exercised against.
//!
//! It stands for the team's system, not for Countersign: it keeps its own shop in a τ-format
//! `mcp-shop.json` in the directory it is given, executes writes when called (the shop's
//! business rules still apply: a delivered order is not cancelled), and appends every write
//! call to `mcp-shop-calls.jsonl`, which is how tests count on the server side what reached
//! it. Writes accept an `idempotency_key`; a key seen before returns the first result and
//! changes nothing.
//!
//! Annotations are the honest ones: reads are `readOnlyHint`, writes `destructiveHint` (every
//! write changes an existing order or customer record).

mod serve;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_shop::schema::{parse_read, parse_write};
use countersign_shop::{
    evaluate, gather_facts, run_read, Scope, Shop, Side, ToolKind, ToolName, ToolSchemas,
    WriteTarget,
};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fingerprint::args_hash;

pub use serve::{serve_http, serve_stdio, HttpServer};

/// The shop file in the served directory.
pub const SHOP_FILE: &str = "mcp-shop.json";
/// One line per write call that reached the server.
pub const LEDGER_FILE: &str = "mcp-shop-calls.jsonl";
/// The argument a write takes its idempotency key in.
pub const IDEMPOTENCY_ARGUMENT: &str = "idempotency_key";

/// One write call as the server recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub tool: String,
    pub args_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// `executed`, `refused` (the shop's rules said no) or `replayed` (a key seen before).
    pub outcome: String,
    /// The result text returned, so a replay returns the same.
    pub result: String,
}

#[derive(Debug)]
struct State {
    shop: Shop,
    dir: PathBuf,
    /// Results of executed or refused writes, by idempotency key.
    keys: BTreeMap<String, (bool, String)>,
}

/// The server; clones share one shop.
#[derive(Clone, Debug)]
pub struct ShopServer {
    state: Arc<Mutex<State>>,
}

/// Why the served directory could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ShopServerError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a τ-format shop: {source}")]
    Format {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ShopServerError + '_ {
    move |source| ShopServerError::Io {
        path: path.to_owned(),
        source,
    }
}

impl ShopServer {
    /// Opens the shop in `dir`, writing `seed` there first if it has none yet.
    pub fn open(dir: &Path, seed: impl FnOnce() -> Shop) -> Result<ShopServer, ShopServerError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let path = dir.join(SHOP_FILE);
        let shop = if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            Shop::from_tau_json(&text).map_err(|source| ShopServerError::Format {
                path: path.clone(),
                source,
            })?
        } else {
            let shop = seed();
            save(&path, &shop)?;
            shop
        };
        let mut keys = BTreeMap::new();
        let ledger = dir.join(LEDGER_FILE);
        if let Ok(text) = std::fs::read_to_string(&ledger) {
            for line in text.lines() {
                let Ok(l) = serde_json::from_str::<LedgerLine>(line) else {
                    continue;
                };
                if let (Some(k), false) = (l.idempotency_key, l.outcome == "replayed") {
                    keys.insert(k, (l.outcome == "refused", l.result));
                }
            }
        }
        Ok(ShopServer {
            state: Arc::new(Mutex::new(State {
                shop,
                dir: dir.to_owned(),
                keys,
            })),
        })
    }

    /// The write calls recorded in `dir`, oldest first.
    pub fn ledger(dir: &Path) -> Vec<LedgerLine> {
        std::fs::read_to_string(dir.join(LEDGER_FILE))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Every tool with its schema and annotations.
    pub fn tools() -> Vec<Tool> {
        // The reply is the desk's own action, not the shop's: never served.
        ToolName::ALL
            .iter()
            .filter(|t| t.kind() != ToolKind::Reply)
            .map(|&t| tool(t))
            .collect()
    }

    fn call(&self, name: &str, args: Map<String, Value>) -> Result<CallToolResult, ErrorData> {
        let tool: ToolName = name
            .parse()
            .map_err(|_| ErrorData::invalid_params(format!("unknown tool `{name}`"), None))?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match tool.kind() {
            ToolKind::Read => Ok(read(&state.shop, tool, Value::Object(args))),
            ToolKind::Write => Ok(state.write(tool, args)),
            ToolKind::Reply => Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`"),
                None,
            )),
        }
    }
}

fn save(path: &Path, shop: &Shop) -> Result<(), ShopServerError> {
    // Written aside and renamed, so a crash never leaves half a shop.
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(shop).unwrap_or_default();
    std::fs::write(&tmp, text).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn text(is_error: bool, text: String) -> CallToolResult {
    let content = vec![ContentBlock::text(text)];
    if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    }
}

fn read(shop: &Shop, tool: ToolName, args: Value) -> CallToolResult {
    let call = match parse_read(tool, &args) {
        Ok(c) => c,
        Err(e) => return text(true, e.to_string()),
    };
    // The team's system answers staff: scoping to one customer is Countersign's job (policy's
    // `result_owner_pointer`), not the server's.
    match run_read(shop, &Scope::Staff, &call) {
        Ok(v) => text(false, v.to_string()),
        Err(e) => text(true, e.to_string()),
    }
}

impl State {
    fn write(&mut self, tool: ToolName, mut args: Map<String, Value>) -> CallToolResult {
        let key = match args.remove(IDEMPOTENCY_ARGUMENT) {
            Some(Value::String(k)) => Some(k),
            Some(_) => return text(true, format!("{IDEMPOTENCY_ARGUMENT} must be a string")),
            None => None,
        };
        let hash = args_hash(&Value::Object(args.clone())).0;
        if let Some((is_error, result)) = key.as_ref().and_then(|k| self.keys.get(k)).cloned() {
            self.record(tool, &hash, key, "replayed", &result);
            return text(is_error, result);
        }
        let (is_error, result) = match self.execute(tool, &Value::Object(args)) {
            Ok(preview) => (false, preview),
            Err(why) => (true, why),
        };
        let outcome = if is_error { "refused" } else { "executed" };
        if let Some(k) = &key {
            self.keys.insert(k.clone(), (is_error, result.clone()));
        }
        self.record(tool, &hash, key, outcome, &result);
        text(is_error, result)
    }

    /// Judges the write by the shop's rules for the record's owner and stores it.
    fn execute(&mut self, tool: ToolName, args: &Value) -> Result<String, String> {
        let call = parse_write(tool, args).map_err(|e| e.to_string())?;
        let owner = match call.target() {
            WriteTarget::User(a) => a.user_id.clone(),
            WriteTarget::Order { order_id, .. } => self
                .shop
                .orders
                .get(order_id)
                .map(|o| o.user_id.clone())
                .ok_or_else(|| format!("order_not_found: order {order_id} not found"))?,
        };
        let Ok(facts) = gather_facts(&self.shop, &owner, &call);
        let effect = evaluate(&facts, &call).map_err(|v| v.to_string())?;
        if let Some(order) = effect.order {
            self.shop.orders.insert(order.order_id.clone(), order);
        }
        if let Some(user) = effect.user {
            self.shop.users.insert(user.user_id.clone(), user);
        }
        save(&self.dir.join(SHOP_FILE), &self.shop).map_err(|e| e.to_string())?;
        Ok(serde_json::to_string(&effect.preview).unwrap_or_default())
    }

    fn record(&self, tool: ToolName, hash: &str, key: Option<String>, outcome: &str, result: &str) {
        let line = LedgerLine {
            tool: tool.as_str().to_owned(),
            args_hash: hash.to_owned(),
            idempotency_key: key,
            outcome: outcome.to_owned(),
            result: result.to_owned(),
        };
        let path = self.dir.join(LEDGER_FILE);
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| {
                let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
                bytes.push(b'\n');
                f.write_all(&bytes)
            });
        if let Err(e) = appended {
            tracing::error!(error = %e, "could not append to the call ledger");
        }
        tracing::info!(tool = tool.as_str(), outcome, "shop write call");
    }
}

fn description(tool: ToolName) -> &'static str {
    use ToolName::*;
    match tool {
        FindUserIdByEmail => "Find a customer's user id by their email address.",
        FindUserIdByNameZip => "Find a customer's user id by first name, last name and zip code.",
        GetUserDetails => "A customer's profile: name, address, email, payment methods, orders.",
        GetOrderDetails => "An order: its owner, status, items, address, payments and fulfilments.",
        GetProductDetails => "A product and its variants (item ids, options, price, availability).",
        GetItemDetails => "One variant by item id: options, price and availability.",
        ListAllProductTypes => "Every product name with its product id.",
        Calculate => "Evaluate an arithmetic expression (digits, + - * / ( ) . and spaces).",
        CancelPendingOrder => "Cancel a pending order and refund its payments. Reason: `no longer needed` or `ordered by mistake`.",
        ModifyPendingOrderAddress => "Change the shipping address of a pending order.",
        ModifyPendingOrderPayment => "Change the payment method of a pending order.",
        ModifyPendingOrderItems => "Swap items of a pending order for other variants of the same products; once per order.",
        ReturnDeliveredOrderItems => "Return items of a delivered order, refunded to the original payment method or a gift card.",
        ExchangeDeliveredOrderItems => "Exchange items of a delivered order for other variants of the same products.",
        ModifyUserAddress => "Change a customer's default address.",
        SendReply => "The desk's reply to a customer (not served by the shop).",
    }
}

fn tool(name: ToolName) -> Tool {
    let mut schema = ToolSchemas::global().schema(name, Side::Input).clone();
    let annotations = match name.kind() {
        ToolKind::Read => ToolAnnotations::new()
            .read_only(true)
            .destructive(false)
            .idempotent(true)
            .open_world(false),
        ToolKind::Write | ToolKind::Reply => {
            // The shop's schemas deny unknown fields; the MCP face adds the key argument.
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                props.insert(
                    IDEMPOTENCY_ARGUMENT.to_owned(),
                    serde_json::json!({
                        "type": "string",
                        "description": "A key unique to this change; a call repeating a key returns the first result and changes nothing."
                    }),
                );
            }
            ToolAnnotations::new()
                .read_only(false)
                .destructive(true)
                .idempotent(false)
                .open_world(false)
        }
    };
    let schema = match schema {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut t = Tool::new(name.as_str(), description(name), schema);
    t.annotations = Some(annotations);
    t
}

impl ServerHandler for ShopServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "countersign-demo-shop",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "The Countersign demo shop (τ-bench retail schema). Reads look up customers, orders and products; writes change orders and addresses.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(ShopServer::tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        self.call(&request.name, args).map(CallToolResponse::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shop_tool_is_listed_with_honest_annotations() {
        let tools = ShopServer::tools();
        // Every shop tool; the desk's own reply is not one.
        assert_eq!(tools.len(), ToolName::ALL.len() - 1);
        for t in &tools {
            let name: ToolName = t.name.parse().unwrap();
            let a = t.annotations.as_ref().unwrap();
            match name.kind() {
                ToolKind::Read => {
                    assert_eq!(a.read_only_hint, Some(true), "{name}");
                    assert!(!t.input_schema.contains_key("idempotency_key"));
                }
                ToolKind::Write => {
                    assert_eq!(a.read_only_hint, Some(false), "{name}");
                    assert_eq!(a.destructive_hint, Some(true), "{name}");
                    assert_eq!(
                        crate::arguments::idempotency_property(&Value::Object(
                            (*t.input_schema).clone()
                        )),
                        Some(IDEMPOTENCY_ARGUMENT),
                        "{name}"
                    );
                }
                ToolKind::Reply => panic!("{name} is served"),
            }
        }
    }
}
