//! Criterion: the LLM planner's own overhead per model call — everything but the network wait.
//! A model that answers at once from prepared responses (one tool call, then a final draft)
//! drives the loop over a real demo workspace: prompt and request building, the token budget,
//! tool dispatch on SQLite with policy, the guard on the result, validation and the trace.
//! The reported time is per LLM step (the plan's time over its two model calls).
//!
//! `CARGO_TARGET_DIR=... cargo bench -p countersign-agent --bench llm_step`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_agent::{Agent, LlmPlanner, Model, ModelAccess, ModelFailure, ModelReply};
use countersign_core::ManualClock;
use countersign_llm::{
    BoxFuture, ChatRequest, ChatResponse, Message, StopReason, ToolArgs, ToolCall, Usage,
};
use countersign_pipeline::{
    screen, Caps, Channel, MonotonicTicker, PlannerMode, PriceTable, Request,
};
use countersign_shop::OrderStatus;
use countersign_store::{Desk, ShopSeed};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

/// Model calls per plan: the tool call, then the draft.
const STEPS: u32 = 2;

/// Answers at once: a tool call to the first turn, the draft once a tool result came back.
struct Instant2 {
    call: ChatResponse,
    draft: ChatResponse,
}

impl Model for Instant2 {
    fn provider(&self) -> &str {
        "openai"
    }
    fn model(&self) -> &str {
        "gpt-4o-mini"
    }
    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
    fn call<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ModelReply, ModelFailure>> {
        let answered = request
            .messages
            .iter()
            .any(|m| matches!(m, Message::ToolResults(_)));
        let response = if answered { &self.draft } else { &self.call };
        Box::pin(async move {
            Ok(ModelReply {
                response: response.clone(),
                attempts: 1,
                latency_us: 0,
                breaker: "closed".into(),
            })
        })
    }
}

fn usage() -> Usage {
    Usage {
        input: 2_400,
        output: 60,
        cache_read: 1_024,
        cache_write: 0,
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(
        dir.path(),
        &ShopSeed::Demo,
        Arc::new(ManualClock::new(1_800_000_000_000)),
    )
    .unwrap();
    let shop = desk.export_shop().unwrap();
    let (user, order) = shop
        .users
        .values()
        .find_map(|u| {
            u.orders
                .iter()
                .find(|o| shop.orders[*o].status == OrderStatus::Pending)
                .map(|o| (u.clone(), o.clone()))
        })
        .unwrap();
    let request = Request {
        channel: Some(Channel::Email),
        sender: Some(user.email.clone()),
        body: format!("Hi, where is my order {order}? It has been a while. Thanks!"),
        ..Request::default()
    };
    let model = Instant2 {
        call: ChatResponse {
            text: None,
            calls: vec![ToolCall {
                id: "call_1".into(),
                name: "get_order_details".into(),
                args: ToolArgs::Json(json!({"order_id": order})),
            }],
            stop: StopReason::ToolUse,
            usage: usage(),
            model: "gpt-4o-mini".into(),
        },
        draft: ChatResponse {
            text: Some(format!(
                "Your order {order} is pending: it has not shipped yet. We will write when it does."
            )),
            calls: Vec::new(),
            stop: StopReason::EndTurn,
            usage: usage(),
            model: "gpt-4o-mini".into(),
        },
    };
    let prices = PriceTable::starter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let view = desk.shop();
    let kb = desk.knowledge();

    // The loop alone, as the agent runs it once routing chose the LLM.
    let planner = LlmPlanner {
        prices: &prices,
        ..LlmPlanner::default()
    };
    let ticker = MonotonicTicker::default();
    let check = rt.block_on(planner.plan(&model, &view, &kb, &ticker, &request, &screen(&request)));
    assert!(
        check.failed.is_none() && check.plan.handoff.is_none(),
        "{:#?}",
        check.plan
    );
    assert_eq!(
        check
            .plan
            .steps
            .iter()
            .filter(|s| s.model_call.is_some())
            .count(),
        STEPS as usize
    );
    c.bench_function("llm_step (loop, per model call)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let screened = screen(&request);
                let out =
                    rt.block_on(planner.plan(&model, &view, &kb, &ticker, &request, &screened));
                black_box(out);
            }
            start.elapsed() / STEPS
        })
    });

    // The whole of Agent::plan: the rules planner first, routing, then the loop.
    let agent = Agent {
        mode: PlannerMode::Llm,
        caps: Caps::default(),
        prices: prices.clone(),
        model: ModelAccess::Ready(Arc::new(model)),
        token_budget: 12_000,
        max_output_tokens: 1_024,
        deadline: countersign_agent::DEFAULT_DEADLINE,
        external: None,
    };
    c.bench_function("llm_step (Agent::plan with routing, per model call)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(rt.block_on(agent.plan(&view, &kb, &request)));
            }
            start.elapsed() / STEPS
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
