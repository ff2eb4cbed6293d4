//! The approval of an external write: a pure decision from the stored proposal, the catalogue
//! as it stands now, the arguments about to be approved and the approver's role, to execute
//! or refuse. The demo shop's gate (`countersign_core::gate`) judges a shop write against the
//! shop's facts; an external write was judged by policy when it was checked
//! ([`crate::check_proposal`], its [`Verdict`]), so this gate holds the approval to that
//! judgement and to the exact bytes it covered.
//!
//! Precedence, first match wins:
//! 1. **Already decided.** An external call is executed at most once.
//! 2. **Expired.** Fails closed, as for every proposal.
//! 3. **Tool changed.** The catalogue no longer lists the tool as a `write` at the definition
//!    the proposal was checked against (a rug pull, a reclassification to forbidden, a removal):
//!    the proposal is invalidated, never executed against a tool nobody reviewed.
//! 4. **Arguments differ.** The bytes about to be approved do not hash to what was checked
//!    (an edit that skipped the check, or a stored row altered since): nothing is approved.
//! 5. **Authority.** An escalated proposal needs a supervisor; so does a verdict that requires
//!    one (the tool's approver, or an amount above the agent limit).
//! 6. Otherwise **execute**.

use countersign_core::{ProposalState, Role};

use crate::fingerprint::{ArgsHash, ToolHash};
use crate::policy::Verdict;

#[derive(Clone, Debug)]
pub struct ExternalGateInput<'a> {
    pub state: ProposalState,
    pub now_ms: i64,
    pub expires_at_ms: i64,
    /// The tool's definition the proposal was checked against.
    pub tool_hash_then: &'a ToolHash,
    /// The definition the catalogue classifies as `write` now; `None` when the tool is no
    /// longer a write (unclassified after a change, forbidden, read, unlisted or unknown).
    pub write_tool_hash_now: Option<&'a ToolHash>,
    /// The hash recorded when the (possibly edited) arguments were checked.
    pub checked_args_hash: &'a ArgsHash,
    /// The hash of the bytes that the approval will bind and execution will send.
    pub approving_args_hash: &'a ArgsHash,
    pub verdict: &'a Verdict,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternalRefusal {
    AlreadyDecided(ProposalState),
    Expired,
    ToolChanged,
    ArgumentsDiffer,
    /// Escalated, or the verdict requires a supervisor.
    NeedsSupervisor {
        escalated: bool,
    },
}

impl ExternalRefusal {
    /// Stable codes, shared with the demo shop's refusals where the meaning is the same.
    pub fn code(&self) -> &'static str {
        match self {
            ExternalRefusal::AlreadyDecided(_) => "already_decided",
            ExternalRefusal::Expired => "expired",
            ExternalRefusal::ToolChanged => "tool_changed",
            ExternalRefusal::ArgumentsDiffer => "args_mismatch",
            ExternalRefusal::NeedsSupervisor { .. } => "needs_supervisor",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternalDecision {
    Execute,
    Refuse(ExternalRefusal),
}

pub fn decide_external(input: &ExternalGateInput<'_>) -> ExternalDecision {
    use ExternalDecision::Refuse;
    if !input.state.is_open() {
        return Refuse(ExternalRefusal::AlreadyDecided(input.state));
    }
    if input.now_ms >= input.expires_at_ms {
        return Refuse(ExternalRefusal::Expired);
    }
    if input.write_tool_hash_now != Some(input.tool_hash_then) {
        return Refuse(ExternalRefusal::ToolChanged);
    }
    if input.checked_args_hash != input.approving_args_hash {
        return Refuse(ExternalRefusal::ArgumentsDiffer);
    }
    let escalated = input.state == ProposalState::Escalated;
    if input.role != Role::Supervisor && (escalated || !input.verdict.may_approve(input.role)) {
        return Refuse(ExternalRefusal::NeedsSupervisor { escalated });
    }
    ExternalDecision::Execute
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExternalDecision::*;
    use ExternalRefusal::*;

    fn verdict(required_role: Role) -> Verdict {
        Verdict {
            required_role,
            amount: None,
            agent_limit: None,
            ownership: None,
        }
    }

    #[test]
    fn table() {
        let then = ToolHash("t1".into());
        let changed = ToolHash("t2".into());
        let checked = ArgsHash("a1".into());
        let edited = ArgsHash("a2".into());
        let agent_verdict = verdict(Role::Agent);
        let supervisor_verdict = verdict(Role::Supervisor);
        let base = ExternalGateInput {
            state: ProposalState::Pending,
            now_ms: 100,
            expires_at_ms: 200,
            tool_hash_then: &then,
            write_tool_hash_now: Some(&then),
            checked_args_hash: &checked,
            approving_args_hash: &checked,
            verdict: &agent_verdict,
            role: Role::Agent,
        };
        let rows: Vec<(&str, ExternalGateInput<'_>, ExternalDecision)> = vec![
            ("pending, agent, agent verdict", base.clone(), Execute),
            (
                "executed",
                ExternalGateInput {
                    state: ProposalState::Executed,
                    ..base.clone()
                },
                Refuse(AlreadyDecided(ProposalState::Executed)),
            ),
            (
                "rejected",
                ExternalGateInput {
                    state: ProposalState::Rejected,
                    ..base.clone()
                },
                Refuse(AlreadyDecided(ProposalState::Rejected)),
            ),
            (
                "expired by time",
                ExternalGateInput {
                    now_ms: 200,
                    ..base.clone()
                },
                Refuse(Expired),
            ),
            (
                "tool definition changed",
                ExternalGateInput {
                    write_tool_hash_now: Some(&changed),
                    ..base.clone()
                },
                Refuse(ToolChanged),
            ),
            (
                "tool no longer a write",
                ExternalGateInput {
                    write_tool_hash_now: None,
                    ..base.clone()
                },
                Refuse(ToolChanged),
            ),
            (
                "arguments differ from the checked ones",
                ExternalGateInput {
                    approving_args_hash: &edited,
                    ..base.clone()
                },
                Refuse(ArgumentsDiffer),
            ),
            (
                "supervisor verdict, agent",
                ExternalGateInput {
                    verdict: &supervisor_verdict,
                    ..base.clone()
                },
                Refuse(NeedsSupervisor { escalated: false }),
            ),
            (
                "supervisor verdict, supervisor",
                ExternalGateInput {
                    verdict: &supervisor_verdict,
                    role: Role::Supervisor,
                    ..base.clone()
                },
                Execute,
            ),
            (
                "escalated, agent",
                ExternalGateInput {
                    state: ProposalState::Escalated,
                    ..base.clone()
                },
                Refuse(NeedsSupervisor { escalated: true }),
            ),
            (
                "escalated, supervisor",
                ExternalGateInput {
                    state: ProposalState::Escalated,
                    role: Role::Supervisor,
                    ..base.clone()
                },
                Execute,
            ),
            // Precedence: decided beats expired beats tool beats arguments beats authority.
            (
                "executed and expired",
                ExternalGateInput {
                    state: ProposalState::Executed,
                    now_ms: 300,
                    ..base.clone()
                },
                Refuse(AlreadyDecided(ProposalState::Executed)),
            ),
            (
                "expired and tool changed",
                ExternalGateInput {
                    now_ms: 300,
                    write_tool_hash_now: None,
                    ..base.clone()
                },
                Refuse(Expired),
            ),
            (
                "tool changed and arguments differ",
                ExternalGateInput {
                    write_tool_hash_now: None,
                    approving_args_hash: &edited,
                    ..base.clone()
                },
                Refuse(ToolChanged),
            ),
            (
                "arguments differ, supervisor verdict, supervisor",
                ExternalGateInput {
                    approving_args_hash: &edited,
                    verdict: &supervisor_verdict,
                    role: Role::Supervisor,
                    ..base.clone()
                },
                Refuse(ArgumentsDiffer),
            ),
        ];
        for (name, input, expected) in rows {
            assert_eq!(decide_external(&input), expected, "{name}");
        }
    }

    #[test]
    fn codes_match_the_shop_gate_where_the_meaning_is_the_same() {
        assert_eq!(
            ExternalRefusal::NeedsSupervisor { escalated: false }.code(),
            "needs_supervisor"
        );
        assert_eq!(ExternalRefusal::Expired.code(), "expired");
        assert_eq!(ExternalRefusal::ArgumentsDiffer.code(), "args_mismatch");
    }
}
