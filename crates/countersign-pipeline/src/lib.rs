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
pub mod request;

pub use guard::{check as guard_check, screen, GuardReport, Screened, Verdict};
pub use plan::{Caps, Handoff, Outcome, Plan, ProposedAction, TraceStep};
pub use planner::{MonotonicTicker, RulesPlanner, Ticker};
pub use request::{Channel, Request, RequestError};
