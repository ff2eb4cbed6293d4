//! Which planner plans a request: a pure decision over the planner mode, the guard's verdict,
//! whether the rules planner is sure, and whether a model can be asked. Precedence, first match
//! wins:
//!
//! 1. a request the guard blocked is never planned (the rules planner records the block);
//! 2. `rules` forces the rules planner;
//! 3. no provider configured: the rules planner (an offline workspace) — handed to a person
//!    when the mode is `llm`, which asked for a model there is none of;
//! 4. `auto` and the rules planner recognised exactly one intent with every slot filled: rules;
//! 5. a model can be asked: the LLM;
//! 6. otherwise (no key, keychain locked, breaker open): the rules planner's plan, handed to a
//!    person with the reason — the fallback never acts alone on a request it was not sure of.

use serde::{Deserialize, Serialize};

use crate::guard::Verdict;
use crate::plan::PlannerKind;

/// The workspace's planner mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PlannerMode {
    /// The rules planner when it is sure, the LLM otherwise.
    #[default]
    Auto,
    Rules,
    Llm,
}

impl PlannerMode {
    pub const ALL: [PlannerMode; 3] = [PlannerMode::Auto, PlannerMode::Rules, PlannerMode::Llm];

    pub const fn as_str(self) -> &'static str {
        match self {
            PlannerMode::Auto => "auto",
            PlannerMode::Rules => "rules",
            PlannerMode::Llm => "llm",
        }
    }
}

impl std::str::FromStr for PlannerMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PlannerMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown planner mode `{s}` (auto, rules or llm)"))
    }
}

/// Whether a model can be asked right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelReadiness {
    Ready,
    /// No provider is configured: the workspace is offline by choice.
    NoProvider,
    /// A provider is configured but cannot be used; the stable code says why
    /// (`missing_api_key`, `keychain_locked`, `provider_breaker_open`, ...).
    Unusable {
        code: String,
    },
}

/// The routing decision: which planner, and why (shown in the trace and on the review screen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub planner: PlannerKind,
    /// The rules planner's plan is a fallback and goes to a person.
    pub escalate: bool,
    pub why: String,
}

fn to(planner: PlannerKind, why: impl Into<String>) -> Route {
    Route {
        planner,
        escalate: false,
        why: why.into(),
    }
}

pub fn route(
    mode: PlannerMode,
    verdict: Verdict,
    rules_sure: bool,
    model: &ModelReadiness,
) -> Route {
    use PlannerKind::{Llm, Rules};
    if verdict == Verdict::Block {
        return to(Rules, "blocked by the input guard: not planned");
    }
    if mode == PlannerMode::Rules {
        return to(Rules, "planner mode is rules");
    }
    if *model == ModelReadiness::NoProvider {
        if mode == PlannerMode::Llm {
            return Route {
                planner: Rules,
                escalate: true,
                why: "planner mode is llm, but no LLM provider is configured: the rules planner's draft goes to a person".into(),
            };
        }
        return to(Rules, "no LLM provider is configured");
    }
    if mode == PlannerMode::Auto && rules_sure {
        return to(
            Rules,
            "the rules planner recognised one intent with every detail given",
        );
    }
    let why_llm = match mode {
        PlannerMode::Llm => "planner mode is llm",
        _ => {
            "the rules planner was not sure (several intents, a missing detail or none recognised)"
        }
    };
    match model {
        ModelReadiness::Ready => to(Llm, why_llm),
        ModelReadiness::Unusable { code } => Route {
            planner: Rules,
            escalate: true,
            why: format!("{why_llm}, but the model cannot be asked ({code}): the rules planner's draft goes to a person"),
        },
        ModelReadiness::NoProvider => to(Rules, "no LLM provider is configured"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ModelReadiness::*;
    use PlannerKind::*;
    use PlannerMode::{Auto, Llm as ModeLlm, Rules as ModeRules};

    #[test]
    fn routing_table() {
        let locked = Unusable {
            code: "keychain_locked".into(),
        };
        // (mode, verdict, rules sure, model) → (planner, escalate)
        let table: &[(
            PlannerMode,
            Verdict,
            bool,
            &ModelReadiness,
            PlannerKind,
            bool,
        )] = &[
            (Auto, Verdict::Block, false, &Ready, Rules, false),
            (ModeLlm, Verdict::Block, false, &Ready, Rules, false),
            (ModeRules, Verdict::Allow, false, &Ready, Rules, false),
            (Auto, Verdict::Allow, false, &NoProvider, Rules, false),
            (ModeLlm, Verdict::Allow, false, &NoProvider, Rules, true),
            (Auto, Verdict::Allow, true, &Ready, Rules, false),
            (Auto, Verdict::Allow, false, &Ready, Llm, false),
            (Auto, Verdict::Flag, false, &Ready, Llm, false),
            (ModeLlm, Verdict::Allow, true, &Ready, Llm, false),
            (Auto, Verdict::Allow, false, &locked, Rules, true),
            (ModeLlm, Verdict::Allow, true, &locked, Rules, true),
            (Auto, Verdict::Allow, true, &locked, Rules, false),
        ];
        for (i, &(mode, verdict, sure, model, planner, escalate)) in table.iter().enumerate() {
            let r = route(mode, verdict, sure, model);
            assert_eq!(
                (r.planner, r.escalate),
                (planner, escalate),
                "row {i}: {r:?}"
            );
            assert!(!r.why.is_empty());
        }
    }

    #[test]
    fn modes_parse_and_print() {
        for m in PlannerMode::ALL {
            assert_eq!(m.as_str().parse::<PlannerMode>(), Ok(m));
        }
        assert!("fast".parse::<PlannerMode>().is_err());
    }
}
