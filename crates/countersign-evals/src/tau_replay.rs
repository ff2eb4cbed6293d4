//! τ-bench replay: every task's ground-truth write actions go through schema, policy and the
//! approval gate on a fresh copy of the shop, and so do policy-violating mutations of each.
//!
//! The ground truth should pass (except where upstream is wrong); every mutation must be
//! refused. A mutation that executes is a hole in policy.

use std::path::Path;
use std::sync::Arc;

use countersign_core::{ManualClock, Role};
use countersign_shop::{Order, OrderStatus, PaymentSource, Scope, Shop, ToolKind, ToolName};
use countersign_store::{Desk, DeskError, ProposeRequest, ShopSeed};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{0} is not a τ-format db.json: {1}")]
    Shop(String, serde_json::Error),
    #[error("{path} line {line}: {source}")]
    Task {
        path: String,
        line: usize,
        source: serde_json::Error,
    },
    #[error("workspace: {0}")]
    Desk(#[from] DeskError),
    #[error("temporary directory: {0}")]
    Temp(std::io::Error),
}

impl ReplayError {
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ReplayError::Read(..) | ReplayError::Shop(..) | ReplayError::Task { .. }
        )
    }
}

#[derive(Debug, Deserialize)]
struct Task {
    id: Value,
    user_id: String,
    actions: Vec<TaskAction>,
}

#[derive(Debug, Deserialize)]
struct TaskAction {
    name: String,
    kwargs: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rejection {
    pub task: String,
    pub action: String,
    pub index: usize,
    /// The refusal's stable code: the policy's `ViolationCode`, else the desk error's code.
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AcceptedMutation {
    pub task: String,
    pub action: String,
    pub mutation: &'static str,
    pub args: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub tasks: usize,
    pub write_actions: usize,
    pub accepted: usize,
    pub rejected: Vec<Rejection>,
    pub mutations: usize,
    pub mutations_rejected: usize,
    pub mutations_accepted: Vec<AcceptedMutation>,
    /// How many mutations of each kind applied (a kind applies when the shop has the data).
    pub mutations_by_kind: std::collections::BTreeMap<&'static str, usize>,
    /// For each mutation kind, how many refusals carried each code.
    pub mutation_codes:
        std::collections::BTreeMap<&'static str, std::collections::BTreeMap<String, usize>>,
}

const T0: i64 = 1_800_000_000_000;

/// The replay approves as a supervisor: assigned in each fresh workspace, as an
/// administrator would.
const SUPERVISOR: &str = "tau-replay";

/// Replays `tasks` (τ² JSONL) against `db` (τ db.json).
pub fn replay(db: &Path, tasks: &Path) -> Result<ReplayReport, ReplayError> {
    let text =
        std::fs::read_to_string(db).map_err(|e| ReplayError::Read(db.display().to_string(), e))?;
    let shop = Arc::new(
        Shop::from_tau_json(&text).map_err(|e| ReplayError::Shop(db.display().to_string(), e))?,
    );
    let tasks_text = std::fs::read_to_string(tasks)
        .map_err(|e| ReplayError::Read(tasks.display().to_string(), e))?;
    let mut parsed = Vec::new();
    for (i, line) in tasks_text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let task: Task = serde_json::from_str(line).map_err(|source| ReplayError::Task {
            path: tasks.display().to_string(),
            line: i + 1,
            source,
        })?;
        parsed.push(task);
    }

    let mut report = ReplayReport {
        tasks: parsed.len(),
        write_actions: 0,
        accepted: 0,
        rejected: Vec::new(),
        mutations: 0,
        mutations_rejected: 0,
        mutations_accepted: Vec::new(),
        mutations_by_kind: Default::default(),
        mutation_codes: Default::default(),
    };
    for task in &parsed {
        replay_task(&shop, task, &mut report)?;
    }
    Ok(report)
}

struct Workspace {
    _dir: tempfile::TempDir,
    desk: Desk,
}

fn fresh(shop: &Arc<Shop>) -> Result<Workspace, ReplayError> {
    let dir = tempfile::tempdir().map_err(ReplayError::Temp)?;
    let mut desk = Desk::open(
        dir.path(),
        &ShopSeed::Loaded(shop.clone()),
        Arc::new(ManualClock::new(T0)),
    )?;
    desk.assign_role("replay-admin", SUPERVISOR, Role::Supervisor)?;
    Ok(Workspace { _dir: dir, desk })
}

/// A refusal: its stable code and its message.
type Refusal = (String, String);

/// Proposes and approves one write. `Ok(Err(refusal))` is a refusal, which is an outcome, not a
/// failure of the harness.
fn run(
    desk: &mut Desk,
    customer: &str,
    tool: ToolName,
    args: &Value,
) -> Result<Result<(), Refusal>, ReplayError> {
    let req = ProposeRequest {
        customer_id: customer,
        conversation_id: None,
        channel: "tau-replay",
        tool,
        args,
        proposed_by: "tau-replay",
    };
    let outcome = desk
        .propose(&req)
        .and_then(|id| desk.approve(id, SUPERVISOR, None).map(|_| ()));
    match outcome {
        Ok(()) => Ok(Ok(())),
        Err(DeskError::Policy(v)) => Ok(Err((v.code.as_str().to_owned(), v.to_string()))),
        Err(e) if e.is_bad_input() => Ok(Err((e.code().to_owned(), e.to_string()))),
        Err(e) => Err(e.into()),
    }
}

fn replay_task(
    shop: &Arc<Shop>,
    task: &Task,
    report: &mut ReplayReport,
) -> Result<(), ReplayError> {
    let task_id = match &task.id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let writes: Vec<(usize, ToolName, &Value)> = task
        .actions
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let tool: ToolName = a.name.parse().ok()?;
            (tool.kind() == ToolKind::Write).then_some((i, tool, &a.kwargs))
        })
        .collect();
    let mut ws = fresh(shop)?;
    for (n, &(index, tool, args)) in writes.iter().enumerate() {
        report.write_actions += 1;
        for (kind, mutated) in mutations(&ws.desk, shop, &task.user_id, tool, args) {
            report.mutations += 1;
            *report.mutations_by_kind.entry(kind).or_default() += 1;
            match run(&mut ws.desk, &task.user_id, tool, &mutated)? {
                Err((code, _)) => {
                    report.mutations_rejected += 1;
                    *report
                        .mutation_codes
                        .entry(kind)
                        .or_default()
                        .entry(code)
                        .or_default() += 1;
                }
                Ok(()) => {
                    report.mutations_accepted.push(AcceptedMutation {
                        task: task_id.clone(),
                        action: tool.as_str().to_owned(),
                        mutation: kind,
                        args: mutated,
                    });
                    // The accepted mutation changed the shop: rebuild the state the ground truth
                    // expects by replaying the earlier actions on a fresh copy.
                    ws = fresh(shop)?;
                    for &(_, t, a) in &writes[..n] {
                        run(&mut ws.desk, &task.user_id, t, a)?.ok();
                    }
                }
            }
        }
        match run(&mut ws.desk, &task.user_id, tool, args)? {
            Ok(()) => report.accepted += 1,
            Err((code, reason)) => report.rejected.push(Rejection {
                task: task_id.clone(),
                action: tool.as_str().to_owned(),
                index,
                code,
                reason,
            }),
        }
    }
    Ok(())
}

fn order(desk: &Desk, id: &str) -> Option<Order> {
    let v = desk
        .lookup(
            ToolName::GetOrderDetails,
            &json!({"order_id": id}),
            &Scope::Staff,
        )
        .ok()?;
    serde_json::from_value(v).ok()
}

fn allows(tool: ToolName, status: OrderStatus) -> bool {
    match tool {
        ToolName::CancelPendingOrder | ToolName::ModifyPendingOrderItems => {
            status == OrderStatus::Pending
        }
        ToolName::ModifyPendingOrderAddress | ToolName::ModifyPendingOrderPayment => {
            status.is_pending_like()
        }
        ToolName::ReturnDeliveredOrderItems | ToolName::ExchangeDeliveredOrderItems => {
            status == OrderStatus::Delivered
        }
        _ => true,
    }
}

fn with(args: &Value, key: &str, value: Value) -> Value {
    let mut out = args.clone();
    out[key] = value;
    out
}

/// The policy-violating variants of one ground-truth action that this shop has data for.
fn mutations(
    desk: &Desk,
    shop: &Shop,
    customer: &str,
    tool: ToolName,
    args: &Value,
) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let Some(user) = shop.users.get(customer) else {
        return out;
    };
    let order_id = args.get("order_id").and_then(Value::as_str);
    let current = order_id.and_then(|id| order(desk, id));

    // 1. wrong status: the same action on one of the customer's orders whose status forbids it.
    if let Some(order_id) = order_id {
        let wrong = user
            .orders
            .iter()
            .filter(|id| id.as_str() != order_id)
            .filter_map(|id| order(desk, id))
            .find(|o| !allows(tool, o.status));
        if let Some(o) = wrong {
            out.push(("wrong_status", with(args, "order_id", json!(o.order_id))));
        }
        // 2. another customer's order, in a status that would otherwise allow it.
        let foreign = shop
            .orders
            .values()
            .find(|o| o.user_id != customer && allows(tool, o.status));
        if let Some(o) = foreign {
            out.push((
                "another_customers_order",
                with(args, "order_id", json!(o.order_id)),
            ));
        }
    }

    // 3. another customer's payment method, of the same kind where possible.
    if let Some(pm) = args.get("payment_method_id").and_then(Value::as_str) {
        let source = user.payment_methods.get(pm).map(|m| m.source);
        let foreign = shop
            .users
            .values()
            .filter(|u| u.user_id != customer)
            .flat_map(|u| u.payment_methods.values())
            .find(|m| Some(m.source) == source || source.is_none());
        if let Some(m) = foreign {
            out.push((
                "another_customers_payment_method",
                with(args, "payment_method_id", json!(m.id)),
            ));
        }
    }

    // 4-5. for item swaps: another product's item, and an unavailable variant.
    if matches!(
        tool,
        ToolName::ModifyPendingOrderItems | ToolName::ExchangeDeliveredOrderItems
    ) {
        let old = args["item_ids"][0].as_str().unwrap_or_default();
        let product = current
            .as_ref()
            .and_then(|o| o.items.iter().find(|i| i.item_id == old))
            .and_then(|i| shop.products.get(&i.product_id));
        if let Some(product) = product {
            let other = shop
                .products
                .values()
                .filter(|p| p.product_id != product.product_id)
                .flat_map(|p| p.variants.values())
                .find(|v| v.available);
            if let Some(v) = other {
                let mut new = args["new_item_ids"].clone();
                new[0] = json!(v.item_id);
                out.push(("another_products_item", with(args, "new_item_ids", new)));
            }
            let unavailable = product
                .variants
                .values()
                .find(|v| !v.available && v.item_id != old);
            if let Some(v) = unavailable {
                let mut new = args["new_item_ids"].clone();
                new[0] = json!(v.item_id);
                out.push(("unavailable_item", with(args, "new_item_ids", new)));
            }
        }
    }

    // 6. an invalid cancel reason.
    if tool == ToolName::CancelPendingOrder {
        out.push((
            "invalid_cancel_reason",
            with(args, "reason", json!("found a better price elsewhere")),
        ));
    }

    // 7. a gift card of the customer's that cannot cover what it must pay.
    let needed = match (tool, &current) {
        (ToolName::ModifyPendingOrderPayment, Some(o)) => Some(o.net_paid()),
        (ToolName::ModifyPendingOrderItems | ToolName::ExchangeDeliveredOrderItems, Some(o)) => {
            price_difference(shop, o, args).filter(|d| d.is_positive())
        }
        _ => None,
    };
    if let Some(needed) = needed {
        let current_pm = current
            .as_ref()
            .and_then(|o| o.payment_history.first())
            .map(|t| t.payment_method_id.clone());
        let card = user.payment_methods.values().find(|m| {
            m.source == PaymentSource::GiftCard
                && m.balance.unwrap_or_default() < needed
                && Some(&m.id) != current_pm.as_ref()
        });
        if let Some(card) = card {
            out.push((
                "insufficient_gift_card",
                with(args, "payment_method_id", json!(card.id)),
            ));
        }
    } else if let (
        ToolName::ModifyPendingOrderItems | ToolName::ExchangeDeliveredOrderItems,
        Some(o),
    ) = (tool, &current)
    {
        // The ground truth costs nothing extra: swap to the dearest available variants instead,
        // so the difference is positive, and pay it from a gift card that cannot cover it.
        if let Some((dearer, needed)) = dearest_swap(shop, o, args) {
            let card = user.payment_methods.values().find(|m| {
                m.source == PaymentSource::GiftCard && m.balance.unwrap_or_default() < needed
            });
            if let Some(card) = card {
                let mut mutated = with(args, "new_item_ids", dearer);
                mutated["payment_method_id"] = json!(card.id);
                out.push(("insufficient_gift_card", mutated));
            }
        }
    }
    out
}

/// The same swaps, each to the most expensive available other variant, if that costs more.
fn dearest_swap(
    shop: &Shop,
    order: &Order,
    args: &Value,
) -> Option<(Value, countersign_shop::Money)> {
    let mut new_ids = Vec::new();
    let mut total = countersign_shop::Money::ZERO;
    for old in args["item_ids"].as_array()? {
        let item = order
            .items
            .iter()
            .find(|i| Some(i.item_id.as_str()) == old.as_str())?;
        let best = shop
            .products
            .get(&item.product_id)?
            .variants
            .values()
            .filter(|v| v.available && v.item_id != item.item_id)
            .max_by_key(|v| v.price)?;
        total += best.price - item.price;
        new_ids.push(json!(best.item_id));
    }
    total
        .is_positive()
        .then_some((Value::Array(new_ids), total))
}

fn price_difference(shop: &Shop, order: &Order, args: &Value) -> Option<countersign_shop::Money> {
    let olds = args["item_ids"].as_array()?;
    let news = args["new_item_ids"].as_array()?;
    let mut total = countersign_shop::Money::ZERO;
    for (old, new) in olds.iter().zip(news) {
        let item = order
            .items
            .iter()
            .find(|i| Some(i.item_id.as_str()) == old.as_str())?;
        let variant = shop
            .products
            .get(&item.product_id)?
            .variants
            .get(new.as_str()?)?;
        total += variant.price - item.price;
    }
    Some(total)
}
