//! The front half of the pipeline: channel adapters → input guard → authentication → rules
//! planner → proposals and a grounded draft. Pure: the shop and the knowledge base come in
//! through ports; nothing here writes anything.

pub mod chat;
pub mod draft;
pub mod email;
pub mod guard;
pub mod intent;
pub mod kb;
pub mod normalize;
pub mod plan;
pub mod planner;
pub mod price;
pub mod request;
pub mod routing;

pub use guard::{check as guard_check, screen, GuardReport, Screened, Verdict};
pub use plan::{Caps, Handoff, ModelCall, Outcome, Plan, PlannerKind, ProposedAction, TraceStep};
pub use planner::{identify, rules_sure, MonotonicTicker, RulesPlanner, Ticker};
pub use price::{Price, PriceTable};
pub use request::{Channel, Request, RequestError, Speaker, Turn};
pub use routing::{route, ModelReadiness, PlannerMode, Route};
