//! The declarative policy for external tools: the file an administrator writes
//! (`format.rs`) and the pure evaluation of one call against it (`evaluate.rs`).

mod evaluate;
mod format;

pub use evaluate::{
    check_arguments, check_read_result, evaluate, ownership_lookup, Amount, Customer,
    OwnershipEvidence, PolicyRefusal, RefusalCode, Verdict,
};
pub use format::{
    AmountRule, AmountUnit, Approver, Constraint, CustomerKey, OwnershipRule, Policy, PolicyFile,
    PolicyFileError, ServerPolicy, ToolPolicy,
};
