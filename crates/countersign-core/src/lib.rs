//! Pure decisions of the guarded pipeline. No I/O: time comes in through [`Clock`], state comes
//! in as typed values, and every function here is table-tested.

pub mod audit_chain;
pub mod audit_kind;
pub mod authority;
pub mod clock;
pub mod decision_kind;
pub mod gate;
pub mod reply_claims;
pub mod reply_gate;
pub mod retry_after;
pub mod secret;

pub use audit_kind::{AuditKind, AuditSubject};
pub use authority::{ApprovalLimits, Authority, Role};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decision_kind::DecisionKind;
pub use gate::{decide, GateDecision, GateInput, ProposalState, Refusal};
pub use reply_claims::{outcome_conflicts, ActionOutcome, OutcomeConflict};
pub use reply_gate::{decide_reply, ReplyDecision, ReplyGateInput, ReplyRefusal};
pub use secret::{Secret, SecretError, SecretStore};
