//! The rules planner: deterministic intent detection, slot filling and policy, on the read
//! tools. It never executes a write: writes leave as proposals for the approval gate.
//!
//! It reads only the customer's own words (`Request::body` and subject). Anything it cannot
//! handle with confidence goes to a person with a handoff packet, never silently.

use std::time::Instant;

use countersign_shop::{
    evaluate, gather_facts, parse_read, run_read, Order, OrderItem, OrderStatus, PaymentSource,
    Product, Scope, ShopView, ToolName, User, Variant, WriteCall,
};
use serde_json::{json, Value};

use crate::draft;
use crate::guard::{GuardReport, Verdict};
use crate::intent::{self, Intent};
use crate::kb::{self, KnowledgeBase};
use crate::normalize::normalize;
use crate::plan::{Caps, Handoff, Outcome, Plan, ProposedAction, TraceStep};
use crate::request::Request;

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

pub struct RulesPlanner<'a, V: ShopView, K: KnowledgeBase> {
    pub view: &'a V,
    pub kb: &'a K,
    pub ticker: &'a dyn Ticker,
    pub caps: Caps,
}

impl<V: ShopView, K: KnowledgeBase> std::fmt::Debug for RulesPlanner<'_, V, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulesPlanner")
            .field("caps", &self.caps)
            .finish_non_exhaustive()
    }
}

/// The cap was hit: stop planning and hand over.
struct CapHit;

struct Run<'a, V: ShopView> {
    view: &'a V,
    ticker: &'a dyn Ticker,
    caps: Caps,
    steps: Vec<TraceStep>,
    facts: Vec<String>,
    customer: Option<User>,
}

impl<V: ShopView> Run<'_, V> {
    fn step(
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
            cost_usd: 0.0,
        });
        let cost: f64 = self.steps.iter().map(|s| s.cost_usd).sum();
        if self.steps.len() >= self.caps.max_steps || cost > self.caps.max_cost_usd {
            Err(CapHit)
        } else {
            Ok(())
        }
    }

    /// Runs a read tool, traced. `Ok(Err(_))` is the tool's own refusal (not found, another
    /// customer's record): data for the plan, not a failure of it.
    fn read(
        &mut self,
        tool: ToolName,
        args: Value,
        scope: &Scope,
    ) -> Result<Result<Value, String>, CapHit> {
        let started = self.ticker.now_us();
        let outcome = parse_read(tool, &args)
            .map_err(|e| e.to_string())
            .and_then(|call| run_read(self.view, scope, &call).map_err(|e| e.to_string()));
        let summary = match &outcome {
            Ok(v) => Some(summarise(tool, v)),
            Err(e) => Some(json!({"error": e})),
        };
        self.step(
            "tool",
            Some(tool),
            Some(args),
            summary,
            outcome.is_ok(),
            started,
        )?;
        Ok(outcome)
    }

    fn scope(&self) -> Scope {
        match &self.customer {
            Some(u) => Scope::Customer(u.user_id.clone()),
            None => Scope::Customer(String::new()),
        }
    }

    fn order(&mut self, id: &str) -> Result<Result<Order, String>, CapHit> {
        let scope = self.scope();
        Ok(self
            .read(ToolName::GetOrderDetails, json!({"order_id": id}), &scope)?
            .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string())))
    }

    fn product(&mut self, id: &str) -> Result<Option<Product>, CapHit> {
        let scope = self.scope();
        Ok(self
            .read(
                ToolName::GetProductDetails,
                json!({"product_id": id}),
                &scope,
            )?
            .ok()
            .and_then(|v| serde_json::from_value(v).ok()))
    }
}

/// Trace results keep ids and statuses, not whole records (which carry personal data).
fn summarise(tool: ToolName, v: &Value) -> Value {
    match tool {
        ToolName::GetOrderDetails => {
            json!({"order_id": v["order_id"], "status": v["status"], "items": v["items"].as_array().map(Vec::len)})
        }
        ToolName::GetUserDetails => {
            json!({"user_id": v["user_id"], "orders": v["orders"].as_array().map(Vec::len)})
        }
        ToolName::GetProductDetails => {
            json!({"product_id": v["product_id"], "variants": v["variants"].as_object().map(|m| m.len())})
        }
        _ => v.clone(),
    }
}

/// One part of the reply, from one intent.
#[derive(Default)]
struct Section {
    text: String,
    proposal: Option<ProposedAction>,
    citation: Option<&'static str>,
    /// The section could not be handled: the whole request goes to a person.
    escalate: Option<String>,
}

impl Section {
    fn say(text: impl Into<String>, citation: Option<&'static str>) -> Section {
        Section {
            text: text.into(),
            citation,
            ..Section::default()
        }
    }
}

impl<V: ShopView, K: KnowledgeBase> RulesPlanner<'_, V, K> {
    pub fn plan(&self, request: &Request, guard: &GuardReport) -> Plan {
        let mut run = Run {
            view: self.view,
            ticker: self.ticker,
            caps: self.caps,
            steps: Vec::new(),
            facts: Vec::new(),
            customer: None,
        };
        let started = self.ticker.now_us();
        let guard_note = json!({"verdict": guard.verdict, "reasons": guard.reasons});
        let mut plan = Plan {
            outcome: Outcome::Reply,
            customer_id: None,
            intent: None,
            proposals: Vec::new(),
            reply: None,
            handoff: None,
            citations: Vec::new(),
            steps: Vec::new(),
        };
        if run
            .step(
                "guard",
                None,
                None,
                Some(guard_note),
                guard.verdict != Verdict::Block,
                started,
            )
            .is_err()
            || guard.verdict == Verdict::Block
        {
            plan.outcome = Outcome::Block;
            plan.steps = run.steps;
            return plan;
        }
        match self.plan_allowed(&mut run, request, guard, &mut plan) {
            Ok(()) => {}
            Err(CapHit) => {
                plan.proposals.clear();
                plan.reply = None;
                plan.outcome = Outcome::Escalate;
                plan.handoff = Some(handoff(
                    &run,
                    plan.intent.as_deref(),
                    format!("step or cost cap reached ({} steps)", run.steps.len()),
                    &[],
                    "Review the conversation and answer the customer.",
                ));
            }
        }
        plan.customer_id = run.customer.as_ref().map(|u| u.user_id.clone());
        plan.steps = run.steps;
        plan
    }

    fn plan_allowed(
        &self,
        run: &mut Run<'_, V>,
        request: &Request,
        guard: &GuardReport,
        plan: &mut Plan,
    ) -> Result<(), CapHit> {
        // The customer's own words only; quoted, forwarded and hidden text stay data.
        let own = match &request.subject {
            Some(s) => format!("{s}\n{}", request.body),
            None => request.body.clone(),
        };
        let text = normalize(&own).text;
        let intents = intent::detect(&text);
        plan.intent = intents.first().map(|i| i.as_str().to_owned());

        // Authentication: the channel's identity, or name + zip in the message. Never a user id
        // or "I am X" claimed in the body.
        if let Some(sender) = &request.sender {
            if let Ok(Value::String(id)) = run.read(
                ToolName::FindUserIdByEmail,
                json!({"email": sender}),
                &Scope::Staff,
            )? {
                self.load_customer(run, &id)?;
            }
        }
        if run.customer.is_none() {
            if let Some((first, last, zip)) = intent::name_and_zip(&text) {
                let args = json!({"first_name": first, "last_name": last, "zip": zip});
                if let Ok(Value::String(id)) =
                    run.read(ToolName::FindUserIdByNameZip, args, &Scope::Staff)?
                {
                    self.load_customer(run, &id)?;
                }
            }
        }

        if guard.verdict == Verdict::Flag {
            plan.outcome = Outcome::Escalate;
            self.order_facts(run, &text)?;
            plan.handoff = Some(handoff(
                run,
                plan.intent.as_deref(),
                format!("the input guard flagged this request: {}", guard.reasons.join("; ")),
                &[],
                "Read the message yourself, including quoted and hidden parts, before acting; no action was proposed.",
            ));
            return Ok(());
        }
        if intents.contains(&Intent::Human) {
            plan.outcome = Outcome::Escalate;
            self.order_facts(run, &text)?;
            plan.handoff = Some(handoff(
                run,
                Some("human"),
                "the customer asked for a person".into(),
                &[],
                "Contact the customer directly.",
            ));
            return Ok(());
        }
        if intents.is_empty() {
            plan.outcome = Outcome::Escalate;
            self.order_facts(run, &text)?;
            plan.handoff = Some(handoff(
                run,
                None,
                "the request did not match anything the rules planner handles with confidence"
                    .into(),
                &[],
                "Read the request and reply or act by hand.",
            ));
            return Ok(());
        }
        if intents == [Intent::PolicyQuestion] {
            let section = self.policy_answer(&text);
            self.finish(run, plan, vec![section]);
            return Ok(());
        }
        let Some(customer) = run.customer.clone() else {
            let mut s = draft::greeting(None);
            s.push_str("\n\nThank you for contacting us. To help with your order we first need to verify your account: please reply from the email address on your account, or tell us the full name and zip code on the account.");
            s.push_str(draft::sign_off());
            plan.reply = Some(s);
            plan.citations.push("kb-account".into());
            return Ok(());
        };

        let mut sections = Vec::new();
        for &intent in intents.iter().take(3) {
            let section = match intent {
                Intent::Status => self.status(run, &text)?,
                Intent::PolicyQuestion => self.policy_answer(&text),
                Intent::ChangeDefaultAddress => self.default_address(&customer, &text),
                _ => self.order_action(run, &customer, intent, &text)?,
            };
            sections.push(section);
        }
        self.finish(run, plan, sections);
        Ok(())
    }

    fn load_customer(&self, run: &mut Run<'_, V>, id: &str) -> Result<(), CapHit> {
        let user = run.read(
            ToolName::GetUserDetails,
            json!({"user_id": id}),
            &Scope::Customer(id.to_owned()),
        )?;
        if let Ok(user) =
            user.and_then(|v| serde_json::from_value::<User>(v).map_err(|e| e.to_string()))
        {
            run.facts.push(format!(
                "customer verified: {} ({} {})",
                user.user_id, user.name.first_name, user.name.last_name
            ));
            run.customer = Some(user);
        }
        Ok(())
    }

    /// Looks up the orders the customer named, for the handoff's verified facts.
    fn order_facts(&self, run: &mut Run<'_, V>, text: &str) -> Result<(), CapHit> {
        if run.customer.is_none() {
            return Ok(());
        }
        for id in intent::order_ids(text).iter().take(3) {
            match run.order(id)? {
                Ok(o) => run.facts.push(draft::order_line(&o)),
                Err(e) => run.facts.push(format!("order {id}: {e}")),
            }
        }
        Ok(())
    }

    fn finish(&self, run: &mut Run<'_, V>, plan: &mut Plan, sections: Vec<Section>) {
        if let Some(reason) = sections.iter().find_map(|s| s.escalate.clone()) {
            plan.outcome = Outcome::Escalate;
            let pending: Vec<String> = sections
                .iter()
                .filter_map(|s| s.proposal.as_ref())
                .map(|p| format!("{} {}", p.tool, p.args))
                .collect();
            plan.handoff = Some(handoff(
                run,
                plan.intent.as_deref(),
                reason,
                &pending,
                "Finish the request by hand; proposals above still need approval.",
            ));
        }
        let mut reply = draft::greeting(run.customer.as_ref());
        for s in &sections {
            if !s.text.is_empty() {
                reply.push_str("\n\n");
                reply.push_str(&s.text);
            }
            if let Some(c) = s.citation {
                if !plan.citations.iter().any(|x| x == c) {
                    plan.citations.push(c.to_owned());
                }
            }
        }
        reply.push_str(draft::sign_off());
        plan.proposals = sections.into_iter().filter_map(|s| s.proposal).collect();
        plan.reply = Some(reply);
    }

    fn policy_answer(&self, text: &str) -> Section {
        // The topic's own article when the question names one; full-text search otherwise.
        let topic = [
            ("cancel", "kb-cancellations"),
            ("exchang", "kb-exchanges"),
            ("return", "kb-returns"),
            ("refund", "kb-returns"),
            ("address", "kb-order-changes"),
            ("payment", "kb-order-changes"),
            ("track", "kb-shipping"),
            ("ship", "kb-shipping"),
        ]
        .iter()
        .find(|(word, _)| text.contains(word))
        .map(|(_, id)| (*id).to_owned());
        let ids = match topic {
            Some(id) => vec![id],
            None => self.kb.search(text, 1),
        };
        match ids.first().and_then(|id| kb::article(id)) {
            Some(a) => Section::say(format!("{} [{}]", a.body, a.title), Some(a.id)),
            None => Section {
                escalate: Some("no knowledge-base article answers the question".into()),
                ..Section::default()
            },
        }
    }

    fn status(&self, run: &mut Run<'_, V>, text: &str) -> Result<Section, CapHit> {
        let Some(customer) = run.customer.clone() else {
            return Ok(Section::default());
        };
        let named = intent::order_ids(text);
        let ids: Vec<String> = if named.is_empty() {
            customer.orders.iter().rev().take(5).cloned().collect()
        } else {
            named
        };
        let mut lines = Vec::new();
        for id in &ids {
            match run.order(id)? {
                Ok(o) => lines.push(format!(
                    "Order {} ({}) is {}.{}",
                    o.order_id,
                    draft::item_list(&o.items.iter().map(|i| i.name.clone()).collect::<Vec<_>>()),
                    o.status.as_str(),
                    draft::tracking(&o)
                )),
                Err(_) => lines.push(format!("I could not find order {id} on your account.")),
            }
        }
        Ok(Section::say(lines.join("\n"), Some("kb-shipping")))
    }

    fn default_address(&self, customer: &User, text: &str) -> Section {
        let Some(a) = intent::parse_address(text) else {
            return Section::say("Please send the new address in one line (street, apartment if any, city, state and zip code) and we will update your default address.", Some("kb-account"));
        };
        let args = json!({"user_id": customer.user_id, "address1": a.address1, "address2": a.address2, "city": a.city, "state": a.state, "country": "USA", "zip": a.zip});
        self.propose(customer, ToolName::ModifyUserAddress, args, "kb-account", |_| {
            "I have prepared the change of your default address. It applies to new orders; orders already placed keep their address.".into()
        })
    }

    /// Checks a proposal against policy before offering it; a refusal becomes an explanation.
    fn propose(
        &self,
        customer: &User,
        tool: ToolName,
        args: Value,
        citation: &'static str,
        describe: impl FnOnce(&countersign_shop::Preview) -> String,
    ) -> Section {
        let call: WriteCall = match countersign_shop::parse_write(tool, &args) {
            Ok(c) => c,
            Err(e) => {
                return Section {
                    escalate: Some(format!("could not build a valid {tool} call: {e}")),
                    ..Section::default()
                }
            }
        };
        let facts = match gather_facts(self.view, &customer.user_id, &call) {
            Ok(f) => f,
            Err(e) => {
                return Section {
                    escalate: Some(format!("could not read the shop: {e}")),
                    ..Section::default()
                }
            }
        };
        match evaluate(&facts, &call) {
            Ok(effect) => Section {
                text: format!(
                    "{} A colleague will confirm it shortly.",
                    describe(&effect.preview)
                ),
                proposal: Some(ProposedAction { tool, args }),
                citation: Some(citation),
                escalate: None,
            },
            Err(v) => Section::say(refusal_text(&v), Some(citation)),
        }
    }

    fn order_action(
        &self,
        run: &mut Run<'_, V>,
        customer: &User,
        intent: Intent,
        text: &str,
    ) -> Result<Section, CapHit> {
        let citation = match intent {
            Intent::Cancel => "kb-cancellations",
            Intent::Return => "kb-returns",
            Intent::Exchange => "kb-exchanges",
            _ => "kb-order-changes",
        };
        let wanted = |s: OrderStatus| match intent {
            Intent::Cancel | Intent::ModifyItems => s == OrderStatus::Pending,
            Intent::Return | Intent::Exchange => s == OrderStatus::Delivered,
            _ => s.is_pending_like(),
        };
        // Which order: the one named, or the only one it can be.
        let named = intent::order_ids(text);
        let order = if let Some(id) = named.first() {
            match run.order(id)? {
                Ok(o) => o,
                Err(e) if e.contains("another customer") => {
                    return Ok(Section::say(format!("I can only help with orders on your own account, and {id} is not one of them."), Some("kb-account")));
                }
                Err(_) => {
                    return Ok(Section::say(
                        format!("I could not find order {id}. Could you check the order number?"),
                        Some(citation),
                    ))
                }
            }
        } else {
            let mut candidates = Vec::new();
            for id in &customer.orders {
                if let Ok(o) = run.order(id)? {
                    if wanted(o.status)
                        && (!mentioned_items(text, &o).is_empty() || customer.orders.len() == 1)
                    {
                        candidates.push(o);
                    }
                }
            }
            if candidates.len() != 1 {
                return Ok(Section::say("Which order is this about? Please reply with the order number (it starts with #W).", Some(citation)));
            }
            candidates.remove(0)
        };
        run.facts.push(draft::order_line(&order));
        let pm_label = |id: &str| draft::method_label(customer.payment_methods.get(id), id);
        let original = order
            .payment_history
            .first()
            .map(|t| t.payment_method_id.clone())
            .unwrap_or_default();
        let chosen_method = |kind: Option<PaymentSource>| -> String {
            kind.and_then(|k| {
                customer
                    .payment_methods
                    .values()
                    .find(|m| m.source == k)
                    .map(|m| m.id.clone())
            })
            .unwrap_or_else(|| original.clone())
        };
        let id = order.order_id.clone();
        Ok(match intent {
            Intent::Cancel => {
                let Some(reason) = intent::cancel_reason(text) else {
                    return Ok(Section::say(format!("I can cancel order {id} while it is pending. Could you tell us why: is it no longer needed, or was it ordered by mistake?"), Some(citation)));
                };
                let pm = customer.payment_methods.get(&original);
                let label = pm_label(&original);
                let timing = draft::refund_timing(pm);
                self.propose(customer, ToolName::CancelPendingOrder, json!({"order_id": id, "reason": reason}), citation, |p| {
                    format!("I have prepared the cancellation of order {id} ({reason}). Once confirmed, {} will be refunded to your {label} {timing}.", draft::money(p.amount))
                })
            }
            Intent::Return => {
                let items = mentioned_items(text, &order);
                if items.is_empty() {
                    return Ok(Section::say(
                        format!(
                            "Which items from order {id} would you like to return? It contains {}.",
                            draft::item_list(
                                &order
                                    .items
                                    .iter()
                                    .map(|i| i.name.clone())
                                    .collect::<Vec<_>>()
                            )
                        ),
                        Some(citation),
                    ));
                }
                let pm = chosen_method(
                    intent::payment_kind(text).filter(|k| *k == PaymentSource::GiftCard),
                );
                let names: Vec<String> = items.iter().map(|i| i.name.clone()).collect();
                let ids: Vec<&str> = items.iter().map(|i| i.item_id.as_str()).collect();
                let label = pm_label(&pm);
                self.propose(customer, ToolName::ReturnDeliveredOrderItems, json!({"order_id": id, "item_ids": ids, "payment_method_id": pm}), citation, |p| {
                    format!("I have prepared the return of {} from order {id}. Once confirmed, you will receive an email with return instructions, and {} will be refunded to your {label}.", draft::item_list(&names), draft::money(p.amount))
                })
            }
            Intent::Exchange | Intent::ModifyItems => {
                let items = mentioned_items(text, &order);
                let items: Vec<&OrderItem> = if items.is_empty() && order.items.len() == 1 {
                    order.items.iter().collect()
                } else {
                    items
                };
                if items.is_empty() {
                    return Ok(Section::say(format!("Which item of order {id} would you like to change, and to which option?"), Some(citation)));
                }
                let mut old_ids = Vec::new();
                let mut new_ids = Vec::new();
                let mut lines = Vec::new();
                for item in &items {
                    let Some(product) = run.product(&item.product_id)? else {
                        continue;
                    };
                    match target_variant(text, &product, item) {
                        Target::Found(v) => {
                            old_ids.push(item.item_id.clone());
                            new_ids.push(v.item_id.clone());
                            lines.push(format!("{} ({} → {})", item.name, options_text(&item.options), options_text(&v.options)));
                        }
                        Target::Unavailable => return Ok(Section::say(format!("The {} option you asked for is out of stock at the moment, so we cannot change it right now.", item.name), Some(citation))),
                        Target::Unspecified => return Ok(Section::say(format!("Which option of the {} would you like instead (for example size or colour)?", item.name), Some(citation))),
                    }
                }
                if old_ids.is_empty() {
                    return Ok(Section {
                        escalate: Some("could not look up the products to exchange".into()),
                        ..Section::default()
                    });
                }
                let pm = chosen_method(intent::payment_kind(text));
                let tool = if intent == Intent::Exchange {
                    ToolName::ExchangeDeliveredOrderItems
                } else {
                    ToolName::ModifyPendingOrderItems
                };
                let label = pm_label(&pm);
                let verb = if intent == Intent::Exchange {
                    "exchange"
                } else {
                    "change"
                };
                self.propose(customer, tool, json!({"order_id": id, "item_ids": old_ids, "new_item_ids": new_ids, "payment_method_id": pm}), citation, |_| {
                    format!("I have prepared the {verb} for order {id}: {}. Any price difference is settled on your {label}. This can be done only once per order, so please tell us now if anything else should change.", lines.join("; "))
                })
            }
            Intent::ChangeOrderAddress => {
                let Some(a) = intent::parse_address(text) else {
                    return Ok(Section::say(format!("Please send the new shipping address for order {id} in one line (street, apartment if any, city, state and zip code)."), Some(citation)));
                };
                let args = json!({"order_id": id, "address1": a.address1, "address2": a.address2, "city": a.city, "state": a.state, "country": "USA", "zip": a.zip});
                self.propose(
                    customer,
                    ToolName::ModifyPendingOrderAddress,
                    args,
                    citation,
                    |p| {
                        format!(
                            "I have prepared the change: {}.",
                            p.summary.trim_end_matches('.')
                        )
                    },
                )
            }
            Intent::ChangePayment => {
                let Some(kind) = intent::payment_kind(text) else {
                    return Ok(Section::say(
                        format!("Which payment method would you like to use for order {id}?"),
                        Some(citation),
                    ));
                };
                let Some(pm) = customer
                    .payment_methods
                    .values()
                    .find(|m| m.source == kind)
                    .map(|m| m.id.clone())
                else {
                    return Ok(Section::say(
                        "I could not find that kind of payment method on your account.",
                        Some(citation),
                    ));
                };
                let label = pm_label(&pm);
                self.propose(customer, ToolName::ModifyPendingOrderPayment, json!({"order_id": id, "payment_method_id": pm}), citation, |p| {
                    format!("I have prepared the switch of order {id} ({}) to your {label}; the original payment will be refunded.", draft::money(p.amount))
                })
            }
            _ => Section::default(),
        })
    }
}

fn refusal_text(v: &countersign_shop::PolicyViolation) -> String {
    use countersign_shop::ViolationCode::*;
    match v.code {
        WrongStatus => format!("I'm sorry, we cannot do that: {}.", v.message),
        NotOwner => "I can only help with orders and details on your own account.".into(),
        InsufficientGiftCardBalance => format!("That gift card cannot cover it: {}.", v.message),
        ItemUnavailable => "The option you asked for is out of stock at the moment.".into(),
        DifferentProduct => {
            "Items can only be exchanged for another option of the same product.".into()
        }
        _ => format!("We cannot do that under our policy: {}.", v.message),
    }
}

fn handoff(
    run: &Run<'_, impl ShopView>,
    goal: Option<&str>,
    reason: String,
    pending: &[String],
    next: &str,
) -> Handoff {
    let taken: Vec<String> = run
        .steps
        .iter()
        .filter_map(|s| {
            s.tool
                .map(|t| format!("looked up {t}{}", if s.ok { "" } else { " (not found)" }))
        })
        .collect();
    Handoff {
        reason,
        goal: goal.unwrap_or("unclear").to_owned(),
        verified_facts: if run.facts.is_empty() {
            vec!["customer not verified".into()]
        } else {
            run.facts.clone()
        },
        actions_taken: taken,
        actions_pending: pending.to_vec(),
        suggested_next_step: next.to_owned(),
    }
}

/// Items of the order the text names: "everything", or by product name or its last word.
fn mentioned_items<'o>(text: &str, order: &'o Order) -> Vec<&'o OrderItem> {
    if [
        "everything",
        "all items",
        "all the items",
        "whole order",
        "entire order",
        "all of it",
    ]
    .iter()
    .any(|p| text.contains(p))
    {
        return order.items.iter().collect();
    }
    order
        .items
        .iter()
        .filter(|i| {
            let name = i.name.to_lowercase();
            let last = name.split_whitespace().last().unwrap_or_default();
            let singular = last.strip_suffix('s').unwrap_or(last);
            text.contains(&name) || (singular.len() >= 4 && text.contains(singular))
        })
        .collect()
}

enum Target<'p> {
    Found(&'p Variant),
    Unavailable,
    Unspecified,
}

/// The variant the customer asked for: option values they named, the rest as they were.
fn target_variant<'p>(text: &str, product: &'p Product, old: &OrderItem) -> Target<'p> {
    let mut wanted = std::collections::BTreeMap::new();
    for v in product.variants.values() {
        for (dim, value) in &v.options {
            let value_l = value.to_lowercase();
            if old.options.get(dim) == Some(value) {
                continue;
            }
            let numeric = value_l.chars().next().is_some_and(|c| c.is_ascii_digit());
            let named = if numeric {
                text.contains(&format!("{dim} {value_l}"))
                    || text.contains(&format!("{value_l} {dim}"))
                    || text.contains(&format!("{dim}: {value_l}"))
            } else {
                intent::contains_word(text, &value_l)
            };
            if named {
                wanted.insert(dim.clone(), value.clone());
            }
        }
    }
    if wanted.is_empty() {
        return Target::Unspecified;
    }
    let matches = |v: &&Variant| {
        v.item_id != old.item_id && wanted.iter().all(|(d, val)| v.options.get(d) == Some(val))
    };
    let closeness = |v: &&Variant| {
        v.options
            .iter()
            .filter(|(d, val)| old.options.get(*d) == Some(*val))
            .count()
    };
    let best = product
        .variants
        .values()
        .filter(matches)
        .filter(|v| v.available)
        .max_by_key(closeness);
    match best {
        Some(v) => Target::Found(v),
        None if product.variants.values().any(|v| matches(&v)) => Target::Unavailable,
        None => Target::Unspecified,
    }
}

fn options_text(o: &countersign_shop::Options) -> String {
    o.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
