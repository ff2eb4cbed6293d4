//! The reply's approval: a pure decision from the reply proposal's state, the revision the
//! approver saw and the conversation's outcomes to send or refuse. The reply is not a shop
//! write — no amount, no fingerprint — so it has its own gate, with the same first rules.
//!
//! Precedence, first match wins:
//! 1. **Already decided.** A reply is sent at most once.
//! 2. **Expired.** Fails closed, as for every proposal.
//! 3. **Stale revision.** Someone saved a newer text since the approver looked: they must see
//!    what they approve, so the approval names the revision it saw.
//! 4. **Authority.** An escalated reply needs a supervisor.
//! 5. **Contradicts outcomes.** The text claims an action that did not happen
//!    ([`crate::reply_claims`]); sent only when the approver confirms it.
//! 6. Otherwise **send**.

use crate::authority::Role;
use crate::gate::ProposalState;
use crate::reply_claims::OutcomeConflict;

#[derive(Clone, Debug)]
pub struct ReplyGateInput<'a> {
    pub state: ProposalState,
    pub now_ms: i64,
    pub expires_at_ms: i64,
    /// The newest saved revision.
    pub latest_revision: i64,
    /// The revision the approver saw; `None` approves the newest (the CLI, which prints it).
    pub seen_revision: Option<i64>,
    pub role: Role,
    pub conflicts: &'a [OutcomeConflict],
    /// The approver read the conflicts and sends anyway.
    pub confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyRefusal {
    AlreadyDecided(ProposalState),
    Expired,
    StaleRevision { seen: i64, latest: i64 },
    NeedsSupervisor,
    ContradictsOutcomes(Vec<OutcomeConflict>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyDecision {
    Send,
    Refuse(ReplyRefusal),
}

pub fn decide_reply(input: &ReplyGateInput<'_>) -> ReplyDecision {
    use ReplyDecision::Refuse;
    if !input.state.is_open() {
        return Refuse(ReplyRefusal::AlreadyDecided(input.state));
    }
    if input.now_ms >= input.expires_at_ms {
        return Refuse(ReplyRefusal::Expired);
    }
    if let Some(seen) = input.seen_revision {
        if seen != input.latest_revision {
            return Refuse(ReplyRefusal::StaleRevision {
                seen,
                latest: input.latest_revision,
            });
        }
    }
    if input.state == ProposalState::Escalated && input.role != Role::Supervisor {
        return Refuse(ReplyRefusal::NeedsSupervisor);
    }
    if !input.conflicts.is_empty() && !input.confirmed {
        return Refuse(ReplyRefusal::ContradictsOutcomes(input.conflicts.to_vec()));
    }
    ReplyDecision::Send
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_shop::ToolName;
    use ProposalState::*;

    #[test]
    fn table() {
        // Leaked so the table's closures can borrow it for any lifetime; a test, once.
        let conflict: &'static [OutcomeConflict] = Box::leak(Box::new([OutcomeConflict {
            proposal_id: 1,
            tool: ToolName::CancelPendingOrder,
            state: Rejected,
            sentence: "I have prepared the cancellation.".into(),
        }]));
        let base = ReplyGateInput {
            state: Pending,
            now_ms: 100,
            expires_at_ms: 200,
            latest_revision: 2,
            seen_revision: Some(2),
            role: Role::Agent,
            conflicts: &[],
            confirmed: false,
        };
        let with = |f: &dyn Fn(&mut ReplyGateInput<'static>)| {
            let mut input = base.clone();
            f(&mut input);
            decide_reply(&input)
        };
        use ReplyDecision::*;
        use ReplyRefusal::*;
        let cases: Vec<(&str, ReplyDecision)> = vec![
            ("pending, fresh, no conflicts", with(&|_| {})),
            ("executed", with(&|i| i.state = Executed)),
            ("rejected", with(&|i| i.state = Rejected)),
            ("expired by time", with(&|i| i.now_ms = 200)),
            ("stale revision", with(&|i| i.seen_revision = Some(1))),
            ("newest, unnamed", with(&|i| i.seen_revision = None)),
            ("escalated, agent", with(&|i| i.state = Escalated)),
            (
                "escalated, supervisor",
                with(&|i| {
                    i.state = Escalated;
                    i.role = Role::Supervisor;
                }),
            ),
            ("conflict, unconfirmed", with(&|i| i.conflicts = conflict)),
            (
                "conflict, confirmed",
                with(&|i| {
                    i.conflicts = conflict;
                    i.confirmed = true;
                }),
            ),
            // Precedence: decided beats expired beats stale beats authority beats conflicts.
            (
                "executed and expired",
                with(&|i| {
                    i.state = Executed;
                    i.now_ms = 300;
                }),
            ),
            (
                "expired and stale",
                with(&|i| {
                    i.now_ms = 300;
                    i.seen_revision = Some(0);
                }),
            ),
            (
                "stale and escalated",
                with(&|i| {
                    i.state = Escalated;
                    i.seen_revision = Some(0);
                }),
            ),
            (
                "escalated with a conflict",
                with(&|i| {
                    i.state = Escalated;
                    i.conflicts = conflict;
                }),
            ),
        ];
        let want: Vec<ReplyDecision> = vec![
            Send,
            Refuse(AlreadyDecided(Executed)),
            Refuse(AlreadyDecided(Rejected)),
            Refuse(Expired),
            Refuse(StaleRevision { seen: 1, latest: 2 }),
            Send,
            Refuse(NeedsSupervisor),
            Send,
            Refuse(ContradictsOutcomes(conflict.to_vec())),
            Send,
            Refuse(AlreadyDecided(Executed)),
            Refuse(Expired),
            Refuse(StaleRevision { seen: 0, latest: 2 }),
            Refuse(NeedsSupervisor),
        ];
        assert_eq!(cases.len(), want.len());
        for ((name, got), want) in cases.into_iter().zip(want) {
            assert_eq!(got, want, "{name}");
        }
    }
}
