//! The approval gate's decision: a pure function from a proposal's state and the world now to
//! execute or refuse.
//!
//! Precedence, first match wins (each later rule assumes the earlier ones passed):
//! 1. **Already decided.** Executed, rejected, expired or invalidated proposals never run again.
//!    Exactly-once beats everything else.
//! 2. **Expired.** `now >= expires_at` fails closed, whoever approves.
//! 3. **Invalidated.** The subject (order or customer record) is gone or differs from when the
//!    proposal was made: the approver saw a preview of a world that no longer exists.
//! 4. **Policy.** The (possibly edited) arguments, judged against the shop now, break policy.
//! 5. **Authority.** An escalated proposal needs a supervisor; so does an amount above the
//!    agent's limit for the tool.
//! 6. Otherwise **execute**.

use countersign_shop::{Money, PolicyViolation, ToolName};
use serde::{Deserialize, Serialize};

use crate::authority::{authority, ApprovalLimits, Authority, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ProposalState {
    /// Waiting for an agent.
    Pending,
    /// Handed to a supervisor; only a supervisor may approve it.
    Escalated,
    Executed,
    Rejected,
    Expired,
    Invalidated,
}

impl ProposalState {
    pub const ALL: [ProposalState; 6] = [
        ProposalState::Pending,
        ProposalState::Escalated,
        ProposalState::Executed,
        ProposalState::Rejected,
        ProposalState::Expired,
        ProposalState::Invalidated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Pending => "pending",
            ProposalState::Escalated => "escalated",
            ProposalState::Executed => "executed",
            ProposalState::Rejected => "rejected",
            ProposalState::Expired => "expired",
            ProposalState::Invalidated => "invalidated",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalState> {
        ProposalState::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Open proposals can still be approved, edited, rejected or escalated.
    pub fn is_open(self) -> bool {
        matches!(self, ProposalState::Pending | ProposalState::Escalated)
    }
}

/// Everything the gate looks at, gathered by the caller inside the approving transaction.
#[derive(Clone, Debug)]
pub struct GateInput<'a> {
    pub state: ProposalState,
    pub now_ms: i64,
    pub expires_at_ms: i64,
    /// The subject's fingerprint when the proposal was made.
    pub fingerprint_then: &'a str,
    /// The subject's fingerprint now; `None` if it no longer exists.
    pub fingerprint_now: Option<&'a str>,
    pub tool: ToolName,
    /// Policy's verdict on the arguments being approved, against the shop now: the amount at
    /// stake, or the violation.
    pub policy_now: Result<Money, &'a PolicyViolation>,
    pub role: Role,
    pub limits: &'a ApprovalLimits,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    AlreadyDecided(ProposalState),
    Expired,
    Invalidated,
    Policy(PolicyViolation),
    NeedsSupervisor {
        amount: Money,
        limit: Option<Money>,
        escalated: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateDecision {
    Execute,
    Refuse(Refusal),
}

pub fn decide(input: &GateInput<'_>) -> GateDecision {
    use GateDecision::Refuse;
    if !input.state.is_open() {
        return Refuse(Refusal::AlreadyDecided(input.state));
    }
    if input.now_ms >= input.expires_at_ms {
        return Refuse(Refusal::Expired);
    }
    if input.fingerprint_now != Some(input.fingerprint_then) {
        return Refuse(Refusal::Invalidated);
    }
    let amount = match input.policy_now {
        Ok(amount) => amount,
        Err(v) => return Refuse(Refusal::Policy(v.clone())),
    };
    let escalated = input.state == ProposalState::Escalated;
    if escalated && input.role != Role::Supervisor {
        return Refuse(Refusal::NeedsSupervisor {
            amount,
            limit: None,
            escalated,
        });
    }
    match authority(input.role, input.tool, amount, input.limits) {
        Authority::Allowed => GateDecision::Execute,
        Authority::NeedsSupervisor { limit } => Refuse(Refusal::NeedsSupervisor {
            amount,
            limit,
            escalated,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_shop::ViolationCode;
    use ProposalState::*;

    fn violation() -> PolicyViolation {
        PolicyViolation {
            code: ViolationCode::WrongStatus,
            message: "order is delivered".into(),
        }
    }

    /// One row per precedence rule, plus the cases where two rules fire at once.
    #[test]
    fn precedence_table() {
        let limits = ApprovalLimits::default();
        let v = violation();
        let m = Money::from_cents;
        // (state, now, fingerprint now, policy now, role, expected)
        type Row<'a> = (
            ProposalState,
            i64,
            Option<&'a str>,
            Result<Money, &'a PolicyViolation>,
            Role,
            GateDecision,
        );
        let exec = GateDecision::Execute;
        let refuse = GateDecision::Refuse;
        let rows: Vec<Row<'_>> = vec![
            (
                Pending,
                10,
                Some("f"),
                Ok(m(100)),
                Role::Agent,
                exec.clone(),
            ),
            (
                Escalated,
                10,
                Some("f"),
                Ok(m(100)),
                Role::Supervisor,
                exec.clone(),
            ),
            // 1. already decided beats expired, invalidated and policy
            (
                Executed,
                10,
                Some("f"),
                Ok(m(100)),
                Role::Supervisor,
                refuse(Refusal::AlreadyDecided(Executed)),
            ),
            (
                Executed,
                99,
                None,
                Err(&v),
                Role::Supervisor,
                refuse(Refusal::AlreadyDecided(Executed)),
            ),
            (
                Rejected,
                10,
                Some("f"),
                Ok(m(1)),
                Role::Agent,
                refuse(Refusal::AlreadyDecided(Rejected)),
            ),
            (
                Expired,
                10,
                Some("f"),
                Ok(m(1)),
                Role::Agent,
                refuse(Refusal::AlreadyDecided(Expired)),
            ),
            (
                Invalidated,
                10,
                Some("f"),
                Ok(m(1)),
                Role::Agent,
                refuse(Refusal::AlreadyDecided(Invalidated)),
            ),
            // 2. expired, exactly at the deadline too, beats invalidated
            (
                Pending,
                50,
                Some("f"),
                Ok(m(1)),
                Role::Supervisor,
                refuse(Refusal::Expired),
            ),
            (
                Pending,
                99,
                Some("changed"),
                Ok(m(1)),
                Role::Agent,
                refuse(Refusal::Expired),
            ),
            // 3. invalidated: changed or vanished subject, beats policy
            (
                Pending,
                10,
                Some("changed"),
                Ok(m(1)),
                Role::Supervisor,
                refuse(Refusal::Invalidated),
            ),
            (
                Pending,
                10,
                None,
                Err(&v),
                Role::Supervisor,
                refuse(Refusal::Invalidated),
            ),
            // 4. policy beats authority
            (
                Pending,
                10,
                Some("f"),
                Err(&v),
                Role::Agent,
                refuse(Refusal::Policy(v.clone())),
            ),
            // 5. authority
            (
                Pending,
                10,
                Some("f"),
                Ok(m(50_001)),
                Role::Agent,
                refuse(Refusal::NeedsSupervisor {
                    amount: m(50_001),
                    limit: Some(m(50_000)),
                    escalated: false,
                }),
            ),
            (
                Pending,
                10,
                Some("f"),
                Ok(m(50_001)),
                Role::Supervisor,
                exec.clone(),
            ),
            (
                Escalated,
                10,
                Some("f"),
                Ok(m(1)),
                Role::Agent,
                refuse(Refusal::NeedsSupervisor {
                    amount: m(1),
                    limit: None,
                    escalated: true,
                }),
            ),
        ];
        for (i, (state, now, fp_now, policy_now, role, want)) in rows.into_iter().enumerate() {
            let input = GateInput {
                state,
                now_ms: now,
                expires_at_ms: 50,
                fingerprint_then: "f",
                fingerprint_now: fp_now,
                tool: ToolName::CancelPendingOrder,
                policy_now,
                role,
                limits: &limits,
            };
            assert_eq!(decide(&input), want, "row {i}");
        }
    }
}
