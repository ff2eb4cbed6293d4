//! Routing and the desk: which planner plans a request ([`countersign_pipeline::route`]), the
//! fallback when the model cannot be asked, and recording the result through the desk's
//! admit → plan → settle path, so a plan that takes seconds never holds the database.

use std::sync::Arc;
use std::time::Duration;

/// Five minutes: longer than any honest plan (a few model calls), shorter than the app's
/// planning lease, so a slow provider cannot keep a request from a person for long.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

use countersign_mcp::CheckedProposal;
use countersign_pipeline::kb::KnowledgeBase;
use countersign_pipeline::{
    route, rules_sure, screen, Caps, Handoff, ModelReadiness, MonotonicTicker, Outcome, Plan,
    PlannerKind, PlannerMode, PriceTable, Request, RulesPlanner, TraceStep, Verdict,
};
use countersign_shop::ShopView;
use countersign_store::{
    Claimed, Desk, DeskError, DeskReader, Ingested, ProviderSettings, Settlement,
};
use serde_json::json;

use crate::external_tools::ExternalTools;
use crate::llm_planner::LlmPlanner;
use crate::model::Model;

/// Whether, and how, a model can be asked.
#[derive(Clone)]
pub enum ModelAccess {
    /// No provider is configured.
    NoProvider,
    /// A provider is configured but cannot be used: the stable code (`missing_api_key`,
    /// `keychain_locked`, ...).
    Unusable(String),
    Ready(Arc<dyn Model>),
}

impl std::fmt::Debug for ModelAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelAccess::NoProvider => f.write_str("NoProvider"),
            ModelAccess::Unusable(c) => write!(f, "Unusable({c})"),
            ModelAccess::Ready(m) => write!(f, "Ready({}/{})", m.provider(), m.model()),
        }
    }
}

/// The planners of a workspace and how to choose between them.
#[derive(Debug, Clone)]
pub struct Agent {
    pub mode: PlannerMode,
    pub caps: Caps,
    pub prices: PriceTable,
    pub model: ModelAccess,
    pub token_budget: usize,
    pub max_output_tokens: u32,
    /// How long one request's LLM planning may take before it goes to a person.
    pub deadline: Duration,
    /// The team's connected MCP servers, offered to the LLM planner (the rules planner knows
    /// only the shop).
    pub external: Option<Arc<ExternalTools>>,
}

/// A plan, the planner that made it and why that one.
#[derive(Clone, Debug)]
pub struct Routed {
    pub plan: Plan,
    pub planner: PlannerKind,
    pub why: String,
    /// Checked writes to the team's systems, queued with the plan when it is settled.
    pub external: Vec<CheckedProposal>,
}

impl Routed {
    /// What the desk records of this plan ([`Desk::settle`]).
    pub fn settlement(&self) -> Settlement<'_> {
        Settlement {
            plan: &self.plan,
            planner: self.planner,
            route_reason: &self.why,
            external: &self.external,
        }
    }
}

impl Agent {
    /// The rules planner alone, as the offline workspace has always run.
    pub fn rules_only(caps: Caps) -> Agent {
        Agent {
            mode: PlannerMode::Rules,
            caps,
            prices: PriceTable::default(),
            model: ModelAccess::NoProvider,
            token_budget: 12_000,
            max_output_tokens: 1_024,
            deadline: DEFAULT_DEADLINE,
            external: None,
        }
    }

    /// The agent a workspace's settings describe, with the model as the host could reach it
    /// ([`crate::model_access`]).
    pub fn for_workspace(settings: &ProviderSettings, caps: Caps, model: ModelAccess) -> Agent {
        Agent {
            mode: settings.mode,
            caps,
            prices: settings.prices.clone(),
            model,
            token_budget: 12_000,
            max_output_tokens: 1_024,
            deadline: DEFAULT_DEADLINE,
            external: None,
        }
    }

    fn readiness(&self) -> ModelReadiness {
        match &self.model {
            ModelAccess::NoProvider => ModelReadiness::NoProvider,
            ModelAccess::Unusable(code) => ModelReadiness::Unusable { code: code.clone() },
            ModelAccess::Ready(m) => match m.ready() {
                Ok(()) => ModelReadiness::Ready,
                Err(code) => ModelReadiness::Unusable { code },
            },
        }
    }

    /// Whether no request can reach a model (so ingest may take the one-transaction path).
    pub fn never_asks_a_model(&self) -> bool {
        self.mode == PlannerMode::Rules || matches!(self.model, ModelAccess::NoProvider)
    }

    /// Plans a request: the rules planner first (it is fast and says whether it is sure), then
    /// the route, then the LLM if the route says so.
    pub async fn plan<V: ShopView, K: KnowledgeBase>(
        &self,
        view: &V,
        kb: &K,
        request: &Request,
    ) -> Routed {
        let ticker = MonotonicTicker::default();
        let screened = screen(request);
        let rules = RulesPlanner {
            view,
            kb,
            ticker: &ticker,
            caps: self.caps,
        }
        .plan(request, &screened);
        let sure = rules_sure(&rules, &screened);
        let r = route(self.mode, screened.report.verdict, sure, &self.readiness());
        let note = |why: &str| {
            TraceStep::note(
                "route",
                None,
                json!({"planner": r.planner, "why": why}),
                true,
            )
        };
        if r.planner == PlannerKind::Rules {
            let mut plan = rules;
            if screened.report.verdict != Verdict::Block {
                plan.steps.insert(1.min(plan.steps.len()), note(&r.why));
            }
            if r.escalate {
                fall_back(&mut plan, &r.why);
            }
            return Routed {
                plan,
                planner: PlannerKind::Rules,
                why: r.why,
                external: Vec::new(),
            };
        }
        let ModelAccess::Ready(model) = &self.model else {
            // The route sends nothing to the LLM without a model; were it to, the rules plan
            // goes to a person.
            let mut plan = rules;
            fall_back(&mut plan, &r.why);
            return Routed {
                plan,
                planner: PlannerKind::Rules,
                why: r.why,
                external: Vec::new(),
            };
        };
        let llm = LlmPlanner {
            prices: &self.prices,
            caps: self.caps,
            token_budget: self.token_budget,
            max_output_tokens: self.max_output_tokens,
            deadline: self.deadline,
            external: self.external.as_deref(),
        };
        let outcome = llm
            .plan(model.as_ref(), view, kb, &ticker, request, &screened)
            .await;
        let mut plan = outcome.plan;
        let mut why = r.why.clone();
        if self.prices.price(model.model()).is_none() {
            // Said, not hidden: an unpriced model's cost is unknown, so only the step cap and
            // the deadline limit it.
            why.push_str("; the model has no price in the settings, so the cost cap cannot apply");
        }
        plan.steps.insert(1.min(plan.steps.len()), note(&why));
        match outcome.failed {
            None => Routed {
                plan,
                planner: PlannerKind::Llm,
                why,
                external: outcome.external,
            },
            Some(f) => {
                // The model could not be asked: the rules planner's plan, to a person.
                let why = format!(
                    "{}; the model could not be asked ({}): the rules planner's draft goes to a person",
                    r.why,
                    f.error.code()
                );
                let mut fallback = rules;
                let mut steps = plan.steps;
                steps.extend(fallback.steps.into_iter().skip(1));
                fallback.steps = steps;
                fall_back(&mut fallback, &why);
                Routed {
                    plan: fallback,
                    planner: PlannerKind::Rules,
                    why,
                    external: Vec::new(),
                }
            }
        }
    }

    /// Plans and records one request on a desk this process owns (the CLI, the evals). Nothing
    /// executes: writes become pending proposals.
    pub async fn ingest(&self, desk: &mut Desk, request: &Request) -> Result<Ingested, DeskError> {
        // Blocked requests are never planned; the one-transaction path records them, and
        // every request of a workspace that never asks a model.
        // Only a request that may reach a model is screened here (ingest screens again); the
        // offline path stays one screen, one transaction.
        let verdict = if self.never_asks_a_model() {
            Verdict::Allow
        } else {
            screen(request).report.verdict
        };
        if self.never_asks_a_model() || verdict == Verdict::Block {
            // A blocked request records no route (it is never planned), so `Allow` above only
            // picks the reason shown for a planned one.
            let r = route(self.mode, verdict, true, &self.readiness());
            return desk.ingest_routed(request, &r.why);
        }
        let admitted = desk.admit_claimed(request)?;
        let routed = self.plan(&desk.shop(), &desk.knowledge(), request).await;
        desk.settle(admitted.conversation_id, &routed.settlement())
    }

    /// Plans every request waiting for a planner on a desk this process owns (the CLI after a
    /// mailbox poll); returns how many it settled. One another planner settled first (the
    /// app, on the same workspace) is not counted and not an error.
    pub async fn plan_waiting(&self, desk: &mut Desk, lease_ms: i64) -> Result<usize, DeskError> {
        let mut planned = 0;
        while let Some(claimed) = desk.claim_planning(lease_ms)? {
            let routed = self
                .plan(&desk.shop(), &desk.knowledge(), &claimed.request)
                .await;
            match desk.settle_claimed(&claimed, &routed.settlement()) {
                Ok(_) => planned += 1,
                Err(DeskError::AlreadySettled(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(planned)
    }

    /// Plans a conversation a worker claimed, reading through `reader` (the app plans off its
    /// window with a read-only connection and settles through its writer).
    pub async fn plan_claimed(&self, reader: &DeskReader, claimed: &Claimed) -> Routed {
        self.plan(&reader.shop(), &reader.knowledge(), &claimed.request)
            .await
    }
}

/// Hands a fallback plan to a person, keeping its draft and proposals for them to check.
fn fall_back(plan: &mut Plan, why: &str) {
    if plan.outcome == Outcome::Block {
        return;
    }
    plan.outcome = Outcome::Escalate;
    let pending: Vec<String> = plan
        .proposals
        .iter()
        .map(|p| p.effect.preview.summary.clone())
        .collect();
    let handoff = plan.handoff.get_or_insert_with(|| Handoff {
        goal: plan.intent.clone().unwrap_or_else(|| "the customer's request".into()),
        actions_pending: pending,
        suggested_next_step:
            "Check the rules planner's draft and proposals before sending: it was not sure of this request."
                .into(),
        ..Handoff::default()
    });
    handoff.reason = if handoff.reason.is_empty() {
        why.to_owned()
    } else {
        format!("{why}; {}", handoff.reason)
    };
}
