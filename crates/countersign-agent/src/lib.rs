//! The agent: an LLM planner plugged into the same pipeline as the rules planner, so it can
//! never do more than the rules planner can. It reads through the scoped read tools, proposes
//! through schema and policy (a person approves), and its drafts are validated before anyone
//! sees them. [`Agent`] routes each request to the rules planner or the LLM and records the
//! result through the desk.

mod agent;
pub mod budget;
pub mod external_tools;
pub mod fence;
mod llm_planner;
mod model;
mod policy_text;
pub mod prompt;
mod provider_model;
pub mod toolbox;
pub mod validate;

pub use agent::{Agent, ModelAccess, Routed, DEFAULT_DEADLINE};
pub use external_tools::{ExternalDispatched, ExternalLimits, ExternalTools, Unavailable};
pub use llm_planner::{LlmOutcome, LlmPlanner};
pub use model::{Model, ModelFailure, ModelReply};
pub use provider_model::{
    default_client_settings, is_loopback, model_access, provider_client, ProviderModel,
};
