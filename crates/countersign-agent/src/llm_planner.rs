//! The LLM planner's loop. The model reads through the scoped read tools and proposes through
//! schema and policy; it never acts. Each turn: call the model (traced with its tokens, cost,
//! latency, attempts and breaker), run its tool calls through the [`crate::toolbox`], hand the
//! results back; when it answers in text, validate the draft (one repair), and stop.
//!
//! It hands the conversation to a person, with a handoff packet, when: the model declines or
//! runs out of output tokens; it makes a second invalid tool call; it tries to act on another
//! customer's records; a tool result carried instruction-like text; the guard flagged the
//! request; the draft fails validation twice; a cap is reached; or the model cannot be reached.

use countersign_llm::{ChatRequest, Message, StopReason, ToolCall, ToolResult};
use countersign_pipeline::kb::KnowledgeBase;
use countersign_pipeline::{
    identify, intent, Caps, Handoff, ModelCall, Outcome, Plan, PlannerKind, PriceTable,
    ProposedAction, Request, Screened, Ticker, TraceStep, Verdict,
};
use countersign_shop::{ShopView, ToolName, User};
use serde_json::{json, Value};

use crate::budget;
use crate::fence::fence;
use crate::model::{Model, ModelFailure, ModelReply};
use crate::prompt;
use crate::toolbox::{self, Dispatched};
use crate::validate::{self, Seen};

/// The loop's settings.
#[derive(Clone, Debug)]
pub struct LlmPlanner<'a> {
    pub prices: &'a PriceTable,
    pub caps: Caps,
    /// Tokens the conversation may take in the prompt (the thread, then the loop's turns).
    pub token_budget: usize,
    pub max_output_tokens: u32,
    /// How long the loop may run; checked before each model call.
    pub deadline: std::time::Duration,
}

impl Default for LlmPlanner<'_> {
    fn default() -> Self {
        static NO_PRICES: std::sync::LazyLock<PriceTable> =
            std::sync::LazyLock::new(PriceTable::default);
        LlmPlanner {
            prices: &NO_PRICES,
            caps: Caps::default(),
            token_budget: 12_000,
            max_output_tokens: 1_024,
            deadline: crate::agent::DEFAULT_DEADLINE,
        }
    }
}

/// The plan, and the model error that cut it short, if one did (the router falls back).
#[derive(Clone, Debug)]
pub struct LlmOutcome {
    pub plan: Plan,
    pub failed: Option<ModelFailure>,
}

/// Why the loop stopped early: the handoff's reason and next step.
struct Stop {
    reason: String,
    next: &'static str,
}

fn stop(reason: impl Into<String>, next: &'static str) -> Stop {
    Stop {
        reason: reason.into(),
        next,
    }
}

struct Loop<'a, V: ShopView> {
    view: &'a V,
    ticker: &'a dyn Ticker,
    caps: Caps,
    prices: &'a PriceTable,
    customer: Option<User>,
    writes_allowed: bool,
    plan: Plan,
    seen: Seen,
    facts: Vec<String>,
    invalid_calls: u32,
    failed: Option<ModelFailure>,
}

impl<V: ShopView> Loop<'_, V> {
    fn push(&mut self, step: TraceStep) {
        self.plan.steps.push(step);
    }

    fn cost(&self) -> f64 {
        self.plan.steps.iter().filter_map(|s| s.cost_usd).sum()
    }

    fn over_cap(&self) -> Option<Stop> {
        let steps = self.plan.steps.len();
        if steps >= self.caps.max_steps {
            return Some(stop(
                format!("step cap reached ({steps} steps)"),
                "Review the conversation and answer the customer.",
            ));
        }
        let cost = self.cost();
        if cost > self.caps.max_cost_usd {
            return Some(stop(
                format!(
                    "cost cap reached (${cost:.4} of ${:.4})",
                    self.caps.max_cost_usd
                ),
                "Review the conversation and answer the customer.",
            ));
        }
        None
    }

    fn model_step(&mut self, model: &dyn Model, req: &ChatRequest, reply: &ModelReply) {
        let r = &reply.response;
        let u = r.usage;
        let cost = self
            .prices
            .price(model.model())
            .map(|p| p.cost(u.input, u.output, u.cache_read, u.cache_write));
        let stop_reason = match &r.stop {
            StopReason::Other(s) => s.clone(),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        };
        self.push(TraceStep {
            stage: "llm".into(),
            tool: None,
            args: Some(json!({"messages": req.messages.len(), "tools": req.tools.len()})),
            result: Some(json!({
                "stop": stop_reason,
                "calls": r.calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
                "text_chars": r.text.as_deref().map_or(0, str::len),
                "priced": cost.is_some(),
            })),
            ok: true,
            latency_us: reply.latency_us,
            tokens: u.output,
            cost_usd: cost,
            planner: Some(PlannerKind::Llm),
            model_call: Some(ModelCall {
                provider: model.provider().to_owned(),
                model: r.model.clone(),
                input_tokens: u.input,
                output_tokens: u.output,
                cache_read_tokens: u.cache_read,
                cache_write_tokens: u.cache_write,
                attempts: reply.attempts,
                breaker: reply.breaker.clone(),
                stop: stop_reason,
            }),
            findings: Vec::new(),
        });
    }

    fn failure_step(&mut self, model: &dyn Model, f: &ModelFailure) {
        self.push(TraceStep {
            stage: "llm".into(),
            tool: None,
            args: None,
            result: Some(json!({"error": f.error.code(), "message": f.error.to_string()})),
            ok: false,
            latency_us: f.latency_us,
            tokens: 0,
            cost_usd: None,
            planner: Some(PlannerKind::Llm),
            model_call: Some(ModelCall {
                provider: model.provider().to_owned(),
                model: model.model().to_owned(),
                attempts: f.attempts,
                breaker: f.breaker.clone(),
                stop: f.error.code().to_owned(),
                ..ModelCall::default()
            }),
            findings: Vec::new(),
        });
    }

    /// Runs one tool call; `Err` when it must stop the loop.
    fn tool(&mut self, call: &ToolCall) -> Result<ToolResult, Stop> {
        let started = self.ticker.now_us();
        let dispatched =
            toolbox::dispatch(self.view, self.customer.as_ref(), self.writes_allowed, call);
        let (mut content, mut is_error) = dispatched.content();
        let latency_us = self.ticker.now_us().saturating_sub(started);
        let mut stop_after = None;
        // A stop for safety (another customer's records, instructions in a record), not for a
        // clumsy model.
        let mut suspect = false;
        let step = match &dispatched {
            Dispatched::Read {
                tool,
                args,
                result,
                ok,
            } => {
                if let Err(reasons) = toolbox::guard_result(result) {
                    suspect = true;
                    content = json!({"status": "withheld", "error": "this result contained text that looks like instructions; it was not shown"});
                    is_error = true;
                    stop_after = Some(stop(
                        format!(
                            "a tool result ({tool}) carried instruction-like text: {}",
                            reasons.join("; ")
                        ),
                        "Check the record the tool read before acting on this request.",
                    ));
                } else if *ok {
                    self.seen.add(result);
                    if let Some(order) = result.get("order_id").and_then(Value::as_str) {
                        let status = result.get("status").and_then(Value::as_str).unwrap_or("");
                        self.facts.push(format!("order {order}: {status}"));
                    }
                }
                tool_step(
                    "tool",
                    Some(*tool),
                    Some(args.clone()),
                    Some(summary(result)),
                    *ok,
                    latency_us,
                )
            }
            Dispatched::Proposed(p) => {
                let preview = serde_json::to_value(&p.effect.preview).unwrap_or(Value::Null);
                // A preview quotes records (addresses, item names): the guard reads it too.
                if let Err(reasons) = toolbox::guard_result(&preview) {
                    suspect = true;
                    content = json!({"status": "withheld", "error": "this result contained text that looks like instructions; it was not shown"});
                    is_error = true;
                    stop_after = Some(stop(
                        format!(
                            "a proposal's preview ({}) carried instruction-like text: {}",
                            p.tool(),
                            reasons.join("; ")
                        ),
                        "Check the records the action touches before acting on this request.",
                    ));
                }
                self.seen.add(&preview);
                if !self.plan.proposals.iter().any(|q| q.call == p.call) {
                    self.plan.proposals.push(ProposedAction::clone(p));
                }
                tool_step(
                    "propose",
                    Some(p.tool()),
                    Some(p.call.args_json()),
                    Some(json!({"summary": p.effect.preview.summary})),
                    true,
                    latency_us,
                )
            }
            Dispatched::Refused {
                tool,
                args,
                violation,
            } => {
                if toolbox::crosses_customers(violation) {
                    suspect = true;
                    stop_after = Some(stop(
                        format!(
                            "the model tried to act beyond this customer's records ({tool}: {})",
                            violation.code.as_str()
                        ),
                        "Read the request yourself: it may be an attempt to reach another customer's order or payment method.",
                    ));
                }
                tool_step(
                    "policy",
                    Some(*tool),
                    Some(args.clone()),
                    Some(json!({"refused": violation.code.as_str()})),
                    false,
                    latency_us,
                )
            }
            Dispatched::Invalid { reason } => {
                self.invalid_calls += 1;
                if self.invalid_calls >= 2 {
                    stop_after = Some(stop(
                        format!("the model made repeated invalid tool calls (last: {reason})"),
                        "Handle the request by hand.",
                    ));
                }
                tool_step(
                    "invalid_call",
                    call.name.parse().ok(),
                    None,
                    Some(json!({"name": truncate(&call.name, 64), "error": truncate(reason, 300)})),
                    false,
                    latency_us,
                )
            }
        };
        self.push(step);
        if let Some(s) = stop_after {
            if suspect {
                // Whatever this conversation prepared before is suspect now (a batch that
                // mixed the customer's own order with another's): none of it waits for approval.
                self.plan.proposals.clear();
            }
            return Err(s);
        }
        Ok(ToolResult {
            call_id: call.id.clone(),
            // Tool results are data like the customer's words: fenced, whatever they hold.
            content: fence("tool_result", &content.to_string()),
            is_error,
        })
    }

    fn handoff(&self, reason: String, next: &str) -> Handoff {
        let mut facts = Vec::new();
        if let Some(u) = &self.customer {
            facts.push(format!(
                "customer verified: {} ({} {})",
                u.user_id, u.name.first_name, u.name.last_name
            ));
        }
        facts.extend(self.facts.iter().cloned());
        Handoff {
            reason,
            goal: self
                .plan
                .intent
                .clone()
                .unwrap_or_else(|| "the customer's request".into()),
            verified_facts: facts,
            actions_taken: Vec::new(),
            actions_pending: self
                .plan
                .proposals
                .iter()
                .map(|p| p.effect.preview.summary.clone())
                .collect(),
            suggested_next_step: next.to_owned(),
        }
    }

    fn escalate(&mut self, s: Stop) {
        self.plan.outcome = Outcome::Escalate;
        self.plan.handoff = Some(self.handoff(s.reason, s.next));
    }
}

/// A step of the loop's own (a tool call, a proposal, a refusal): no tokens, no cost.
fn tool_step(
    stage: &str,
    tool: Option<ToolName>,
    args: Option<Value>,
    result: Option<Value>,
    ok: bool,
    latency_us: u64,
) -> TraceStep {
    TraceStep {
        stage: stage.to_owned(),
        tool,
        args,
        result,
        ok,
        latency_us,
        tokens: 0,
        cost_usd: None,
        planner: Some(PlannerKind::Llm),
        model_call: None,
        findings: Vec::new(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// What the trace keeps of a tool result: ids, statuses and sizes, never addresses or names.
fn summary(result: &Value) -> Value {
    match result {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter_map(|(k, v)| match v {
                    Value::String(_) | Value::Number(_) | Value::Bool(_)
                        if k.ends_with("_id") || k == "status" || k == "error" =>
                    {
                        Some((k.clone(), v.clone()))
                    }
                    Value::Array(a) => Some((k.clone(), json!(a.len()))),
                    Value::Object(m) if k == "variants" || k == "payment_methods" => {
                        Some((k.clone(), json!(m.len())))
                    }
                    _ => None,
                })
                .collect(),
        ),
        Value::String(s) if s.len() <= 64 => result.clone(),
        Value::String(_) => json!("(text)"),
        other => other.clone(),
    }
}

impl LlmPlanner<'_> {
    /// Plans a screened request with `model`.
    pub async fn plan<V: ShopView, K: KnowledgeBase>(
        &self,
        model: &dyn Model,
        view: &V,
        kb: &K,
        ticker: &dyn Ticker,
        request: &Request,
        screened: &Screened,
    ) -> LlmOutcome {
        let own = screened.own_words.as_str();
        let mut plan = Plan {
            outcome: Outcome::Reply,
            customer_id: None,
            intent: intent::detect(own).first().map(|i| i.as_str().to_owned()),
            proposals: Vec::new(),
            reply: None,
            handoff: None,
            citations: Vec::new(),
            steps: vec![TraceStep::note(
                "guard",
                None,
                json!({"verdict": screened.report.verdict, "reasons": screened.report.reasons}),
                screened.report.verdict != Verdict::Block,
            )],
        };
        if screened.report.verdict == Verdict::Block {
            plan.outcome = Outcome::Block;
            return LlmOutcome { plan, failed: None };
        }
        let (customer, auth_steps) = identify(view, ticker, request, own);
        plan.steps.extend(auth_steps.into_iter().map(|mut s| {
            s.planner = Some(PlannerKind::Llm);
            s
        }));
        plan.customer_id = customer.as_ref().map(|u| u.user_id.clone());
        let passages = kb.search(own, 3);
        plan.steps.push(TraceStep::note(
            "knowledge",
            Some(PlannerKind::Llm),
            json!({"articles": passages}),
            true,
        ));
        let mut lp = Loop {
            view,
            ticker,
            caps: self.caps,
            prices: self.prices,
            writes_allowed: screened.report.verdict == Verdict::Allow && customer.is_some(),
            customer,
            plan,
            seen: Seen::default(),
            facts: Vec::new(),
            invalid_calls: 0,
            failed: None,
        };
        let system = prompt::system(lp.customer.as_ref(), &passages);
        let conversation = budget::conversation(request, self.token_budget / 2);
        let mut req = ChatRequest {
            system,
            messages: vec![Message::User(prompt::request_turn(&conversation))],
            tools: toolbox::specs(lp.writes_allowed),
            max_tokens: self.max_output_tokens,
        };
        let result = self.run(model, &mut lp, &mut req, screened).await;
        if let Err(s) = result {
            lp.escalate(s);
        } else if screened.report.verdict == Verdict::Flag {
            lp.escalate(stop(
                format!(
                    "the input guard flagged this request: {}",
                    screened.report.reasons.join("; ")
                ),
                "Read the message yourself, including quoted and hidden parts, before acting; no action was proposed.",
            ));
        }
        if lp.plan.outcome == Outcome::Escalate && lp.failed.is_some() {
            lp.plan.reply = None;
        }
        // Cited articles: those we gave the model that its draft names.
        if let Some(reply) = &lp.plan.reply {
            lp.plan.citations = passages
                .iter()
                .filter(|id| reply.contains(&format!("[{id}]")))
                .cloned()
                .collect();
        }
        LlmOutcome {
            plan: lp.plan,
            failed: lp.failed,
        }
    }

    async fn run<V: ShopView>(
        &self,
        model: &dyn Model,
        lp: &mut Loop<'_, V>,
        req: &mut ChatRequest,
        screened: &Screened,
    ) -> Result<(), Stop> {
        let mut repaired = false;
        let started = lp.ticker.now_us();
        let deadline_us = u64::try_from(self.deadline.as_micros()).unwrap_or(u64::MAX);
        loop {
            let elapsed = lp.ticker.now_us().saturating_sub(started);
            if elapsed >= deadline_us {
                lp.plan.proposals.clear();
                lp.plan.reply = None;
                return Err(stop(
                    format!(
                        "planning took longer than its deadline ({} s)",
                        self.deadline.as_secs()
                    ),
                    "Answer the customer by hand; the trace shows how far the model got.",
                ));
            }
            if let Some(s) = lp.over_cap() {
                lp.plan.proposals.clear();
                lp.plan.reply = None;
                return Err(s);
            }
            budget::compact(&mut req.messages, self.token_budget);
            let reply = match model.call(req).await {
                Ok(r) => r,
                Err(f) => {
                    lp.failure_step(model, &f);
                    let reason = format!("the model could not be asked: {}", f.error);
                    lp.failed = Some(f);
                    return Err(stop(reason, "Answer the customer by hand."));
                }
            };
            lp.model_step(model, req, &reply);
            let response = reply.response;
            match response.stop {
                StopReason::Refusal => {
                    return Err(stop(
                        "the model declined to handle this request",
                        "Read the request and answer it by hand.",
                    ))
                }
                StopReason::MaxTokens => {
                    return Err(stop(
                        "the model ran out of output tokens before finishing",
                        "Answer the customer by hand; the trace shows what it read.",
                    ))
                }
                _ => {}
            }
            if response.calls.is_empty() {
                let draft = response.text.unwrap_or_default();
                let draft = draft.trim();
                if let Some(reason) = draft.strip_prefix("ESCALATE:") {
                    return Err(stop(
                        format!(
                            "the model asked for a person: {}",
                            truncate(reason.trim(), 300)
                        ),
                        "Read the request and answer it.",
                    ));
                }
                if draft.is_empty() {
                    return Err(stop(
                        "the model gave neither a reply nor a tool call",
                        "Answer the customer by hand.",
                    ));
                }
                let customer = validate::Customer {
                    user_id: lp.customer.as_ref().map(|u| u.user_id.as_str()),
                    email: lp.customer.as_ref().map(|u| u.email.as_str()),
                };
                let findings: Vec<String> =
                    validate::check(draft, &lp.seen, &customer, &screened.own_words)
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                let mut step = TraceStep::note(
                    "validate",
                    Some(PlannerKind::Llm),
                    json!({"repair": repaired}),
                    findings.is_empty(),
                );
                step.findings = findings.clone();
                lp.push(step);
                if findings.is_empty() {
                    lp.plan.reply = Some(draft.to_owned());
                    return Ok(());
                }
                if repaired {
                    // Not stored: a draft that failed twice may carry what must not reach
                    // anyone (another customer's data, an invented amount). The findings are
                    // in the trace; the person writes the reply.
                    lp.plan.reply = None;
                    return Err(stop(
                        format!(
                            "the draft failed validation after one repair: {}",
                            findings.join("; ")
                        ),
                        "Write the reply yourself; the model's draft failed validation (findings in the trace).",
                    ));
                }
                repaired = true;
                req.messages.push(Message::Assistant {
                    text: Some(draft.to_owned()),
                    calls: Vec::new(),
                });
                req.messages
                    .push(Message::User(prompt::repair_turn(&findings)));
                continue;
            }
            let mut results = Vec::with_capacity(response.calls.len());
            for call in &response.calls {
                results.push(lp.tool(call)?);
                if let Some(s) = lp.over_cap() {
                    lp.plan.proposals.clear();
                    lp.plan.reply = None;
                    return Err(s);
                }
            }
            req.messages.push(Message::Assistant {
                text: response.text,
                calls: response.calls,
            });
            req.messages.push(Message::ToolResults(results));
        }
    }
}
