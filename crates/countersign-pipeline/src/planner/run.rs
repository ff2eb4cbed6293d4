//! Tool running: every read the planner makes goes through here, typed, scoped to the
//! conversation's customer and traced as one step (with the caps checked after each).

use std::time::Instant;

use countersign_shop::read::{
    order_details, product_details, user_details, user_id_by_email, user_id_by_name_zip,
};
use countersign_shop::{Order, Product, ReadError, Scope, ShopView, ToolName, User};
use serde_json::{json, Value};

use crate::plan::{Caps, PlannerKind, TraceStep};

/// A monotonic clock for step latencies, passed in so traces are testable.
pub trait Ticker {
    fn now_us(&self) -> u64;
}

#[derive(Debug)]
pub struct MonotonicTicker(Instant);

impl Default for MonotonicTicker {
    fn default() -> Self {
        MonotonicTicker(Instant::now())
    }
}

impl Ticker for MonotonicTicker {
    fn now_us(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }
}

/// The cap was hit: stop planning and hand over.
#[derive(Debug)]
pub(crate) struct CapHit;

/// Why a read found nothing usable: data for the plan, not a failure of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    NotFound,
    /// Another customer's record.
    OutOfScope,
    /// The shop could not be read.
    Broken(String),
}

impl<E: std::error::Error> From<ReadError<E>> for Miss {
    fn from(e: ReadError<E>) -> Miss {
        match e {
            ReadError::NotFound(_) => Miss::NotFound,
            ReadError::OutOfScope(_) => Miss::OutOfScope,
            other => Miss::Broken(other.to_string()),
        }
    }
}

/// One planning run: the steps so far, the facts verified and the customer, once known.
pub(crate) struct Run<'a, V: ShopView> {
    pub view: &'a V,
    ticker: &'a dyn Ticker,
    caps: Caps,
    /// Cost of one step when the planner is billed per step (the rules planner is not).
    step_cost_usd: Option<f64>,
    pub steps: Vec<TraceStep>,
    pub facts: Vec<String>,
    pub customer: Option<User>,
}

impl<'a, V: ShopView> Run<'a, V> {
    pub fn new(
        view: &'a V,
        ticker: &'a dyn Ticker,
        caps: Caps,
        step_cost_usd: Option<f64>,
    ) -> Self {
        Run {
            view,
            ticker,
            caps,
            step_cost_usd,
            steps: Vec::new(),
            facts: Vec::new(),
            customer: None,
        }
    }

    pub fn now_us(&self) -> u64 {
        self.ticker.now_us()
    }

    /// Records a step; `Err(CapHit)` once the steps or their cost reach a cap.
    pub fn step(
        &mut self,
        stage: &str,
        tool: Option<ToolName>,
        args: Option<Value>,
        result: Option<Value>,
        ok: bool,
        started: u64,
    ) -> Result<(), CapHit> {
        self.steps.push(TraceStep {
            stage: stage.to_owned(),
            tool,
            args,
            result,
            ok,
            latency_us: self.ticker.now_us().saturating_sub(started),
            tokens: 0,
            cost_usd: self.step_cost_usd,
            planner: (stage != "guard").then_some(PlannerKind::Rules),
            model_call: None,
            findings: Vec::new(),
        });
        let cost: f64 = self.steps.iter().filter_map(|s| s.cost_usd).sum();
        if self.steps.len() >= self.caps.max_steps || cost > self.caps.max_cost_usd {
            Err(CapHit)
        } else {
            Ok(())
        }
    }

    fn traced<T>(
        &mut self,
        tool: ToolName,
        args: Value,
        read: impl FnOnce(&V) -> Result<T, Miss>,
        summary: impl FnOnce(&T) -> Value,
    ) -> Result<Result<T, Miss>, CapHit> {
        let started = self.ticker.now_us();
        let outcome = read(self.view);
        let result = match &outcome {
            Ok(v) => summary(v),
            Err(Miss::NotFound) => json!({"error": "not found"}),
            Err(Miss::OutOfScope) => json!({"error": "another customer's record"}),
            Err(Miss::Broken(e)) => json!({"error": e}),
        };
        self.step(
            "tool",
            Some(tool),
            Some(args),
            Some(result),
            outcome.is_ok(),
            started,
        )?;
        Ok(outcome)
    }

    /// The conversation's scope: its customer, or nobody's records before authentication.
    fn scope(&self) -> Scope {
        Scope::Customer(
            self.customer
                .as_ref()
                .map(|u| u.user_id.clone())
                .unwrap_or_default(),
        )
    }

    pub fn user_by_email(&mut self, email: &str) -> Result<Result<String, Miss>, CapHit> {
        self.traced(
            ToolName::FindUserIdByEmail,
            json!({"email": email}),
            |v| user_id_by_email(v, &Scope::Staff, email).map_err(Miss::from),
            |id| json!(id),
        )
    }

    pub fn user_by_name_zip(
        &mut self,
        first: &str,
        last: &str,
        zip: &str,
    ) -> Result<Result<String, Miss>, CapHit> {
        self.traced(
            ToolName::FindUserIdByNameZip,
            json!({"first_name": first, "last_name": last, "zip": zip}),
            |v| user_id_by_name_zip(v, &Scope::Staff, first, last, zip).map_err(Miss::from),
            |id| json!(id),
        )
    }

    /// Reads the customer record of `id` (the customer being authenticated).
    pub fn user(&mut self, id: &str) -> Result<Result<User, Miss>, CapHit> {
        let scope = Scope::Customer(id.to_owned());
        self.traced(
            ToolName::GetUserDetails,
            json!({"user_id": id}),
            |v| user_details(v, &scope, id).map_err(Miss::from),
            |u| json!({"user_id": u.user_id, "orders": u.orders.len()}),
        )
    }

    pub fn order(&mut self, id: &str) -> Result<Result<Order, Miss>, CapHit> {
        let scope = self.scope();
        self.traced(
            ToolName::GetOrderDetails,
            json!({"order_id": id}),
            |v| order_details(v, &scope, id).map_err(Miss::from),
            |o| json!({"order_id": o.order_id, "status": o.status, "items": o.items.len()}),
        )
    }

    /// `list_all_product_types`: product name → product id.
    pub fn product_types(
        &mut self,
    ) -> Result<Result<std::collections::BTreeMap<String, String>, Miss>, CapHit> {
        self.traced(
            ToolName::ListAllProductTypes,
            json!({}),
            |v| v.product_types().map_err(|e| Miss::Broken(e.to_string())),
            |types| json!({"product_types": types.len()}),
        )
    }

    pub fn product(&mut self, id: &str) -> Result<Result<Product, Miss>, CapHit> {
        self.traced(
            ToolName::GetProductDetails,
            json!({"product_id": id}),
            |v| product_details(v, id).map_err(Miss::from),
            |p| json!({"product_id": p.product_id, "variants": p.variants.len()}),
        )
    }
}
