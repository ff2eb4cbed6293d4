//! Eval harnesses over the desk: τ-bench replay, our own eval cases, and the demo inbox.

pub mod case;
pub mod datasets;
pub mod eval;
pub mod guard_eval;
pub mod guard_train;
pub mod inbox;
pub mod replay;
pub mod tau_replay;
pub mod thresholds;
pub mod workers;
