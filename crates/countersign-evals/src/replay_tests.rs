//! `judge` as a table: every row of the module's table, and the cases that must not flip.

use serde_json::json;

use super::*;

fn cancel(order: &str) -> Value {
    json!({"order_id": order, "reason": "no longer needed"})
}

fn proposal(order: &str, dollars: i64) -> TodayProposal {
    TodayProposal {
        tool: "cancel_pending_order".into(),
        args: cancel(order),
        amount: Money::from_cents(dollars * 100),
    }
}

fn decided(decided: Decided, args: Value) -> DecidedAction {
    DecidedAction {
        decided,
        tool: "cancel_pending_order".into(),
        args,
    }
}

fn today(outcome: &str, proposals: Vec<TodayProposal>) -> Today {
    Today {
        outcome: outcome.into(),
        proposals,
        refused: vec![],
    }
}

#[test]
fn table() {
    let agent = Decided::Approved {
        role: Some(Role::Agent),
    };
    let supervisor = Decided::Approved {
        role: Some(Role::Supervisor),
    };
    let limits = ApprovalLimits::default(); // agents may cancel up to $500
    let refused = Today {
        outcome: "escalate".into(),
        proposals: vec![],
        refused: vec![RefusedProposal {
            tool: "cancel_pending_order".into(),
            args: cancel("#W1"),
            why: "order_not_pending".into(),
        }],
    };
    let other_args = today(
        "reply",
        vec![TodayProposal {
            args: json!({"order_id": "#W1", "reason": "ordered by mistake"}),
            ..proposal("#W1", 100)
        }],
    );
    use FlipKind::*;
    let rows: Vec<(&str, DecidedAction, Today, Option<FlipKind>)> = vec![
        (
            "approved, proposed alike, within limit",
            decided(agent.clone(), cancel("#W1")),
            today("reply", vec![proposal("#W1", 100)]),
            None,
        ),
        (
            "approved, policy now refuses",
            decided(agent.clone(), cancel("#W1")),
            refused,
            Some(RefusedNow),
        ),
        (
            "approved, proposed with other arguments",
            decided(agent.clone(), cancel("#W1")),
            other_args.clone(),
            Some(ProposedDifferently),
        ),
        (
            "approved, another order's action is not this one",
            decided(agent.clone(), cancel("#W1")),
            today("reply", vec![proposal("#W2", 100)]),
            Some(NotProposed),
        ),
        (
            "approved, nothing proposed",
            decided(agent.clone(), cancel("#W1")),
            today("escalate", vec![]),
            Some(NotProposed),
        ),
        (
            "approved by an agent, now above the agent's limit",
            decided(agent.clone(), cancel("#W1")),
            today("reply", vec![proposal("#W1", 501)]),
            Some(NeedsSupervisorNow),
        ),
        (
            "approved by a supervisor: limits do not bind",
            decided(supervisor, cancel("#W1")),
            today("reply", vec![proposal("#W1", 5_000)]),
            None,
        ),
        (
            "approved with an unknown role: no authority verdict",
            decided(Decided::Approved { role: None }, cancel("#W1")),
            today("reply", vec![proposal("#W1", 5_000)]),
            None,
        ),
        (
            "rejected, proposed again",
            decided(Decided::Rejected, cancel("#W1")),
            today("reply", vec![proposal("#W1", 100)]),
            Some(ProposedAgain),
        ),
        (
            "rejected, not proposed any more",
            decided(Decided::Rejected, cancel("#W1")),
            today("reply", vec![]),
            None,
        ),
        (
            "rejected, proposed with other arguments is not the rejected action",
            decided(Decided::Rejected, cancel("#W1")),
            other_args.clone(),
            None,
        ),
        (
            "escalated, still proposed",
            decided(Decided::Escalated, cancel("#W1")),
            other_args,
            None,
        ),
        (
            "escalated, no longer proposed",
            decided(Decided::Escalated, cancel("#W1")),
            today("reply", vec![]),
            Some(NotProposed),
        ),
        (
            "reply sent, still a reply",
            decided(Decided::Reply, json!({})),
            today("reply", vec![]),
            None,
        ),
        (
            "reply sent, now blocked",
            decided(Decided::Reply, json!({})),
            today("block", vec![]),
            Some(NoReplyNow),
        ),
    ];
    for (name, decision, today, want) in rows {
        let got = judge(&decision, &today, &limits).map(|(k, _)| k);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn a_lowered_limit_flips_exactly_the_approvals_above_it() {
    let mut limits = ApprovalLimits::default();
    let agent = Decided::Approved {
        role: Some(Role::Agent),
    };
    let small = today("reply", vec![proposal("#W1", 80)]);
    let large = today("reply", vec![proposal("#W1", 300)]);
    let d = decided(agent, cancel("#W1"));
    assert_eq!(judge(&d, &small, &limits), None);
    assert_eq!(judge(&d, &large, &limits), None);
    limits
        .agent
        .insert(ToolName::CancelPendingOrder, Money::from_cents(100 * 100));
    assert_eq!(judge(&d, &small, &limits), None);
    let (kind, detail) = judge(&d, &large, &limits).unwrap();
    assert_eq!(kind, FlipKind::NeedsSupervisorNow);
    assert!(detail.contains("limit"), "{detail}");
}
