//! Who may approve what: an agent up to a limit per action kind, a supervisor above it.

use std::collections::BTreeMap;

use countersign_shop::{Money, ToolName};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    Agent,
    Supervisor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "agent" => Ok(Role::Agent),
            "supervisor" => Ok(Role::Supervisor),
            other => Err(format!("unknown role `{other}` (agent or supervisor)")),
        }
    }
}

/// An agent's approval limit per write tool, on the proposal's amount at stake. A tool not in
/// the map needs a supervisor whatever the amount: new kinds of action fail closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApprovalLimits {
    pub agent: BTreeMap<ToolName, Money>,
}

impl Default for ApprovalLimits {
    fn default() -> Self {
        use ToolName::*;
        let dollars = |d: i64| Money::from_cents(d * 100);
        ApprovalLimits {
            agent: BTreeMap::from([
                (CancelPendingOrder, dollars(500)),
                (ModifyPendingOrderAddress, dollars(0)),
                (ModifyPendingOrderPayment, dollars(500)),
                (ModifyPendingOrderItems, dollars(200)),
                (ReturnDeliveredOrderItems, dollars(300)),
                (ExchangeDeliveredOrderItems, dollars(500)),
                (ModifyUserAddress, dollars(0)),
            ]),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    Allowed,
    /// Above the agent's limit (or no limit set for this tool).
    NeedsSupervisor {
        limit: Option<Money>,
    },
}

/// Pure: may `role` approve `tool` for `amount`? Limits are inclusive.
pub fn authority(role: Role, tool: ToolName, amount: Money, limits: &ApprovalLimits) -> Authority {
    match role {
        Role::Supervisor => Authority::Allowed,
        Role::Agent => match limits.agent.get(&tool) {
            Some(&limit) if amount <= limit => Authority::Allowed,
            limit => Authority::NeedsSupervisor {
                limit: limit.copied(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ToolName::*;

    #[test]
    fn table() {
        let limits = ApprovalLimits::default();
        let c = Money::from_cents;
        let cases = [
            (
                Role::Agent,
                CancelPendingOrder,
                c(50_000),
                Authority::Allowed,
            ),
            (
                Role::Agent,
                CancelPendingOrder,
                c(50_001),
                Authority::NeedsSupervisor {
                    limit: Some(c(50_000)),
                },
            ),
            (
                Role::Supervisor,
                CancelPendingOrder,
                c(9_999_999),
                Authority::Allowed,
            ),
            (
                Role::Agent,
                ModifyPendingOrderAddress,
                c(0),
                Authority::Allowed,
            ),
            (
                Role::Agent,
                ReturnDeliveredOrderItems,
                c(30_001),
                Authority::NeedsSupervisor {
                    limit: Some(c(30_000)),
                },
            ),
            (
                Role::Agent,
                GetOrderDetails,
                c(0),
                Authority::NeedsSupervisor { limit: None },
            ),
        ];
        for (role, tool, amount, want) in cases {
            assert_eq!(
                authority(role, tool, amount, &limits),
                want,
                "{role:?} {tool} {amount}"
            );
        }
    }
}
