//! The LLM planner's loop. The model reads through the scoped read tools and proposes through
//! schema and policy; it never acts. Each turn: call the model (traced with its tokens, cost,
//! latency, attempts and breaker), run its tool calls (`shop_step.rs` through the
//! [`crate::toolbox`], `external_step.rs` through [`crate::external_tools`]), hand the
//! results back; when it answers in text, validate the draft (one repair), and stop.
//!
//! It hands the conversation to a person, with a handoff packet, when: the model declines or
//! runs out of output tokens; it makes a second invalid tool call; it tries to act on another
//! customer's records; a tool result carried instruction-like text; the guard flagged the
//! request; the draft fails validation twice; a cap is reached; or the model cannot be reached.

use countersign_llm::{ChatRequest, Message, StopReason};
use countersign_mcp::CheckedProposal;
use countersign_pipeline::kb::KnowledgeBase;
use countersign_pipeline::{
    identify, intent, Caps, Handoff, ModelCall, Outcome, Plan, PlannerKind, PriceTable, Request,
    Screened, Ticker, TraceStep, Verdict,
};
use countersign_shop::{ShopView, ToolName, User};
use serde_json::{json, Value};

use crate::budget;
use crate::external_tools::ExternalTools;
use crate::fence::fence;
use crate::model::{Model, ModelFailure, ModelReply};
use crate::prompt;
use crate::toolbox;
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
    /// The team's MCP servers' catalogued tools, if any are connected.
    pub external: Option<&'a ExternalTools>,
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
            external: None,
        }
    }
}

/// The plan, and the model error that cut it short, if one did (the router falls back).
#[derive(Clone, Debug)]
pub struct LlmOutcome {
    pub plan: Plan,
    pub failed: Option<ModelFailure>,
    /// Writes to the team's systems, checked, for the desk to queue beside the plan's.
    pub external: Vec<CheckedProposal>,
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
    external: Option<&'a ExternalTools>,
    external_proposals: Vec<external_step::Prepared>,
    /// What this request's idempotency keys start with: the same request planned again gets
    /// the same keys, so a server that honours them sees one write however often it is asked.
    key_seed: String,
}

mod external_step;
mod shop_step;

impl<V: ShopView> Loop<'_, V> {
    /// Drops every proposal, the shop's and the team systems': after a stop for safety or a
    /// cap, none of them waits for approval.
    fn clear_proposals(&mut self) {
        self.plan.proposals.clear();
        self.external_proposals.clear();
    }

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
                .chain(
                    self.external_proposals
                        .iter()
                        .map(|p| format!("{} on {}", p.checked.tool, p.checked.server)),
                )
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
impl<V: ShopView> Loop<'_, V> {
    /// A call the model got wrong (an unknown tool, arguments that do not parse), for the shop's
    /// tools and the team's alike: its step, and from the second one a stop — a clumsy model is
    /// handed to a person rather than argued with.
    fn invalid_call(
        &mut self,
        call: &countersign_llm::ToolCall,
        tool: Option<ToolName>,
        reason: &str,
        latency_us: u64,
    ) -> (TraceStep, Option<Stop>) {
        self.invalid_calls += 1;
        let stop_after = (self.invalid_calls >= 2).then(|| {
            stop(
                format!("the model made repeated invalid tool calls (last: {reason})"),
                "Handle the request by hand.",
            )
        });
        let step = tool_step(
            "invalid_call",
            tool,
            None,
            Some(json!({"name": truncate(&call.name, 64), "error": truncate(reason, 300)})),
            false,
            latency_us,
        );
        (step, stop_after)
    }
}

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
            return LlmOutcome {
                plan,
                failed: None,
                external: Vec::new(),
            };
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
            external: self.external,
            external_proposals: Vec::new(),
            key_seed: external_step::key_seed(request),
        };
        let system = prompt::system(lp.customer.as_ref(), &passages);
        let conversation = budget::conversation(request, self.token_budget / 2);
        let mut req = ChatRequest {
            system,
            messages: vec![Message::User(prompt::request_turn(&conversation))],
            tools: toolbox::specs(lp.writes_allowed)
                .into_iter()
                .chain(
                    self.external
                        .map_or_else(Vec::new, |e| e.specs(lp.writes_allowed)),
                )
                .collect(),
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
            external: lp
                .external_proposals
                .into_iter()
                .map(|p| p.checked)
                .collect(),
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
                lp.clear_proposals();
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
                lp.clear_proposals();
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
                let result = match lp.external.filter(|e| e.owns(&call.name)) {
                    Some(external) => lp.external_tool(external, call).await?,
                    None => lp.tool(call)?,
                };
                results.push(result);
                if let Some(s) = lp.over_cap() {
                    lp.clear_proposals();
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
