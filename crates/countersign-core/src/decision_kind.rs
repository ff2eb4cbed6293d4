//! What a person (or the system, for expiry) decided about a proposal.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DecisionKind {
    /// Approved and executed.
    Approved,
    Rejected,
    /// Handed to a supervisor.
    Escalated,
    /// Closed by time: nobody decided before the proposal's expiry.
    Expired,
    /// Closed because the order or customer record changed after the proposal was made.
    Invalidated,
    /// An approval attempt the gate refused (limit, policy, already decided); the proposal
    /// stays as it was.
    Refused,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 6] = [
        DecisionKind::Approved,
        DecisionKind::Rejected,
        DecisionKind::Escalated,
        DecisionKind::Expired,
        DecisionKind::Invalidated,
        DecisionKind::Refused,
    ];

    /// The stored form (the `decisions.kind` column and the CLI's output).
    pub const fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Approved => "approved",
            DecisionKind::Rejected => "rejected",
            DecisionKind::Escalated => "escalated",
            DecisionKind::Expired => "expired",
            DecisionKind::Invalidated => "invalidated",
            DecisionKind::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_form() {
        for k in DecisionKind::ALL {
            assert_eq!(DecisionKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.as_str()))
            );
        }
        assert_eq!(DecisionKind::parse("approve"), None);
    }
}
