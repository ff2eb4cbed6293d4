//! Eval harnesses over the desk.

pub mod datasets;
pub mod tau_replay;
