//! What the planner produces: an outcome, proposals, a draft or a handoff, and a trace.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use countersign_shop::{Effect, ToolName, WriteCall};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Outcome {
    /// A drafted reply, with or without proposals, for an agent to review.
    Reply,
    /// Handed to a person with a handoff packet.
    Escalate,
    /// Stopped by the guard; never planned.
    Block,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reply => "reply",
            Outcome::Escalate => "escalate",
            Outcome::Block => "block",
        }
    }
}

/// A write the planner proposes: the typed call, and what policy said it would do, judged on
/// the facts the planner read. Ingest plans inside its transaction, so those facts are still
/// the shop's when the proposal is stored; approval judges again (the world moves on).
#[derive(Clone, Debug, PartialEq)]
pub struct ProposedAction {
    pub call: WriteCall,
    pub effect: Effect,
}

impl ProposedAction {
    pub fn tool(&self) -> ToolName {
        self.call.tool()
    }
}

/// Everything a person needs to take over without re-reading the thread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Handoff {
    pub reason: String,
    pub goal: String,
    pub verified_facts: Vec<String>,
    pub actions_taken: Vec<String>,
    pub actions_pending: Vec<String>,
    pub suggested_next_step: String,
}

impl Handoff {
    /// One text block, for search and for must_include checks.
    pub fn to_text(&self) -> String {
        let mut s = format!("Reason: {}\nGoal: {}\n", self.reason, self.goal);
        for (title, items) in [
            ("Verified facts", &self.verified_facts),
            ("Actions taken", &self.actions_taken),
            ("Actions pending", &self.actions_pending),
        ] {
            s.push_str(title);
            s.push_str(":\n");
            for i in items {
                s.push_str("- ");
                s.push_str(i);
                s.push('\n');
            }
        }
        s.push_str(&format!(
            "Suggested next step: {}\n",
            self.suggested_next_step
        ));
        s
    }
}

/// Which planner decided a conversation (and took a step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PlannerKind {
    Rules,
    Llm,
}

impl PlannerKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PlannerKind::Rules => "rules",
            PlannerKind::Llm => "llm",
        }
    }

    /// The actor name its proposals and audit records carry.
    pub const fn actor(self) -> &'static str {
        match self {
            PlannerKind::Rules => "rules-planner",
            PlannerKind::Llm => "llm-planner",
        }
    }
}

/// The accounting of one model call: tokens as the provider counted them, how many HTTP
/// attempts it took and the provider's circuit breaker afterwards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelCall {
    pub provider: String,
    pub model: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub cache_read_tokens: u32,
    pub cache_write_tokens: u32,
    pub attempts: u32,
    /// `closed`, `open` or `half_open`.
    pub breaker: String,
    /// Why the model stopped (`end_turn`, `tool_use`, `max_tokens`, `refusal`, ...), or the
    /// error code when the call failed.
    pub stop: String,
}

/// One step of the pipeline, as traced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TraceStep {
    pub stage: String,
    pub tool: Option<ToolName>,
    pub args: Option<Value>,
    /// The tool's result, or a short note; ids and statuses, never message bodies.
    pub result: Option<Value>,
    pub ok: bool,
    pub latency_us: u64,
    pub tokens: u32,
    /// `None`: not applicable (the rules planner is not billed), which is not `$0.00`.
    pub cost_usd: Option<f64>,
    /// The planner that took the step; `None` for the guard and routing, before either.
    #[serde(default)]
    pub planner: Option<PlannerKind>,
    /// Set on a model call.
    #[serde(default)]
    pub model_call: Option<ModelCall>,
    /// Output-validation findings on a draft (`code: what`), shown on the review screen.
    #[serde(default)]
    pub findings: Vec<String>,
}

impl TraceStep {
    /// A step with no tool, tokens or cost: a note in the trace (routing, validation, a cap).
    pub fn note(stage: &str, planner: Option<PlannerKind>, result: Value, ok: bool) -> TraceStep {
        TraceStep {
            stage: stage.to_owned(),
            tool: None,
            args: None,
            result: Some(result),
            ok,
            latency_us: 0,
            tokens: 0,
            cost_usd: None,
            planner,
            model_call: None,
            findings: Vec::new(),
        }
    }
}

/// Per-conversation limits. Hitting one escalates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Caps {
    pub max_steps: usize,
    pub max_cost_usd: f64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            max_steps: 24,
            max_cost_usd: 0.50,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub outcome: Outcome,
    pub customer_id: Option<String>,
    pub intent: Option<String>,
    pub proposals: Vec<ProposedAction>,
    pub reply: Option<String>,
    pub handoff: Option<Handoff>,
    /// Knowledge-base articles the reply relies on.
    pub citations: Vec<String>,
    pub steps: Vec<TraceStep>,
}
